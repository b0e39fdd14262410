// libFuzzer target for the .safetensors reader (include/hilm/io/safetensors.hpp): any input must
// either parse or raise hilm::io_error; every tensor of rank <= 2 is then converted to float (and
// vectors to double), which may also only raise hilm::io_error. Seeds:
// tests/fuzz/corpus/safetensors.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include <hilm/io/safetensors.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::byte> bytes(size);
  if (size > 0) std::memcpy(bytes.data(), data, size);
  try {
    const auto file = hilm::SafetensorsFile::parse(std::move(bytes), "fuzz.safetensors");
    for (const auto& t : file.tensors()) {
      if (t.shape.size() > 2) continue;
      try {
        const auto m = file.matrix<float>(t.name);
        if (m.size() != t.size()) __builtin_trap();
      } catch (const hilm::io_error&) {
      }
      if (t.shape.size() <= 1) {
        try {
          (void)file.vector<double>(t.name);
        } catch (const hilm::io_error&) {
        }
      }
    }
  } catch (const hilm::io_error&) {
  }
  return 0;
}

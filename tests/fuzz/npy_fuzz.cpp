// libFuzzer target for the .npy parser (include/hilm/io/npy.hpp). Any input must either decode or
// throw hilm::io_error; crashes, sanitizer reports, other exceptions and hangs are findings.
// Build and run (see tests/fuzz/CMakeLists.txt for the CMake target hilm_fuzz_npy):
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -I include \
//     -isystem /usr/include/eigen3 tests/fuzz/npy_fuzz.cpp -o /tmp/npy_fuzz
//   cp -r tests/fuzz/corpus/npy /tmp/npy_corpus && /tmp/npy_fuzz -max_total_time=60 /tmp/npy_corpus
#include <cstddef>
#include <cstdint>
#include <span>

#include <hilm/io/npy.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  try {
    const hilm::NpyHeader header = hilm::parse_npy_header(bytes, "fuzz.npy");
    // The header must describe data inside the buffer.
    if (header.data_offset + header.data_bytes() > size) __builtin_trap();
  } catch (const hilm::io_error&) {
  }
  try {
    (void)hilm::parse_npy<double>(bytes, "fuzz.npy");
  } catch (const hilm::io_error&) {
  }
  try {
    (void)hilm::parse_npy<float>(bytes, "fuzz.npy", hilm::Conversion::Exact);
  } catch (const hilm::io_error&) {
  }
  try {
    (void)hilm::parse_npy<std::int64_t>(bytes, "fuzz.npy");
  } catch (const hilm::io_error&) {
  }
  return 0;
}

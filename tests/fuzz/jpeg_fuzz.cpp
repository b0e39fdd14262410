// libFuzzer target for the baseline JPEG decoder (include/hilm/io/jpeg.hpp). Any input must either
// decode to an image whose sample count matches its frame header (1 or 3 channels) or throw
// hilm::io_error; crashes, sanitizer reports, other exceptions and hangs are findings. Seed
// corpus: tests/fuzz/corpus/jpeg/ (the fixtures of tests/data/jpeg, baseline and progressive).
#include <cstddef>
#include <cstdint>
#include <span>

#include <hilm/io/jpeg.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  try {
    const hilm::PngImage image = hilm::decode_jpeg(bytes, "fuzz.jpg");
    const auto expected = static_cast<std::size_t>(image.width) *
                          static_cast<std::size_t>(image.height) *
                          static_cast<std::size_t>(image.channels);
    if (image.width < 1 || image.height < 1 || (image.channels != 1 && image.channels != 3) ||
        image.samples.size() != expected) {
      __builtin_trap();
    }
  } catch (const hilm::io_error&) {
  }
  return 0;
}

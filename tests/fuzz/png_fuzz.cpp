// libFuzzer target for the PNG decoder (include/hilm/io/png.hpp). Any input must either decode to
// an image whose sample count matches its header, or throw hilm::io_error; an image that decodes
// must survive encode_png → decode_png unchanged. Crashes, sanitizer reports, other exceptions
// and hangs are findings. Seed corpus: tests/fuzz/corpus/png/ (the fixtures of tests/data/png).
#include <cstddef>
#include <cstdint>
#include <span>

#include <hilm/io/png.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  hilm::PngImage image;
  try {
    image = hilm::decode_png(bytes, "fuzz.png");
  } catch (const hilm::io_error&) {
    return 0;
  }
  const auto expected = static_cast<std::size_t>(image.width) *
                        static_cast<std::size_t>(image.height) *
                        static_cast<std::size_t>(image.channels);
  if (image.width < 1 || image.height < 1 || image.channels < 1 || image.channels > 4 ||
      image.samples.size() != expected) {
    __builtin_trap();
  }
  const hilm::PngImage again = hilm::decode_png(hilm::encode_png(image), "round-trip.png");
  if (again.width != image.width || again.height != image.height ||
      again.channels != image.channels || again.samples != image.samples) {
    __builtin_trap();
  }
  return 0;
}

/// @file
/// Reading and writing PNG images (8-bit gray, gray+alpha, RGB, RGBA and palette; not
/// interlaced), with no dependency: hilm carries its own inflate and a small deflate
/// (`io/detail/deflate.hpp`).
///
/// Reading is strict: the signature, every chunk's CRC, the IHDR fields, the zlib header, the
/// Adler-32 checksum and the amount of image data are checked, and every violation is an
/// `io_error` naming the file. Palette images are expanded to RGB; 16-bit and interlaced images
/// are refused with a message saying so. Writing is deterministic (same pixels, same bytes) and
/// atomic.
///
/// ```cpp
/// hilm::PngImage image = hilm::read_png("photo.png");   // image.channels: 1, 2, 3 or 4
/// image.samples[(y * image.width + x) * image.channels + c];  // sample c of pixel (x, y)
/// hilm::write_png("copy.png", image);
/// ```
#ifndef HILM_IO_PNG_HPP
#define HILM_IO_PNG_HPP

#include <cstdint>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/io/atomic_file.hpp>
#include <hilm/io/detail/png_codec.hpp>

namespace hilm {

/// An 8-bit image: `channels` samples per pixel (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA), pixels
/// row by row from the top left, `samples.size() == width * height * channels`.
struct PngImage {
  Index width = 0;
  Index height = 0;
  int channels = 0;
  std::vector<std::uint8_t> samples;
};

/// Decodes a PNG file held in memory; `name` names it in error messages.
/// @throws io_error on a malformed or unsupported file.
[[nodiscard]] inline PngImage decode_png(std::span<const std::uint8_t> bytes,
                                         const std::string& name = "<memory>") {
  auto pixels = detail::png_decode(bytes, name);
  return {static_cast<Index>(pixels.width), static_cast<Index>(pixels.height), pixels.channels,
          std::move(pixels.samples)};
}

/// Reads a PNG file.
/// @throws io_error naming `path` if it cannot be read or is malformed or unsupported.
[[nodiscard]] inline PngImage read_png(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) detail::raise<io_error>(path, "cannot open file");
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                        std::istreambuf_iterator<char>());
  if (in.bad()) detail::raise<io_error>(path, "read error");
  return decode_png(bytes, path);
}

/// Encodes `image` as PNG bytes.
/// @throws invalid_argument if the channel count is not 1–4 or `samples` has the wrong size.
[[nodiscard]] inline std::vector<std::uint8_t> encode_png(const PngImage& image) {
  if (image.channels < 1 || image.channels > 4) {
    detail::raise<invalid_argument>("encode_png: channels must be 1..4, got " +
                                    std::to_string(image.channels));
  }
  if (image.width < 1 || image.height < 1 || image.width > (Index{1} << 24) ||
      image.height > (Index{1} << 24) ||
      static_cast<Index>(image.samples.size()) != image.width * image.height * image.channels) {
    detail::raise<invalid_argument>(
        "encode_png: samples.size() must equal width * height * "
        "channels with 1 <= width, height <= 2^24");
  }
  detail::PngPixels pixels{static_cast<std::size_t>(image.width),
                           static_cast<std::size_t>(image.height), image.channels, image.samples};
  return detail::png_encode(pixels);
}

/// Writes `image` to `path` as PNG, atomically.
/// @throws invalid_argument as `encode_png`; io_error naming `path` if it cannot be written.
inline void write_png(const std::string& path, const PngImage& image) {
  const auto bytes = encode_png(image);
  write_file_atomically(path, [&](std::ostream& out) {
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
  });
}

}  // namespace hilm

#endif  // HILM_IO_PNG_HPP

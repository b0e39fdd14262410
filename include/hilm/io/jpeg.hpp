/// @file
/// Reading baseline JPEG images (8-bit, Huffman-coded, sequential; gray or YCbCr with any
/// chroma subsampling; restart intervals), with no dependency, and `read_image`, which reads PNG
/// or JPEG by the file's signature. Progressive, arithmetic-coded, 12-bit, CMYK and multi-scan
/// files are refused with an `io_error` saying so. The result is the 8-bit image type of
/// `hilm/io/png.hpp` (1 channel for gray, 3 for colour), so a decoded photo can be written as PNG.
///
/// Pixels can differ from libjpeg's by a level or two: hilm uses a float inverse DCT and bilinear
/// chroma upsampling (libjpeg's default "fancy" upsampling for 2:1), libjpeg an integer DCT.
///
/// ```cpp
/// hilm::PngImage photo = hilm::read_image("china.jpg");   // photo.channels == 3
/// ```
#ifndef HILM_IO_JPEG_HPP
#define HILM_IO_JPEG_HPP

#include <cstdint>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/io/detail/jpeg_codec.hpp>
#include <hilm/io/png.hpp>

namespace hilm {

/// Decodes a baseline JPEG file held in memory; `name` names it in error messages.
/// @throws io_error on a malformed or unsupported file.
[[nodiscard]] inline PngImage decode_jpeg(std::span<const std::uint8_t> bytes,
                                          const std::string& name = "<memory>") {
  auto pixels = detail::JpegDecoder(bytes, name).decode();
  return {static_cast<Index>(pixels.width), static_cast<Index>(pixels.height), pixels.channels,
          std::move(pixels.samples)};
}

/// Reads a PNG or baseline JPEG file, told apart by its first bytes.
/// @throws io_error naming `path` if it cannot be read, is neither, or is malformed.
[[nodiscard]] inline PngImage read_image(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) detail::raise<io_error>(path, "cannot open file");
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                        std::istreambuf_iterator<char>());
  if (in.bad()) detail::raise<io_error>(path, "read error");
  if (bytes.size() >= 2 && bytes[0] == 0xFF && bytes[1] == 0xD8) return decode_jpeg(bytes, path);
  return decode_png(bytes, path);
}

}  // namespace hilm

#endif  // HILM_IO_JPEG_HPP

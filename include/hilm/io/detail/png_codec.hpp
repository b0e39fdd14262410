/// @file
/// PNG decoding and encoding behind `hilm/io/png.hpp`.
///
/// Source: PNG specification 2nd edition (W3C REC-PNG-20031110): signature (§5.2), chunk layout
/// and CRC (§5.3), IHDR (§11.2.2), PLTE/tRNS (§11.2.3, §11.3.2.1), filter types 0–4 and the Paeth
/// predictor (§9.2–9.4), the per-row filter-choice heuristic "minimum sum of absolute differences"
/// (§12.8). The zlib layer is `deflate.hpp`.
#ifndef HILM_IO_DETAIL_PNG_CODEC_HPP
#define HILM_IO_DETAIL_PNG_CODEC_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/io/detail/deflate.hpp>

namespace hilm::detail {

inline constexpr std::array<std::uint8_t, 8> kPngSignature = {0x89, 'P',  'N',  'G',
                                                              '\r', '\n', 0x1A, '\n'};

[[nodiscard]] inline std::uint32_t read_be32(const std::uint8_t* p) noexcept {
  return (static_cast<std::uint32_t>(p[0]) << 24) | (static_cast<std::uint32_t>(p[1]) << 16) |
         (static_cast<std::uint32_t>(p[2]) << 8) | p[3];
}

inline void append_be32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

/// Paeth predictor (PNG §9.4).
[[nodiscard]] inline std::uint8_t paeth(int a, int b, int c) noexcept {
  const int p = a + b - c;
  const int pa = std::abs(p - a);
  const int pb = std::abs(p - b);
  const int pc = std::abs(p - c);
  if (pa <= pb && pa <= pc) return static_cast<std::uint8_t>(a);
  if (pb <= pc) return static_cast<std::uint8_t>(b);
  return static_cast<std::uint8_t>(c);
}

/// Reverses the filters of `height` scanlines of `stride` bytes, `bpp` bytes per pixel, in place
/// of the filter bytes: returns the raw rows.
[[nodiscard]] inline std::vector<std::uint8_t> png_unfilter(std::span<const std::uint8_t> data,
                                                            std::size_t height, std::size_t stride,
                                                            std::size_t bpp,
                                                            const std::string& name) {
  std::vector<std::uint8_t> raw(height * stride);
  const std::vector<std::uint8_t> zero(stride, 0);
  for (std::size_t y = 0; y < height; ++y) {
    const std::uint8_t filter = data[y * (stride + 1)];
    const std::uint8_t* in = data.data() + y * (stride + 1) + 1;
    std::uint8_t* row = raw.data() + y * stride;
    const std::uint8_t* up = y == 0 ? zero.data() : row - stride;
    for (std::size_t x = 0; x < stride; ++x) {
      const int a = x >= bpp ? row[x - bpp] : 0;
      const int b = up[x];
      const int c = x >= bpp ? up[x - bpp] : 0;
      int predicted = 0;
      switch (filter) {
        case 0:
          break;
        case 1:
          predicted = a;
          break;
        case 2:
          predicted = b;
          break;
        case 3:
          predicted = (a + b) / 2;
          break;
        case 4:
          predicted = paeth(a, b, c);
          break;
        default:
          raise<io_error>(name, "invalid PNG filter type " + std::to_string(filter));
      }
      row[x] = static_cast<std::uint8_t>(in[x] + predicted);
    }
  }
  return raw;
}

/// Decoded image: 8-bit samples, `channels` interleaved per pixel, rows top to bottom.
struct PngPixels {
  std::size_t width = 0;
  std::size_t height = 0;
  int channels = 0;
  std::vector<std::uint8_t> samples;
};

/// Header fields of IHDR after validation.
struct PngHeader {
  std::size_t width = 0;
  std::size_t height = 0;
  int color_type = 0;
};

[[nodiscard]] inline PngHeader parse_ihdr(std::span<const std::uint8_t> c,
                                          const std::string& name) {
  if (c.size() != 13) raise<io_error>(name, "bad PNG header: IHDR length is not 13");
  PngHeader h;
  h.width = read_be32(c.data());
  h.height = read_be32(c.data() + 4);
  const int depth = c[8];
  h.color_type = c[9];
  if (h.width == 0 || h.height == 0 || h.width > (1U << 24) || h.height > (1U << 24) ||
      h.width * h.height > (std::size_t{1} << 28)) {
    raise<io_error>(name, "bad PNG header: unsupported size " + std::to_string(h.width) + "x" +
                              std::to_string(h.height));
  }
  if (h.color_type != 0 && h.color_type != 2 && h.color_type != 3 && h.color_type != 4 &&
      h.color_type != 6) {
    raise<io_error>(name, "bad PNG header: invalid color type " + std::to_string(h.color_type));
  }
  if (depth != 8) {
    raise<io_error>(name, "unsupported PNG bit depth " + std::to_string(depth) +
                              " (only 8-bit images are read)");
  }
  if (c[10] != 0 || c[11] != 0) raise<io_error>(name, "bad PNG header: unknown compression/filter");
  if (c[12] != 0) raise<io_error>(name, "interlaced PNG is not supported");
  return h;
}

/// Decodes a whole PNG file held in `bytes`; `name` is used in error messages.
[[nodiscard]] inline PngPixels png_decode(std::span<const std::uint8_t> bytes,
                                          const std::string& name) {
  if (bytes.size() < 8 || !std::equal(kPngSignature.begin(), kPngSignature.end(), bytes.begin())) {
    raise<io_error>(name, "not a PNG file (bad signature)");
  }
  std::size_t pos = 8;
  PngHeader header;
  bool have_header = false;
  bool have_end = false;
  std::vector<std::uint8_t> idat;
  std::vector<std::uint8_t> palette;
  while (!have_end) {
    if (pos + 12 > bytes.size()) raise<io_error>(name, "truncated PNG (no IEND chunk)");
    const std::uint32_t length = read_be32(bytes.data() + pos);
    if (length > (1U << 31) || pos + 12 + length > bytes.size()) {
      raise<io_error>(name, "truncated PNG chunk");
    }
    const auto type_and_data = bytes.subspan(pos + 4, 4 + length);
    const std::string type(reinterpret_cast<const char*>(bytes.data() + pos + 4), 4);
    const auto data = bytes.subspan(pos + 8, length);
    if (crc32_update(0, type_and_data) != read_be32(bytes.data() + pos + 8 + length)) {
      raise<io_error>(name, "bad CRC in PNG chunk " + type);
    }
    pos += 12 + length;
    if (!have_header && type != "IHDR") raise<io_error>(name, "bad PNG header: IHDR is not first");
    if (type == "IHDR") {
      if (have_header) raise<io_error>(name, "bad PNG header: two IHDR chunks");
      header = parse_ihdr(data, name);
      have_header = true;
    } else if (type == "PLTE") {
      if (length % 3 != 0 || length == 0 || length > 768) raise<io_error>(name, "bad PLTE chunk");
      palette.assign(data.begin(), data.end());
    } else if (type == "IDAT") {
      idat.insert(idat.end(), data.begin(), data.end());
    } else if (type == "IEND") {
      have_end = true;
    } else if ((type[0] & 0x20) == 0) {
      raise<io_error>(name, "unknown critical PNG chunk " + type);
    }  // ancillary chunks (sRGB, tRNS, text, ...) are skipped
  }
  if (idat.empty()) raise<io_error>(name, "PNG has no image data (IDAT)");
  if (header.color_type == 3 && palette.empty()) raise<io_error>(name, "palette PNG without PLTE");
  static constexpr std::array<int, 7> kChannels = {1, 0, 3, 1, 2, 0, 4};
  const auto bpp = static_cast<std::size_t>(kChannels[static_cast<std::size_t>(header.color_type)]);
  const std::size_t stride = header.width * bpp;
  const std::size_t expected = header.height * (stride + 1);
  const auto inflated = zlib_inflate(idat, name, expected);
  if (inflated.size() != expected) raise<io_error>(name, "truncated PNG image data");
  PngPixels out;
  out.width = header.width;
  out.height = header.height;
  out.samples = png_unfilter(inflated, header.height, stride, bpp, name);
  out.channels = static_cast<int>(bpp);
  if (header.color_type == 3) {  // expand the palette to RGB
    std::vector<std::uint8_t> rgb(out.samples.size() * 3);
    for (std::size_t i = 0; i < out.samples.size(); ++i) {
      const std::size_t entry = out.samples[i];
      if (3 * entry + 2 >= palette.size()) raise<io_error>(name, "palette index out of range");
      for (std::size_t k = 0; k < 3; ++k) rgb[3 * i + k] = palette[3 * entry + k];
    }
    out.samples = std::move(rgb);
    out.channels = 3;
  }
  return out;
}

inline void append_png_chunk(std::vector<std::uint8_t>& out, const char* type,
                             std::span<const std::uint8_t> data) {
  append_be32(out, static_cast<std::uint32_t>(data.size()));
  const std::size_t start = out.size();
  out.insert(out.end(), type, type + 4);
  out.insert(out.end(), data.begin(), data.end());
  append_be32(out, crc32_update(0, std::span(out).subspan(start)));
}

/// Encodes 8-bit samples (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA channels) as a PNG file: each row
/// takes the filter with the smallest sum of absolute residuals (PNG §12.8).
[[nodiscard]] inline std::vector<std::uint8_t> png_encode(const PngPixels& image) {
  static constexpr std::array<std::uint8_t, 5> kColorType = {0, 0, 4, 2, 6};
  const auto bpp = static_cast<std::size_t>(image.channels);
  const std::size_t stride = image.width * bpp;
  std::vector<std::uint8_t> filtered;
  filtered.reserve(image.height * (stride + 1));
  const std::vector<std::uint8_t> zero(stride, 0);
  std::vector<std::uint8_t> candidate(stride);
  std::vector<std::uint8_t> best(stride);
  for (std::size_t y = 0; y < image.height; ++y) {
    const std::uint8_t* row = image.samples.data() + y * stride;
    const std::uint8_t* up = y == 0 ? zero.data() : row - stride;
    std::uint8_t best_filter = 0;
    std::size_t best_cost = std::numeric_limits<std::size_t>::max();
    for (std::uint8_t f = 0; f < 5; ++f) {
      std::size_t cost = 0;
      for (std::size_t x = 0; x < stride; ++x) {
        const int a = x >= bpp ? row[x - bpp] : 0;
        const int b = up[x];
        const int c = x >= bpp ? up[x - bpp] : 0;
        const int predicted = f == 0   ? 0
                              : f == 1 ? a
                              : f == 2 ? b
                              : f == 3 ? (a + b) / 2
                                       : paeth(a, b, c);
        candidate[x] = static_cast<std::uint8_t>(row[x] - predicted);
        cost += static_cast<std::size_t>(std::abs(static_cast<std::int8_t>(candidate[x])));
      }
      if (cost < best_cost) {
        best_cost = cost;
        best_filter = f;
        best.swap(candidate);
      }
    }
    filtered.push_back(best_filter);
    filtered.insert(filtered.end(), best.begin(), best.end());
  }
  std::vector<std::uint8_t> out(kPngSignature.begin(), kPngSignature.end());
  std::vector<std::uint8_t> ihdr;
  append_be32(ihdr, static_cast<std::uint32_t>(image.width));
  append_be32(ihdr, static_cast<std::uint32_t>(image.height));
  ihdr.insert(ihdr.end(), {8, kColorType[bpp], 0, 0, 0});
  append_png_chunk(out, "IHDR", ihdr);
  append_png_chunk(out, "IDAT", zlib_deflate(filtered));
  append_png_chunk(out, "IEND", {});
  return out;
}

}  // namespace hilm::detail

#endif  // HILM_IO_DETAIL_PNG_CODEC_HPP

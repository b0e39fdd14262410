/// @file
/// Baseline JPEG decoding behind `hilm/io/jpeg.hpp`.
///
/// Source: ITU-T T.81 (ISO/IEC 10918-1): marker segments (B.2), Huffman table specification and
/// the DECODE procedure with MAXCODE/VALPTR (F.2.2.3, C), DC difference and RECEIVE/EXTEND
/// (F.2.2.1), AC run/size coding (F.2.2.2), zig-zag order (Figure A.6), the inverse DCT (A.3.3),
/// restart intervals (B.2.4.4, F.1.2.3). JFIF 1.02 for the YCbCr → RGB conversion. Chroma is
/// upsampled by bilinear interpolation between sample centres with edges replicated, which for
/// 2:1 subsampling gives the 3/4–1/4 weights of libjpeg's default "fancy" upsampling.
#ifndef HILM_IO_DETAIL_JPEG_CODEC_HPP
#define HILM_IO_DETAIL_JPEG_CODEC_HPP

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <span>
#include <string>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/io/detail/png_codec.hpp>

namespace hilm::detail {

inline constexpr std::array<std::uint8_t, 64> kZigzag = {
    0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,  12, 19, 26, 33, 40, 48,
    41, 34, 27, 20, 13, 6,  7,  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23,
    30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63};

struct JpegHuffman {
  std::array<std::int32_t, 17> maxcode{};
  std::array<std::int32_t, 17> valptr{};
  std::array<std::int32_t, 17> mincode{};
  std::vector<std::uint8_t> values;
  bool defined = false;
};

struct JpegComponent {
  int id = 0;
  int h = 1;
  int v = 1;
  int quant = 0;
  int dc_table = 0;
  int ac_table = 0;
  int dc_pred = 0;
  std::size_t blocks_w = 0;  // blocks per line, padded to whole MCUs
  std::size_t blocks_h = 0;
  std::vector<std::uint8_t> samples;  // blocks_w*8 × blocks_h*8
};

class JpegDecoder {
 public:
  JpegDecoder(std::span<const std::uint8_t> bytes, std::string name)
      : in_(bytes), name_(std::move(name)) {}

  PngPixels decode() {
    if (in_.size() < 4 || in_[0] != 0xFF || in_[1] != 0xD8) fail("not a JPEG file (no SOI)");
    pos_ = 2;
    bool frame = false;
    for (;;) {
      const int marker = next_marker();
      if (marker == 0xD9) break;  // EOI
      const std::size_t length = segment_length();
      const auto seg = in_.subspan(pos_ + 2, length - 2);
      if (marker == 0xC0 || marker == 0xC1) {
        if (frame) fail("two JPEG frame headers");
        parse_frame(seg);
        frame = true;
      } else if (marker >= 0xC2 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 &&
                 marker != 0xCC) {
        fail(
            "only baseline (sequential Huffman) JPEG is supported; this one is progressive, "
            "lossless or arithmetic-coded");
      } else if (marker == 0xC4) {
        parse_huffman(seg);
      } else if (marker == 0xDB) {
        parse_quant(seg);
      } else if (marker == 0xDD) {
        if (seg.size() != 2) fail("bad DRI segment");
        restart_interval_ = (static_cast<std::size_t>(seg[0]) << 8) | seg[1];
      } else if (marker == 0xDA) {
        if (!frame) fail("scan before frame header");
        parse_scan_header(seg);
        pos_ += length;
        decode_scan();
        continue;
      }
      pos_ += length;  // APPn, COM and the rest are skipped
    }
    if (!frame || !scanned_) fail("no image data");
    return to_pixels();
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { raise<io_error>(name_, what); }

  int next_marker() {
    while (pos_ + 1 < in_.size() && in_[pos_] != 0xFF) ++pos_;  // tolerate stray bytes
    while (pos_ + 1 < in_.size() && in_[pos_ + 1] == 0xFF) ++pos_;
    if (pos_ + 1 >= in_.size()) fail("truncated JPEG (no EOI)");
    const int marker = in_[pos_ + 1];
    pos_ += 2;
    return marker;
  }

  std::size_t segment_length() {
    if (pos_ + 2 > in_.size()) fail("truncated JPEG segment");
    const std::size_t length = (static_cast<std::size_t>(in_[pos_]) << 8) | in_[pos_ + 1];
    if (length < 2 || pos_ + length > in_.size()) fail("truncated JPEG segment");
    return length;
  }

  void parse_frame(std::span<const std::uint8_t> s) {
    if (s.size() < 6 || s[0] != 8) fail("only 8-bit JPEG is supported");
    height_ = (static_cast<std::size_t>(s[1]) << 8) | s[2];
    width_ = (static_cast<std::size_t>(s[3]) << 8) | s[4];
    const std::size_t n = s[5];
    if (width_ == 0 || height_ == 0 || width_ * height_ > (std::size_t{1} << 28)) {
      fail("bad JPEG frame: unsupported size " + std::to_string(width_) + "x" +
           std::to_string(height_));
    }
    if ((n != 1 && n != 3) || s.size() != 6 + 3 * n) fail("only gray or YCbCr JPEG is supported");
    for (std::size_t i = 0; i < n; ++i) {
      JpegComponent c;
      c.id = s[6 + 3 * i];
      c.h = s[7 + 3 * i] >> 4;
      c.v = s[7 + 3 * i] & 15;
      c.quant = s[8 + 3 * i];
      if (c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 || c.quant > 3) fail("bad JPEG frame component");
      hmax_ = std::max(hmax_, c.h);
      vmax_ = std::max(vmax_, c.v);
      components_.push_back(c);
    }
    mcus_x_ =
        (width_ + 8 * static_cast<std::size_t>(hmax_) - 1) / (8 * static_cast<std::size_t>(hmax_));
    mcus_y_ =
        (height_ + 8 * static_cast<std::size_t>(vmax_) - 1) / (8 * static_cast<std::size_t>(vmax_));
    for (auto& c : components_) {
      c.blocks_w = mcus_x_ * static_cast<std::size_t>(c.h);
      c.blocks_h = mcus_y_ * static_cast<std::size_t>(c.v);
      c.samples.assign(c.blocks_w * c.blocks_h * 64, 0);
    }
  }

  void parse_huffman(std::span<const std::uint8_t> s) {
    std::size_t p = 0;
    while (p < s.size()) {
      if (p + 17 > s.size()) fail("bad DHT segment");
      const int cls = s[p] >> 4;
      const int id = s[p] & 15;
      if (cls > 1 || id > 3) fail("bad DHT table id");
      JpegHuffman& t = tables_[static_cast<std::size_t>(cls * 4 + id)];
      std::size_t total = 0;
      for (std::size_t l = 1; l <= 16; ++l) total += s[p + l];
      if (total > 256 || p + 17 + total > s.size()) fail("bad DHT segment");
      t.values.assign(s.begin() + static_cast<std::ptrdiff_t>(p + 17),
                      s.begin() + static_cast<std::ptrdiff_t>(p + 17 + total));
      std::int32_t code = 0;
      std::int32_t k = 0;
      for (std::size_t l = 1; l <= 16; ++l) {  // T.81 Figure C.2 and F.15
        const int count = s[p + l];
        t.valptr[l] = k;
        t.mincode[l] = code;
        code += count;
        k += count;
        t.maxcode[l] = count > 0 ? code - 1 : -1;
        if (code > (1 << l)) fail("over-subscribed Huffman table");
        code <<= 1;
      }
      t.defined = true;
      p += 17 + total;
    }
  }

  void parse_quant(std::span<const std::uint8_t> s) {
    std::size_t p = 0;
    while (p < s.size()) {
      const int precision = s[p] >> 4;
      const int id = s[p] & 15;
      const std::size_t size = precision == 0 ? 64 : 128;
      if (id > 3 || precision > 1 || p + 1 + size > s.size()) fail("bad DQT segment");
      for (std::size_t i = 0; i < 64; ++i) {
        const int q = precision == 0 ? s[p + 1 + i] : (s[p + 1 + 2 * i] << 8) | s[p + 2 + 2 * i];
        quant_[static_cast<std::size_t>(id)][kZigzag[i]] = static_cast<float>(q);
      }
      p += 1 + size;
    }
  }

  void parse_scan_header(std::span<const std::uint8_t> s) {
    if (s.empty() || s[0] != components_.size() || s.size() != 4 + 2 * components_.size()) {
      fail("only interleaved scans of all components are supported");
    }
    for (std::size_t i = 0; i < components_.size(); ++i) {
      if (s[1 + 2 * i] != components_[i].id) fail("scan components out of frame order");
      components_[i].dc_table = s[2 + 2 * i] >> 4;
      components_[i].ac_table = s[2 + 2 * i] & 15;
      if (components_[i].dc_table > 3 || components_[i].ac_table > 3) fail("bad scan table id");
    }
  }

  std::uint32_t bit() {
    if (bits_left_ == 0) {
      std::uint8_t b = 0;
      if (pos_ < in_.size() &&
          !(in_[pos_] == 0xFF && pos_ + 1 < in_.size() && in_[pos_ + 1] != 0)) {
        b = in_[pos_++];
        if (b == 0xFF) ++pos_;  // stuffed zero byte
      } else if (++padding_ > 64) {
        fail("truncated JPEG scan data");
      }  // else: at a marker, feed zeros (T.81 F.2.2.5 decoders must tolerate it)
      byte_ = b;
      bits_left_ = 8;
    }
    --bits_left_;
    return (byte_ >> bits_left_) & 1U;
  }

  std::int32_t receive(int s) {
    std::int32_t v = 0;
    for (int i = 0; i < s; ++i) v = (v << 1) | static_cast<std::int32_t>(bit());
    return v;
  }

  static std::int32_t extend(std::int32_t v, int s) {
    return s > 0 && v < (1 << (s - 1)) ? v - (1 << s) + 1 : v;
  }

  int decode_huffman(const JpegHuffman& t) {
    std::int32_t code = static_cast<std::int32_t>(bit());
    for (std::size_t l = 1; l <= 16; ++l) {
      if (code <= t.maxcode[l]) {
        return t.values[static_cast<std::size_t>(t.valptr[l] + code - t.mincode[l])];
      }
      code = (code << 1) | static_cast<std::int32_t>(bit());
    }
    fail("invalid Huffman code in JPEG scan");
  }

  void decode_block(JpegComponent& c, std::size_t bx, std::size_t by) {
    const JpegHuffman& dc = tables_[static_cast<std::size_t>(c.dc_table)];
    const JpegHuffman& ac = tables_[static_cast<std::size_t>(4 + c.ac_table)];
    if (!dc.defined || !ac.defined) fail("scan uses an undefined Huffman table");
    std::array<float, 64> coef{};
    const int t = decode_huffman(dc);
    if (t > 11) fail("bad DC coefficient size");
    c.dc_pred += extend(receive(t), t);
    const auto& q = quant_[static_cast<std::size_t>(c.quant)];
    coef[0] = static_cast<float>(c.dc_pred) * q[0];
    for (std::size_t k = 1; k < 64;) {
      const int rs = decode_huffman(ac);
      const int r = rs >> 4;
      const int s = rs & 15;
      if (s == 0) {
        if (r != 15) break;  // end of block
        k += 16;
        continue;
      }
      k += static_cast<std::size_t>(r);
      if (k > 63) fail("AC coefficient index out of range");
      coef[kZigzag[k]] = static_cast<float>(extend(receive(s), s)) * q[kZigzag[k]];
      ++k;
    }
    idct_block(coef, c.samples.data() + (by * 8 * c.blocks_w + bx) * 8, c.blocks_w * 8);
  }

  // 2-d inverse DCT (T.81 A.3.3), separable, in float; level shift +128, rounded and clamped.
  static void idct_block(const std::array<float, 64>& coef, std::uint8_t* out, std::size_t stride) {
    static const std::array<float, 64> basis = [] {
      std::array<float, 64> b{};
      for (int x = 0; x < 8; ++x) {
        for (int u = 0; u < 8; ++u) {
          const double cu = u == 0 ? std::numbers::sqrt2 / 2 : 1.0;
          b[static_cast<std::size_t>(x * 8 + u)] =
              static_cast<float>(cu / 2 * std::cos((2 * x + 1) * u * std::numbers::pi / 16));
        }
      }
      return b;
    }();
    std::array<float, 64> tmp{};
    for (std::size_t v = 0; v < 8; ++v) {  // rows: over u
      for (std::size_t x = 0; x < 8; ++x) {
        float acc = 0;
        for (std::size_t u = 0; u < 8; ++u) acc += basis[x * 8 + u] * coef[v * 8 + u];
        tmp[v * 8 + x] = acc;
      }
    }
    for (std::size_t y = 0; y < 8; ++y) {
      for (std::size_t x = 0; x < 8; ++x) {
        float acc = 0;
        for (std::size_t v = 0; v < 8; ++v) acc += basis[y * 8 + v] * tmp[v * 8 + x];
        out[y * stride + x] =
            static_cast<std::uint8_t>(std::clamp(std::lround(acc + 128.0F), 0L, 255L));
      }
    }
  }

  void decode_scan() {
    std::size_t mcu = 0;
    for (std::size_t my = 0; my < mcus_y_; ++my) {
      for (std::size_t mx = 0; mx < mcus_x_; ++mx) {
        if (restart_interval_ > 0 && mcu > 0 && mcu % restart_interval_ == 0) restart();
        for (auto& c : components_) {
          for (int by = 0; by < c.v; ++by) {
            for (int bx = 0; bx < c.h; ++bx) {
              decode_block(c, mx * static_cast<std::size_t>(c.h) + static_cast<std::size_t>(bx),
                           my * static_cast<std::size_t>(c.v) + static_cast<std::size_t>(by));
            }
          }
        }
        ++mcu;
      }
    }
    bits_left_ = 0;
    scanned_ = true;
  }

  void restart() {
    bits_left_ = 0;
    if (pos_ + 1 >= in_.size() || in_[pos_] != 0xFF || (in_[pos_ + 1] & 0xF8) != 0xD0) {
      fail("missing JPEG restart marker");
    }
    pos_ += 2;
    for (auto& c : components_) c.dc_pred = 0;
  }

  // Bilinear sample of component c at image pixel (x, y) (sample centres, edges replicated).
  float chroma(const JpegComponent& c, std::size_t x, std::size_t y) const {
    const std::size_t w =
        (width_ * static_cast<std::size_t>(c.h) + static_cast<std::size_t>(hmax_) - 1) /
        static_cast<std::size_t>(hmax_);
    const std::size_t h =
        (height_ * static_cast<std::size_t>(c.v) + static_cast<std::size_t>(vmax_) - 1) /
        static_cast<std::size_t>(vmax_);
    const double fx = (static_cast<double>(x) + 0.5) * c.h / hmax_ - 0.5;
    const double fy = (static_cast<double>(y) + 0.5) * c.v / vmax_ - 0.5;
    const double x0 = std::floor(fx);
    const double y0 = std::floor(fy);
    const auto at = [&](double sx, double sy) {
      const auto cx = static_cast<std::size_t>(std::clamp(sx, 0.0, static_cast<double>(w - 1)));
      const auto cy = static_cast<std::size_t>(std::clamp(sy, 0.0, static_cast<double>(h - 1)));
      return static_cast<double>(c.samples[cy * c.blocks_w * 8 + cx]);
    };
    const double ax = fx - x0;
    const double ay = fy - y0;
    return static_cast<float>((1 - ay) * ((1 - ax) * at(x0, y0) + ax * at(x0 + 1, y0)) +
                              ay * ((1 - ax) * at(x0, y0 + 1) + ax * at(x0 + 1, y0 + 1)));
  }

  PngPixels to_pixels() const {
    PngPixels out{width_, height_, static_cast<int>(components_.size() == 1 ? 1 : 3), {}};
    out.samples.resize(width_ * height_ * static_cast<std::size_t>(out.channels));
    for (std::size_t y = 0; y < height_; ++y) {
      for (std::size_t x = 0; x < width_; ++x) {
        const float luma = chroma(components_[0], x, y);
        if (out.channels == 1) {
          out.samples[y * width_ + x] = static_cast<std::uint8_t>(std::lround(luma));
          continue;
        }
        const float cb = chroma(components_[1], x, y) - 128.0F;
        const float cr = chroma(components_[2], x, y) - 128.0F;
        const std::array<float, 3> rgb = {luma + 1.402F * cr,
                                          luma - 0.344136F * cb - 0.714136F * cr,
                                          luma + 1.772F * cb};  // JFIF 1.02
        for (std::size_t k = 0; k < 3; ++k) {
          out.samples[(y * width_ + x) * 3 + k] =
              static_cast<std::uint8_t>(std::clamp(std::lround(rgb[k]), 0L, 255L));
        }
      }
    }
    return out;
  }

  std::span<const std::uint8_t> in_;
  std::string name_;
  std::size_t pos_ = 0;
  std::size_t width_ = 0;
  std::size_t height_ = 0;
  int hmax_ = 1;
  int vmax_ = 1;
  std::size_t mcus_x_ = 0;
  std::size_t mcus_y_ = 0;
  std::size_t restart_interval_ = 0;
  bool scanned_ = false;
  std::vector<JpegComponent> components_;
  std::array<JpegHuffman, 8> tables_{};
  std::array<std::array<float, 64>, 4> quant_{};
  std::uint8_t byte_ = 0;
  int bits_left_ = 0;
  int padding_ = 0;
};

}  // namespace hilm::detail

#endif  // HILM_IO_DETAIL_JPEG_CODEC_HPP

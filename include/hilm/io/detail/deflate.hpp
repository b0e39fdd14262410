/// @file
/// zlib streams for the PNG codec: CRC-32, Adler-32, inflate (all three DEFLATE block types) and
/// a small deflate (LZ77 with hash chains, fixed Huffman codes).
///
/// Sources: RFC 1950 (zlib format, Adler-32), RFC 1951 (DEFLATE: block types, canonical Huffman
/// codes, the length/distance tables, the fixed code lengths), PNG specification 2nd edition
/// (W3C REC-PNG-20031110) Annex D for the CRC-32 polynomial 0xEDB88320. Written from the RFCs.
#ifndef HILM_IO_DETAIL_DEFLATE_HPP
#define HILM_IO_DETAIL_DEFLATE_HPP

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <hilm/core/error.hpp>

namespace hilm::detail {

/// CRC-32 (PNG Annex D; reflected polynomial 0xEDB88320), continued from `crc` (start with 0).
[[nodiscard]] inline std::uint32_t crc32_update(std::uint32_t crc,
                                                std::span<const std::uint8_t> bytes) noexcept {
  static const std::array<std::uint32_t, 256> table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t n = 0; n < 256; ++n) {
      std::uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1U) != 0 ? 0xEDB88320U ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  std::uint32_t c = crc ^ 0xFFFFFFFFU;
  for (const std::uint8_t b : bytes) c = table[(c ^ b) & 0xFFU] ^ (c >> 8);
  return c ^ 0xFFFFFFFFU;
}

/// Adler-32 of `bytes` (RFC 1950 §9: two sums modulo 65521).
[[nodiscard]] inline std::uint32_t adler32(std::span<const std::uint8_t> bytes) noexcept {
  std::uint32_t a = 1;
  std::uint32_t b = 0;
  std::size_t i = 0;
  while (i < bytes.size()) {
    // 5552 bytes is the longest run for which b cannot overflow 32 bits (RFC 1950 §9 note).
    const std::size_t end = std::min(bytes.size(), i + 5552);
    for (; i < end; ++i) {
      a += bytes[i];
      b += a;
    }
    a %= 65521U;
    b %= 65521U;
  }
  return (b << 16) | a;
}

// RFC 1951 §3.2.5: base values and extra bits of the length codes 257..285 and distance codes.
inline constexpr std::array<std::uint16_t, 29> kLengthBase = {
    3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
    31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
inline constexpr std::array<std::uint8_t, 29> kLengthExtra = {
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
inline constexpr std::array<std::uint16_t, 30> kDistanceBase = {
    1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
    193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
inline constexpr std::array<std::uint8_t, 30> kDistanceExtra = {
    0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
    6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

/// A canonical Huffman code (RFC 1951 §3.2.2) decoded bit by bit: `count[l]` codes of length l,
/// `symbol` the symbols sorted by (length, value).
struct HuffmanTable {
  std::array<std::uint16_t, 16> count{};
  std::vector<std::uint16_t> symbol;
};

/// Builds the table from code lengths; false if the lengths over-subscribe the code space.
inline bool build_huffman(std::span<const std::uint8_t> lengths, HuffmanTable& table) {
  table.count.fill(0);
  for (const std::uint8_t l : lengths) ++table.count[l];
  table.count[0] = 0;
  int left = 1;
  for (int l = 1; l < 16; ++l) {
    left = 2 * left - table.count[static_cast<std::size_t>(l)];
    if (left < 0) return false;
  }
  std::array<std::uint16_t, 16> offset{};
  for (std::size_t l = 1; l < 15; ++l) offset[l + 1] = offset[l] + table.count[l];
  table.symbol.assign(lengths.size(), 0);
  for (std::size_t s = 0; s < lengths.size(); ++s) {
    if (lengths[s] != 0) table.symbol[offset[lengths[s]]++] = static_cast<std::uint16_t>(s);
  }
  return true;
}

/// Inflates a DEFLATE bit stream; every error throws io_error naming `name`.
class Inflater {
 public:
  Inflater(std::span<const std::uint8_t> in, std::string name, std::size_t limit)
      : in_(in), name_(std::move(name)), limit_(limit) {}

  /// Decodes blocks until the final one; returns the number of input bytes consumed.
  std::size_t run(std::vector<std::uint8_t>& out) {
    bool last = false;
    while (!last) {
      last = bits(1) != 0;
      const std::uint32_t type = bits(2);
      if (type == 0) {
        stored(out);
      } else if (type == 1) {
        fixed_tables();
        codes(out);
      } else if (type == 2) {
        dynamic_tables();
        codes(out);
      } else {
        fail("invalid DEFLATE block type 3");
      }
    }
    return pos_;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    raise<io_error>(name_, "corrupt compressed data: " + what);
  }

  std::uint32_t bits(int n) {
    while (bit_count_ < n) {
      if (pos_ >= in_.size()) fail("unexpected end of data");
      bit_buffer_ |= static_cast<std::uint32_t>(in_[pos_++]) << bit_count_;
      bit_count_ += 8;
    }
    const std::uint32_t v = bit_buffer_ & ((1U << n) - 1U);
    bit_buffer_ >>= n;
    bit_count_ -= n;
    return v;
  }

  int decode(const HuffmanTable& t) {
    int code = 0;
    int first = 0;
    int index = 0;
    for (std::size_t l = 1; l < 16; ++l) {
      code |= static_cast<int>(bits(1));
      const int count = t.count[l];
      if (code - first < count) return t.symbol[static_cast<std::size_t>(index + code - first)];
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    fail("invalid Huffman code");
  }

  void stored(std::vector<std::uint8_t>& out) {
    bit_buffer_ = 0;
    bit_count_ = 0;  // discard to the byte boundary (RFC 1951 §3.2.4)
    if (pos_ + 4 > in_.size()) fail("truncated stored block");
    const std::uint32_t len = in_[pos_] | (static_cast<std::uint32_t>(in_[pos_ + 1]) << 8);
    const std::uint32_t nlen = in_[pos_ + 2] | (static_cast<std::uint32_t>(in_[pos_ + 3]) << 8);
    pos_ += 4;
    if ((len ^ 0xFFFFU) != nlen) fail("stored block length check failed");
    if (pos_ + len > in_.size()) fail("truncated stored block");
    if (out.size() + len > limit_) fail("more data than the image needs");
    out.insert(out.end(), in_.begin() + static_cast<std::ptrdiff_t>(pos_),
               in_.begin() + static_cast<std::ptrdiff_t>(pos_ + len));
    pos_ += len;
  }

  void fixed_tables() {
    std::array<std::uint8_t, 288> lit{};
    std::fill(lit.begin(), lit.begin() + 144, 8);
    std::fill(lit.begin() + 144, lit.begin() + 256, 9);
    std::fill(lit.begin() + 256, lit.begin() + 280, 7);
    std::fill(lit.begin() + 280, lit.end(), 8);
    std::array<std::uint8_t, 30> dist{};
    dist.fill(5);
    build_huffman(lit, lit_);
    build_huffman(dist, dist_);
  }

  void dynamic_tables() {
    const std::size_t nlen = bits(5) + 257;
    const std::size_t ndist = bits(5) + 1;
    const std::size_t ncode = bits(4) + 4;
    if (nlen > 286 || ndist > 30) fail("bad dynamic block header");
    static constexpr std::array<std::uint8_t, 19> order = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                                           11, 4,  12, 3, 13, 2, 14, 1, 15};
    std::array<std::uint8_t, 19> code_lengths{};
    for (std::size_t i = 0; i < ncode; ++i)
      code_lengths[order[i]] = static_cast<std::uint8_t>(bits(3));
    HuffmanTable code_table;
    if (!build_huffman(code_lengths, code_table)) fail("bad code-length code");
    std::vector<std::uint8_t> lengths(nlen + ndist, 0);
    std::size_t i = 0;
    while (i < nlen + ndist) {
      const int sym = decode(code_table);
      if (sym < 16) {
        lengths[i++] = static_cast<std::uint8_t>(sym);
        continue;
      }
      std::uint8_t value = 0;
      std::size_t repeat = 0;
      if (sym == 16) {
        if (i == 0) fail("repeat with no previous length");
        value = lengths[i - 1];
        repeat = 3 + bits(2);
      } else if (sym == 17) {
        repeat = 3 + bits(3);
      } else {
        repeat = 11 + bits(7);
      }
      if (i + repeat > nlen + ndist) fail("code lengths overflow");
      for (std::size_t r = 0; r < repeat; ++r) lengths[i++] = value;
    }
    if (lengths[256] == 0) fail("no end-of-block code");
    if (!build_huffman(std::span(lengths).first(nlen), lit_) ||
        !build_huffman(std::span(lengths).subspan(nlen), dist_)) {
      fail("over-subscribed Huffman code");
    }
  }

  void codes(std::vector<std::uint8_t>& out) {
    for (;;) {
      const int sym = decode(lit_);
      if (sym < 256) {
        if (out.size() >= limit_) fail("more data than the image needs");
        out.push_back(static_cast<std::uint8_t>(sym));
        continue;
      }
      if (sym == 256) return;
      const auto li = static_cast<std::size_t>(sym - 257);
      if (li >= kLengthBase.size()) fail("invalid length code");
      const std::size_t length = kLengthBase[li] + bits(kLengthExtra[li]);
      const auto di = static_cast<std::size_t>(decode(dist_));
      if (di >= kDistanceBase.size()) fail("invalid distance code");
      const std::size_t distance = kDistanceBase[di] + bits(kDistanceExtra[di]);
      if (distance > out.size()) fail("distance beyond the start of the data");
      if (out.size() + length > limit_) fail("more data than the image needs");
      const std::size_t from = out.size() - distance;
      for (std::size_t k = 0; k < length; ++k) out.push_back(out[from + k]);
    }
  }

  std::span<const std::uint8_t> in_;
  std::string name_;
  std::size_t limit_;
  std::size_t pos_ = 0;
  std::uint32_t bit_buffer_ = 0;
  int bit_count_ = 0;
  HuffmanTable lit_;
  HuffmanTable dist_;
};

/// Inflates a zlib stream (RFC 1950) of at most `limit` bytes; checks header and Adler-32.
/// @throws io_error naming `name` on any corruption.
[[nodiscard]] inline std::vector<std::uint8_t> zlib_inflate(std::span<const std::uint8_t> in,
                                                            const std::string& name,
                                                            std::size_t limit) {
  if (in.size() < 6) raise<io_error>(name, "corrupt compressed data: zlib stream too short");
  const unsigned cmf = in[0];
  const unsigned flg = in[1];
  if ((cmf & 0x0FU) != 8 || (cmf >> 4) > 7 || ((cmf << 8) | flg) % 31 != 0 || (flg & 0x20U) != 0) {
    raise<io_error>(name, "corrupt compressed data: bad zlib header");
  }
  std::vector<std::uint8_t> out;
  out.reserve(limit);
  Inflater inflater(in.subspan(2), name, limit);
  const std::size_t used = 2 + inflater.run(out);
  if (used + 4 > in.size()) raise<io_error>(name, "corrupt compressed data: missing Adler-32");
  const std::uint32_t expected = (static_cast<std::uint32_t>(in[used]) << 24) |
                                 (static_cast<std::uint32_t>(in[used + 1]) << 16) |
                                 (static_cast<std::uint32_t>(in[used + 2]) << 8) | in[used + 3];
  if (adler32(out) != expected) raise<io_error>(name, "corrupt compressed data: Adler-32 mismatch");
  return out;
}

/// LSB-first bit writer for deflate.
class BitWriter {
 public:
  explicit BitWriter(std::vector<std::uint8_t>& out) : out_(out) {}
  void put(std::uint32_t value, int n) {
    buffer_ |= static_cast<std::uint64_t>(value) << count_;
    count_ += n;
    while (count_ >= 8) {
      out_.push_back(static_cast<std::uint8_t>(buffer_ & 0xFFU));
      buffer_ >>= 8;
      count_ -= 8;
    }
  }
  /// Huffman codes are sent most significant bit first (RFC 1951 §3.1.1).
  void put_code(std::uint32_t code, int n) {
    std::uint32_t reversed = 0;
    for (int i = 0; i < n; ++i) reversed |= ((code >> i) & 1U) << (n - 1 - i);
    put(reversed, n);
  }
  void flush() {
    if (count_ > 0) put(0, 8 - count_);
  }

 private:
  std::vector<std::uint8_t>& out_;
  std::uint64_t buffer_ = 0;
  int count_ = 0;
};

/// Fixed Huffman literal/length code of `sym` (RFC 1951 §3.2.6).
inline void put_fixed_literal(BitWriter& w, unsigned sym) {
  if (sym < 144) {
    w.put_code(0x30U + sym, 8);
  } else if (sym < 256) {
    w.put_code(0x190U + (sym - 144), 9);
  } else if (sym < 280) {
    w.put_code(sym - 256, 7);
  } else {
    w.put_code(0xC0U + (sym - 280), 8);
  }
}

inline void put_fixed_match(BitWriter& w, std::size_t length, std::size_t distance) {
  std::size_t li = kLengthBase.size() - 1;
  while (kLengthBase[li] > length) --li;
  put_fixed_literal(w, static_cast<unsigned>(257 + li));
  w.put(static_cast<std::uint32_t>(length - kLengthBase[li]), kLengthExtra[li]);
  std::size_t di = kDistanceBase.size() - 1;
  while (kDistanceBase[di] > distance) --di;
  w.put_code(static_cast<std::uint32_t>(di), 5);
  w.put(static_cast<std::uint32_t>(distance - kDistanceBase[di]), kDistanceExtra[di]);
}

/// Compresses `in` into a zlib stream: one fixed-Huffman block, greedy LZ77 matches found through
/// hash chains over a 32 KiB window (deterministic; about what `gzip -1` achieves on images).
[[nodiscard]] inline std::vector<std::uint8_t> zlib_deflate(std::span<const std::uint8_t> in) {
  constexpr std::size_t kWindow = 32768;
  constexpr std::size_t kMaxMatch = 258;
  constexpr int kMaxChain = 32;
  constexpr std::size_t kHashSize = 1U << 15;
  std::vector<std::uint8_t> out = {0x78, 0x01};  // deflate, 32 KiB window, FCHECK (RFC 1950)
  BitWriter w(out);
  w.put(1, 1);  // final block
  w.put(1, 2);  // fixed Huffman
  std::vector<std::int64_t> head(kHashSize, -1);
  std::vector<std::int64_t> prev(in.size(), -1);
  const auto hash = [&](std::size_t i) {
    const std::uint32_t v = (static_cast<std::uint32_t>(in[i]) << 16) |
                            (static_cast<std::uint32_t>(in[i + 1]) << 8) | in[i + 2];
    return static_cast<std::size_t>((v * 2654435761U) >> 17) & (kHashSize - 1);
  };
  const auto insert = [&](std::size_t i) {
    if (i + 2 >= in.size()) return;
    const std::size_t h = hash(i);
    prev[i] = head[h];
    head[h] = static_cast<std::int64_t>(i);
  };
  std::size_t i = 0;
  while (i < in.size()) {
    std::size_t best_length = 0;
    std::size_t best_distance = 0;
    if (i + 2 < in.size()) {
      std::int64_t candidate = head[hash(i)];
      const std::size_t max_length = std::min(kMaxMatch, in.size() - i);
      for (int chain = 0; chain < kMaxChain && candidate >= 0; ++chain) {
        const auto c = static_cast<std::size_t>(candidate);
        if (i - c > kWindow) break;
        std::size_t length = 0;
        while (length < max_length && in[c + length] == in[i + length]) ++length;
        if (length > best_length) {
          best_length = length;
          best_distance = i - c;
          if (length == max_length) break;
        }
        candidate = prev[c];
      }
    }
    if (best_length >= 3) {
      put_fixed_match(w, best_length, best_distance);
      for (std::size_t k = 0; k < best_length; ++k) insert(i + k);
      i += best_length;
    } else {
      put_fixed_literal(w, in[i]);
      insert(i);
      ++i;
    }
  }
  put_fixed_literal(w, 256);
  w.flush();
  const std::uint32_t a = adler32(in);
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(a >> shift));
  return out;
}

}  // namespace hilm::detail

#endif  // HILM_IO_DETAIL_DEFLATE_HPP

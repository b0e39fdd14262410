// A DEFLATE decoder (RFC 1951, "DEFLATE Compressed Data Format Specification version 1.3"):
// stored, fixed-Huffman and dynamic-Huffman blocks, decoded with canonical Huffman codes
// (§3.2.2) by walking code lengths 1…15. Written for the .npz reader (io/sparse_codes.hpp), so
// hilm needs no compression library. Every malformed stream is an io_error naming the file: a
// truncated stream, an over-subscribed or unusable code, a bad repeat, a distance before the
// start, output beyond the size the archive declares.
#ifndef HILM_IO_DETAIL_INFLATE_HPP
#define HILM_IO_DETAIL_INFLATE_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <hilm/core/error.hpp>

namespace hilm::detail {

/// Least-significant-bit-first reader of a DEFLATE stream (RFC 1951 §3.1.1).
class DeflateBits {
 public:
  DeflateBits(std::span<const std::byte> in, const std::string& path) : in_(in), path_(path) {}

  /// The next `n` ≤ 24 bits, first bit in bit 0.
  std::uint32_t bits(int n) {
    while (count_ < n) {
      if (pos_ >= in_.size()) fail("compressed data ends early");
      buffer_ |= static_cast<std::uint32_t>(std::to_integer<std::uint8_t>(in_[pos_++])) << count_;
      count_ += 8;
    }
    const std::uint32_t out = buffer_ & ((1U << n) - 1U);
    buffer_ >>= n;
    count_ -= n;
    return out;
  }
  /// Drops the bits left in the current byte (before a stored block).
  void align() {
    buffer_ = 0;
    count_ = 0;
  }
  /// The next whole byte (after `align`).
  std::uint8_t byte() {
    if (pos_ >= in_.size()) fail("compressed data ends early");
    return std::to_integer<std::uint8_t>(in_[pos_++]);
  }
  [[noreturn]] void fail(const std::string& what) const {
    hilm::detail::raise<io_error>(path_, "invalid deflate stream: " + what);
  }

 private:
  std::span<const std::byte> in_;
  const std::string& path_;
  std::size_t pos_ = 0;
  std::uint32_t buffer_ = 0;
  int count_ = 0;
};

/// A canonical Huffman code (RFC 1951 §3.2.2): how many codes of each length, and the symbols
/// ordered by (length, symbol value).
struct HuffmanCode {
  std::array<std::uint16_t, 16> count{};
  std::vector<std::uint16_t> symbol;

  /// From code lengths (0 = symbol unused). Over-subscribed sets are refused; incomplete ones are
  /// allowed (RFC 1951 permits a single distance code) and fail only when an unused code is read.
  HuffmanCode(const std::uint8_t* lengths, int n, DeflateBits& in) {
    for (int s = 0; s < n; ++s) ++count[lengths[s]];
    int left = 1;
    for (int len = 1; len < 16; ++len) {
      left = 2 * left - count[static_cast<std::size_t>(len)];
      if (left < 0) in.fail("over-subscribed Huffman code");
    }
    std::array<std::uint16_t, 16> offset{};
    for (int len = 1; len < 15; ++len) {
      offset[static_cast<std::size_t>(len) + 1] = static_cast<std::uint16_t>(
          offset[static_cast<std::size_t>(len)] + count[static_cast<std::size_t>(len)]);
    }
    symbol.assign(static_cast<std::size_t>(n), 0);
    for (int s = 0; s < n; ++s) {
      if (lengths[s] != 0) symbol[offset[lengths[s]]++] = static_cast<std::uint16_t>(s);
    }
  }

  /// Reads one symbol: codes of length L are consecutive integers starting where those of
  /// length L−1 ended, doubled (the canonical rule); bits arrive most significant first.
  int decode(DeflateBits& in) const {
    int code = 0, first = 0, index = 0;
    for (int len = 1; len < 16; ++len) {
      code |= static_cast<int>(in.bits(1));
      const int n = count[static_cast<std::size_t>(len)];
      if (code - first < n) return symbol[static_cast<std::size_t>(index + code - first)];
      index += n;
      first = (first + n) << 1;
      code <<= 1;
    }
    in.fail("unused Huffman code");
  }
};

/// Decodes the compressed symbols of one block into `out` (RFC 1951 §3.2.5 length and distance
/// tables), refusing output beyond `limit` bytes.
inline void inflate_block(DeflateBits& in, const HuffmanCode& lit, const HuffmanCode& dist,
                          std::vector<std::byte>& out, std::size_t limit) {
  static constexpr std::array<std::uint16_t, 29> len_base{
      3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
      31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
  static constexpr std::array<std::uint8_t, 29> len_extra{
      0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
  static constexpr std::array<std::uint16_t, 30> dist_base{
      1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
      193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
  static constexpr std::array<std::uint8_t, 30> dist_extra{0, 0, 0,  0,  1,  1,  2,  2,  3,  3,
                                                           4, 4, 5,  5,  6,  6,  7,  7,  8,  8,
                                                           9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
  while (true) {
    const int sym = lit.decode(in);
    if (sym < 256) {
      if (out.size() >= limit) in.fail("more data than the archive declares");
      out.push_back(static_cast<std::byte>(sym));
      continue;
    }
    if (sym == 256) return;
    const auto ls = static_cast<std::size_t>(sym - 257);
    if (ls >= len_base.size()) in.fail("invalid length symbol");
    const std::size_t length = len_base[ls] + in.bits(len_extra[ls]);
    const auto ds = static_cast<std::size_t>(dist.decode(in));
    if (ds >= dist_base.size()) in.fail("invalid distance symbol");
    const std::size_t distance = dist_base[ds] + in.bits(dist_extra[ds]);
    if (distance > out.size()) in.fail("distance before the start of the data");
    if (out.size() + length > limit) in.fail("more data than the archive declares");
    const std::size_t from = out.size() - distance;
    for (std::size_t t = 0; t < length; ++t) out.push_back(out[from + t]);
  }
}

/// Reads the code-length code and the literal/length and distance code lengths of a dynamic
/// block (RFC 1951 §3.2.7) and decodes the block.
inline void inflate_dynamic(DeflateBits& in, std::vector<std::byte>& out, std::size_t limit) {
  static constexpr std::array<std::uint8_t, 19> order{16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                                      11, 4,  12, 3, 13, 2, 14, 1, 15};
  const int nlen = static_cast<int>(in.bits(5)) + 257;
  const int ndist = static_cast<int>(in.bits(5)) + 1;
  const int ncode = static_cast<int>(in.bits(4)) + 4;
  if (nlen > 286 || ndist > 30) in.fail("too many length or distance codes");
  std::array<std::uint8_t, 320> lengths{};
  for (int t = 0; t < ncode; ++t) {
    lengths[order[static_cast<std::size_t>(t)]] = static_cast<std::uint8_t>(in.bits(3));
  }
  const HuffmanCode lencode(lengths.data(), 19, in);
  int t = 0;
  while (t < nlen + ndist) {
    const int sym = lencode.decode(in);
    if (sym < 16) {
      lengths[static_cast<std::size_t>(t++)] = static_cast<std::uint8_t>(sym);
      continue;
    }
    std::uint8_t value = 0;
    int repeat = 0;
    if (sym == 16) {
      if (t == 0) in.fail("length repeat with no previous length");
      value = lengths[static_cast<std::size_t>(t - 1)];
      repeat = 3 + static_cast<int>(in.bits(2));
    } else if (sym == 17) {
      repeat = 3 + static_cast<int>(in.bits(3));
    } else {
      repeat = 11 + static_cast<int>(in.bits(7));
    }
    if (t + repeat > nlen + ndist) in.fail("code lengths repeat past the end");
    while (repeat-- > 0) lengths[static_cast<std::size_t>(t++)] = value;
  }
  if (lengths[256] == 0) in.fail("no end-of-block code");
  const HuffmanCode lit(lengths.data(), nlen, in);
  const HuffmanCode dist(lengths.data() + nlen, ndist, in);
  inflate_block(in, lit, dist, out, limit);
}

/// Decompresses a raw DEFLATE stream (no zlib or gzip wrapper) of exactly `expected` bytes.
/// @throws io_error naming `path` when the stream is malformed or its size differs.
inline std::vector<std::byte> inflate(std::span<const std::byte> in, std::size_t expected,
                                      const std::string& path) {
  DeflateBits bits(in, path);
  std::vector<std::byte> out;
  out.reserve(expected);
  bool last = false;
  while (!last) {
    last = bits.bits(1) == 1;
    const std::uint32_t type = bits.bits(2);
    if (type == 0) {  // stored (§3.2.4): LEN, NLEN (its one's complement), LEN bytes
      bits.align();
      const std::uint32_t lo = bits.byte(), hi = bits.byte(), nlo = bits.byte(), nhi = bits.byte();
      const std::uint32_t len = lo | (hi << 8U);
      if ((len ^ (nlo | (nhi << 8U))) != 0xFFFFU) bits.fail("stored block length check fails");
      if (out.size() + len > expected) bits.fail("more data than the archive declares");
      for (std::uint32_t t = 0; t < len; ++t) out.push_back(static_cast<std::byte>(bits.byte()));
    } else if (type == 1) {  // fixed codes (§3.2.6)
      std::array<std::uint8_t, 288> lit{};
      for (std::size_t s = 0; s < 288; ++s) lit[s] = s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8;
      std::array<std::uint8_t, 30> dist{};
      dist.fill(5);
      const HuffmanCode lc(lit.data(), 288, bits), dc(dist.data(), 30, bits);
      inflate_block(bits, lc, dc, out, expected);
    } else if (type == 2) {
      inflate_dynamic(bits, out, expected);
    } else {
      bits.fail("reserved block type 3");
    }
  }
  if (out.size() != expected) {
    bits.fail("inflates to " + std::to_string(out.size()) + " bytes, the archive declares " +
              std::to_string(expected));
  }
  return out;
}

}  // namespace hilm::detail

#endif  // HILM_IO_DETAIL_INFLATE_HPP

// SHA-256 (FIPS 180-4, "Secure Hash Standard", NIST 2015, §6.2) of byte buffers and files, for
// the content hashes of model-directory manifests. Written from the standard's pseudocode; the
// tests check it against the standard's example vectors and coreutils' sha256sum.
#ifndef HILM_IO_DETAIL_SHA256_HPP
#define HILM_IO_DETAIL_SHA256_HPP

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <hilm/io/detail/npy_file.hpp>

namespace hilm::detail {

/// Incremental SHA-256: `update` any number of times, then `hex_digest` once.
class Sha256 {
 public:
  void update(const void* data, std::size_t size) noexcept {
    const auto* bytes = static_cast<const unsigned char*>(data);
    total_ += size;
    while (size > 0) {
      const std::size_t take = std::min<std::size_t>(size, 64 - filled_);
      for (std::size_t i = 0; i < take; ++i) block_[filled_ + i] = bytes[i];
      filled_ += take;
      bytes += take;
      size -= take;
      if (filled_ == 64) {
        compress(block_.data());
        filled_ = 0;
      }
    }
  }

  /// The digest as 64 lower-case hex digits. Call once; the object is spent afterwards.
  [[nodiscard]] std::string hex_digest() noexcept {
    const std::uint64_t bits = total_ * 8;
    const unsigned char pad = 0x80;
    update(&pad, 1);
    const unsigned char zero = 0;
    while (filled_ != 56) update(&zero, 1);
    unsigned char length[8];
    for (int i = 0; i < 8; ++i) length[i] = static_cast<unsigned char>(bits >> (56 - 8 * i));
    update(length, 8);
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(64);
    for (const std::uint32_t word : h_) {
      for (int shift = 28; shift >= 0; shift -= 4) out.push_back(digits[(word >> shift) & 0xFu]);
    }
    return out;
  }

 private:
  static std::uint32_t rotr(std::uint32_t x, int n) noexcept { return (x >> n) | (x << (32 - n)); }

  void compress(const unsigned char* p) noexcept {
    // Round constants: the first 32 bits of the fractional parts of the cube roots of the first
    // 64 primes (FIPS 180-4 §4.2.2).
    static constexpr std::uint32_t k[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2};
    std::uint32_t w[64];
    for (int t = 0; t < 16; ++t) {
      w[t] = (std::uint32_t{p[4 * t]} << 24) | (std::uint32_t{p[4 * t + 1]} << 16) |
             (std::uint32_t{p[4 * t + 2]} << 8) | std::uint32_t{p[4 * t + 3]};
    }
    for (int t = 16; t < 64; ++t) {
      const std::uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
      const std::uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
      w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    std::uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3];
    std::uint32_t e = h_[4], f = h_[5], g = h_[6], h = h_[7];
    for (int t = 0; t < 64; ++t) {
      const std::uint32_t t1 =
          h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[t] + w[t];
      const std::uint32_t t2 =
          (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      h = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    h_[0] += a;
    h_[1] += b;
    h_[2] += c;
    h_[3] += d;
    h_[4] += e;
    h_[5] += f;
    h_[6] += g;
    h_[7] += h;
  }

  // Initial hash value: fractional parts of the square roots of the first 8 primes (§5.3.3).
  std::array<std::uint32_t, 8> h_{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                  0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::array<unsigned char, 64> block_{};
  std::size_t filled_ = 0;
  std::uint64_t total_ = 0;
};

/// SHA-256 of a byte buffer, as hex.
[[nodiscard]] inline std::string sha256_hex(const void* data, std::size_t size) {
  Sha256 h;
  h.update(data, size);
  return h.hex_digest();
}

/// SHA-256 of the regular file `path`, as hex, read in 1 MiB blocks.
/// @throws io_error naming `path` if it cannot be read.
[[nodiscard]] inline std::string sha256_file(const std::string& path) {
  const ReadOnlyFile file(path);
  Sha256 h;
  std::vector<unsigned char> buffer(std::size_t{1} << 20);
  std::uint64_t offset = 0;
  while (offset < file.size()) {
    const auto n =
        static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), file.size() - offset));
    file.read_at(offset, buffer.data(), n);
    h.update(buffer.data(), n);
    offset += n;
  }
  return h.hex_digest();
}

}  // namespace hilm::detail

#endif  // HILM_IO_DETAIL_SHA256_HPP

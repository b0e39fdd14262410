// Reading ZIP archives held in memory (PKWARE APPNOTE.TXT 6.3.x, the layout of numpy's .npz):
// the end-of-central-directory record (and its ZIP64 form, §4.3.14–4.3.16), the central
// directory (§4.3.12) with ZIP64 extra fields (§4.5.3), local headers (§4.3.7), stored (method 0)
// and deflated (method 8, io/detail/deflate.hpp) entries, each checked against its CRC-32
// (the ISO-HDLC polynomial 0xEDB88320 of §4.4.7). Encrypted, multi-disk and other methods are
// refused. Errors are io_error naming the file.
#ifndef HILM_IO_DETAIL_ZIP_HPP
#define HILM_IO_DETAIL_ZIP_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/io/detail/deflate.hpp>

namespace hilm::detail {

/// One member of a ZIP archive, from its central-directory entry.
struct ZipEntry {
  std::string name;
  std::uint16_t method = 0;
  std::uint32_t crc = 0;
  std::uint64_t compressed = 0, size = 0, local_offset = 0;
};

/// Bounds-checked little-endian reads from an archive image.
class ZipBytes {
 public:
  ZipBytes(std::span<const std::byte> b, const std::string& path) : b_(b), path_(path) {}
  [[nodiscard]] std::uint64_t le(std::uint64_t at, int n) const {
    if (at > b_.size() || static_cast<std::uint64_t>(n) > b_.size() - at) fail("truncated archive");
    std::uint64_t v = 0;
    for (int k = n - 1; k >= 0; --k) {
      v = (v << 8U) | std::to_integer<std::uint64_t>(
                          b_[static_cast<std::size_t>(at) + static_cast<std::size_t>(k)]);
    }
    return v;
  }
  [[nodiscard]] std::span<const std::byte> span(std::uint64_t at, std::uint64_t n) const {
    if (at > b_.size() || n > b_.size() - at) fail("truncated archive");
    return b_.subspan(static_cast<std::size_t>(at), static_cast<std::size_t>(n));
  }
  [[nodiscard]] std::size_t size() const noexcept { return b_.size(); }
  [[noreturn]] void fail(const std::string& what) const {
    hilm::detail::raise<io_error>(path_, "not a valid zip/npz archive: " + what);
  }

 private:
  std::span<const std::byte> b_;
  const std::string& path_;
};

/// Replaces the 0xFFFFFFFF fields of `e` by the values of its ZIP64 extra field (§4.5.3: size,
/// compressed size, local header offset, in that order, each present only when saturated).
inline void apply_zip64_extra(const ZipBytes& z, std::uint64_t at, std::uint64_t len, ZipEntry& e) {
  const std::uint64_t end = at + len;
  while (at + 4 <= end) {
    const std::uint64_t id = z.le(at, 2), n = z.le(at + 2, 2);
    if (at + 4 + n > end) z.fail("extra field overruns its entry");
    if (id == 1) {
      std::uint64_t p = at + 4;
      for (std::uint64_t* field : {&e.size, &e.compressed, &e.local_offset}) {
        if (*field != 0xFFFFFFFFU) continue;
        if (p + 8 > at + 4 + n) z.fail("short ZIP64 extra field");
        *field = z.le(p, 8);
        p += 8;
      }
    }
    at += 4 + n;
  }
}

/// The members of an archive image, from its central directory.
inline std::vector<ZipEntry> zip_directory(std::span<const std::byte> bytes,
                                           const std::string& path) {
  const ZipBytes z(bytes, path);
  if (z.size() < 22) z.fail("too short for an end-of-central-directory record");
  // The EOCD record is the last 22 bytes plus a comment of at most 65535 bytes.
  std::uint64_t eocd = z.size() - 22;
  const std::uint64_t lowest = z.size() >= 22 + 65535 ? z.size() - 22 - 65535 : 0;
  while (z.le(eocd, 4) != 0x06054b50U) {
    if (eocd == lowest) z.fail("no end-of-central-directory record");
    --eocd;
  }
  if (z.le(eocd + 4, 2) != 0 || z.le(eocd + 6, 2) != 0) z.fail("multi-disk archives unsupported");
  std::uint64_t count = z.le(eocd + 10, 2), dir = z.le(eocd + 16, 4);
  if ((count == 0xFFFFU || dir == 0xFFFFFFFFU) && eocd >= 20 && z.le(eocd - 20, 4) == 0x07064b50U) {
    const std::uint64_t rec = z.le(eocd - 20 + 8, 8);
    if (z.le(rec, 4) != 0x06064b50U) z.fail("bad ZIP64 end-of-central-directory record");
    count = z.le(rec + 32, 8);
    dir = z.le(rec + 48, 8);
  }
  if (count > z.size() / 46) z.fail("more entries than the archive can hold");
  std::vector<ZipEntry> entries;
  std::uint64_t at = dir;
  for (std::uint64_t k = 0; k < count; ++k) {
    if (z.le(at, 4) != 0x02014b50U) z.fail("bad central-directory entry");
    ZipEntry e;
    if ((z.le(at + 8, 2) & 1U) != 0) z.fail("encrypted entries unsupported");
    e.method = static_cast<std::uint16_t>(z.le(at + 10, 2));
    e.crc = static_cast<std::uint32_t>(z.le(at + 16, 4));
    e.compressed = z.le(at + 20, 4);
    e.size = z.le(at + 24, 4);
    const std::uint64_t name_len = z.le(at + 28, 2), extra_len = z.le(at + 30, 2),
                        comment_len = z.le(at + 32, 2);
    e.local_offset = z.le(at + 42, 4);
    const auto name = z.span(at + 46, name_len);
    e.name.assign(reinterpret_cast<const char*>(name.data()), name.size());
    apply_zip64_extra(z, at + 46 + name_len, extra_len, e);
    entries.push_back(std::move(e));
    at += 46 + name_len + extra_len + comment_len;
  }
  return entries;
}

/// The uncompressed bytes of `entry`, CRC-checked.
inline std::vector<std::byte> zip_extract(std::span<const std::byte> bytes, const ZipEntry& entry,
                                          const std::string& path) {
  const ZipBytes z(bytes, path);
  const std::uint64_t at = entry.local_offset;
  if (z.le(at, 4) != 0x04034b50U) z.fail("bad local header of " + entry.name);
  const std::uint64_t start = at + 30 + z.le(at + 26, 2) + z.le(at + 28, 2);
  const auto data = z.span(start, entry.compressed);
  std::vector<std::byte> out;
  if (entry.method == 0) {
    if (entry.compressed != entry.size) z.fail("stored entry " + entry.name + " changes size");
    out.assign(data.begin(), data.end());
  } else if (entry.method == 8) {
    // DEFLATE expands at most 1032:1 (258-byte matches of 2 bits at best): refuse sizes beyond.
    if (entry.size > 1032 * entry.compressed + 1024) {
      z.fail("entry " + entry.name + " declares an impossible size");
    }
    out = inflate(data, static_cast<std::size_t>(entry.size), path);
  } else {
    z.fail("entry " + entry.name + " uses compression method " + std::to_string(entry.method) +
           " (only stored and deflate are supported)");
  }
  if (crc32(out) != entry.crc) z.fail("CRC-32 mismatch in entry " + entry.name);
  return out;
}

}  // namespace hilm::detail

#endif  // HILM_IO_DETAIL_ZIP_HPP

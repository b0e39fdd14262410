// libFuzzer target for the .npz reader (include/hilm/io/sparse_codes.hpp) and its zip and
// DEFLATE parsers (io/detail/zip.hpp, io/detail/deflate.hpp). Any input must either decode or
// throw hilm::io_error; crashes, sanitizer reports, other exceptions and hangs are findings.
// The raw input is also fed to the inflater directly, with a declared size taken from its first
// two bytes. Seed corpus: tests/fuzz/corpus/npz (scipy.sparse.save_npz files).
#include <cstddef>
#include <cstdint>
#include <span>

#include <hilm/io/sparse_codes.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  try {
    const auto m = hilm::parse_sparse_npz(bytes, "fuzz.npz");
    // What decodes is a valid compressed matrix with finite values.
    for (hilm::Index e = 0; e < m.nonZeros(); ++e) {
      if (!(m.valuePtr()[e] == m.valuePtr()[e])) __builtin_trap();
    }
  } catch (const hilm::io_error&) {
  }
  if (size >= 2) {
    const std::size_t expected =
        std::to_integer<std::size_t>(bytes[0]) | (std::to_integer<std::size_t>(bytes[1]) << 8U);
    try {
      const auto out = hilm::detail::inflate(bytes.subspan(2), expected, "fuzz.deflate");
      if (out.size() != expected) __builtin_trap();
    } catch (const hilm::io_error&) {
    }
  }
  return 0;
}

// Test files in and out: read_file (a whole file as a string), read_bytes (as bytes), bytes_of (a
// string as the bytes of an in-memory file), npy_fixture (the path of a file in tests/data/npy),
// write_csv and write_exact_csv (a matrix written as a small CSV fixture).
#ifndef HILM_TESTS_SUPPORT_FILES_HPP
#define HILM_TESTS_SUPPORT_FILES_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iterator>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "support/temp_dir.hpp"

namespace hilm::test {

/// The contents of the file at `path`, byte for byte ("" when it cannot be read).
inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The contents of the file at `path` as unsigned bytes (empty when it cannot be read).
inline std::vector<std::uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The bytes of `s`.
inline std::vector<std::byte> bytes_of(const std::string& s) {
  std::vector<std::byte> out(s.size());
  if (!s.empty()) std::memcpy(out.data(), s.data(), s.size());  // memcpy(nullptr, ...) is UB
  return out;
}

/// The path of the fixture `name` in tests/data/npy (written by its make_fixtures.py).
inline std::string npy_fixture(const std::string& name) {
  return std::string(HILM_TEST_DATA_DIR) + "/npy/" + name;
}

/// Writes `x` as the CSV file `name` of `dir` (no header; numbers with `precision` significant
/// digits: the stream's default 6, or 17 to round-trip doubles exactly) and returns its path.
template <class Derived>
inline std::string write_csv(const TempDir& dir, const std::string& name,
                             const Eigen::DenseBase<Derived>& x, int precision = 6) {
  const std::string path = dir.file(name);
  std::ofstream out(path);
  out << std::setprecision(precision);
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    for (Eigen::Index j = 0; j < x.cols(); ++j) out << (j ? "," : "") << x(i, j);
    out << "\n";
  }
  return path;
}

/// write_csv with 17 significant digits, which round-trip doubles exactly.
template <class Derived>
inline std::string write_exact_csv(const TempDir& dir, const std::string& name,
                                   const Eigen::DenseBase<Derived>& x) {
  return write_csv(dir, name, x, 17);
}

}  // namespace hilm::test

#endif  // HILM_TESTS_SUPPORT_FILES_HPP

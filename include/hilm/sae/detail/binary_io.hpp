// A minimal little-endian binary record stream for SAE checkpoints: fixed-order fields, each
// array preceded by its length, the whole file behind a magic string and a version. Written
// atomically by the caller (hilm/io/atomic_file.hpp).
#ifndef HILM_SAE_DETAIL_BINARY_IO_HPP
#define HILM_SAE_DETAIL_BINARY_IO_HPP

#include <cstdint>
#include <cstring>
#include <istream>
#include <ostream>
#include <string>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>

namespace hilm::detail {

class BinaryWriter {
 public:
  explicit BinaryWriter(std::ostream& out) : out_(out) {}
  template <class T>
    requires std::is_arithmetic_v<T>
  void value(T v) { out_.write(reinterpret_cast<const char*>(&v), sizeof(T)); }
  void text(const std::string& s) {
    value<std::uint64_t>(s.size());
    out_.write(s.data(), static_cast<std::streamsize>(s.size()));
  }
  template <class T>
  void array(const T* data, Index n) {
    value<std::int64_t>(n);
    out_.write(reinterpret_cast<const char*>(data),
               static_cast<std::streamsize>(sizeof(T) * static_cast<std::size_t>(n)));
  }
  template <class Derived>
  void matrix(const Eigen::PlainObjectBase<Derived>& m) {
    value<std::int64_t>(m.rows());
    value<std::int64_t>(m.cols());
    array(m.data(), m.size());
  }
  template <class T>
  void vector(const std::vector<T>& v) {
    array(v.data(), static_cast<Index>(v.size()));
  }

 private:
  std::ostream& out_;
};

class BinaryReader {
 public:
  BinaryReader(std::istream& in, std::string path) : in_(in), path_(std::move(path)) {}
  template <class T>
    requires std::is_arithmetic_v<T> T value() {
      T v{};
      in_.read(reinterpret_cast<char*>(&v), sizeof(T));
      if (!in_) fail("file is truncated");
      return v;
    }
  std::string text() {
    const auto n = value<std::uint64_t>();
    if (n > (1u << 20)) fail("corrupt string length");
    std::string s(n, '\0');
    in_.read(s.data(), static_cast<std::streamsize>(n));
    if (!in_) fail("file is truncated");
    return s;
  }
  template <class T>
  void array(T* data, Index expected) {
    const auto n = value<std::int64_t>();
    if (n != expected)
      fail("array of length " + std::to_string(n) + " where " + std::to_string(expected) +
           " was expected");
    in_.read(reinterpret_cast<char*>(data),
             static_cast<std::streamsize>(sizeof(T) * static_cast<std::size_t>(n)));
    if (!in_) fail("file is truncated");
  }
  template <class Derived>
  void matrix(Eigen::PlainObjectBase<Derived>& m) {
    const auto rows = value<std::int64_t>();
    const auto cols = value<std::int64_t>();
    if (rows < 0 || cols < 0 || rows * cols > (std::int64_t(1) << 36)) fail("corrupt matrix shape");
    m.resize(rows, cols);
    array(m.data(), m.size());
  }
  template <class T>
  void vector(std::vector<T>& v) {
    const auto pos = in_.tellg();
    const auto n = value<std::int64_t>();
    if (n < 0 || n > (std::int64_t(1) << 36)) fail("corrupt vector length");
    in_.seekg(pos);
    v.resize(static_cast<std::size_t>(n));
    array(v.data(), n);
  }
  [[noreturn]] void fail(const std::string& problem) const { raise<io_error>(path_, problem); }

 private:
  std::istream& in_;
  std::string path_;
};

}  // namespace hilm::detail

#endif  // HILM_SAE_DETAIL_BINARY_IO_HPP

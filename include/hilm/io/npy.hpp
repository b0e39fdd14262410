/// @file
/// Reading and writing numpy `.npy` files.
///
/// Supported: element types bool, int8–int64, uint8–uint64, float16 (read only; converted),
/// float32 and float64; C (row-major) and Fortran (column-major) order; little- and big-endian
/// data; format versions 1.0, 2.0 and 3.0 (numpy's `numpy/lib/format.py`, NEP 1). Values are
/// converted to the requested Eigen scalar under the exact-or-error policy of `hilm/io/dtype.hpp`:
/// a value that would change (an int64 above 2^53 read as double, a float64 beyond float32's
/// range) is reported as an `io_error`, never rounded silently.
///
/// Shapes map to matrices with rows as samples: a 0-d array is 1 × 1, a 1-d array of length `n`
/// is `n × 1`, a 2-d array `(r, c)` is `r × c`; arrays with three or more axes are refused.
///
/// ```cpp
/// hilm::RowMatrix<float> x = hilm::read_npy<float>("activations.npy");  // n × d
/// hilm::write_npy("codes.npy", codes);                                  // any Eigen matrix
/// ```
///
/// The decoded header (`NpyHeader`) and the header writer (`make_npy_header`) are in
/// `hilm/io/npy_header.hpp`, which this header includes.
///
/// Every failure throws `hilm::io_error` whose `what()` is "path: problem". The parser never reads
/// outside the buffer it is given, whatever the input (it is fuzzed: `tests/fuzz/npy_fuzz.cpp`).
#ifndef HILM_IO_NPY_HPP
#define HILM_IO_NPY_HPP

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/io/detail/npy_data.hpp>
#include <hilm/io/detail/npy_file.hpp>
#include <hilm/io/dtype.hpp>
#include <hilm/io/npy_header.hpp>

namespace hilm {

/// Options of `write_npy`.
struct NpyWriteOptions {
  bool fortran_order = false;  ///< Store column-major (numpy `order='F'`) instead of row-major.
  bool big_endian = false;     ///< Store multi-byte elements big-endian (`'>f4'`).
};

/// Parses the header of a `.npy` file held in memory.
/// @param bytes  the whole file (the data must be present: a truncated file is an error).
/// @param path   file name used in error messages (may be empty).
/// @returns the decoded header.
/// @throws io_error naming `path` and the problem: bad magic, unsupported version, header length
///         past the end of the buffer, malformed dictionary, unsupported dtype (complex, strings,
///         structured ...), negative or absurd dimensions, data past the end (truncated).
[[nodiscard]] inline NpyHeader parse_npy_header(std::span<const std::byte> bytes,
                                                const std::string& path = "") {
  return detail::parse_npy_header_in_file(bytes, bytes.size(), path);
}

/// Reads the header of a `.npy` file (only the header bytes are read, plus the file size).
/// @param path  the file.
/// @returns the decoded header; the data are known to be complete.
/// @throws io_error as `parse_npy_header`, or when the file cannot be opened or is not a regular
///         file.
[[nodiscard]] inline NpyHeader read_npy_header(const std::string& path) {
  const detail::ReadOnlyFile file(path);
  return detail::read_npy_header(file, path);
}

/// Decodes a `.npy` file held in memory into a row-major matrix (0-d → 1 × 1, `(n,)` → `n × 1`,
/// `(r, c)` → `r × c`, either storage order).
/// @tparam Scalar  float, double or an integer type (read boolean arrays as integers or floats).
/// @param bytes    the whole file.
/// @param path     file name used in error messages (may be empty).
/// @param policy   float64 → float32 narrowing policy (see `hilm/io/dtype.hpp`).
/// @returns the `r × c` matrix.
/// @throws io_error as `parse_npy_header`, for arrays with three or more axes, and for a value that
///         the conversion policy refuses (naming the element's index in file order).
template <class Scalar>
[[nodiscard]] RowMatrix<Scalar> parse_npy(std::span<const std::byte> bytes,
                                          const std::string& path = "",
                                          Conversion policy = Conversion::RoundFloats) {
  const NpyHeader h = parse_npy_header(bytes, path);
  const std::size_t item = dtype_size(h.dtype);
  return detail::npy_fill_matrix<Scalar>(h, path, policy, [&](Index first, Index) {
    return bytes.data() + h.data_offset + static_cast<std::size_t>(first) * item;
  });
}

/// Reads a `.npy` file into a row-major matrix (0-d → 1 × 1, `(n,)` → `n × 1`, `(r, c)` → `r × c`,
/// either storage order). Memory: the result plus a 1 MiB staging buffer.
/// @tparam Scalar  float, double or an integer type (read boolean arrays as integers or floats).
/// @param path     the file.
/// @param policy   float64 → float32 narrowing policy (see `hilm/io/dtype.hpp`).
/// @returns the `r × c` matrix.
/// @throws io_error naming `path`: unreadable file, malformed header or truncated data, unsupported
///         dtype, three or more axes ("expected a 1-d or 2-d array, got shape (a, b, c)"), or a
///         value the conversion policy refuses (e.g. an int64 above 2^53 read as double).
template <class Scalar>
[[nodiscard]] RowMatrix<Scalar> read_npy(const std::string& path,
                                         Conversion policy = Conversion::RoundFloats) {
  const detail::ReadOnlyFile file(path);
  const NpyHeader h = detail::read_npy_header(file, path);
  const std::size_t item = dtype_size(h.dtype);
  std::vector<std::byte> staging;
  return detail::npy_fill_matrix<Scalar>(h, path, policy, [&](Index first, Index count) {
    const std::size_t bytes = static_cast<std::size_t>(count) * item;
    if (staging.size() < bytes) staging.resize(bytes);
    file.read_at(h.data_offset + static_cast<std::uint64_t>(first) * item, staging.data(), bytes);
    return static_cast<const std::byte*>(staging.data());
  });
}

/// Writes a matrix as a 2-d `.npy` array of shape `(rows, cols)` holding the matrix's own scalar
/// type, atomically (a temporary file renamed over `path`). Files load with `numpy.load`.
/// @tparam Derived  any dense Eigen expression with scalar bool, float, double or an integer type.
/// @param path      destination file.
/// @param m         the `r × c` matrix (either storage order; expressions are evaluated once).
/// @param options   storage order and byte order of the file.
/// @throws io_error naming `path` when the file cannot be written.
template <class Derived>
void write_npy(const std::string& path, const Eigen::MatrixBase<Derived>& m,
               const NpyWriteOptions& options = {}) {
  const Index shape[2] = {m.rows(), m.cols()};
  detail::npy_write_file(path, m, shape, options.fortran_order, options.big_endian);
}

/// Writes a vector as a 1-d `.npy` array of shape `(n,)`, atomically.
/// @tparam Derived  a dense Eigen expression with one row or one column (scalar as `write_npy`).
/// @param path      destination file.
/// @param v         the vector, `n × 1` or `1 × n`.
/// @param options   byte order of the file (the storage order is irrelevant for 1-d arrays).
/// @throws invalid_argument when `v` has more than one row and more than one column.
/// @throws io_error naming `path` when the file cannot be written.
template <class Derived>
void write_npy_vector(const std::string& path, const Eigen::MatrixBase<Derived>& v,
                      const NpyWriteOptions& options = {}) {
  if (v.rows() != 1 && v.cols() != 1) {
    hilm::detail::raise<invalid_argument>(
        "hilm::write_npy_vector: v must have one row or one column, got " +
        std::to_string(v.rows()) + " x " + std::to_string(v.cols()));
  }
  const Index shape[1] = {v.size()};
  NpyWriteOptions vector_options = options;
  vector_options.fortran_order = false;
  detail::npy_write_file(path, v, shape, vector_options.fortran_order, vector_options.big_endian);
}

}  // namespace hilm

#endif  // HILM_IO_NPY_HPP

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
/// Every failure throws `hilm::io_error` whose `what()` is "path: problem". The parser never reads
/// outside the buffer it is given, whatever the input (it is fuzzed: `tests/fuzz/npy_fuzz.cpp`).
#ifndef HILM_IO_NPY_HPP
#define HILM_IO_NPY_HPP

#include <algorithm>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/assert.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/io/atomic_file.hpp>
#include <hilm/io/detail/npy_file.hpp>
#include <hilm/io/detail/npy_header.hpp>
#include <hilm/io/dtype.hpp>

namespace hilm {

/// The decoded header of a `.npy` file.
struct NpyHeader {
  DType dtype = DType::Float64;  ///< Element type.
  bool fortran_order = false;    ///< True when the data are stored column-major.
  bool big_endian = false;       ///< Byte order of the data; always false for 1-byte types.
  std::vector<Index> shape;      ///< Extent of each axis; empty for a 0-d (scalar) array.
  std::size_t data_offset = 0;   ///< Byte offset of the first element from the start of the file.
  int major_version = 1;         ///< Format version: 1, 2 or 3.
  int minor_version = 0;         ///< Always 0 for the supported versions.
  std::string descr;             ///< The dtype string exactly as stored, e.g. "<f4".

  /// Number of elements: the product of `shape` (1 for a 0-d array).
  [[nodiscard]] Index size() const noexcept {
    Index n = 1;
    for (Index s : shape) n *= s;
    return n;
  }

  /// Number of data bytes: `size() * dtype_size(dtype)`.
  [[nodiscard]] std::uint64_t data_bytes() const noexcept {
    return static_cast<std::uint64_t>(size()) * dtype_size(dtype);
  }
};

/// Options of `write_npy`.
struct NpyWriteOptions {
  bool fortran_order = false;  ///< Store column-major (numpy `order='F'`) instead of row-major.
  bool big_endian = false;     ///< Store multi-byte elements big-endian (`'>f4'`).
};

/// Builds the complete header (magic, version, length, dictionary, padding) that numpy itself
/// writes for an array of the given type, shape and layout: the dictionary keys in sorted order,
/// numpy's spare room for growing the first (C) or last (Fortran) axis, and space padding ending
/// in '\n' so that the data start at a multiple of 64 bytes. Version 1.0 unless the header would
/// exceed 65535 bytes, then 2.0. Use it to stream an array to a file: write the header, then the
/// `prod(shape)` elements in the stated order and byte order.
/// @param dtype          element type (bfloat16 is refused: numpy has no such dtype).
/// @param shape          extent of each axis; empty for a 0-d array; no negative entries.
/// @param fortran_order  column-major data.
/// @param big_endian     big-endian data (ignored for 1-byte types).
/// @returns the header bytes; the data start at `returned.size()`, a multiple of 64.
/// @throws invalid_argument for bfloat16 or a negative extent.
[[nodiscard]] inline std::string make_npy_header(DType dtype, std::span<const Index> shape,
                                                 bool fortran_order = false,
                                                 bool big_endian = false) {
  for (Index s : shape) {
    if (s < 0) {
      hilm::detail::raise<invalid_argument>("hilm::make_npy_header: shape " +
                                            detail::npy_shape_repr(shape) +
                                            " has a negative extent");
    }
  }
  std::string dict = "{'descr': '" + detail::encode_npy_descr(dtype, big_endian) +
                     "', 'fortran_order': " + (fortran_order ? "True" : "False") +
                     ", 'shape': " + detail::npy_shape_repr(shape) + ", }";
  if (!shape.empty()) {
    // numpy (≥ 1.24, GROWTH_AXIS_MAX_DIGITS = 21) leaves room to rewrite the growth axis in place.
    const std::size_t digits = std::to_string(fortran_order ? shape.back() : shape.front()).size();
    if (digits < 21) dict.append(21 - digits, ' ');
  }
  auto wrap = [&](int major) {
    const std::size_t prefix = major == 1 ? 10 : 12;
    const std::size_t unpadded = prefix + dict.size() + 1;  // + '\n'
    const std::size_t pad = detail::npy_alignment - unpadded % detail::npy_alignment;
    const std::uint64_t header_len = dict.size() + pad + 1;
    std::string out(detail::npy_magic);
    out += static_cast<char>(major);
    out += '\0';
    detail::append_le(out, header_len, major == 1 ? 2 : 4);
    out += dict;
    out.append(pad, ' ');
    out += '\n';
    return out;
  };
  std::string v1 = wrap(1);
  if (v1.size() - 10 <= 65535) return v1;
  return wrap(2);
}

namespace detail {

// Validates magic, version and header length against `file_size`; returns the total header size
// (prefix + dictionary), i.e. the data offset. Needs the first 12 bytes (or all, if fewer).
[[nodiscard]] inline std::size_t npy_header_total_length(std::span<const std::byte> bytes,
                                                         std::uint64_t file_size,
                                                         const std::string& path) {
  const auto byte_at = [&](std::size_t i) { return std::to_integer<unsigned>(bytes[i]); };
  const std::size_t have = bytes.size();
  for (std::size_t i = 0; i < std::min<std::size_t>(have, npy_magic.size()); ++i) {
    if (byte_at(i) != static_cast<unsigned char>(npy_magic[i])) {
      hilm::detail::raise<io_error>(path,
                                    "not a .npy file (the magic string \\x93NUMPY is missing)");
    }
  }
  if (have < 8) {
    hilm::detail::raise<io_error>(
        path, "file too short to be a .npy file (" + std::to_string(file_size) + " bytes)");
  }
  const unsigned major = byte_at(6), minor = byte_at(7);
  if (major < 1 || major > 3 || minor != 0) {
    hilm::detail::raise<io_error>(path, "unsupported .npy format version " + std::to_string(major) +
                                            "." + std::to_string(minor) +
                                            " (supported: 1.0, 2.0, 3.0)");
  }
  const std::size_t prefix = major == 1 ? 10 : 12;
  if (have < prefix) {
    hilm::detail::raise<io_error>(path, "file ends inside the .npy header length field");
  }
  std::uint64_t header_len = 0;
  for (std::size_t i = prefix; i-- > 8;) header_len = (header_len << 8) | byte_at(i);
  if (header_len > file_size - prefix) {
    hilm::detail::raise<io_error>(path, "header length " + std::to_string(header_len) +
                                            " runs past the end of the file (" +
                                            std::to_string(file_size) + " bytes)");
  }
  return prefix + static_cast<std::size_t>(header_len);
}

// Parses a header whose first bytes are `bytes` (at least the whole header) in a file of
// `file_size` bytes, and checks that the data fit in the file.
[[nodiscard]] inline NpyHeader parse_npy_header_in_file(std::span<const std::byte> bytes,
                                                        std::uint64_t file_size,
                                                        const std::string& path) {
  const std::size_t total = npy_header_total_length(bytes, file_size, path);
  HILM_ASSERT(total <= bytes.size());
  NpyHeader h;
  h.major_version = std::to_integer<int>(bytes[6]);
  h.minor_version = 0;
  const std::size_t prefix = h.major_version == 1 ? 10 : 12;
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()) + prefix, total - prefix);
  NpyDict dict = NpyDictParser(text, path).parse();
  const NpyDescr descr = decode_npy_descr(dict, path);
  h.dtype = descr.dtype;
  h.big_endian = descr.big_endian;
  h.descr = std::move(dict.descr);
  h.fortran_order = dict.fortran_order;
  h.shape = std::move(dict.shape);
  h.data_offset = total;
  // Element count and byte count, overflow-checked (each axis is at most 2^48 already).
  std::uint64_t count = 1;
  bool overflow = false;
  bool empty = false;
  for (Index s : h.shape) empty = empty || s == 0;  // a zero axis empties the array
  if (!empty) {
    for (Index s : h.shape) {
      const auto u = static_cast<std::uint64_t>(s);
      if (count > (std::uint64_t{1} << 62) / u) {
        overflow = true;
        break;
      }
      count *= u;
    }
    overflow = overflow || count > (std::uint64_t{1} << 62) / dtype_size(h.dtype);
  } else {
    count = 0;
  }
  if (overflow) {
    hilm::detail::raise<io_error>(
        path, "shape " + npy_shape_repr(h.shape) + " is too large to describe a real array");
  }
  const std::uint64_t need = count * dtype_size(h.dtype);
  const std::uint64_t available = file_size - total;
  if (need > available) {
    hilm::detail::raise<io_error>(
        path, "truncated: shape " + npy_shape_repr(h.shape) + " of " +
                  std::string(dtype_name(h.dtype)) + " needs " + std::to_string(need) +
                  " data bytes but the file holds " + std::to_string(available));
  }
  return h;
}

// Reads and parses the header of an open file.
[[nodiscard]] inline NpyHeader read_npy_header(const ReadOnlyFile& file, const std::string& path) {
  std::byte start[12];
  const std::size_t first = static_cast<std::size_t>(std::min<std::uint64_t>(file.size(), 12));
  file.read_at(0, start, first);
  const std::size_t total = npy_header_total_length({start, first}, file.size(), path);
  std::vector<std::byte> bytes(total);
  file.read_at(0, bytes.data(), total);
  return parse_npy_header_in_file(bytes, file.size(), path);
}

// Rows and columns of the matrix that holds an array of this header.
[[nodiscard]] inline std::pair<Index, Index> npy_matrix_shape(const NpyHeader& h,
                                                              const std::string& path) {
  switch (h.shape.size()) {
    case 0:
      return {1, 1};
    case 1:
      return {h.shape[0], 1};
    case 2:
      return {h.shape[0], h.shape[1]};
    default:
      hilm::detail::raise<io_error>(
          path, "expected a 1-d or 2-d array, got shape " + npy_shape_repr(h.shape));
  }
}

// True when elements of `h` can be copied bit for bit into `Scalar`.
template <class Scalar>
[[nodiscard]] bool npy_is_native(const NpyHeader& h) noexcept {
  constexpr bool native_big = std::endian::native == std::endian::big;
  if constexpr ((std::is_integral_v<Scalar> && !std::same_as<Scalar, bool>) ||
                std::same_as<Scalar, float> || std::same_as<Scalar, double>) {
    return h.dtype == dtype_of<Scalar>() &&
           (dtype_size(h.dtype) == 1 || h.big_endian == native_big);
  } else {
    return false;
  }
}

// Converts `count` stored elements (element index `offset` onwards, in file order) into `dst`.
template <class Scalar>
void npy_convert(const std::byte* src, const NpyHeader& h, Index count, Scalar* dst,
                 const std::string& path, Index offset, Conversion policy) {
  if (count <= 0) return;
  if (npy_is_native<Scalar>(h)) {
    std::memcpy(dst, src, static_cast<std::size_t>(count) * sizeof(Scalar));
  } else {
    convert_elements<Scalar>(src, h.dtype, h.big_endian, count, dst, path, offset, policy);
  }
}

// Fills a row-major rows × cols matrix from the data of `h`. `fetch(first, count)` returns a
// pointer to the raw bytes of stored elements [first, first + count) (file order), valid until the
// next call; it is called with chunks of at most `chunk` elements.
template <class Scalar, class Fetch>
RowMatrix<Scalar> npy_fill_matrix(const NpyHeader& h, const std::string& path, Conversion policy,
                                  Fetch&& fetch) {
  static_assert(std::is_arithmetic_v<Scalar> && !std::same_as<Scalar, bool>,
                "hilm::read_npy: Scalar must be a floating-point or integer type (read "
                "boolean arrays as an integer or floating type)");
  const auto [rows, cols] = npy_matrix_shape(h, path);
  RowMatrix<Scalar> out(rows, cols);
  const Index total = rows * cols;
  const Index chunk = std::max<Index>(1, Index{1 << 20} / static_cast<Index>(dtype_size(h.dtype)));
  // Column-major storage of a true matrix needs a gather; a single row or column does not.
  const bool gather = h.fortran_order && rows > 1 && cols > 1;
  if (!gather) {
    for (Index first = 0; first < total; first += chunk) {
      const Index n = std::min(chunk, total - first);
      npy_convert<Scalar>(fetch(first, n), h, n, out.data() + first, path, first, policy);
    }
    return out;
  }
  std::vector<Scalar> buffer(static_cast<std::size_t>(std::min(chunk, total)));
  for (Index first = 0; first < total; first += chunk) {
    const Index n = std::min(chunk, total - first);
    npy_convert<Scalar>(fetch(first, n), h, n, buffer.data(), path, first, policy);
    Index r = first % rows, c = first / rows;
    for (Index k = 0; k < n; ++k) {
      out(r, c) = buffer[static_cast<std::size_t>(k)];
      if (++r == rows) {
        r = 0;
        ++c;
      }
    }
  }
  return out;
}

// Stores `value` into `dst` in the requested byte order.
template <class T>
void npy_store(T value, bool big_endian, char* dst) noexcept {
  std::memcpy(dst, &value, sizeof(T));
  constexpr bool native_big = std::endian::native == std::endian::big;
  if (sizeof(T) > 1 && big_endian != native_big) std::reverse(dst, dst + sizeof(T));
}

// Writes the elements of `m` (rows × cols, plain-object or direct-access expression) in C or
// Fortran order through a fixed-size buffer.
template <class Derived>
void npy_write_data(std::ostream& out, const Eigen::MatrixBase<Derived>& m, bool fortran_order,
                    bool big_endian) {
  using Scalar = typename Derived::Scalar;
  constexpr std::size_t item = sizeof(Scalar);
  constexpr std::size_t buffer_elements = (std::size_t{1} << 16);
  std::vector<char> buffer(buffer_elements * item);
  std::size_t used = 0;
  auto flush = [&]() {
    out.write(buffer.data(), static_cast<std::streamsize>(used * item));
    used = 0;
  };
  auto put = [&](Scalar v) {
    if constexpr (std::same_as<Scalar, bool>) {
      buffer[used] = v ? char{1} : char{0};
    } else {
      npy_store(v, big_endian, buffer.data() + used * item);
    }
    if (++used == buffer_elements) flush();
  };
  const Index rows = m.rows(), cols = m.cols();
  if (fortran_order) {
    for (Index j = 0; j < cols; ++j) {
      for (Index i = 0; i < rows; ++i) put(m.coeff(i, j));
    }
  } else {
    for (Index i = 0; i < rows; ++i) {
      for (Index j = 0; j < cols; ++j) put(m.coeff(i, j));
    }
  }
  flush();
}

// Writes `m` with the given shape (its elements are written in the order `fortran_order` asks).
template <class Derived>
void npy_write_file(const std::string& path, const Eigen::MatrixBase<Derived>& m,
                    std::span<const Index> shape, const NpyWriteOptions& options) {
  using Scalar = typename Derived::Scalar;
  static_assert(std::same_as<Scalar, bool> || std::same_as<Scalar, float> ||
                    std::same_as<Scalar, double> || std::is_integral_v<Scalar>,
                "hilm::write_npy: the matrix scalar must be bool, float, double or an integer "
                "type of 1, 2, 4 or 8 bytes");
  const std::string header =
      make_npy_header(dtype_of<Scalar>(), shape, options.fortran_order, options.big_endian);
  auto write = [&](std::ostream& out) {
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    // Coefficient-wise access is cheap only for direct-access objects; evaluate other expressions
    // (products, sums) once instead of once per coefficient.
    if constexpr (bool(Derived::Flags & Eigen::DirectAccessBit)) {
      npy_write_data(out, m, options.fortran_order, options.big_endian);
    } else {
      const auto plain = m.eval();
      npy_write_data(out, plain, options.fortran_order, options.big_endian);
    }
  };
  write_file_atomically(path, write);
}

}  // namespace detail

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
  detail::npy_write_file(path, m, shape, options);
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
  detail::npy_write_file(path, v, shape, vector_options);
}

}  // namespace hilm

#endif  // HILM_IO_NPY_HPP

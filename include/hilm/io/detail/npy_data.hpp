/// @file
/// Implementation details of `hilm/io/npy.hpp` past the header dictionary: validating the
/// header's prefix and size against the file, converting stored elements into a matrix (either
/// storage order, in 1 MiB chunks) and writing a matrix's elements in C or Fortran order.
#ifndef HILM_IO_DETAIL_NPY_DATA_HPP
#define HILM_IO_DETAIL_NPY_DATA_HPP

#include <algorithm>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <ostream>
#include <span>
#include <string>
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
#include <hilm/io/npy_header.hpp>

namespace hilm::detail {

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
                    std::span<const Index> shape, bool fortran_order, bool big_endian) {
  using Scalar = typename Derived::Scalar;
  static_assert(std::same_as<Scalar, bool> || std::same_as<Scalar, float> ||
                    std::same_as<Scalar, double> || std::is_integral_v<Scalar>,
                "hilm::write_npy: the matrix scalar must be bool, float, double or an integer "
                "type of 1, 2, 4 or 8 bytes");
  const std::string header = make_npy_header(dtype_of<Scalar>(), shape, fortran_order, big_endian);
  auto write = [&](std::ostream& out) {
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    // Coefficient-wise access is cheap only for direct-access objects; evaluate other expressions
    // (products, sums) once instead of once per coefficient.
    if constexpr (bool(Derived::Flags & Eigen::DirectAccessBit)) {
      npy_write_data(out, m, fortran_order, big_endian);
    } else {
      const auto plain = m.eval();
      npy_write_data(out, plain, fortran_order, big_endian);
    }
  };
  write_file_atomically(path, write);
}

}  // namespace hilm::detail

#endif  // HILM_IO_DETAIL_NPY_DATA_HPP

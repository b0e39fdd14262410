/// @file
/// The header of a numpy `.npy` file: `NpyHeader`, its decoded form (what `read_npy_header` and
/// `parse_npy_header` in `hilm/io/npy.hpp` return), and `make_npy_header`, the bytes numpy itself
/// writes before the data (for streaming an array to a file).
///
/// Format reference: numpy's "NEP 1 — A simple file format for NumPy arrays" and the docstring of
/// `numpy/lib/format.py`.
#ifndef HILM_IO_NPY_HEADER_HPP
#define HILM_IO_NPY_HEADER_HPP

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
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

}  // namespace hilm

#endif  // HILM_IO_NPY_HEADER_HPP

/// @file
/// Sparse codes (n samples × width latents, a few active per row) in and out of files, so that
/// SAE codes at real widths never pass through a dense n × width matrix:
///
/// - `.npz` holding a scipy.sparse CSR or CSC matrix, as `scipy.sparse.save_npz` writes it
///   (data.npy, indices.npy, indptr.npy, shape.npy, format.npy in a zip, deflated or stored).
///   An `.npz` without format.npy but with exactly one array is read as a dense matrix.
/// - `.safetensors` with two n × k tensors `indices` (any integer dtype) and `values` (any float
///   dtype), the output of a TopK SAE; the width is the `__metadata__` entry `width` when
///   present, else the largest index + 1. Zero values are padding. A `.safetensors` file with a
///   single 2-d tensor is read as a dense matrix.
/// - `.npy` (a dense 2-d array, converted).
///
/// Every reader checks indices against the width, refuses NaN/Inf, and names the file in its
/// `io_error`.
///
/// @code
/// hilm::write_sparse_codes("z.safetensors", codes);            // TopK layout, metadata width
/// const hilm::SparseRowMatrix<float> z = hilm::read_sparse_codes("z.safetensors");
/// const auto from_scipy = hilm::read_sparse_codes("z.npz");   // scipy.sparse.save_npz output
/// @endcode
#ifndef HILM_IO_SPARSE_CODES_HPP
#define HILM_IO_SPARSE_CODES_HPP

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/core/sparse_types.hpp>
#include <hilm/core/types.hpp>
#include <hilm/io/detail/npy_file.hpp>
#include <hilm/io/detail/sparse_codes_format.hpp>
#include <hilm/io/npy.hpp>
#include <hilm/io/safetensors.hpp>

namespace hilm {

/// Parses an in-memory `.npz` image (see the file comment).
/// @throws io_error naming `path`: malformed zip, CRC mismatch, truncated or bad deflate data,
///   missing members, unsupported dtypes, inconsistent indptr, indices out of range, NaN/Inf.
[[nodiscard]] inline SparseRowMatrix<float> parse_sparse_npz(std::span<const std::byte> bytes,
                                                             const std::string& path = "") {
  const auto entries = detail::zip_directory(bytes, path);
  auto member = [&](const std::string& name) -> const detail::ZipEntry* {
    for (const auto& e : entries) {
      if (e.name == name) return &e;
    }
    return nullptr;
  };
  const detail::ZipEntry* format = member("format.npy");
  if (format == nullptr) {
    if (entries.size() != 1) {
      hilm::detail::raise<io_error>(path,
                                    "npz holds neither a scipy.sparse matrix (format.npy) "
                                    "nor a single dense array");
    }
    const auto raw = detail::zip_extract(bytes, entries.front(), path);
    return detail::dense_to_sparse(parse_npy<float>(raw, path + ":" + entries.front().name), path);
  }
  const std::string kind =
      detail::npy_string_scalar(detail::zip_extract(bytes, *format, path), path);
  if (kind != "csr" && kind != "csc") {
    hilm::detail::raise<io_error>(
        path, "scipy.sparse format \"" + kind + "\" unsupported (save a csr or csc matrix)");
  }
  auto array = [&](const std::string& name) {
    const detail::ZipEntry* e = member(name);
    if (e == nullptr) hilm::detail::raise<io_error>(path, "npz has no " + name);
    return detail::zip_extract(bytes, *e, path);
  };
  const auto data = parse_npy<float>(array("data.npy"), path + ":data.npy");
  const auto indices = parse_npy<std::int64_t>(array("indices.npy"), path + ":indices.npy");
  const auto indptr = parse_npy<std::int64_t>(array("indptr.npy"), path + ":indptr.npy");
  const auto shape = parse_npy<std::int64_t>(array("shape.npy"), path + ":shape.npy");
  return detail::compressed_to_sparse(data, indices, indptr, shape, kind == "csr", path);
}

/// Reads sparse codes from `.npz`, `.safetensors` or `.npy` (by extension; see the file comment).
/// @throws io_error naming `path` when the file cannot be read, has another extension, or is
///   malformed.
[[nodiscard]] inline SparseRowMatrix<float> read_sparse_codes(const std::string& path) {
  auto ends_with = [&](const std::string& ext) {
    return path.size() >= ext.size() &&
           path.compare(path.size() - ext.size(), ext.size(), ext) == 0;
  };
  if (ends_with(".npy")) return detail::dense_to_sparse(read_npy<float>(path), path);
  if (ends_with(".npz")) {
    std::vector<std::byte> bytes;
    const detail::ReadOnlyFile file(path);
    if (file.size() > static_cast<std::uint64_t>(SIZE_MAX)) {
      hilm::detail::raise<io_error>(path, "file too large for this platform");
    }
    bytes.resize(static_cast<std::size_t>(file.size()));
    file.read_at(0, bytes.data(), bytes.size());
    return parse_sparse_npz(bytes, path);
  }
  if (!ends_with(".safetensors")) {
    hilm::detail::raise<io_error>(path, "sparse codes must be .npz, .safetensors or .npy");
  }
  const auto file = SafetensorsFile::open(path);
  if (!file.contains("indices") || !file.contains("values")) {
    if (file.tensors().size() == 1) {
      return detail::dense_to_sparse(file.matrix<float>(file.tensors().front().name), path);
    }
    hilm::detail::raise<io_error>(path, "expected tensors \"indices\" and \"values\" (n × k)");
  }
  const DType index_type = file.info("indices").dtype;
  if (is_floating(index_type) || index_type == DType::Bool ||
      !is_floating(file.info("values").dtype)) {
    hilm::detail::raise<io_error>(path, "indices must be integers and values floats");
  }
  const auto indices = file.matrix<std::int64_t>("indices");
  const auto values = file.matrix<float>("values");
  std::int64_t width = 0;
  if (const auto it = file.metadata().find("width"); it != file.metadata().end()) {
    const std::string& w = it->second;
    if (w.empty() || w.size() > 12 || w.find_first_not_of("0123456789") != std::string::npos) {
      hilm::detail::raise<io_error>(path, "metadata width \"" + w + "\" is not a count");
    }
    for (const char c : w) width = width * 10 + (c - '0');
  } else {
    for (Index e = 0; e < indices.size(); ++e) width = std::max(width, indices.data()[e] + 1);
  }
  return detail::topk_to_sparse(indices, values, width, path);
}

/// Writes sparse codes as `.safetensors` in the TopK layout: `indices` (int32, n × k) and
/// `values` (float32, n × k), k the largest number of stored entries in a row (at least 1),
/// shorter rows padded with index 0 and value 0; `__metadata__` {"width": "<cols>",
/// "format": "topk"}. Written atomically.
/// @throws invalid_argument for NaN/Inf values or more than 2³¹ − 1 columns; io_error when the
///   file cannot be written.
inline void write_sparse_codes(const std::string& path, const SparseRowMatrix<float>& codes) {
  if (codes.cols() > 0x7FFFFFFF) {
    hilm::detail::raise<invalid_argument>("write_sparse_codes: more than 2^31 - 1 columns");
  }
  Index k = 1;
  for (Index i = 0; i < codes.rows(); ++i) {
    Index nz = 0;
    for (SparseRowMatrix<float>::InnerIterator it(codes, i); it; ++it) ++nz;
    k = std::max(k, nz);
  }
  RowMatrix<std::int32_t> indices = RowMatrix<std::int32_t>::Zero(codes.rows(), k);
  RowMatrix<float> values = RowMatrix<float>::Zero(codes.rows(), k);
  for (Index i = 0; i < codes.rows(); ++i) {
    Index t = 0;
    for (SparseRowMatrix<float>::InnerIterator it(codes, i); it; ++it, ++t) {
      if (!std::isfinite(it.value())) {
        hilm::detail::raise<invalid_argument>("write_sparse_codes: non-finite value at row " +
                                              std::to_string(i));
      }
      indices(i, t) = static_cast<std::int32_t>(it.col());
      values(i, t) = it.value();
    }
  }
  SafetensorsWriter out;
  out.add("indices", indices);
  out.add("values", values);
  out.set_metadata("width", std::to_string(codes.cols()));
  out.set_metadata("format", "topk");
  out.write(path);
}

}  // namespace hilm

#endif  // HILM_IO_SPARSE_CODES_HPP

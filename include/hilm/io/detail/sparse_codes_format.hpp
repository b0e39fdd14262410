// Implementation of io/sparse_codes.hpp: the scipy.sparse .npz layout (save_npz writes
// data.npy, indices.npy, indptr.npy, shape.npy and format.npy — a 0-d unicode array "csr" or
// "csc" — into a zip), the TopK .safetensors layout (indices and values, n × k) and the
// conversion of each to a CSR matrix of floats, with every value and index checked.
#ifndef HILM_IO_DETAIL_SPARSE_CODES_FORMAT_HPP
#define HILM_IO_DETAIL_SPARSE_CODES_FORMAT_HPP

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include <Eigen/SparseCore>

#include <hilm/core/error.hpp>
#include <hilm/core/sparse_types.hpp>
#include <hilm/core/types.hpp>
#include <hilm/io/detail/zip.hpp>
#include <hilm/io/npy.hpp>

namespace hilm::detail {

/// The string in a 0-d numpy unicode ('<U…') or bytes ('|S…') array, as numpy 1.x/2.x writes
/// format.npy (NEP 1: magic, version, little-endian header length, Python-literal header).
inline std::string npy_string_scalar(std::span<const std::byte> b, const std::string& where) {
  auto fail = [&](const std::string& what) -> void {
    hilm::detail::raise<io_error>(where, "format.npy: " + what);
  };
  if (b.size() < 12 || std::to_integer<int>(b[0]) != 0x93) fail("not an npy array");
  const int major = std::to_integer<int>(b[6]);
  std::size_t hlen =
      std::to_integer<std::size_t>(b[8]) | (std::to_integer<std::size_t>(b[9]) << 8U);
  std::size_t start = 10;
  if (major >= 2) {
    hlen |=
        (std::to_integer<std::size_t>(b[10]) << 16U) | (std::to_integer<std::size_t>(b[11]) << 24U);
    start = 12;
  }
  if (hlen > b.size() - start) fail("truncated header");
  const std::string header(reinterpret_cast<const char*>(b.data() + start), hlen);
  const auto d = header.find("'descr':");
  const auto q = d == std::string::npos ? d : header.find('\'', d + 8);
  if (q == std::string::npos || q + 3 >= header.size()) fail("no descr");
  const char kind = header[q + 2];
  const bool unicode = kind == 'U';
  if (!unicode && kind != 'S') fail("expected a string array, got descr " + header.substr(q, 6));
  std::size_t chars = 0;
  for (std::size_t c = q + 3; c < header.size() && header[c] >= '0' && header[c] <= '9'; ++c) {
    chars = std::min<std::size_t>(chars * 10 + static_cast<std::size_t>(header[c] - '0'), 1000);
  }
  const std::size_t width = unicode ? 4 : 1, data = start + hlen;
  if (chars > 16 || data + chars * width > b.size()) fail("truncated data");
  std::string out;
  for (std::size_t c = 0; c < chars; ++c) {
    const auto ch = std::to_integer<unsigned>(b[data + c * width]);
    if (ch == 0) break;
    out.push_back(static_cast<char>(ch));
  }
  return out;
}

/// Throws naming `path` unless `value` is finite.
inline void require_finite_code(float value, Index row, Index col, const std::string& path) {
  if (!std::isfinite(value)) {
    hilm::detail::raise<io_error>(
        path, "non-finite value at row " + std::to_string(row) + ", column " + std::to_string(col));
  }
}

/// CSR/CSC arrays of scipy.sparse → CSR matrix (duplicates summed, explicit zeros dropped).
inline SparseRowMatrix<float> compressed_to_sparse(const RowMatrix<float>& data,
                                                   const RowMatrix<std::int64_t>& indices,
                                                   const RowMatrix<std::int64_t>& indptr,
                                                   const RowMatrix<std::int64_t>& shape, bool csr,
                                                   const std::string& path) {
  auto fail = [&](const std::string& what) { hilm::detail::raise<io_error>(path, what); };
  if (shape.size() != 2 || shape(0) < 0 || shape(1) < 0) fail("shape.npy must hold two sizes");
  const std::int64_t rows = shape(0), cols = shape(1);
  if (rows > 0x7FFFFFFF || cols > 0x7FFFFFFF) fail("shape.npy: a dimension exceeds 2^31 - 1");
  // A CSC file does not bound its row count by its own size (the CSR row index we build does):
  // refuse absurd counts rather than allocate for them.
  if (!csr && rows > (std::int64_t{1} << 24)) {
    fail("a CSC matrix with more than 2^24 rows; save it as CSR");
  }
  const std::int64_t major = csr ? rows : cols, minor = csr ? cols : rows;
  if (indptr.size() != major + 1) {
    fail("indptr.npy has " + std::to_string(indptr.size()) + " entries, expected " +
         std::to_string(major + 1));
  }
  const std::int64_t nnz = data.size();
  if (indices.size() != nnz) fail("indices.npy and data.npy differ in length");
  if (indptr(0) != 0 || indptr(major) != nnz) fail("indptr.npy must run from 0 to nnz");
  std::vector<Eigen::Triplet<float, Index>> t;
  t.reserve(static_cast<std::size_t>(nnz));
  for (std::int64_t a = 0; a < major; ++a) {
    if (indptr(a + 1) < indptr(a)) fail("indptr.npy decreases at " + std::to_string(a));
    for (std::int64_t e = indptr(a); e < indptr(a + 1); ++e) {
      const std::int64_t b = indices(e);
      if (b < 0 || b >= minor) {
        fail("index " + std::to_string(b) + " out of range [0, " + std::to_string(minor) + ")");
      }
      const Index r = csr ? a : b, c = csr ? b : a;
      require_finite_code(data(e), r, c, path);
      if (data(e) != 0.0F) t.emplace_back(r, c, data(e));
    }
  }
  SparseRowMatrix<float> m(rows, cols);
  m.setFromTriplets(t.begin(), t.end());
  return m;
}

/// A dense matrix → CSR (zeros dropped), non-finite values refused.
inline SparseRowMatrix<float> dense_to_sparse(const RowMatrix<float>& x, const std::string& path) {
  std::vector<Eigen::Triplet<float, Index>> t;
  for (Index i = 0; i < x.rows(); ++i) {
    for (Index j = 0; j < x.cols(); ++j) {
      require_finite_code(x(i, j), i, j, path);
      if (x(i, j) != 0.0F) t.emplace_back(i, j, x(i, j));
    }
  }
  SparseRowMatrix<float> m(x.rows(), x.cols());
  m.setFromTriplets(t.begin(), t.end());
  return m;
}

/// TopK layout → CSR: row i has value values(i, t) at column indices(i, t); zero values are
/// padding; a column repeated within a row with non-zero values is refused.
inline SparseRowMatrix<float> topk_to_sparse(const RowMatrix<std::int64_t>& indices,
                                             const RowMatrix<float>& values, std::int64_t width,
                                             const std::string& path) {
  auto fail = [&](const std::string& what) { hilm::detail::raise<io_error>(path, what); };
  if (indices.rows() != values.rows() || indices.cols() != values.cols()) {
    fail("tensors indices and values differ in shape");
  }
  std::vector<Eigen::Triplet<float, Index>> t;
  std::vector<Index> seen;
  for (Index i = 0; i < indices.rows(); ++i) {
    seen.clear();
    for (Index k = 0; k < indices.cols(); ++k) {
      const std::int64_t j = indices(i, k);
      if (j < 0 || j >= width) {
        fail("index " + std::to_string(j) + " at row " + std::to_string(i) + " out of range [0, " +
             std::to_string(width) + ")");
      }
      require_finite_code(values(i, k), i, j, path);
      if (values(i, k) == 0.0F) continue;
      if (std::find(seen.begin(), seen.end(), j) != seen.end()) {
        fail("index " + std::to_string(j) + " repeated in row " + std::to_string(i));
      }
      seen.push_back(j);
      t.emplace_back(i, j, values(i, k));
    }
  }
  SparseRowMatrix<float> m(indices.rows(), width);
  m.setFromTriplets(t.begin(), t.end());
  return m;
}

}  // namespace hilm::detail

#endif  // HILM_IO_DETAIL_SPARSE_CODES_FORMAT_HPP

/// @file
/// Sparse matrix aliases. Kept apart from types.hpp so that dense-only code does not pay for
/// `<Eigen/SparseCore>`.
#ifndef HILM_CORE_SPARSE_TYPES_HPP
#define HILM_CORE_SPARSE_TYPES_HPP

#include <Eigen/SparseCore>

#include <hilm/core/types.hpp>

namespace hilm {

/// Compressed sparse column matrix.
template <class Scalar>
using SparseMatrix = Eigen::SparseMatrix<Scalar, Eigen::ColMajor, Index>;

/// Compressed sparse row matrix (one sample per row is contiguous).
template <class Scalar>
using SparseRowMatrix = Eigen::SparseMatrix<Scalar, Eigen::RowMajor, Index>;

}  // namespace hilm

#endif  // HILM_CORE_SPARSE_TYPES_HPP

/// @file
/// The Eigen aliases used everywhere in hilm. Rows are samples, columns are features.
#ifndef HILM_CORE_TYPES_HPP
#define HILM_CORE_TYPES_HPP

#include <Eigen/Core>

namespace hilm {

/// Signed index type for sizes and positions (Eigen's `Eigen::Index`, i.e. `std::ptrdiff_t`).
using Index = Eigen::Index;

/// Dense column-major matrix (Eigen's default layout): used for factors and small results.
template <class Scalar>
using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;

/// Dense row-major matrix: the layout of sample batches, so that one sample is contiguous.
template <class Scalar>
using RowMatrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Dense column vector.
template <class Scalar>
using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

/// Dense row vector.
template <class Scalar>
using RowVector = Eigen::Matrix<Scalar, 1, Eigen::Dynamic>;

/// Vector of indices (e.g. selected columns, cluster labels).
using IndexVector = Eigen::Matrix<Index, Eigen::Dynamic, 1>;

}  // namespace hilm

#endif  // HILM_CORE_TYPES_HPP

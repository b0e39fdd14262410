/// @file
/// Shared internals of k-means and Gaussian mixtures: argument checks and the row-block size used
/// for parallel loops.
#ifndef HILM_HIERARCHY_DETAIL_CLUSTER_COMMON_HPP
#define HILM_HIERARCHY_DETAIL_CLUSTER_COMMON_HPP

#include <cmath>
#include <string>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>

namespace hilm::detail {

/// Rows per block in the parallel loops: large enough that a block's work dwarfs the OpenMP
/// scheduling cost, small enough that a block's temporaries stay in cache.
inline constexpr Index cluster_block_rows = 1024;

/// Whether a loop of about `flops` floating-point operations is worth an OpenMP region: below a
/// few million operations the fork/join (and, on a busy machine, waiting for descheduled
/// threads) costs more than it saves.
[[nodiscard]] inline bool parallel_worth(Index flops) noexcept { return flops >= (Index{1} << 22); }

/// Throws `invalid_argument` from `function` unless x has at least `min_rows` rows and one column.
template <class Derived>
void check_cluster_data(const Eigen::MatrixBase<Derived>& x, Index min_rows, const char* function) {
  if (x.cols() < 1) {
    raise<invalid_argument>(std::string(function) + ": x must have at least one column");
  }
  if (x.rows() < min_rows) {
    raise<invalid_argument>(std::string(function) + ": x has " + std::to_string(x.rows()) +
                            " rows, need at least " + std::to_string(min_rows) +
                            " (one per cluster)");
  }
}

/// Throws `invalid_argument` from `function` if x holds a NaN or an infinity.
template <class Derived>
void check_cluster_finite(const Eigen::MatrixBase<Derived>& x, const char* function) {
  for (Index i = 0; i < x.rows(); ++i) {
    for (Index j = 0; j < x.cols(); ++j) {
      if (!std::isfinite(static_cast<double>(x(i, j)))) {
        raise<invalid_argument>(std::string(function) + ": x(" + std::to_string(i) + ", " +
                                std::to_string(j) + ") is not finite");
      }
    }
  }
}

}  // namespace hilm::detail

#endif  // HILM_HIERARCHY_DETAIL_CLUSTER_COMMON_HPP

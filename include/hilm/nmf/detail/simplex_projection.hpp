/// @file
/// SNPA's projection step (nmf/separable.hpp): Euclidean projection onto the capped simplex and
/// the simplex-constrained least squares of every data column on the chosen anchors.
#ifndef HILM_NMF_DETAIL_SIMPLEX_PROJECTION_HPP
#define HILM_NMF_DETAIL_SIMPLEX_PROJECTION_HPP

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include <Eigen/Core>
#include <Eigen/Eigenvalues>

#include <hilm/core/detail/parallel.hpp>
#include <hilm/core/types.hpp>
#include <hilm/nmf/detail/nmf_data.hpp>

namespace hilm::detail {

/// Euclidean projection of y onto {x ≥ 0, Σx ≤ 1}: clip at zero; if the sum still exceeds one,
/// project onto the simplex {x ≥ 0, Σx = 1} by the sort-and-threshold rule (Held, Wolfe & Crowder
/// 1974; Duchi et al. 2008, "Efficient projections onto the l1-ball").
template <class Scalar>
void project_capped_simplex(Vector<Scalar>& y, std::vector<Scalar>& sorted) {
  const Index t = y.size();
  Scalar sum = 0;
  for (Index i = 0; i < t; ++i) sum += std::max(y(i), Scalar(0));
  if (sum <= 1) {
    y = y.cwiseMax(Scalar(0));
    return;
  }
  sorted.assign(y.data(), y.data() + t);
  std::sort(sorted.begin(), sorted.end(), std::greater<Scalar>());
  Scalar cumulative = 0, theta = 0;
  for (Index i = 0; i < t; ++i) {
    cumulative += sorted[static_cast<std::size_t>(i)];
    const Scalar candidate = (cumulative - 1) / static_cast<Scalar>(i + 1);
    if (sorted[static_cast<std::size_t>(i)] - candidate > 0) theta = candidate;
  }
  y = (y.array() - theta).cwiseMax(Scalar(0)).matrix();
}

/// SNPA's projection: for every column b of X, min ‖X_j − B h‖² over h ≥ 0, Σh ≤ 1, by
/// Nesterov-accelerated projected gradient with step 1/λ_max(BᵀB) (Gillis 2014 uses the same
/// fast gradient scheme). Warm-started from `h`.
template <class Scalar>
void simplex_projection(const Matrix<Scalar>& basis, const Matrix<Scalar>& x, Matrix<Scalar>& h,
                        int iterations) {
  const Index t = basis.cols(), n = x.cols();
  const Matrix<Scalar> g = basis.transpose() * basis;
  const Matrix<Scalar> b = basis.transpose() * x;
  const Scalar lipschitz =
      Eigen::SelfAdjointEigenSolver<Matrix<Scalar>>(g).eigenvalues().maxCoeff();
  if (!(lipschitz > 0)) {
    h.setZero();
    return;
  }
  const double cost = static_cast<double>(t * t) * iterations;
  const bool parallel = detail::worth_parallel(static_cast<double>(n) * cost);
  ParallelGuard guard;  // the per-thread vectors and the projection's sort buffer allocate
#pragma omp parallel if (parallel)
  {
    Vector<Scalar> y, previous, next;
    std::vector<Scalar> sorted;
    guard.run([&] {
      y.resize(t);
      previous.resize(t);
      next.resize(t);
    });
#pragma omp for schedule(static)
    for (Index j = 0; j < n; ++j) {
      guard.run([&] {
        Vector<Scalar> current = h.col(j);
        previous = current;
        double momentum = 1;
        for (int it = 0; it < iterations; ++it) {
          const double momentum_next = 0.5 * (1 + std::sqrt(1 + 4 * momentum * momentum));
          const auto beta = static_cast<Scalar>((momentum - 1) / momentum_next);
          y = current + beta * (current - previous);
          next = y - (g * y - b.col(j)) / lipschitz;
          project_capped_simplex(next, sorted);
          previous = current;
          current = next;
          momentum = momentum_next;
        }
        h.col(j) = current;
      });
    }
  }
  guard.rethrow();
}

}  // namespace hilm::detail

#endif  // HILM_NMF_DETAIL_SIMPLEX_PROJECTION_HPP

// Geometric median of the rows of a sample by Weiszfeld's algorithm (Weiszfeld 1937; used as
// the pre-bias initialisation by Bricken et al. 2023, "Towards monosemanticity").
#ifndef HILM_SAE_DETAIL_GEOMETRIC_MEDIAN_HPP
#define HILM_SAE_DETAIL_GEOMETRIC_MEDIAN_HPP

#include <algorithm>
#include <cmath>

#include <Eigen/Core>

#include <hilm/core/types.hpp>

namespace hilm::detail {

/// Weiszfeld iterations from the mean: y ← Σ w_i x_i / Σ w_i with w_i = 1 / max(‖x_i − y‖, tiny).
/// Stops when a step is below 1e-7 of the median's scale or after `iterations`. Returns the mean
/// when `iterations == 0` or an iterate turns non-finite (the documented fallback).
template <class Derived>
Vector<double> geometric_median(const Eigen::MatrixBase<Derived>& x, int iterations) {
  const RowMatrix<double> points = x.template cast<double>();
  Vector<double> mean = points.colwise().mean().transpose();
  Vector<double> y = mean;
  Vector<double> weight(points.rows());
  for (int it = 0; it < iterations; ++it) {
    weight = (points.rowwise() - y.transpose()).rowwise().norm();
    weight = weight.cwiseMax(1e-12).cwiseInverse();
    Vector<double> next = points.transpose() * weight;
    next /= weight.sum();
    if (!next.allFinite()) return mean;
    const double step = (next - y).norm();
    y = next;
    if (step <= 1e-7 * (1.0 + y.norm())) break;
  }
  return y;
}

}  // namespace hilm::detail

#endif  // HILM_SAE_DETAIL_GEOMETRIC_MEDIAN_HPP

/// @file
/// Matrix helpers shared by the metrics: the finiteness check of inputs, column standardisation
/// (`cross_correlation`), unit rows and the median (`dictionary_recovery`).
#ifndef HILM_METRICS_DETAIL_MATRIX_OPS_HPP
#define HILM_METRICS_DETAIL_MATRIX_OPS_HPP

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>

namespace hilm::detail {

/// Centres each column and scales it to unit Euclidean norm; a constant column becomes zero.
inline void standardize_columns(Matrix<double>& a) {
  for (Index c = 0; c < a.cols(); ++c) {
    const double scale = a.col(c).cwiseAbs().maxCoeff();
    a.col(c).array() -= a.col(c).mean();
    const double norm = a.col(c).norm();
    // A column whose spread is at the rounding level of its values (a constant column after
    // inexact centring) is treated as constant.
    const double floor = 1e-13 * scale * std::sqrt(static_cast<double>(a.rows()));
    if (norm > floor && norm > 0) {
      a.col(c) /= norm;
    } else {
      a.col(c).setZero();
    }
  }
}

/// Throws `invalid_argument` "function: name(i, j) is not finite" for the first entry of `a`
/// (column by column) that is NaN or infinite.
template <class Derived>
void check_finite_matrix(const Eigen::MatrixBase<Derived>& a, const char* function,
                         const char* name) {
  for (Index j = 0; j < a.cols(); ++j) {
    for (Index i = 0; i < a.rows(); ++i) {
      if (!std::isfinite(static_cast<double>(a(i, j)))) {
        hilm::detail::raise<invalid_argument>(std::string(function) + ": " + name + "(" +
                                              std::to_string(i) + ", " + std::to_string(j) +
                                              ") is not finite");
      }
    }
  }
}

/// Rows scaled to unit norm; zero rows stay zero (their cosine with anything is 0).
template <class Derived>
Matrix<double> unit_rows(const Eigen::MatrixBase<Derived>& a) {
  Matrix<double> out = a.template cast<double>();
  for (Index i = 0; i < out.rows(); ++i) {
    const double norm = out.row(i).norm();
    if (norm > 0) {
      out.row(i) /= norm;
    } else {
      out.row(i).setZero();
    }
  }
  return out;
}

inline double median_of(const Vector<double>& v) {
  if (v.size() == 0) return 0;
  std::vector<double> values(v.data(), v.data() + v.size());
  std::sort(values.begin(), values.end());
  const std::size_t half = values.size() / 2;
  return values.size() % 2 == 1 ? values[half] : 0.5 * (values[half - 1] + values[half]);
}

}  // namespace hilm::detail

#endif  // HILM_METRICS_DETAIL_MATRIX_OPS_HPP

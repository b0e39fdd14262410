/// @file
/// The scalar β-divergence d_β(x | y) without argument checks, shared by `beta_divergence`
/// (nmf/beta_divergence.hpp) and the multiplicative-update solvers' inner loops.
#ifndef HILM_NMF_DETAIL_BETA_TERM_HPP
#define HILM_NMF_DETAIL_BETA_TERM_HPP

#include <cmath>
#include <limits>

namespace hilm::detail {

/// d_β(x | y) without argument checks (x, y ≥ 0 assumed); used in the solvers' inner loops.
[[nodiscard]] inline double beta_term(double x, double y, double beta) noexcept {
  const double inf = std::numeric_limits<double>::infinity();
  if (beta == 2) return 0.5 * (x - y) * (x - y);
  if (beta == 1) {
    if (x == 0) return y;
    if (y == 0) return inf;
    return x * std::log(x / y) - x + y;
  }
  if (beta == 0) {
    if (x == 0 || y == 0) return x == y ? 0.0 : inf;
    const double ratio = x / y;
    return ratio - std::log(ratio) - 1;
  }
  // General β: y^(β−1) is infinite at y = 0 when β < 1.
  if (y == 0) {
    if (x == 0) return beta > 0 ? 0.0 : inf;
    return beta > 1 ? std::pow(x, beta) / (beta * (beta - 1)) : inf;
  }
  if (x == 0) return beta > 0 ? std::pow(y, beta) / beta : inf;
  const double value =
      (std::pow(x, beta) + (beta - 1) * std::pow(y, beta) - beta * x * std::pow(y, beta - 1)) /
      (beta * (beta - 1));
  return value > 0 ? value : 0.0;  // rounding can leave a tiny negative value when x ≈ y
}

}  // namespace hilm::detail

#endif  // HILM_NMF_DETAIL_BETA_TERM_HPP

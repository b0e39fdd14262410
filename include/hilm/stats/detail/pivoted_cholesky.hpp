/// @file
/// Pivoted (incomplete) Cholesky factorisation of a positive semi-definite matrix given by its
/// diagonal and a column oracle: K ≈ L Lᵀ with L n × r.
///
/// Method: greedy diagonal pivoting (Harbrecht, Peters & Schneider, "On the low-rank
/// approximation by the pivoted Cholesky decomposition", Appl. Numer. Math. 62, 2012; Fine &
/// Scheinberg, JMLR 2001, for kernel matrices). After r steps the remainder E = K − L Lᵀ is the
/// Schur complement of the pivot block, hence positive semi-definite, and its diagonal is tracked
/// exactly (in exact arithmetic), so ‖E‖₂ ≤ tr E = Σ d_i: stopping when Σ d_i ≤ tolerance bounds
/// the spectral-norm error rigorously. Cost O(n r²) flops plus r column evaluations; the n × n
/// matrix is never formed.
#ifndef HILM_STATS_DETAIL_PIVOTED_CHOLESKY_HPP
#define HILM_STATS_DETAIL_PIVOTED_CHOLESKY_HPP

#include <algorithm>
#include <cmath>

#include <Eigen/Core>

#include <hilm/core/types.hpp>

namespace hilm::detail {

/// Outcome of `pivoted_cholesky`.
struct PivotedCholesky {
  Matrix<double> factor;   ///< L, n × r
  double remainder = 0.0;  ///< tr(K − L Lᵀ) as tracked by the factorisation
  bool complete = false;   ///< remainder ≤ tolerance was reached within `max_rank` columns
};

/// Pivoted Cholesky factorisation of the PSD matrix K (n × n) with diagonal `diagonal` and
/// columns produced by `column(j, out)` (writes K(:, j) into the n-vector `out`).
/// Stops when the remainder trace is ≤ `tolerance` (complete) or after `max_rank` columns
/// (incomplete unless the remainder is then small enough).
template <class ColumnFn>
[[nodiscard]] PivotedCholesky pivoted_cholesky(const Vector<double>& diagonal, ColumnFn&& column,
                                               double tolerance, Index max_rank) {
  const Index n = diagonal.size();
  max_rank = std::clamp<Index>(max_rank, 0, n);
  PivotedCholesky out;
  Matrix<double> l(n, max_rank);
  Vector<double> d = diagonal.cwiseMax(0.0);
  Vector<double> col(n);
  Index r = 0;
  double remainder = d.sum();
  while (remainder > tolerance && r < max_rank) {
    Index pivot = 0;
    const double top = d.maxCoeff(&pivot);
    if (!(top > 0)) break;
    column(pivot, col);
    if (r > 0) col.noalias() -= l.leftCols(r) * l.row(pivot).head(r).transpose();
    const double root = std::sqrt(top);
    l.col(r) = col / root;
    l(pivot, r) = root;  // exact pivot entry (the column value may carry rounding)
    d -= l.col(r).cwiseAbs2();
    d(pivot) = 0.0;
    d = d.cwiseMax(0.0);  // rounding can make a tracked diagonal entry slightly negative
    remainder = d.sum();
    ++r;
  }
  out.factor = l.leftCols(r);
  out.remainder = remainder;
  out.complete = remainder <= tolerance || r == n;
  return out;
}

}  // namespace hilm::detail

#endif  // HILM_STATS_DETAIL_PIVOTED_CHOLESKY_HPP

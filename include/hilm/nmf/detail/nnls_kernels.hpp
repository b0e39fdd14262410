// Column kernels for non-negative least squares in Gram form: min ½xᵀGx − bᵀx + l1·Σx + ½l2·‖x‖²
// subject to x ≥ 0. Used by nnls.hpp (public) and by the NMF solvers (HALS = warm-started
// coordinate descent, ANLS = active set).
#ifndef HILM_NMF_DETAIL_NNLS_KERNELS_HPP
#define HILM_NMF_DETAIL_NNLS_KERNELS_HPP

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include <hilm/core/detail/parallel.hpp>
#include <hilm/core/types.hpp>

namespace hilm::detail {

/// Cyclic coordinate descent on one column (Franc, Hlaváč & Navara 2005; in NMF this is the HALS
/// update of Cichocki & Phan 2009). `g` is k × k column-major with leading dimension `ld`; G is
/// symmetric, so column l doubles as row l. Each coordinate step is the exact minimiser along
/// that coordinate, so the objective never increases.
///
/// Stops after `max_sweeps` sweeps or when the largest scaled coordinate change |Δx_l|·sqrt(G_ll)
/// of a sweep is at most `tol` times the reference: the first sweep's largest change when
/// `relative_to_first` (the inner stopping rule of Gillis & Glineur 2012, "Accelerated
/// multiplicative updates and hierarchical ALS algorithms for NMF", Neural Computation 24), else
/// max_l x_l·sqrt(G_ll).
/// Returns the number of sweeps done.
template <class Scalar>
int cd_nnls_column(const Scalar* g, Index ld, const Scalar* b, Scalar* x, Index k, Scalar l1,
                   Scalar l2, int max_sweeps, Scalar tol, bool relative_to_first) noexcept {
  Scalar first_change = 0;
  int sweep = 0;
  while (sweep < max_sweeps) {
    ++sweep;
    Scalar largest_change = 0;
    for (Index l = 0; l < k; ++l) {
      const Scalar* column = g + l * ld;
      const Scalar diagonal = column[l] + l2;
      Scalar gradient = l1 - b[l] + l2 * x[l];
      for (Index q = 0; q < k; ++q) gradient += column[q] * x[q];
      Scalar updated = 0;
      if (diagonal > 0) updated = std::max(Scalar(0), x[l] - gradient / diagonal);
      // The change of the component's contribution, |Δx_l|·sqrt(G_ll): invariant to rescaling
      // the coordinates, so the stopping rule does not depend on how factors are scaled.
      const Scalar change = std::abs(updated - x[l]) * std::sqrt(std::max(column[l], Scalar(0)));
      x[l] = updated;
      largest_change = std::max(largest_change, change);
    }
    if (relative_to_first) {
      if (sweep == 1) first_change = largest_change;
      if (largest_change <= tol * first_change) break;
    } else {
      Scalar scale = std::numeric_limits<Scalar>::min();
      for (Index l = 0; l < k; ++l) {
        scale = std::max(scale, x[l] * std::sqrt(std::max(g[l * ld + l], Scalar(0))));
      }
      if (largest_change <= tol * std::max(scale, Scalar(1e-30))) break;
    }
    if (largest_change == 0) break;
  }
  return sweep;
}

/// Workspace for `active_set_nnls_column`, reused across columns by one thread.
template <class Scalar>
struct ActiveSetWorkspace {
  explicit ActiveSetWorkspace(Index k)
      : passive(static_cast<std::size_t>(k)), z(k), w(k), previous(k), sub_g(k, k), sub_b(k) {}
  std::vector<char> passive;
  Vector<Scalar> z, w, previous;
  Matrix<Scalar> sub_g;
  Vector<Scalar> sub_b;
};

/// Active-set NNLS in Gram form (Lawson & Hanson 1974, "Solving Least Squares Problems", ch. 23,
/// algorithm NNLS; Gram form after Bro & de Jong 1997). Solves the unconstrained problem on the
/// passive set with an LDLᵀ factorisation and steps back to the boundary when a passive
/// coordinate would turn non-positive. `x` must be zero on entry (cold start). L1/L2 penalties
/// enter as b − l1 and G + l2·I.
template <class Scalar>
void active_set_nnls_column(const Matrix<Scalar>& g, const Scalar* b, Scalar* x, Index k, Scalar l1,
                            Scalar l2, int max_iterations, Scalar tol,
                            ActiveSetWorkspace<Scalar>& ws) {
  auto& passive = ws.passive;
  std::fill(passive.begin(), passive.end(), char(0));
  for (Index l = 0; l < k; ++l) x[l] = 0;
  Scalar scale = 0;
  for (Index l = 0; l < k; ++l) scale = std::max(scale, std::abs(b[l] - l1));
  const Scalar slack = std::max(tol, Scalar(64) * std::numeric_limits<Scalar>::epsilon()) *
                       std::max(scale, std::numeric_limits<Scalar>::min());
  const auto gradient = [&] {  // w = b − l1 − (G + l2 I) x  (negative gradient)
    for (Index l = 0; l < k; ++l) {
      Scalar value = b[l] - l1 - l2 * x[l];
      for (Index q = 0; q < k; ++q) value -= g(l, q) * x[q];
      ws.w(l) = value;
    }
  };
  std::vector<Index> index(static_cast<std::size_t>(k));
  const auto solve_passive = [&]() -> bool {  // z_P = (G_PP + l2 I)⁻¹ (b_P − l1), z elsewhere 0
    Index p = 0;
    for (Index l = 0; l < k; ++l)
      if (passive[static_cast<std::size_t>(l)]) index[static_cast<std::size_t>(p++)] = l;
    for (Index i = 0; i < p; ++i) {
      const Index li = index[static_cast<std::size_t>(i)];
      for (Index j = 0; j < p; ++j) ws.sub_g(i, j) = g(li, index[static_cast<std::size_t>(j)]);
      ws.sub_g(i, i) += l2;
      ws.sub_b(i) = b[li] - l1;
    }
    ws.z.setZero();
    if (p == 0) return true;
    Eigen::LDLT<Matrix<Scalar>> ldlt(ws.sub_g.topLeftCorner(p, p));
    const Vector<Scalar> sol = ldlt.solve(ws.sub_b.head(p));
    if (ldlt.info() != Eigen::Success || !sol.allFinite()) return false;
    for (Index i = 0; i < p; ++i) ws.z(index[static_cast<std::size_t>(i)]) = sol(i);
    return true;
  };
  gradient();
  int iterations = 0;
  for (;;) {
    // Entering coordinate: the active one with the most negative gradient.
    Index enter = -1;
    Scalar best = slack;
    for (Index l = 0; l < k; ++l) {
      if (!passive[static_cast<std::size_t>(l)] && ws.w(l) > best) {
        best = ws.w(l);
        enter = l;
      }
    }
    if (enter < 0 || iterations >= max_iterations) break;
    passive[static_cast<std::size_t>(enter)] = 1;
    for (;;) {
      ++iterations;
      if (!solve_passive()) {  // singular sub-problem: drop the entering coordinate and stop
        passive[static_cast<std::size_t>(enter)] = 0;
        return;
      }
      bool feasible = true;
      for (Index l = 0; l < k; ++l)
        if (passive[static_cast<std::size_t>(l)] && ws.z(l) <= 0) feasible = false;
      if (feasible) {
        for (Index l = 0; l < k; ++l) x[l] = ws.z(l);
        break;
      }
      // Step from x towards z until the first passive coordinate hits zero.
      Scalar alpha = 1;
      for (Index l = 0; l < k; ++l) {
        if (passive[static_cast<std::size_t>(l)] && ws.z(l) <= 0) {
          const Scalar denom = x[l] - ws.z(l);
          if (denom > 0) alpha = std::min(alpha, x[l] / denom);
        }
      }
      for (Index l = 0; l < k; ++l) {
        x[l] += alpha * (ws.z(l) - x[l]);
        if (passive[static_cast<std::size_t>(l)] && x[l] <= 0) {
          x[l] = 0;
          passive[static_cast<std::size_t>(l)] = 0;
        }
      }
      if (iterations >= max_iterations) return;
    }
    gradient();
  }
}

/// ½xᵀGx − bᵀx + l1·Σx + ½·l2·‖x‖², the objective of one column.
template <class Scalar>
double column_objective(const Matrix<Scalar>& g, const Scalar* b, const Scalar* x, Index k,
                        Scalar l1, Scalar l2) noexcept {
  double value = 0;
  for (Index l = 0; l < k; ++l) {
    double gx = 0;
    for (Index q = 0; q < k; ++q) gx += static_cast<double>(g(l, q)) * static_cast<double>(x[q]);
    const double xl = static_cast<double>(x[l]);
    value += 0.5 * xl * gx - static_cast<double>(b[l] - l1) * xl +
             0.5 * static_cast<double>(l2) * xl * xl;
  }
  return value;
}

/// Active-set solve of one column that never returns a worse point than `x` held on entry: the
/// cold-started active set is exact for a positive definite G, but a singular sub-problem (a
/// column with fewer observations than components, collinear factors) can stop it early.
template <class Scalar>
void guarded_active_set_column(const Matrix<Scalar>& g, const Scalar* b, Scalar* x, Index k,
                               Scalar l1, Scalar l2, int max_iterations, Scalar tol,
                               ActiveSetWorkspace<Scalar>& ws) {
  Vector<Scalar>& previous = ws.previous;
  bool feasible = true;
  for (Index l = 0; l < k; ++l) {
    previous(l) = x[l];
    feasible = feasible && x[l] >= 0 && std::isfinite(x[l]);
  }
  active_set_nnls_column(g, b, x, k, l1, l2, max_iterations, tol, ws);
  if (feasible &&
      column_objective(g, b, previous.data(), k, l1, l2) < column_objective(g, b, x, k, l1, l2)) {
    for (Index l = 0; l < k; ++l) x[l] = previous(l);
  }
}

/// How to solve a batch of columns.
struct ColumnSolve {
  bool active_set = true;          ///< active set (exact) or coordinate descent
  int max_iterations = 0;          ///< pivots (active set) or sweeps (CD); 0 = default
  double tolerance = 1e-12;        ///< see the kernels
  double l1 = 0, l2 = 0;           ///< penalties
  bool relative_to_first = false;  ///< CD stopping rule (see cd_nnls_column)
  bool warm_start =
      false;  ///< keep x: CD starts there; the active set (always cold) keeps it if better
};

/// Solves every column of B into the same column of X (k × c); columns run in parallel.
template <class Scalar>
void solve_columns(const Matrix<Scalar>& g, const Matrix<Scalar>& b, Matrix<Scalar>& x,
                   const ColumnSolve& how) {
  const Index k = g.rows(), c = b.cols();
  const auto l1 = static_cast<Scalar>(how.l1), l2 = static_cast<Scalar>(how.l2);
  const auto tol = static_cast<Scalar>(how.tolerance);
  if (!how.warm_start) x.setZero();
  if (how.active_set) {
    const int cap = how.max_iterations > 0 ? how.max_iterations : static_cast<int>(3 * k + 10);
    const bool parallel = static_cast<double>(c) * static_cast<double>(k * k * k) > 1e6;
    ParallelGuard guard;  // the workspaces and the LDLT solves allocate
#pragma omp parallel if (parallel)
    {
      std::optional<ActiveSetWorkspace<Scalar>> ws;
      guard.run([&] { ws.emplace(k); });
#pragma omp for schedule(dynamic, 8)
      for (Index j = 0; j < c; ++j) {
        guard.run([&] {
          guarded_active_set_column(g, b.col(j).data(), x.col(j).data(), k, l1, l2, cap, tol, *ws);
        });
      }
    }
    guard.rethrow();
  } else {
    const int cap = how.max_iterations > 0 ? how.max_iterations : 1000;
    const bool parallel =
        static_cast<double>(c) * static_cast<double>(k * k) * 2 * std::min(cap, 8) > 1e6;
    // hilm-nothrow: cd_nnls_column is noexcept and works in place on preallocated columns
#pragma omp parallel for schedule(static) if (parallel)
    for (Index j = 0; j < c; ++j) {
      cd_nnls_column(g.data(), g.rows(), b.col(j).data(), x.col(j).data(), k, l1, l2, cap, tol,
                     how.relative_to_first);
    }
  }
}

}  // namespace hilm::detail

#endif  // HILM_NMF_DETAIL_NNLS_KERNELS_HPP

// The NMF solver loops. Factors are kept transposed-for-speed: wt is k × m (column i = row i of
// W, contiguous) and h is k × n (column j contiguous), so every column sub-problem works on
// contiguous memory and runs in parallel over columns.
#ifndef HILM_NMF_DETAIL_NMF_SOLVERS_HPP
#define HILM_NMF_DETAIL_NMF_SOLVERS_HPP

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/detail/parallel.hpp>
#include <hilm/core/progress.hpp>
#include <hilm/core/status.hpp>
#include <hilm/core/types.hpp>
#include <hilm/nmf/detail/beta_term.hpp>
#include <hilm/nmf/detail/nmf_data.hpp>
#include <hilm/nmf/detail/nnls_kernels.hpp>
#include <hilm/nmf/nmf_types.hpp>

namespace hilm::detail {

/// Stopping logic shared by all solvers: relative decrease below tolerance for `patience`
/// consecutive iterations, non-finite objective, or cancellation by the progress callback.
class NmfTracker {
 public:
  NmfTracker(const NmfOptions& options, std::vector<double>* history)
      : options_(options), history_(history) {}

  /// Records the objective after `iteration` (into the result); returns true when the fit must
  /// stop, with the status set.
  template <class Result>
  bool record(double loss, int iteration, Result& result) {
    FitStatus& status = result.status;
    double& relative_change = result.relative_change;
    std::string& message = result.message;
    result.loss = loss;
    result.iterations = iteration;
    if (history_ != nullptr) history_->push_back(loss);
    if (!std::isfinite(loss)) {
      status = FitStatus::NumericalIssue;
      message = "the objective became non-finite at iteration " + std::to_string(iteration);
      return true;
    }
    if (std::isfinite(previous_)) {
      relative_change = previous_ > 0 ? (previous_ - loss) / previous_ : 0.0;
      stall_ = relative_change < options_.tolerance ? stall_ + 1 : 0;
    }
    previous_ = loss;
    const Progress progress{"nmf", iteration, options_.max_iterations, loss};
    if (!report(options_.progress, progress)) {
      status = FitStatus::Cancelled;
      message = "cancelled by the progress callback at iteration " + std::to_string(iteration);
      return true;
    }
    if (loss == 0 || (options_.tolerance > 0 && stall_ >= options_.patience)) {
      status = FitStatus::Converged;
      return true;
    }
    return false;
  }

 private:
  const NmfOptions& options_;
  std::vector<double>* history_;
  double previous_ = std::numeric_limits<double>::infinity();
  int stall_ = 0;
};

/// l1·Σx + ½·l2·‖x‖² for one factor.
template <class Scalar>
double penalty(const Matrix<Scalar>& x, double l1, double l2) {
  double value = 0;
  if (l1 != 0) value += l1 * x.template cast<double>().sum();
  if (l2 != 0) value += 0.5 * l2 * x.template cast<double>().squaredNorm();
  return value;
}

template <class Scalar>
double penalties(const Matrix<Scalar>& wt, const Matrix<Scalar>& h, const NmfOptions& o) {
  return penalty(wt, o.l1_w, o.l2_w) + penalty(h, o.l1_h, o.l2_h);
}

/// Sum of the elementwise product, in double.
template <class Scalar>
double frobenius_inner(const Matrix<Scalar>& x, const Matrix<Scalar>& y) {
  double total = 0;
  const Scalar* px = x.data();
  const Scalar* py = y.data();
  const Index size = x.size();
  for (Index i = 0; i < size; ++i) total += static_cast<double>(px[i]) * static_cast<double>(py[i]);
  return total;
}

/// ½‖A − WᵀH‖² from the products an iteration already has (bh = WᵀA, wwt, hht):
/// ½(‖A‖² − 2⟨WᵀA, H⟩ + ⟨WWᵀ, HHᵀ⟩), O(k(n + k)). The expansion cancels catastrophically once the
/// residual nears √eps·‖A‖ (soon in single precision), so there the residual is recomputed
/// entry by entry.
template <class Scalar, class Data>
double frobenius_loss(const Data& a, double a2, const Matrix<Scalar>& bh, const Matrix<Scalar>& wwt,
                      const Matrix<Scalar>& wt, const Matrix<Scalar>& h,
                      const Matrix<Scalar>& hht) {
  const double expanded = a2 - 2.0 * frobenius_inner(bh, h) + frobenius_inner(wwt, hht);
  const double noise = 1e3 * static_cast<double>(std::numeric_limits<Scalar>::epsilon()) * a2;
  if (expanded > noise) return 0.5 * expanded;
  return 0.5 * a.residual_squared(wt, h);
}

/// Column-solve settings of a half-step for HALS (warm coordinate descent) or ANLS (active set).
inline ColumnSolve half_step(const NmfOptions& o, double l1, double l2) {
  ColumnSolve how;
  how.l1 = l1;
  how.l2 = l2;
  if (o.solver == NmfSolver::AlternatingNnls) {
    how.active_set = true;
    how.warm_start = true;  // the solve itself is cold; the current x guards against a worse one
    how.tolerance = 0;
  } else {
    how.active_set = false;
    how.warm_start = true;
    how.relative_to_first = true;
    how.max_iterations = o.inner_iterations;
    how.tolerance = o.inner_tolerance;
  }
  return how;
}

/// Rescales component l so that ‖W_l‖ = ‖H_l‖ (WH unchanged); keeps the scales from drifting.
/// Only used without penalties, where the objective is invariant to this rescaling.
template <class Scalar>
void balance(Matrix<Scalar>& wt, Matrix<Scalar>& h, const Matrix<Scalar>& wwt,
             Matrix<Scalar>& hht) {
  const Index k = wt.rows();
  for (Index l = 0; l < k; ++l) {
    const Scalar nw = std::sqrt(wwt(l, l)), nh = std::sqrt(hht(l, l));
    if (!(nw > 0) || !(nh > 0)) continue;
    const Scalar s = std::sqrt(nh / nw);
    wt.row(l) *= s;
    h.row(l) /= s;
    hht.row(l) /= s;
    hht.col(l) /= s;
  }
}

/// Revives dead components. Once column l of W is zero, the sub-problems pin row l of H at zero
/// and vice versa, so the component is lost for good. For each such l (W_l = 0 after an H-step),
/// row l of H is re-seeded as a spike at the column with the largest residual not yet used;
/// WH does not change (W_l = 0), so the objective does not increase, and the next W-step fits
/// W_l to that residual. `residual(j)` returns the squared residual of column j.
template <class Scalar, class Residual>
bool revive_dead_components(const Matrix<Scalar>& wwt, Matrix<Scalar>& h, Residual&& residual) {
  const Index k = h.rows(), n = h.cols();
  std::vector<Index> dead;
  for (Index l = 0; l < k; ++l)
    if (!(wwt(l, l) > 0)) dead.push_back(l);
  if (dead.empty()) return false;
  std::vector<double> r(static_cast<std::size_t>(n));
  for (Index j = 0; j < n; ++j) r[static_cast<std::size_t>(j)] = residual(j);
  for (const Index l : dead) {
    const auto worst = std::max_element(r.begin(), r.end());
    if (worst == r.end() || !(*worst > 0)) break;
    const auto j = static_cast<Index>(worst - r.begin());
    h.row(l).setZero();
    h(l, j) = static_cast<Scalar>(std::sqrt(std::sqrt(*worst)));  // roughly balanced scales
    *worst = 0;
  }
  return true;
}

/// Frobenius NMF by HALS or ANLS on fully observed (dense or sparse) data.
template <class Scalar, class Data>
void fit_als(const Data& a, Matrix<Scalar>& wt, Matrix<Scalar>& h, const NmfOptions& o,
             NmfResult<Scalar>& result) {
  const double a2 = a.squared_norm();
  const ColumnSolve how_w = half_step(o, o.l1_w, o.l2_w);
  const ColumnSolve how_h = half_step(o, o.l1_h, o.l2_h);
  const bool penalised = o.l1_w != 0 || o.l1_h != 0 || o.l2_w != 0 || o.l2_h != 0;
  NmfTracker tracker(o, o.keep_history ? &result.loss_history : nullptr);
  Matrix<Scalar> hht, wwt, bw, bh;
  gram(h, hht);
  Vector<double> column_norms;
  result.status = FitStatus::MaxIterations;
  for (int it = 1; it <= o.max_iterations; ++it) {
    a.left_transposed(h, bw);  // H Aᵀ, k × m
    solve_columns(hht, bw, wt, how_w);
    gram(wt, wwt);
    a.left(wt, bh);  // Wᵀ A, k × n
    solve_columns(wwt, bh, h, how_h);
    gram(h, hht);
    const double data = frobenius_loss(a, a2, bh, wwt, wt, h, hht);
    const double loss = data + (penalised ? penalties(wt, h, o) : 0.0);
    if (!penalised) balance(wt, h, wwt, hht);
    if (tracker.record(loss, it, result)) break;
    if (wwt.diagonal().minCoeff() <= 0) {
      // ‖A_j − W h_j‖² = ‖A_j‖² − 2 (WᵀA)_jᵀ h_j + h_jᵀ WᵀW h_j from the products at hand.
      if (column_norms.size() == 0) column_norms = a.column_squared_norms();
      const auto residual = [&](Index j) {
        return column_norms(j) - 2.0 * static_cast<double>(bh.col(j).dot(h.col(j))) +
               static_cast<double>(h.col(j).dot(wwt * h.col(j)));
      };
      if (revive_dead_components(wwt, h, residual)) gram(h, hht);
    }
  }
}

/// Fully observed entries are not required: the observed set, by column and by row.
template <class Scalar>
struct MaskedNmfData {
  Index m = 0, n = 0;
  std::vector<Index> col_start, col_rows;  // CSC pattern of observed entries
  std::vector<Scalar> col_values;
  std::vector<Index> row_start, row_cols;  // CSR pattern of observed entries
  std::vector<Scalar> row_values;
  double squared_norm = 0, sum = 0;
  Index observed = 0;

  template <class DerivedA, class DerivedM>
  MaskedNmfData(const Eigen::MatrixBase<DerivedA>& a, const Eigen::MatrixBase<DerivedM>& mask)
      : m(a.rows()), n(a.cols()) {
    col_start.assign(static_cast<std::size_t>(n + 1), 0);
    row_start.assign(static_cast<std::size_t>(m + 1), 0);
    for (Index j = 0; j < n; ++j) {
      for (Index i = 0; i < m; ++i) {
        if (mask(i, j) != 0) {
          const auto value = static_cast<Scalar>(a(i, j));
          col_rows.push_back(i);
          col_values.push_back(value);
          ++row_start[static_cast<std::size_t>(i + 1)];
          squared_norm += static_cast<double>(value) * static_cast<double>(value);
          sum += static_cast<double>(value);
        }
      }
      col_start[static_cast<std::size_t>(j + 1)] = static_cast<Index>(col_rows.size());
    }
    observed = static_cast<Index>(col_rows.size());
    std::partial_sum(row_start.begin(), row_start.end(), row_start.begin());
    row_cols.resize(col_rows.size());
    row_values.resize(col_rows.size());
    std::vector<Index> fill(row_start.begin(), row_start.end() - 1);
    for (Index j = 0; j < n; ++j) {
      for (Index p = col_start[static_cast<std::size_t>(j)];
           p < col_start[static_cast<std::size_t>(j + 1)]; ++p) {
        const auto i = static_cast<std::size_t>(col_rows[static_cast<std::size_t>(p)]);
        const auto q = static_cast<std::size_t>(fill[i]++);
        row_cols[q] = j;
        row_values[q] = col_values[static_cast<std::size_t>(p)];
      }
    }
  }
  [[nodiscard]] Index rows() const { return m; }
  [[nodiscard]] Index cols() const { return n; }

  /// Σ over observed i of (a_ij − w_iᵀh_j)² for one column j.
  [[nodiscard]] double column_residual_squared(const Matrix<Scalar>& wt, const Matrix<Scalar>& h,
                                               Index j) const {
    double total = 0;
    for (Index p = col_start[static_cast<std::size_t>(j)];
         p < col_start[static_cast<std::size_t>(j + 1)]; ++p) {
      const Index i = col_rows[static_cast<std::size_t>(p)];
      const double r = static_cast<double>(col_values[static_cast<std::size_t>(p)]) -
                       static_cast<double>(wt.col(i).dot(h.col(j)));
      total += r * r;
    }
    return total;
  }

  /// Σ over observed (i, j) of (a_ij − w_iᵀh_j)².
  [[nodiscard]] double residual_squared(const Matrix<Scalar>& wt, const Matrix<Scalar>& h) const {
    const double cost = static_cast<double>(observed) / static_cast<double>(std::max<Index>(n, 1)) *
                        static_cast<double>(wt.rows());
    return deterministic_sum(n, cost, [&](Index j) { return column_residual_squared(wt, h, j); });
  }
};

/// One masked half-step: for every column c of x (k × C), solve the NNLS problem whose Gram and
/// right-hand side run over the observed entries of that column only: G_c = Σ y_r y_rᵀ,
/// b_c = Σ a_rc y_r over observed r, with y (k × R) the other factor.
template <class Scalar>
void masked_half_step(const std::vector<Index>& start, const std::vector<Index>& index,
                      const std::vector<Scalar>& values, const Matrix<Scalar>& y, Matrix<Scalar>& x,
                      const ColumnSolve& how) {
  const Index k = x.rows(), c = x.cols();
  const auto l1 = static_cast<Scalar>(how.l1), l2 = static_cast<Scalar>(how.l2);
  const auto tol = static_cast<Scalar>(how.tolerance);
  const int cap = how.max_iterations > 0 ? how.max_iterations
                                         : (how.active_set ? static_cast<int>(3 * k + 10) : 1000);
  const double cost = static_cast<double>(start.back()) * static_cast<double>(k * k);
  ParallelGuard guard;  // the per-thread workspaces and the active-set solves allocate
#pragma omp parallel if (worth_parallel(cost))
  {
    Matrix<Scalar> g;
    Vector<Scalar> b;
    std::optional<ActiveSetWorkspace<Scalar>> ws;
    guard.run([&] {
      g.resize(k, k);
      b.resize(k);
      ws.emplace(k);
    });
#pragma omp for schedule(dynamic, 16)
    for (Index j = 0; j < c; ++j) {
      guard.run([&] {
        g.setZero();
        b.setZero();
        for (Index p = start[static_cast<std::size_t>(j)];
             p < start[static_cast<std::size_t>(j + 1)]; ++p) {
          const auto col = y.col(index[static_cast<std::size_t>(p)]);
          g.template selfadjointView<Eigen::Lower>().rankUpdate(col);
          b += values[static_cast<std::size_t>(p)] * col;
        }
        g.template triangularView<Eigen::StrictlyUpper>() = g.transpose();
        if (how.active_set) {
          guarded_active_set_column(g, b.data(), x.col(j).data(), k, l1, l2, cap, tol, *ws);
        } else {
          cd_nnls_column(g.data(), k, b.data(), x.col(j).data(), k, l1, l2, cap, tol,
                         how.relative_to_first);
        }
      });
    }
  }
  guard.rethrow();
}

/// Frobenius NMF by HALS or ANLS on partially observed data (mask).
template <class Scalar>
void fit_als_masked(const MaskedNmfData<Scalar>& a, Matrix<Scalar>& wt, Matrix<Scalar>& h,
                    const NmfOptions& o, NmfResult<Scalar>& result) {
  const ColumnSolve how_w = half_step(o, o.l1_w, o.l2_w);
  const ColumnSolve how_h = half_step(o, o.l1_h, o.l2_h);
  NmfTracker tracker(o, o.keep_history ? &result.loss_history : nullptr);
  result.status = FitStatus::MaxIterations;
  for (int it = 1; it <= o.max_iterations; ++it) {
    masked_half_step(a.row_start, a.row_cols, a.row_values, h, wt, how_w);
    masked_half_step(a.col_start, a.col_rows, a.col_values, wt, h, how_h);
    const double loss = 0.5 * a.residual_squared(wt, h) + penalties(wt, h, o);
    if (tracker.record(loss, it, result)) break;
    const Vector<Scalar> w_norms = wt.rowwise().squaredNorm();
    if (w_norms.minCoeff() <= 0) {
      const Matrix<Scalar> wwt = w_norms.asDiagonal();  // only the diagonal is read
      revive_dead_components(wwt, h, [&](Index j) { return a.column_residual_squared(wt, h, j); });
    }
  }
}

/// Exponent γ(β) of the multiplicative update that makes it monotone (Févotte & Idier 2011,
/// Table 2): 1/(2 − β) for β < 1, 1 for 1 ≤ β ≤ 2, 1/(β − 1) for β > 2.
inline double mu_exponent(double beta) {
  if (beta < 1) return 1.0 / (2.0 - beta);
  if (beta > 2) return 1.0 / (beta - 1.0);
  return 1.0;
}

/// x ← x ⊙ (num / (den + l1 + l2 x))^γ, with 0/0 = 0.
template <class Scalar>
void mu_apply(Matrix<Scalar>& x, const Matrix<Scalar>& num, const Matrix<Scalar>& den, double l1,
              double l2, double gamma) {
  const Scalar tiny = std::numeric_limits<Scalar>::min();
  const auto sl1 = static_cast<Scalar>(l1), sl2 = static_cast<Scalar>(l2);
  const auto sg = static_cast<Scalar>(gamma);
  Scalar* px = x.data();
  const Scalar* pn = num.data();
  const Scalar* pd = den.data();
  const Index size = x.size();
  // Cheap and memory-bound: worth threads only for very large factors.
  const bool parallel = worth_parallel(static_cast<double>(size));
  // hilm-nothrow: coefficient-wise arithmetic through raw pointers into preallocated matrices
#pragma omp parallel for schedule(static) if (parallel)
  for (Index i = 0; i < size; ++i) {
    const Scalar denominator = std::max(pd[i] + sl1 + sl2 * px[i], tiny);
    Scalar ratio = std::max(pn[i], Scalar(0)) / denominator;
    if (sg != Scalar(1)) ratio = std::pow(ratio, sg);
    px[i] *= ratio;
  }
}

/// Multiplicative updates for the Frobenius loss through Gram matrices (Lee & Seung 2001), dense
/// or sparse, fully observed.
template <class Scalar, class Data>
void fit_mu_frobenius(const Data& a, Matrix<Scalar>& wt, Matrix<Scalar>& h, const NmfOptions& o,
                      NmfResult<Scalar>& result) {
  const double a2 = a.squared_norm();
  NmfTracker tracker(o, o.keep_history ? &result.loss_history : nullptr);
  Matrix<Scalar> hht, wwt, bw, bh, den;
  gram(h, hht);
  result.status = FitStatus::MaxIterations;
  for (int it = 1; it <= o.max_iterations; ++it) {
    a.left_transposed(h, bw);
    product(hht, wt, den);
    mu_apply(wt, bw, den, o.l1_w, o.l2_w, 1.0);
    gram(wt, wwt);
    a.left(wt, bh);
    product(wwt, h, den);
    mu_apply(h, bh, den, o.l1_h, o.l2_h, 1.0);
    gram(h, hht);
    const double loss = frobenius_loss(a, a2, bh, wwt, wt, h, hht) + penalties(wt, h, o);
    if (tracker.record(loss, it, result)) break;
  }
}

/// Floor of the model WH inside ratios (scikit-learn uses float32 epsilon likewise).
template <class Scalar>
constexpr Scalar model_floor() {
  return static_cast<Scalar>(std::numeric_limits<float>::epsilon());
}

/// Multiplicative updates for any β on dense data, with an optional 0/1 weight matrix (mask).
/// `a` must hold zeros (not NaN) where the weight is 0.
template <class Scalar, class DenseA>
void fit_mu_dense(const DenseA& a, const Matrix<Scalar>* weight, Matrix<Scalar>& wt,
                  Matrix<Scalar>& h, const NmfOptions& o, NmfResult<Scalar>& result) {
  const double beta = o.beta, gamma = mu_exponent(beta);
  const Index m = a.rows(), n = a.cols();
  const Scalar floor = model_floor<Scalar>();
  NmfTracker tracker(o, o.keep_history ? &result.loss_history : nullptr);
  Matrix<Scalar> v(m, n), q(m, n), p(m, n), num, den;
  // q = weight ⊙ A ⊙ V^(β−2), p = weight ⊙ V^(β−1), from the current model v.
  const bool parallel_ratios =
      worth_parallel(static_cast<double>(m * n) * (beta == 1 || beta == 2 ? 2 : 20));
  const auto ratios = [&] {
  // hilm-nothrow: reads a, v, weight and writes the preallocated p, q entry by entry
#pragma omp parallel for schedule(static) if (parallel_ratios)
    for (Index j = 0; j < n; ++j) {
      for (Index i = 0; i < m; ++i) {
        const Scalar model = std::max(v(i, j), floor);
        const Scalar w = weight != nullptr ? (*weight)(i, j) : Scalar(1);
        Scalar pv = 0, qv = 0;
        if (beta == 2) {
          pv = v(i, j);
          qv = a(i, j);
        } else if (beta == 1) {
          pv = 1;  // (the product Wᵀ·1 is cheap next to the rest; kept for the masked case)
          qv = a(i, j) / model;
        } else {
          pv = std::pow(model, static_cast<Scalar>(beta - 1));
          qv = a(i, j) * pv / model;
        }
        p(i, j) = w * pv;
        q(i, j) = w * qv;
      }
    }
  };
  const auto objective = [&] {
    const Matrix<Scalar> w_now = wt.transpose();
    product(w_now, h, v);
    const double total = deterministic_sum(n, static_cast<double>(m) * 8, [&](Index j) {
      double column = 0;
      for (Index i = 0; i < m; ++i) {
        if (weight != nullptr && (*weight)(i, j) == 0) continue;
        column += beta_term(static_cast<double>(a(i, j)), static_cast<double>(v(i, j)), beta);
      }
      return column;
    });
    return total + penalties(wt, h, o);
  };
  result.status = FitStatus::MaxIterations;
  Matrix<Scalar> w;  // W = wtᵀ, m × k, for the m × n model V = W H
  for (int it = 1; it <= o.max_iterations; ++it) {
    w = wt.transpose();
    product(w, h, v);
    ratios();
    product(wt, q, num);
    product(wt, p, den);
    mu_apply(h, num, den, o.l1_h, o.l2_h, gamma);
    product(w, h, v);
    ratios();
    product(h, q.transpose(), num);
    product(h, p.transpose(), den);
    mu_apply(wt, num, den, o.l1_w, o.l2_w, gamma);
    const double loss = objective();
    if (tracker.record(loss, it, result)) break;
  }
}

/// Multiplicative updates for the Kullback–Leibler loss (β = 1) on sparse data, touching only
/// the stored entries: with Q = A ⊘ WH on the pattern of A, H ← H ⊙ (WᵀQ) / (Wᵀ1) and
/// W ← W ⊙ (Q Hᵀ) / (1 Hᵀ) (Lee & Seung 2001).
template <class Scalar>
void fit_mu_kl_sparse(const SparseNmfData<Scalar>& a, Matrix<Scalar>& wt, Matrix<Scalar>& h,
                      const NmfOptions& o, NmfResult<Scalar>& result) {
  const Scalar floor = model_floor<Scalar>();
  NmfTracker tracker(o, o.keep_history ? &result.loss_history : nullptr);
  // out.col(c) = Σ_r (s_rc / (x_rᵀ y_c)) x_r over stored entries of column c of s.
  const auto ratio_product = [&](const SparseMatrix<Scalar>& s, const Matrix<Scalar>& x,
                                 const Matrix<Scalar>& y, Matrix<Scalar>& out) {
    const Index k = x.rows(), c = s.cols();
    out.resize(k, c);
    const double cost = static_cast<double>(s.nonZeros()) * static_cast<double>(2 * k);
    // hilm-nothrow: stored entries into columns of the preallocated `out`, no temporaries
#pragma omp parallel for schedule(static) if (worth_parallel(cost))
    for (Index j = 0; j < c; ++j) {
      auto column = out.col(j);
      column.setZero();
      for (typename SparseMatrix<Scalar>::InnerIterator itr(s, j); itr; ++itr) {
        const Scalar model = std::max(x.col(itr.index()).dot(y.col(j)), floor);
        column += (itr.value() / model) * x.col(itr.index());
      }
    }
  };
  const auto objective = [&] {
    const SparseMatrix<Scalar>& s = a.matrix();
    const double cost = static_cast<double>(s.nonZeros()) /
                        static_cast<double>(std::max<Index>(s.cols(), 1)) *
                        static_cast<double>(wt.rows());
    const double total = deterministic_sum(s.cols(), cost, [&](Index j) {
      double column = 0;
      for (typename SparseMatrix<Scalar>::InnerIterator itr(s, j); itr; ++itr) {
        const double x = static_cast<double>(itr.value());
        const double model = static_cast<double>(wt.col(itr.index()).dot(h.col(j)));
        // d_1 = x log(x / y) − x + y; the "+ y" of every entry is added below in closed form.
        column += x > 0 ? (model > 0 ? x * std::log(x / model) - x
                                     : std::numeric_limits<double>::infinity())
                        : 0.0;
      }
      return column;
    });
    const Vector<double> wsum = wt.template cast<double>().rowwise().sum();
    const Vector<double> hsum = h.template cast<double>().rowwise().sum();
    return total + wsum.dot(hsum) + penalties(wt, h, o);
  };
  Matrix<Scalar> num, den;
  result.status = FitStatus::MaxIterations;
  for (int it = 1; it <= o.max_iterations; ++it) {
    ratio_product(a.matrix(), wt, h, num);  // Wᵀ Q, k × n
    den = wt.rowwise().sum().replicate(1, h.cols());
    mu_apply(h, num, den, o.l1_h, o.l2_h, 1.0);
    ratio_product(a.transposed(), h, wt, num);  // H Qᵀ, k × m
    den = h.rowwise().sum().replicate(1, wt.cols());
    mu_apply(wt, num, den, o.l1_w, o.l2_w, 1.0);
    const double loss = objective();
    if (tracker.record(loss, it, result)) break;
  }
}

/// Moves the scales into d and sorts the components (see NmfResult), writing w = wtᵀ.
template <class Scalar>
void finish_result(const Matrix<Scalar>& wt, const Matrix<Scalar>& h, const NmfOptions& o,
                   NmfResult<Scalar>& result) {
  const Index k = wt.rows();
  if (!o.canonical) {
    result.w = wt.transpose();
    result.h = h;
    result.d = Vector<Scalar>::Ones(k);
    return;
  }
  Vector<Scalar> d(k), sw(k), sh(k);
  for (Index l = 0; l < k; ++l) {
    if (o.normalization == NmfNormalization::Sum) {
      sw(l) = wt.row(l).sum();
      sh(l) = h.row(l).sum();
    } else {
      sw(l) = wt.row(l).norm();
      sh(l) = h.row(l).norm();
    }
    d(l) = sw(l) > 0 && sh(l) > 0 ? sw(l) * sh(l) : Scalar(0);
  }
  std::vector<Index> order(static_cast<std::size_t>(k));
  std::iota(order.begin(), order.end(), Index(0));
  std::stable_sort(order.begin(), order.end(), [&](Index x, Index y) { return d(x) > d(y); });
  result.w.resize(wt.cols(), k);
  result.h.resize(k, h.cols());
  result.d.resize(k);
  for (Index r = 0; r < k; ++r) {
    const Index l = order[static_cast<std::size_t>(r)];
    result.d(r) = d(l);
    if (d(l) > 0) {
      result.w.col(r) = wt.row(l).transpose() / sw(l);
      result.h.row(r) = h.row(l) / sh(l);
    } else {
      result.w.col(r).setZero();
      result.h.row(r).setZero();
    }
  }
}

}  // namespace hilm::detail

#endif  // HILM_NMF_DETAIL_NMF_SOLVERS_HPP

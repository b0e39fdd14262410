// Data adaptors for the NMF solvers: the two products every alternating solver needs,
// X·A and X·Aᵀ for a thin k-row X, over dense (either storage order, no copy) and sparse input.
#ifndef HILM_NMF_DETAIL_NMF_DATA_HPP
#define HILM_NMF_DETAIL_NMF_DATA_HPP

#include <cmath>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <Eigen/SparseCore>

#include <hilm/core/detail/parallel.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/sparse_types.hpp>
#include <hilm/core/threads.hpp>
#include <hilm/core/types.hpp>

namespace hilm::detail {

/// Rough number of flops below which a loop stays on one thread: waking a team costs more than the
/// work, and on a loaded machine far more.
inline constexpr double kParallelWork = 1e6;

/// Whether `work` flops are worth a parallel region.
inline bool worth_parallel(double work) noexcept { return work > kParallelWork; }

/// out = lhs · rhs. Large products are split into one block of columns of `rhs` per thread,
/// each a single-threaded Eigen GEMM (Eigen does not nest inside a parallel region): one
/// barrier per product instead of the many spin-synchronisations of Eigen's own parallel GEMM,
/// which degrade badly when the machine is busy. Small products are evaluated lazily (never
/// threaded). `out` must not alias the operands.
template <class Lhs, class Rhs, class Out>
void product(const Lhs& lhs, const Rhs& rhs, Out& out) {
  const Index rows = lhs.rows(), cols = rhs.cols(), depth = lhs.cols();
  out.resize(rows, cols);
  const int threads = num_threads();
  const double work =
      2.0 * static_cast<double>(rows) * static_cast<double>(cols) * static_cast<double>(depth);
  if (threads <= 1) {
    out.noalias() = lhs * rhs;
  } else if (!worth_parallel(work) || cols < 4 * threads) {
    out.noalias() = lhs.lazyProduct(rhs);
  } else {
    ParallelGuard guard;  // each GEMM allocates its packing buffers
#pragma omp parallel num_threads(threads)
    {
#if defined(_OPENMP)
      const Index team = omp_get_num_threads(), me = omp_get_thread_num();
#else
      const Index team = 1, me = 0;
#endif
      const Index first = cols * me / team, last = cols * (me + 1) / team;
      if (last > first) {
        guard.run([&] {
          out.middleCols(first, last - first).noalias() = lhs * rhs.middleCols(first, last - first);
        });
      }
    }
    guard.rethrow();
  }
}

/// out = x · xᵀ (k × k) for a wide x (k × N) by a symmetric rank update: sequential SYRK, half the
/// flops of a GEMM, and never Eigen's threaded GEMM.
template <class Scalar>
void gram(const Matrix<Scalar>& x, Matrix<Scalar>& out) {
  out.setZero(x.rows(), x.rows());
  out.template selfadjointView<Eigen::Lower>().rankUpdate(x);
  out.template triangularView<Eigen::StrictlyUpper>() = out.transpose();
}

/// Σ_j f(j) over j < count, evaluated in parallel when count · cost_per_item is worth it, and
/// summed in a fixed order so that the result does not depend on the number of threads.
template <class F>
double deterministic_sum(Index count, double cost_per_item, F&& f) {
  std::vector<double> parts(static_cast<std::size_t>(count));
  const bool parallel = worth_parallel(static_cast<double>(count) * cost_per_item);
  ParallelGuard guard;  // f may allocate (residual_squared's column model) or throw
#pragma omp parallel for schedule(static) if (parallel)
  for (Index j = 0; j < count; ++j) {
    guard.run([&] { parts[static_cast<std::size_t>(j)] = f(j); });
  }
  guard.rethrow();
  double total = 0;
  for (const double part : parts) total += part;
  return total;
}

/// Dense m × n data, viewed without copying when it is a plain matrix of either storage order.
template <class Scalar, class Plain>
class DenseNmfData {
 public:
  static constexpr bool is_sparse = false;
  /// Binds a plain matrix in place; any other expression is evaluated into storage owned by the
  /// member `Ref` (so the object must not be copied: a copied `Ref` would point into the original).
  template <class Derived>
  explicit DenseNmfData(const Eigen::MatrixBase<Derived>& a) : a_(a.derived()) {}
  DenseNmfData(const DenseNmfData&) = delete;
  DenseNmfData& operator=(const DenseNmfData&) = delete;
  [[nodiscard]] Index rows() const { return a_.rows(); }
  [[nodiscard]] Index cols() const { return a_.cols(); }
  /// out (k × n) = x (k × m) · A.
  void left(const Matrix<Scalar>& x, Matrix<Scalar>& out) const { product(x, a_, out); }
  /// out (k × m) = x (k × n) · Aᵀ.
  void left_transposed(const Matrix<Scalar>& x, Matrix<Scalar>& out) const {
    product(x, a_.transpose(), out);
  }
  [[nodiscard]] double squared_norm() const { return a_.template cast<double>().squaredNorm(); }
  [[nodiscard]] double sum() const { return a_.template cast<double>().sum(); }
  [[nodiscard]] const Eigen::Ref<const Plain>& matrix() const { return a_; }
  /// ‖A_j‖² for every column j.
  [[nodiscard]] Vector<double> column_squared_norms() const {
    return a_.template cast<double>().colwise().squaredNorm().transpose();
  }
  /// ‖A − Wᵀ H‖²_F computed entry by entry (accurate near zero), wt k × m, h k × n.
  [[nodiscard]] double residual_squared(const Matrix<Scalar>& wt, const Matrix<Scalar>& h) const {
    const auto cost = static_cast<double>(a_.rows() * wt.rows());
    return deterministic_sum(a_.cols(), cost, [&](Index j) {
      const Vector<Scalar> model = wt.transpose() * h.col(j);
      return (a_.col(j).template cast<double>() - model.template cast<double>()).squaredNorm();
    });
  }

 private:
  Eigen::Ref<const Plain> a_;
};

/// Sparse m × n data, stored in compressed columns together with its transpose so that both
/// products run as parallel loops over compressed columns.
template <class Scalar>
class SparseNmfData {
 public:
  static constexpr bool is_sparse = true;
  template <class Derived>
  explicit SparseNmfData(const Eigen::SparseMatrixBase<Derived>& a) : a_(a), at_(a_.transpose()) {
    a_.makeCompressed();
    at_.makeCompressed();
  }
  [[nodiscard]] Index rows() const { return a_.rows(); }
  [[nodiscard]] Index cols() const { return a_.cols(); }
  void left(const Matrix<Scalar>& x, Matrix<Scalar>& out) const { product(a_, x, out); }
  void left_transposed(const Matrix<Scalar>& x, Matrix<Scalar>& out) const { product(at_, x, out); }
  [[nodiscard]] double squared_norm() const {
    double total = 0;
    for (Index p = 0; p < a_.nonZeros(); ++p) {
      total += static_cast<double>(a_.valuePtr()[p]) * static_cast<double>(a_.valuePtr()[p]);
    }
    return total;
  }
  [[nodiscard]] double sum() const {
    double total = 0;
    for (Index p = 0; p < a_.nonZeros(); ++p) total += static_cast<double>(a_.valuePtr()[p]);
    return total;
  }
  [[nodiscard]] const SparseMatrix<Scalar>& matrix() const { return a_; }
  /// ‖A_j‖² for every column j.
  [[nodiscard]] Vector<double> column_squared_norms() const {
    Vector<double> out = Vector<double>::Zero(a_.cols());
    for (Index j = 0; j < a_.cols(); ++j) {
      for (typename SparseMatrix<Scalar>::InnerIterator it(a_, j); it; ++it) {
        out(j) += static_cast<double>(it.value()) * static_cast<double>(it.value());
      }
    }
    return out;
  }
  [[nodiscard]] const SparseMatrix<Scalar>& transposed() const { return at_; }
  /// ‖A − Wᵀ H‖²_F through the Gram expansion ‖A‖² − 2⟨WᵀA, H⟩ + ⟨WWᵀ, HHᵀ⟩ (no dense m × n).
  [[nodiscard]] double residual_squared(const Matrix<Scalar>& wt, const Matrix<Scalar>& h) const {
    Matrix<Scalar> wa;
    left(wt, wa);
    Matrix<Scalar> wwt, hht;
    gram(wt, wwt);
    gram(h, hht);
    const double value =
        squared_norm() -
        2.0 * (wa.template cast<double>().cwiseProduct(h.template cast<double>())).sum() +
        (wwt.template cast<double>().cwiseProduct(hht.template cast<double>())).sum();
    return value > 0 ? value : 0.0;
  }

 private:
  // out.col(j) = Σ_i s(i, j) x.col(i) over the stored entries of column j of s.
  static void product(const SparseMatrix<Scalar>& s, const Matrix<Scalar>& x, Matrix<Scalar>& out) {
    const Index k = x.rows(), c = s.cols();
    out.resize(k, c);
    const Index* outer = s.outerIndexPtr();
    const Index* inner = s.innerIndexPtr();
    const Scalar* values = s.valuePtr();
    const double cost = static_cast<double>(s.nonZeros()) * static_cast<double>(k);
    // hilm-nothrow: stored entries into columns of the preallocated `out`, no temporaries
#pragma omp parallel for schedule(static) if (worth_parallel(cost))
    for (Index j = 0; j < c; ++j) {
      auto column = out.col(j);
      column.setZero();
      for (Index p = outer[j]; p < outer[j + 1]; ++p) column += values[p] * x.col(inner[p]);
    }
  }

  SparseMatrix<Scalar> a_;
  SparseMatrix<Scalar> at_;
};

/// Throws invalid_argument naming the first negative or non-finite entry (row-major scan order,
/// 0-based) of a dense matrix; entries where `observed(i, j)` is false are skipped.
template <class Derived, class Observed>
void require_nonnegative(const Eigen::MatrixBase<Derived>& a, const char* function,
                         const Observed& observed) {
  for (Index i = 0; i < a.rows(); ++i) {
    for (Index j = 0; j < a.cols(); ++j) {
      if (!observed(i, j)) continue;
      const auto value = static_cast<double>(a(i, j));
      if (!(value >= 0) || !std::isfinite(value)) {
        raise<invalid_argument>(std::string(function) + ": data must be finite and non-negative; " +
                                "entry (row " + std::to_string(i) + ", column " +
                                std::to_string(j) + ") is " + std::to_string(value));
      }
    }
  }
}

/// Sparse version: only stored entries are checked (first by row, then column).
template <class Derived>
void require_nonnegative_sparse(const Eigen::SparseMatrixBase<Derived>& a, const char* function) {
  const SparseRowMatrix<typename Derived::Scalar> rows = a.derived();
  for (Index i = 0; i < rows.outerSize(); ++i) {
    for (typename SparseRowMatrix<typename Derived::Scalar>::InnerIterator it(rows, i); it; ++it) {
      const auto value = static_cast<double>(it.value());
      if (!(value >= 0) || !std::isfinite(value)) {
        raise<invalid_argument>(std::string(function) + ": data must be finite and non-negative; " +
                                "entry (row " + std::to_string(it.row()) + ", column " +
                                std::to_string(it.col()) + ") is " + std::to_string(value));
      }
    }
  }
}

}  // namespace hilm::detail

#endif  // HILM_NMF_DETAIL_NMF_DATA_HPP

/// @file
/// Non-negative least squares (NNLS), the building block of every alternating NMF solver.
///
/// Two forms are offered:
/// - the **Gram form** `nnls_gram(G, b)`: minimise ½ xᵀ G x − bᵀ x subject to x ≥ 0, with G
///   symmetric positive semi-definite (the normal equations G = AᵀA, b = Aᵀy of a least-squares
///   problem, or of one column of an NMF factor);
/// - the **least-squares form** `nnls(A, y)`: minimise ‖A x − y‖₂ subject to x ≥ 0 (scipy's
///   `nnls`), solved through its Gram form.
///
/// Both accept a matrix right-hand side: each column is an independent problem, solved in parallel
/// (OpenMP) when it pays.
#ifndef HILM_NMF_NNLS_HPP
#define HILM_NMF_NNLS_HPP

#include <cmath>
#include <optional>
#include <string>

#include <Eigen/Core>

#include <hilm/core/detail/validate.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/nmf/detail/nmf_data.hpp>
#include <hilm/nmf/detail/nnls_kernels.hpp>

namespace hilm {

/// How `nnls_gram` / `nnls` solve the problem.
enum class NnlsMethod {
  /// Active-set method (Lawson & Hanson 1974, ch. 23) in the Gram form of Bro & de Jong (1997,
  /// "A fast non-negativity-constrained least squares algorithm", J. Chemometrics 11): finite
  /// termination at the exact solution. The accurate choice.
  ActiveSet,
  /// Cyclic coordinate descent with exact one-dimensional minimisation (Franc, Hlaváč & Navara
  /// 2005, "Sequential coordinate-wise algorithm for the NNLS problem"), stopped by `tolerance` on
  /// the largest coordinate change. Cheap per sweep; warm-startable; what HALS uses.
  CoordinateDescent
};

/// Options of `nnls_gram` and `nnls`.
struct NnlsOptions {
  /// Solver; see `NnlsMethod`.
  NnlsMethod method = NnlsMethod::ActiveSet;
  /// Active set: cap on pivots (0 = 3·k); coordinate descent: cap on sweeps (0 = 1000).
  int max_iterations = 0;
  /// Coordinate descent stops when a sweep changes no coordinate by more than `tolerance` in the
  /// scale-free sense |Δx_l|·sqrt(G_ll) ≤ tolerance · max_q x_q·sqrt(G_qq). The active-set method
  /// uses it as the optimality slack on the gradient (relative to the largest |b|).
  double tolerance = 1e-12;

  /// Returns `NnlsOptions::<field> must <requirement>, got <value>` for the first invalid field,
  /// or nothing when all are valid.
  [[nodiscard]] std::optional<std::string> validate() const {
    using hilm::detail::invalid_field;
    if (max_iterations < 0)
      return invalid_field("NnlsOptions", "max_iterations", "be >= 0", max_iterations);
    if (!(tolerance >= 0) || !std::isfinite(tolerance))
      return invalid_field("NnlsOptions", "tolerance", "be finite and >= 0", tolerance);
    return std::nullopt;
  }
};

/// Solves min_x ½ xᵀ G x − bᵀ x subject to x ≥ 0, for each column of `b` independently.
///
/// @param[in] gram k × k symmetric positive semi-definite matrix G (only symmetric matrices give
///            meaningful results; this is not checked). A zero diagonal entry pins that coordinate
///            at 0 when its gradient is non-negative.
/// @param[in] rhs  k × c right-hand sides b (a k-vector for one problem).
/// @param[in] options solver choice and tolerances.
/// @returns k × c solutions x ≥ 0 (same shape as `rhs`). Problems with no finite minimiser
///          (G singular and b pointing into its null space) return the last iterate.
/// @throws invalid_argument if `gram` is not square, the row counts differ, an entry is not
///         finite, or `options` are invalid.
/// Complexity: active set O(k³) per pivot, coordinate descent O(k²) per sweep, per column.
template <class DerivedG, class DerivedB>
[[nodiscard]] Matrix<typename DerivedB::Scalar> nnls_gram(const Eigen::MatrixBase<DerivedG>& gram,
                                                          const Eigen::MatrixBase<DerivedB>& rhs,
                                                          const NnlsOptions& options = {}) {
  using Scalar = typename DerivedB::Scalar;
  static_assert(std::is_floating_point_v<Scalar>,
                "nnls_gram: the right-hand side must hold float or double values");
  if (auto problem = options.validate()) detail::raise<invalid_argument>(*problem);
  if (gram.rows() != gram.cols()) {
    detail::raise<invalid_argument>("nnls_gram: gram must be square, got " +
                                    std::to_string(gram.rows()) + " x " +
                                    std::to_string(gram.cols()));
  }
  if (rhs.rows() != gram.rows()) {
    detail::raise<invalid_argument>("nnls_gram: rhs has " + std::to_string(rhs.rows()) +
                                    " rows but gram is " + std::to_string(gram.rows()) + " x " +
                                    std::to_string(gram.cols()));
  }
  const Matrix<Scalar> g = gram.template cast<Scalar>();
  const Matrix<Scalar> b = rhs;
  if (!g.allFinite() || !b.allFinite()) {
    detail::raise<invalid_argument>("nnls_gram: gram and rhs must be finite");
  }
  Matrix<Scalar> x = Matrix<Scalar>::Zero(b.rows(), b.cols());
  detail::ColumnSolve how;
  how.active_set = options.method == NnlsMethod::ActiveSet;
  how.max_iterations = options.max_iterations;
  how.tolerance = options.tolerance;
  detail::solve_columns(g, b, x, how);
  return x;
}

/// Solves min_x ‖A x − y‖₂ subject to x ≥ 0, for each column of `y` independently (scipy's
/// `nnls`), through the Gram form G = AᵀA, b = Aᵀy.
///
/// @param[in] a n × k design matrix.
/// @param[in] y n × c observations (an n-vector for one problem).
/// @param[in] options solver choice and tolerances.
/// @returns k × c non-negative coefficients.
/// @throws invalid_argument if the row counts differ, an entry is not finite, or `options` are
///         invalid.
/// Note: forming AᵀA squares the condition number; for very ill-conditioned designs prefer a
/// QR-based solver.
template <class DerivedA, class DerivedY>
[[nodiscard]] Matrix<typename DerivedY::Scalar> nnls(const Eigen::MatrixBase<DerivedA>& a,
                                                     const Eigen::MatrixBase<DerivedY>& y,
                                                     const NnlsOptions& options = {}) {
  using Scalar = typename DerivedY::Scalar;
  if (a.rows() != y.rows()) {
    detail::raise<invalid_argument>("nnls: a has " + std::to_string(a.rows()) + " rows but y has " +
                                    std::to_string(y.rows()));
  }
  const Matrix<Scalar> design_t = a.template cast<Scalar>().transpose();
  const Matrix<Scalar> observations = y;
  Matrix<Scalar> gram, rhs;
  detail::gram(design_t, gram);
  detail::product(design_t, observations, rhs);
  return nnls_gram(gram, rhs, options);
}

}  // namespace hilm

#endif  // HILM_NMF_NNLS_HPP

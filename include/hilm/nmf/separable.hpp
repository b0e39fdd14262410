/// @file
/// Separable NMF: pick r columns of the data ("anchors", pure pixels, anchor words) that generate
/// every other column non-negatively, A ≈ A(:, K) H with H ≥ 0.
///
/// Near-separability (Arora, Ge, Kannan & Moitra 2012; Gillis & Vavasis 2014) is the condition
/// under which NMF is unique and solvable in polynomial time: A = W [I, H'] Π, i.e. every factor
/// column appears (up to scale) among the data columns. Under it, after scaling the columns of A to
/// unit sum, every column is a convex combination of the anchors, which are the vertices of the
/// convex hull; SPA and SNPA find them exactly without noise and approximately with small noise.
///
/// - `Spa`: successive projection algorithm (Araújo et al. 2001; analysed by Gillis & Vavasis 2014,
///   "Fast and robust recursive algorithms for separable NMF", IEEE TPAMI 36): take the column of
///   largest residual norm, project every column onto the orthogonal complement, repeat.
/// - `Snpa`: successive non-negative projection (Gillis 2014, "Successive nonnegative projection
///   algorithm for robust nonnegative blind source separation", SIAM J. Imaging Sci. 7): the
///   residual is the distance to the convex hull of the chosen anchors (simplex-constrained
///   projection), not to their span, which is more robust to noise and also handles a W that is
///   not of full column rank.
/// - `precondition`: SPA/SNPA on Σ_r⁻¹U_rᵀA, the data whitened by its rank-r truncated SVD (Gillis
///   & Ma 2015, "Enhancing pure-pixel identification performance via preconditioning", SIAM J.
///   Imaging Sci. 8): robustness to ill-conditioned W.
#ifndef HILM_NMF_SEPARABLE_HPP
#define HILM_NMF_SEPARABLE_HPP

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <Eigen/Eigenvalues>

#include <hilm/core/detail/parallel.hpp>
#include <hilm/core/detail/validate.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/nmf/detail/nmf_data.hpp>
#include <hilm/nmf/detail/nmf_init.hpp>
#include <hilm/nmf/detail/simplex_projection.hpp>
#include <hilm/nmf/nnls.hpp>

namespace hilm {

/// Anchor-selection algorithm of `separable_nmf`.
enum class SeparableMethod {
  Spa,  ///< successive projection (orthogonal projections): fastest.
  Snpa  ///< successive non-negative projection (projections onto the convex hull): more robust.
};

/// Options of `separable_nmf`.
struct SeparableOptions {
  /// Number of anchors r; 1 ≤ r ≤ min(m, n) for SPA, r ≤ n for SNPA.
  Index rank = 0;
  /// Algorithm; see `SeparableMethod`.
  SeparableMethod method = SeparableMethod::Spa;
  /// Scale every column to unit sum first (the separable model's convex-hull geometry needs it;
  /// turn off only for data already normalised). All-zero columns are never selected.
  bool normalize_columns = true;
  /// Whiten with the rank-r truncated SVD before selecting (Gillis & Ma 2015).
  bool precondition = false;
  /// SNPA: projected-gradient iterations per simplex-constrained projection.
  int projection_iterations = 300;

  /// Returns `SeparableOptions::<field> must <requirement>, got <value>` for the first invalid
  /// field, or nothing when all are valid.
  [[nodiscard]] std::optional<std::string> validate() const {
    using hilm::detail::invalid_field;
    if (rank < 1) return invalid_field("SeparableOptions", "rank", "be >= 1", rank);
    if (projection_iterations < 1) {
      return invalid_field("SeparableOptions", "projection_iterations", "be >= 1",
                           projection_iterations);
    }
    return std::nullopt;
  }
};

/// How far data are from separable with respect to chosen anchors: A ≈ A(:, K) H with H ≥ 0 by
/// non-negative least squares.
template <class Scalar>
struct SeparabilityReport {
  /// r × n non-negative coefficients H.
  Matrix<Scalar> h;
  /// ‖A − A(:, K) H‖_F / ‖A‖_F; 0 for separable data.
  double relative_residual = 0;
  /// Length n: ‖A_j − A(:, K) h_j‖ / ‖A_j‖ per column (0 for a zero column).
  Vector<double> column_residuals;
  /// The largest entry of `column_residuals`.
  double max_column_residual = 0;
};

/// Result of `separable_nmf`.
template <class Scalar>
struct SeparableResult {
  /// The r anchor columns, in selection order.
  std::vector<Index> anchors;
  /// The fit A ≈ A(:, anchors) · report.h and its distance from separability.
  SeparabilityReport<Scalar> report;
};

/// Fits A ≈ A(:, K) H with H ≥ 0 for given anchor columns K and reports the residuals: the
/// separability check.
/// @param[in] a m × n non-negative data.
/// @param[in] anchors column indices (any order, no duplicates needed).
/// @returns coefficients and relative residuals (overall, per column, worst column).
/// @throws invalid_argument if an anchor is out of range or the list is empty.
template <class Derived>
[[nodiscard]] SeparabilityReport<typename Derived::Scalar> separability(
    const Eigen::MatrixBase<Derived>& a, const std::vector<Index>& anchors) {
  using Scalar = typename Derived::Scalar;
  if (anchors.empty()) detail::raise<invalid_argument>("separability: no anchors given");
  for (const Index j : anchors) {
    if (j < 0 || j >= a.cols()) {
      detail::raise<invalid_argument>("separability: anchor " + std::to_string(j) +
                                      " out of range [0, " + std::to_string(a.cols()) + ")");
    }
  }
  const Matrix<Scalar> data = a;
  const auto r = static_cast<Index>(anchors.size());
  Matrix<Scalar> basis(data.rows(), r);
  for (Index t = 0; t < r; ++t) basis.col(t) = data.col(anchors[static_cast<std::size_t>(t)]);
  SeparabilityReport<Scalar> report;
  report.h = nnls(basis, data);
  const Matrix<double> residual = (data - basis * report.h).template cast<double>();
  const double total = data.template cast<double>().squaredNorm();
  report.relative_residual = total > 0 ? std::sqrt(residual.squaredNorm() / total) : 0.0;
  report.column_residuals.resize(data.cols());
  for (Index j = 0; j < data.cols(); ++j) {
    const double norm = data.col(j).template cast<double>().norm();
    report.column_residuals(j) = norm > 0 ? residual.col(j).norm() / norm : 0.0;
  }
  report.max_column_residual = data.cols() > 0 ? report.column_residuals.maxCoeff() : 0.0;
  return report;
}

/// Separable NMF: selects r anchor columns of A by SPA or SNPA, then fits A ≈ A(:, K) H, H ≥ 0.
///
/// At zero noise, with separable data whose factor columns are affinely independent after column
/// normalisation, both methods return exactly the planted anchor columns (ties broken by the
/// lowest column index; duplicated anchors are never selected twice).
/// @param[in] a m × n non-negative data; anchors are columns (transpose to select rows/samples).
/// @param[in] options rank, method, normalisation, preconditioning.
/// @returns the anchors in selection order and the separability report.
/// @throws invalid_argument if `options` are invalid, the rank exceeds min(m, n) (SPA) or n
///         (SNPA), or an entry is negative or not finite.
template <class Derived>
[[nodiscard]] SeparableResult<typename Derived::Scalar> separable_nmf(
    const Eigen::MatrixBase<Derived>& a, const SeparableOptions& options) {
  using Scalar = typename Derived::Scalar;
  static_assert(std::is_floating_point_v<Scalar>, "separable_nmf needs float or double data");
  if (auto problem = options.validate()) detail::raise<invalid_argument>(*problem);
  const Index m = a.rows(), n = a.cols(), r = options.rank;
  const Index cap = options.method == SeparableMethod::Spa ? std::min(m, n) : n;
  if (r > cap) {
    detail::raise<invalid_argument>("separable_nmf: rank " + std::to_string(r) + " exceeds " +
                                    (options.method == SeparableMethod::Spa
                                         ? "min(rows, columns) = "
                                         : "the number of columns = ") +
                                    std::to_string(cap));
  }
  detail::require_nonnegative(a, "separable_nmf", [](Index, Index) { return true; });
  Matrix<Scalar> x = a;
  std::vector<char> usable(static_cast<std::size_t>(n), 1);
  for (Index j = 0; j < n; ++j) {
    const Scalar sum = x.col(j).sum();
    if (!(sum > 0)) {
      usable[static_cast<std::size_t>(j)] = 0;
    } else if (options.normalize_columns) {
      x.col(j) /= sum;
    }
  }
  if (options.precondition) {
    const detail::DenseNmfData<Scalar, Matrix<Scalar>> data(x);
    const auto svd = detail::randomized_svd<Scalar>(data, r, 0, 10, 10);
    Vector<Scalar> inverse(svd.s.size());
    for (Index l = 0; l < svd.s.size(); ++l) inverse(l) = svd.s(l) > 0 ? 1 / svd.s(l) : Scalar(0);
    x = inverse.asDiagonal() * (svd.u.transpose() * x);
  }
  SeparableResult<Scalar> result;
  Matrix<Scalar> residual = x;
  Matrix<Scalar> coefficients = Matrix<Scalar>::Zero(0, n);
  for (Index t = 0; t < r; ++t) {
    Index best = -1;
    Scalar best_norm = 0;
    for (Index j = 0; j < n; ++j) {
      if (!usable[static_cast<std::size_t>(j)]) continue;
      const Scalar norm = residual.col(j).squaredNorm();
      if (norm > best_norm) {
        best_norm = norm;
        best = j;
      }
    }
    if (best < 0) break;  // every remaining column is already explained exactly
    result.anchors.push_back(best);
    usable[static_cast<std::size_t>(best)] = 0;
    if (options.method == SeparableMethod::Spa) {
      const Vector<Scalar> u = residual.col(best) / std::sqrt(best_norm);
      residual -= u * (u.transpose() * residual);
    } else {
      Matrix<Scalar> basis(x.rows(), t + 1);
      for (Index q = 0; q <= t; ++q)
        basis.col(q) = x.col(result.anchors[static_cast<std::size_t>(q)]);
      coefficients.conservativeResize(t + 1, Eigen::NoChange);
      coefficients.row(t).setZero();
      detail::simplex_projection(basis, x, coefficients, options.projection_iterations);
      residual = x - basis * coefficients;
    }
  }
  result.report = separability(a, result.anchors.empty() ? std::vector<Index>{0} : result.anchors);
  return result;
}

/// SPA anchors: `separable_nmf(a, {.rank = rank}).anchors`.
/// @param[in] a m × n non-negative data. @param[in] rank number of anchors.
/// @returns anchor column indices in selection order.
/// @throws invalid_argument as `separable_nmf`.
template <class Derived>
[[nodiscard]] std::vector<Index> spa(const Eigen::MatrixBase<Derived>& a, Index rank) {
  return separable_nmf(a, SeparableOptions{.rank = rank}).anchors;
}

/// SNPA anchors: `separable_nmf(a, {.rank = rank, .method = SeparableMethod::Snpa}).anchors`.
/// @param[in] a m × n non-negative data. @param[in] rank number of anchors.
/// @returns anchor column indices in selection order.
/// @throws invalid_argument as `separable_nmf`.
template <class Derived>
[[nodiscard]] std::vector<Index> snpa(const Eigen::MatrixBase<Derived>& a, Index rank) {
  return separable_nmf(a, SeparableOptions{.rank = rank, .method = SeparableMethod::Snpa}).anchors;
}

}  // namespace hilm

#endif  // HILM_NMF_SEPARABLE_HPP

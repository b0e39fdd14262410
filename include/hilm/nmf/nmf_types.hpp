/// @file
/// Options and result of `hilm::nmf` (see nmf.hpp for the solvers and docs/nmf.md for guidance).
#ifndef HILM_NMF_NMF_TYPES_HPP
#define HILM_NMF_NMF_TYPES_HPP

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <hilm/core/detail/validate.hpp>
#include <hilm/core/progress.hpp>
#include <hilm/core/status.hpp>
#include <hilm/core/types.hpp>

namespace hilm {

/// The NMF algorithm.
enum class NmfSolver {
  /// Hierarchical alternating least squares, i.e. block coordinate descent on the columns of W and
  /// rows of H (Cichocki & Phan 2009; Gillis & Glineur 2012's inner repetitions): each outer
  /// iteration forms AHᵀ and WᵀA once and then runs up to `inner_iterations` exact coordinate
  /// sweeps on each column sub-problem. Frobenius loss only. The fast default.
  Hals,
  /// Alternating non-negative least squares with an exact active-set NNLS solve of every column
  /// sub-problem (Kim & Park 2008; Lawson & Hanson's active set). Frobenius loss only. The accurate
  /// solver: each half-step is the exact block minimiser.
  AlternatingNnls,
  /// Multiplicative updates for the β-divergence (Lee & Seung 2001 for β ∈ {1, 2}; Févotte & Idier
  /// 2011 with the exponent γ(β) that makes every update monotone). The only solver for β ≠ 2
  /// (Kullback–Leibler β = 1, Itakura–Saito β = 0, ...). Zeros in the factors stay zero.
  MultiplicativeUpdate
};

/// Initialisation of W and H.
enum class NmfInit {
  /// NNDSVD (Boutsidis & Gallopoulos 2008) with zeros replaced by the mean of A: no exact zeros,
  /// so every solver can move every entry. Default.
  Nndsvda,
  /// NNDSVD: the positive parts of the leading singular triplets; sparse, good for HALS/ANLS.
  Nndsvd,
  /// Entries sqrt(mean(A)/k)·|N(0, 1)| from `seed` (scikit-learn's scaling).
  Random
};

/// The norm that canonical form moves into `d`.
enum class NmfNormalization {
  /// Columns of W and rows of H sum to one (for a probability table P ≈ W diag(d) H, W and H are
  /// conditional distributions and d the mixing weights). Default.
  Sum,
  /// Columns of W and rows of H have unit Euclidean norm.
  Euclidean
};

/// Options of `hilm::nmf`. Aggregate: use designated initialisers,
/// `NmfOptions{.rank = 10, .max_iterations = 500}`.
struct NmfOptions {
  /// Inner dimension k of A ≈ W diag(d) H; 1 ≤ k ≤ min(m, n).
  Index rank = 0;
  /// Algorithm; see `NmfSolver`.
  NmfSolver solver = NmfSolver::Hals;
  /// β of the β-divergence loss: 2 Frobenius (½‖A − WH‖²), 1 Kullback–Leibler, 0 Itakura–Saito,
  /// any real for `MultiplicativeUpdate`; HALS and alternating NNLS require 2.
  double beta = 2.0;
  /// Initialisation; see `NmfInit`.
  NmfInit init = NmfInit::Nndsvda;
  /// Outer iterations at most (0 returns the initialisation).
  int max_iterations = 200;
  /// Stop when the relative decrease of the objective, (f_prev − f) / f_prev, stays below
  /// `tolerance` for `patience` consecutive iterations (0 = run all iterations).
  double tolerance = 1e-4;
  /// See `tolerance`.
  int patience = 1;
  /// L1 penalty l1_w·Σ W (sparsity of W).
  double l1_w = 0;
  /// L1 penalty l1_h·Σ H.
  double l1_h = 0;
  /// L2 penalty ½·l2_w·‖W‖²_F.
  double l2_w = 0;
  /// L2 penalty ½·l2_h·‖H‖²_F.
  double l2_h = 0;
  /// HALS: coordinate sweeps at most per column sub-problem and outer iteration.
  int inner_iterations = 20;
  /// HALS: a column's sweeps stop once a sweep moves the column by at most this fraction of what
  /// the first sweep moved it (Gillis & Glineur 2012).
  double inner_tolerance = 0.05;
  /// Seed of the random initialisation and of the randomised SVD behind NNDSVD.
  std::uint64_t seed = 0;
  /// Return the canonical form (scales in `d`, components sorted by decreasing `d`); when false,
  /// `w` and `h` are returned as fitted and `d` is all ones.
  bool canonical = true;
  /// Norm used by the canonical form.
  NmfNormalization normalization = NmfNormalization::Sum;
  /// Record the objective after every iteration in `loss_history`.
  bool keep_history = true;
  /// Called after every outer iteration (stage "nmf"); returning false cancels the fit.
  ProgressCallback progress{};

  /// Returns `NmfOptions::<field> must <requirement>, got <value>` for the first invalid field,
  /// or nothing when all are valid.
  [[nodiscard]] std::optional<std::string> validate() const {
    using hilm::detail::invalid_field;
    constexpr std::string_view type = "NmfOptions";
    if (rank < 1) return invalid_field(type, "rank", "be >= 1", rank);
    if (!std::isfinite(beta)) return invalid_field(type, "beta", "be finite", beta);
    if (solver != NmfSolver::MultiplicativeUpdate && beta != 2.0) {
      return invalid_field(type, "beta",
                           "be 2 unless solver is MultiplicativeUpdate (HALS and alternating NNLS "
                           "minimise the Frobenius loss)",
                           beta);
    }
    if (max_iterations < 0) return invalid_field(type, "max_iterations", "be >= 0", max_iterations);
    if (!(tolerance >= 0) || !std::isfinite(tolerance))
      return invalid_field(type, "tolerance", "be finite and >= 0", tolerance);
    if (patience < 1) return invalid_field(type, "patience", "be >= 1", patience);
    const std::pair<const char*, double> penalties[] = {
        {"l1_w", l1_w}, {"l1_h", l1_h}, {"l2_w", l2_w}, {"l2_h", l2_h}};
    for (const auto& [field, penalty] : penalties) {
      if (!(penalty >= 0) || !std::isfinite(penalty))
        return invalid_field(type, field, "be finite and >= 0", penalty);
    }
    if (inner_iterations < 1)
      return invalid_field(type, "inner_iterations", "be >= 1", inner_iterations);
    if (!(inner_tolerance >= 0) || !std::isfinite(inner_tolerance))
      return invalid_field(type, "inner_tolerance", "be finite and >= 0", inner_tolerance);
    return std::nullopt;
  }
};

/// Result of `hilm::nmf`: A ≈ W · diag(d) · H.
///
/// Canonical form (default): every column of `w` and row of `h` has unit norm (sum or Euclidean,
/// per `NmfOptions::normalization`), `d` holds the scales, components are sorted by decreasing `d`
/// (ties keep the fitted order), and a component that vanished has d = 0 and zero factors. The
/// factorisation is unique only up to this normalisation and, beyond it, only when the data are
/// separable or sufficiently scattered (docs/nmf.md).
template <class Scalar>
struct NmfResult {
  /// m × k factor W.
  Matrix<Scalar> w;
  /// k scales d.
  Vector<Scalar> d;
  /// k × n factor H.
  Matrix<Scalar> h;
  /// How the fit ended.
  FitStatus status = FitStatus::NotRun;
  /// Outer iterations run.
  int iterations = 0;
  /// Final objective: D_β(A | WH) (½‖A − WH‖² for β = 2, over observed entries) plus penalties.
  double loss = 0;
  /// ‖A − W diag(d) H‖_F / ‖A‖_F over observed entries (Frobenius whatever β was).
  double relative_error = 0;
  /// Relative objective decrease of the last iteration.
  double relative_change = 0;
  /// Objective after each iteration (when `keep_history`).
  std::vector<double> loss_history;
  /// Human-readable detail when `status` is not `Converged`.
  std::string message;

  /// True when `w`, `d`, `h` hold a usable estimate.
  [[nodiscard]] bool usable() const noexcept { return hilm::usable(status); }
};

}  // namespace hilm

#endif  // HILM_NMF_NMF_TYPES_HPP

/// @file
/// k-means clustering: greedy k-means++ seeding, several restarts, Lloyd iterations with
/// empty-cluster repair.
///
/// Minimises the inertia Σ_i ‖x_i − c_{label(i)}‖² over k centres (Lloyd 1982; seeding of
/// Arthur & Vassilvitskii 2007). Used to initialise Gaussian mixtures (`gmm.hpp`) and, on its
/// own, as the simplest estimator of the bottom-level discrete states of Kong et al. (2024).
/// The clustering is identified up to a relabelling of the clusters; restarts only guard
/// against poor local minima, since Lloyd's algorithm is a descent method.
#ifndef HILM_HIERARCHY_KMEANS_HPP
#define HILM_HIERARCHY_KMEANS_HPP

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include <Eigen/Core>

#include <hilm/core/detail/validate.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/random.hpp>
#include <hilm/core/status.hpp>
#include <hilm/core/types.hpp>
#include <hilm/hierarchy/detail/cluster_common.hpp>
#include <hilm/hierarchy/detail/cluster_kmeans.hpp>

namespace hilm {

/// How the initial k-means centres are chosen.
enum class KMeansInit {
  PlusPlus,  ///< Greedy k-means++ (Arthur & Vassilvitskii 2007): spread-out centres, D² sampling.
  Random     ///< k distinct rows drawn uniformly (Forgy's method); mainly for comparison.
};

/// Options of `kmeans()`.
struct KMeansOptions {
  /// Number of clusters k ≥ 1 (at most the number of rows).
  Index clusters = 0;
  /// Independent restarts; the run with the lowest inertia is kept (scikit-learn's `n_init`).
  int restarts = 4;
  /// Lloyd iterations per restart at most.
  int max_iterations = 300;
  /// A run stops when the total squared movement of the centres in one iteration is at most
  /// `tolerance` × the mean per-column variance of x (scikit-learn's relative `tol`). 0 stops
  /// only when the centres no longer move.
  double tolerance = 1e-4;
  /// Seeding method.
  KMeansInit init = KMeansInit::PlusPlus;
  /// Candidates per k-means++ step; 0 means 2 + ⌊ln k⌋ (scikit-learn's choice).
  Index seeding_trials = 0;
  /// Check x for NaN / infinity first (an O(n d) scan; off by default).
  bool check_finite = false;
  /// Seed of the seeding draws; restart r uses stream r of it.
  std::uint64_t seed = 0;

  /// Returns a description of the first invalid field, or nothing when all are valid.
  [[nodiscard]] std::optional<std::string> validate() const {
    using hilm::detail::invalid_field;
    if (clusters < 1) return invalid_field("KMeansOptions", "clusters", "be >= 1", clusters);
    if (restarts < 1) return invalid_field("KMeansOptions", "restarts", "be >= 1", restarts);
    if (max_iterations < 1) {
      return invalid_field("KMeansOptions", "max_iterations", "be >= 1", max_iterations);
    }
    if (!(tolerance >= 0) || !std::isfinite(tolerance)) {
      return invalid_field("KMeansOptions", "tolerance", "be finite and >= 0", tolerance);
    }
    if (seeding_trials < 0) {
      return invalid_field("KMeansOptions", "seeding_trials", "be >= 0", seeding_trials);
    }
    return std::nullopt;
  }
};

/// A k-means clustering.
struct KMeansResult {
  /// k × d centres (row j is the mean of cluster j), in double precision.
  RowMatrix<double> centers;
  /// Length-n cluster of each row, in [0, k): the nearest centre (ties to the lower index).
  IndexVector labels;
  /// Σ_i ‖x_i − centers(labels(i))‖² of the kept run.
  double inertia = 0;
  /// Lloyd iterations of the kept run.
  int iterations = 0;
  /// Restart (0-based) that was kept.
  int best_restart = 0;
  /// Empty clusters repaired during the kept run.
  Index empty_cluster_repairs = 0;
  /// Converged if the kept run met the tolerance, MaxIterations otherwise.
  FitStatus status = FitStatus::NotRun;

  /// Whether the centres can be used (any status but NotRun / NumericalIssue).
  [[nodiscard]] bool usable() const noexcept { return hilm::usable(status); }
};

/// Nearest-centre labels of new rows.
/// @param[in] x n × d rows (any floating-point scalar, either storage order).
/// @param[in] centers k × d centres, e.g. `KMeansResult::centers`.
/// @returns length-n labels in [0, k) (ties to the lower index).
/// @throws invalid_argument if the widths differ or there are no centres.
template <class Derived>
[[nodiscard]] IndexVector kmeans_predict(const Eigen::MatrixBase<Derived>& x,
                                         const RowMatrix<double>& centers) {
  using Scalar = typename Derived::Scalar;
  static_assert(std::is_floating_point_v<Scalar>, "kmeans_predict: x must hold float or double");
  if (centers.rows() < 1 || centers.cols() != x.cols()) {
    detail::raise<invalid_argument>(
        "kmeans_predict: centers must be k × " + std::to_string(x.cols()) + " with k >= 1, got " +
        std::to_string(centers.rows()) + " × " + std::to_string(centers.cols()));
  }
  const Eigen::Ref<const RowMatrix<Scalar>> rows(x.derived());
  IndexVector labels;
  Vector<double> distance;
  detail::assign_nearest<Scalar>(rows, centers, labels, distance);
  return labels;
}

/// Clusters the rows of x into k groups by k-means.
///
/// Each restart seeds the centres (k-means++ by default) and runs Lloyd's iterations; a cluster
/// that empties is moved onto the row farthest from its centre. Rows are processed in parallel
/// with OpenMP; sums are accumulated in row order in double precision, so the same seed and data
/// give the same result for any thread count.
/// @param[in] x n × d data, rows are samples (float or double; a column-major input is copied
///   once into row-major order).
/// @param[in] options number of clusters, restarts, stopping rule, seed.
/// @returns centres, labels, inertia, iterations and status of the best restart.
/// @throws invalid_argument if an option is invalid (the message names it), if n < k or d = 0,
///   or (with `check_finite`) if x holds a NaN or infinity.
/// Complexity: O(restarts · iterations · n k d), plus O(k · trials · n d) for the seeding.
template <class Derived>
[[nodiscard]] KMeansResult kmeans(const Eigen::MatrixBase<Derived>& x,
                                  const KMeansOptions& options) {
  using Scalar = typename Derived::Scalar;
  static_assert(std::is_floating_point_v<Scalar>, "kmeans: x must hold float or double");
  if (auto problem = options.validate()) detail::raise<invalid_argument>(*problem);
  detail::check_cluster_data(x, options.clusters, "kmeans");
  if (options.check_finite) detail::check_cluster_finite(x, "kmeans");
  const Eigen::Ref<const RowMatrix<Scalar>> rows(x.derived());
  const Index n = rows.rows(), k = options.clusters;

  // scikit-learn's tolerance scale: the mean of the per-column variances.
  const RowVector<double> mean = rows.template cast<double>().colwise().mean();
  double variance = 0;
  for (Index i = 0; i < n; ++i)
    variance += (rows.row(i).template cast<double>() - mean).squaredNorm();
  variance /= static_cast<double>(n * rows.cols());
  const double shift_tolerance = options.tolerance * variance;
  const Index trials = options.seeding_trials > 0
                           ? options.seeding_trials
                           : 2 + static_cast<Index>(std::floor(std::log(static_cast<double>(k))));

  const Random root(options.seed);
  KMeansResult best;
  for (int r = 0; r < options.restarts; ++r) {
    Random rng = root.stream(static_cast<std::uint64_t>(r));
    RowMatrix<double> start;
    if (options.init == KMeansInit::PlusPlus) {
      start = detail::kmeans_plus_plus<Scalar>(rows, k, trials, rng);
    } else {
      // Partial Fisher–Yates: the first k entries become a uniform sample without replacement.
      IndexVector order = IndexVector::LinSpaced(n, 0, n - 1);
      start.resize(k, rows.cols());
      for (Index j = 0; j < k; ++j) {
        const Index pick =
            j + static_cast<Index>(rng.uniform_index(static_cast<std::uint64_t>(n - j)));
        std::swap(order(j), order(pick));
        start.row(j) = rows.row(order(j)).template cast<double>();
      }
    }
    detail::LloydRun run =
        detail::lloyd<Scalar>(rows, std::move(start), options.max_iterations, shift_tolerance);
    if (r == 0 || run.inertia < best.inertia) {
      best.centers = std::move(run.centers);
      best.labels = std::move(run.labels);
      best.inertia = run.inertia;
      best.iterations = run.iterations;
      best.best_restart = r;
      best.empty_cluster_repairs = run.repairs;
      best.status = run.converged ? FitStatus::Converged : FitStatus::MaxIterations;
    }
  }
  if (!std::isfinite(best.inertia)) best.status = FitStatus::NumericalIssue;
  return best;
}

}  // namespace hilm

#endif  // HILM_HIERARCHY_KMEANS_HPP

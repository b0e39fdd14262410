/// @file
/// Internals of k-means: nearest-centre assignment, greedy k-means++ seeding and one Lloyd run.
#ifndef HILM_HIERARCHY_DETAIL_CLUSTER_KMEANS_HPP
#define HILM_HIERARCHY_DETAIL_CLUSTER_KMEANS_HPP

#include <algorithm>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/detail/parallel.hpp>
#include <hilm/core/random.hpp>
#include <hilm/core/types.hpp>
#include <hilm/hierarchy/detail/cluster_common.hpp>

namespace hilm::detail {

/// For every row of x: the index of the nearest centre (ties go to the lowest index) and the
/// squared distance to it. Each row is handled by one thread and written to its own slot, so the
/// result does not depend on the thread count.
template <class Scalar>
void assign_nearest(const Eigen::Ref<const RowMatrix<Scalar>>& x, const RowMatrix<double>& centers,
                    IndexVector& labels, Vector<double>& distance) {
  const Index n = x.rows(), k = centers.rows();
  labels.resize(n);
  distance.resize(n);
  const Index blocks = (n + cluster_block_rows - 1) / cluster_block_rows;
  ParallelGuard guard;  // the row buffer allocates
#pragma omp parallel for schedule(static) if (blocks > 1 && parallel_worth(n * k * x.cols()))
  for (Index b = 0; b < blocks; ++b) {
    guard.run([&] {
      const Index begin = b * cluster_block_rows, end = std::min(n, begin + cluster_block_rows);
      RowVector<double> row(x.cols());
      for (Index i = begin; i < end; ++i) {
        row = x.row(i).template cast<double>();
        Index best = 0;
        double best_distance = std::numeric_limits<double>::infinity();
        for (Index j = 0; j < k; ++j) {
          const double dist = (centers.row(j) - row).squaredNorm();
          if (dist < best_distance) {
            best_distance = dist;
            best = j;
          }
        }
        labels(i) = best;
        distance(i) = best_distance;
      }
    });
  }
  guard.rethrow();
}

/// closest(i) ← min(closest(i), ‖x_i − x_candidate‖²) written to `out`; returns Σ out (summed in
/// row order, so deterministic).
template <class Scalar>
double update_closest(const Eigen::Ref<const RowMatrix<Scalar>>& x, Index candidate,
                      const Vector<double>& closest, Vector<double>& out) {
  const Index n = x.rows();
  out.resize(n);
  const RowVector<double> c = x.row(candidate).template cast<double>();
  const Index blocks = (n + cluster_block_rows - 1) / cluster_block_rows;
  // hilm-nothrow: coefficient-wise reduction per row into the preallocated `out`, no temporaries
#pragma omp parallel for schedule(static) if (blocks > 1 && parallel_worth(n * x.cols()))
  for (Index b = 0; b < blocks; ++b) {
    const Index begin = b * cluster_block_rows, end = std::min(n, begin + cluster_block_rows);
    for (Index i = begin; i < end; ++i) {
      out(i) = std::min(closest(i), (x.row(i).template cast<double>() - c).squaredNorm());
    }
  }
  return out.sum();
}

/// Greedy k-means++ seeding (Arthur & Vassilvitskii 2007, "k-means++: the advantages of careful
/// seeding", SODA; the greedy variant with several candidates per step is their §6 remark and
/// scikit-learn's default with 2 + ⌊ln k⌋ candidates). The first centre is a uniform row; each
/// next centre is drawn with probability ∝ D(x)², the squared distance to the nearest centre so
/// far, keeping of `trials` such draws the one that lowers the potential Σ D² most.
/// @returns k × d centres (rows of x).
template <class Scalar>
RowMatrix<double> kmeans_plus_plus(const Eigen::Ref<const RowMatrix<Scalar>>& x, Index k,
                                   Index trials, Random& rng) {
  const Index n = x.rows();
  RowMatrix<double> centers(k, x.cols());
  const auto first = static_cast<Index>(rng.uniform_index(static_cast<std::uint64_t>(n)));
  centers.row(0) = x.row(first).template cast<double>();
  Vector<double> closest = Vector<double>::Constant(n, std::numeric_limits<double>::infinity());
  Vector<double> candidate_closest, best_closest;
  double potential = update_closest(x, first, closest, best_closest);
  closest.swap(best_closest);
  std::vector<double> cumulative(static_cast<std::size_t>(n));
  for (Index c = 1; c < k; ++c) {
    std::partial_sum(closest.data(), closest.data() + n, cumulative.begin());
    double best_potential = std::numeric_limits<double>::infinity();
    Index best = 0;
    for (Index t = 0; t < trials; ++t) {
      Index candidate = 0;
      if (potential > 0) {
        // First row whose cumulative D² exceeds a uniform draw on [0, Σ D²).
        const double r = rng.uniform() * cumulative.back();
        const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), r);
        candidate = std::min<Index>(n - 1, static_cast<Index>(it - cumulative.begin()));
      } else {
        // Every row coincides with a centre already: any row will do (k exceeds the number
        // of distinct rows; Lloyd's empty-cluster repair handles the duplicates).
        candidate = static_cast<Index>(rng.uniform_index(static_cast<std::uint64_t>(n)));
      }
      const double p = update_closest(x, candidate, closest, candidate_closest);
      if (p < best_potential) {
        best_potential = p;
        best = candidate;
        best_closest.swap(candidate_closest);
      }
    }
    centers.row(c) = x.row(best).template cast<double>();
    closest.swap(best_closest);
    potential = best_potential;
  }
  return centers;
}

/// Outcome of one Lloyd run.
struct LloydRun {
  RowMatrix<double> centers;
  IndexVector labels;
  double inertia = 0;
  int iterations = 0;
  bool converged = false;
  Index repairs = 0;
};

/// Lloyd's algorithm (Lloyd 1982, "Least squares quantization in PCM") from `centers`. A cluster
/// that empties is moved onto the row farthest from its centre among clusters with more than one
/// member (scikit-learn's relocation rule). Stops when the total squared centre shift is at most
/// `shift_tolerance`.
template <class Scalar>
LloydRun lloyd(const Eigen::Ref<const RowMatrix<Scalar>>& x, RowMatrix<double> centers,
               int max_iterations, double shift_tolerance) {
  const Index n = x.rows(), d = x.cols(), k = centers.rows();
  LloydRun run;
  Vector<double> distance;
  RowMatrix<double> sums(k, d);
  std::vector<Index> counts(static_cast<std::size_t>(k));
  for (run.iterations = 1; run.iterations <= max_iterations; ++run.iterations) {
    assign_nearest<Scalar>(x, centers, run.labels, distance);
    sums.setZero();
    std::fill(counts.begin(), counts.end(), 0);
    for (Index i = 0; i < n; ++i) {
      sums.row(run.labels(i)) += x.row(i).template cast<double>();
      ++counts[static_cast<std::size_t>(run.labels(i))];
    }
    for (Index j = 0; j < k; ++j) {
      if (counts[static_cast<std::size_t>(j)] > 0) continue;
      // Farthest row from its own centre whose cluster can spare it.
      Index far = -1;
      double far_distance = -1;
      for (Index i = 0; i < n; ++i) {
        if (counts[static_cast<std::size_t>(run.labels(i))] > 1 && distance(i) > far_distance) {
          far_distance = distance(i);
          far = i;
        }
      }
      if (far < 0) break;  // fewer rows than clusters cannot happen (checked); be safe anyway
      const Index from = run.labels(far);
      sums.row(from) -= x.row(far).template cast<double>();
      --counts[static_cast<std::size_t>(from)];
      sums.row(j) = x.row(far).template cast<double>();
      counts[static_cast<std::size_t>(j)] = 1;
      run.labels(far) = j;
      distance(far) = 0;
      ++run.repairs;
    }
    double shift = 0;
    for (Index j = 0; j < k; ++j) {
      const auto count = counts[static_cast<std::size_t>(j)];
      if (count == 0) continue;
      const RowVector<double> updated = sums.row(j) / static_cast<double>(count);
      shift += (updated - centers.row(j)).squaredNorm();
      centers.row(j) = updated;
    }
    if (shift <= shift_tolerance) {
      run.converged = true;
      break;
    }
  }
  run.iterations = std::min(run.iterations, max_iterations);
  // Final assignment, so that labels and inertia belong to the returned centres.
  assign_nearest<Scalar>(x, centers, run.labels, distance);
  run.inertia = distance.sum();
  run.centers = std::move(centers);
  return run;
}

}  // namespace hilm::detail

#endif  // HILM_HIERARCHY_DETAIL_CLUSTER_KMEANS_HPP

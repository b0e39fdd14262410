// An independent, naive recomputation of the ground-truth SAE scores of hilm/sae/evaluation.hpp,
// for tests: the whole data set, codes and true codes held densely, the full cosine matrix in
// double, the assignment by brute force over every injective map of the smaller side into the
// larger (or, above 8 rows, a textbook Hungarian method written here), and explicit per-row loops
// for every count. It shares no code with the library beyond sae_encode/sae_decode (the model's own
// forward pass).
#ifndef HILM_TESTS_SUPPORT_SAE_TRUTH_REFERENCE_HPP
#define HILM_TESTS_SUPPORT_SAE_TRUTH_REFERENCE_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/types.hpp>
#include <hilm/sae/weights.hpp>

namespace hilm::test {

struct SaeTruthReference {
  double mcc = 0, uniqueness = 0, precision = 0, recall = 0, f1 = 0, accuracy = 0;
  double explained_variance = 0, l0 = 0, true_l0 = 0, shrinkage = 0;
  double absorption = 0, hierarchy_consistency = 0;
  Index dead_latents = 0, absorption_pairs = 0, hierarchy_pairs = 0;
  // Core metrics.
  double mse = 0, cossim = 0, l2_ratio = 0, l1 = 0, frac_alive = 0, rrb = 0;
};

/// Brute-force maximum of Σ|cos| over injective maps from the rows of `c` (r ≤ c.cols()) into its
/// columns; returns the column of each row.
inline std::vector<Index> brute_force_assignment(const Matrix<double>& c) {
  const Index r = c.rows(), k = c.cols();
  std::vector<Index> best(static_cast<std::size_t>(r), -1), current(best);
  std::vector<char> used(static_cast<std::size_t>(k), 0);
  double best_total = -1;
  std::function<void(Index, double)> visit = [&](Index row, double total) {
    if (row == r) {
      if (total > best_total) {
        best_total = total;
        best = current;
      }
      return;
    }
    for (Index j = 0; j < k; ++j) {
      if (used[static_cast<std::size_t>(j)]) continue;
      used[static_cast<std::size_t>(j)] = 1;
      current[static_cast<std::size_t>(row)] = j;
      visit(row + 1, total + c(row, j));
      used[static_cast<std::size_t>(j)] = 0;
    }
  };
  visit(0, 0.0);
  return best;
}

/// Maximum of Σ c(i, col(i)) over injective maps of the rows of `c` (r ≤ c.cols()) into its
/// columns by the textbook O(r²·k) Hungarian method with potentials (Kuhn 1955; the e-maxx
/// formulation), written here independently of hilm's shortest-augmenting-path solver.
inline std::vector<Index> hungarian_reference(const Matrix<double>& c) {
  const Index r = c.rows(), k = c.cols();
  const double inf = 1e300;
  std::vector<double> u(r + 1, 0), v(k + 1, 0), minv(k + 1);
  std::vector<Index> p(k + 1, 0), way(k + 1, 0);
  std::vector<char> used(k + 1);
  for (Index i = 1; i <= r; ++i) {
    p[0] = i;
    Index j0 = 0;
    std::fill(minv.begin(), minv.end(), inf);
    std::fill(used.begin(), used.end(), char{0});
    do {
      used[j0] = 1;
      const Index i0 = p[j0];
      double delta = inf;
      Index j1 = 0;
      for (Index j = 1; j <= k; ++j) {
        if (used[j]) continue;
        const double cur = -c(i0 - 1, j - 1) - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (Index j = 0; j <= k; ++j) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] != 0);
    do {
      const Index j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 != 0);
  }
  std::vector<Index> col(static_cast<std::size_t>(r), -1);
  for (Index j = 1; j <= k; ++j) {
    if (p[j] > 0) col[p[j] - 1] = j - 1;
  }
  return col;
}

/// The assignment of the reference: brute force when the smaller side has at most 8 rows, the
/// textbook Hungarian method otherwise.
inline std::vector<Index> reference_assignment(const Matrix<double>& c) {
  return c.rows() <= 8 ? brute_force_assignment(c) : hungarian_reference(c);
}

/// x: n × d inputs; truth_codes: n × F dense true codes; features: F × d; parents: F entries.
inline SaeTruthReference sae_truth_reference(const SaeWeights<float>& w, const RowMatrix<float>& x,
                                             const RowMatrix<float>& truth_codes,
                                             const RowMatrix<float>& features,
                                             const std::vector<Index>& parents) {
  SaeTruthReference out;
  const Index n = x.rows(), d = x.cols(), m = w.d_sae(), f = features.rows();
  const RowMatrix<float> z = sae_encode(w, x);
  const RowMatrix<float> xh = sae_decode(w, z);
  // |cos| in double.
  Matrix<double> c(m, f);
  for (Index j = 0; j < m; ++j) {
    for (Index i = 0; i < f; ++i) {
      double dot = 0, a = 0, b = 0;
      for (Index k = 0; k < d; ++k) {
        dot += double(w.w_dec(j, k)) * double(features(i, k));
        a += double(w.w_dec(j, k)) * double(w.w_dec(j, k));
        b += double(features(i, k)) * double(features(i, k));
      }
      c(j, i) = std::abs(dot / (std::max(std::sqrt(a), 1e-8) * std::max(std::sqrt(b), 1e-8)));
    }
  }
  // MCC by brute force on the smaller side.
  std::vector<Index> feature_of(static_cast<std::size_t>(m), -1);
  if (m <= f) {
    feature_of = reference_assignment(c);
  } else {
    const std::vector<Index> latent_of = reference_assignment(c.transpose());
    for (Index i = 0; i < f; ++i) feature_of[static_cast<std::size_t>(latent_of[i])] = i;
  }
  double total = 0;
  for (Index j = 0; j < m; ++j) {
    if (feature_of[static_cast<std::size_t>(j)] >= 0) total += c(j, feature_of[j]);
  }
  out.mcc = total / double(std::min(m, f));
  // Best matches, uniqueness, detection counts.
  std::vector<Index> best(static_cast<std::size_t>(m));
  std::vector<Index> distinct;
  for (Index j = 0; j < m; ++j) {
    Index arg = 0;
    for (Index i = 1; i < f; ++i) {
      if (c(j, i) > c(j, arg)) arg = i;
    }
    best[static_cast<std::size_t>(j)] = arg;
    if (std::find(distinct.begin(), distinct.end(), arg) == distinct.end()) distinct.push_back(arg);
  }
  out.uniqueness = double(distinct.size()) / double(m);
  for (Index j = 0; j < m; ++j) {
    double tp = 0, fp = 0, fn = 0, tn = 0;
    for (Index r = 0; r < n; ++r) {
      const bool fires = z(r, j) > 0, present = truth_codes(r, best[j]) > 0;
      tp += fires && present;
      fp += fires && !present;
      fn += !fires && present;
      tn += !fires && !present;
    }
    const double p = tp + fp > 0 ? tp / (tp + fp) : 0, rc = tp + fn > 0 ? tp / (tp + fn) : 0;
    out.precision += p / double(m);
    out.recall += rc / double(m);
    out.f1 += (p + rc > 0 ? 2 * p * rc / (p + rc) : 0) / double(m);
    out.accuracy += (tp + tn) / double(n) / double(m);
    out.dead_latents += tp + fp == 0 ? 1 : 0;
  }
  // Reconstruction.
  Vector<double> mean = Vector<double>::Zero(d);
  for (Index r = 0; r < n; ++r) {
    for (Index k = 0; k < d; ++k) mean(k) += double(x(r, k)) / double(n);
  }
  double sse = 0, sst = 0, shrink = 0, shrink_rows = 0, out_sq = 0, dot_sum = 0;
  std::int64_t fires = 0, active = 0;
  for (Index r = 0; r < n; ++r) {
    double nx = 0, nh = 0, dot = 0;
    for (Index k = 0; k < d; ++k) {
      const double a = x(r, k), b = xh(r, k);
      sse += (a - b) * (a - b);
      sst += (a - mean(k)) * (a - mean(k));
      nx += a * a;
      nh += b * b;
      dot += a * b;
    }
    if (std::sqrt(nx) > 1e-6) {
      shrink += std::sqrt(nh / nx);
      shrink_rows += 1;
    }
    out.l2_ratio += std::sqrt(nh) / (std::sqrt(nx) < 1e-4 ? 1.0 : std::sqrt(nx)) / double(n);
    out.cossim += (nx > 0 && nh > 0 ? dot / std::sqrt(nx * nh) : 0.0) / double(n);
    out_sq += nh;
    dot_sum += dot;
    for (Index j = 0; j < m; ++j) {
      fires += z(r, j) > 0;
      out.l1 += std::abs(double(z(r, j))) / double(n);
    }
    for (Index i = 0; i < f; ++i) active += truth_codes(r, i) > 0;
  }
  out.mse = sse / double(n * d);
  out.rrb = out_sq / dot_sum;
  out.explained_variance = 1 - sse / sst;
  out.shrinkage = shrink / shrink_rows;
  out.l0 = double(fires) / double(n);
  out.true_l0 = double(active) / double(n);
  Index alive = 0;
  for (Index j = 0; j < m; ++j) alive += (z.col(j).array() != 0).any() ? 1 : 0;
  out.frac_alive = double(alive) / double(m);
  // Hierarchy scores over the assignment pairs.
  std::vector<Index> latent_of(static_cast<std::size_t>(f), -1);
  for (Index j = 0; j < m; ++j) {
    if (feature_of[j] >= 0) latent_of[static_cast<std::size_t>(feature_of[j])] = j;
  }
  double absorbed = 0, consistent = 0;
  for (Index child = 0; child < f; ++child) {
    const Index parent = parents[static_cast<std::size_t>(child)];
    if (parent < 0 || latent_of[parent] < 0) continue;
    double rows = 0, misses = 0;
    for (Index r = 0; r < n; ++r) {
      if (truth_codes(r, child) > 0 && truth_codes(r, parent) > 0) {
        rows += 1;
        misses += z(r, latent_of[parent]) > 0 ? 0 : 1;
      }
    }
    if (rows > 0) {
      absorbed += misses / rows;
      ++out.absorption_pairs;
    }
    if (latent_of[child] < 0) continue;
    double child_fires = 0, both = 0;
    for (Index r = 0; r < n; ++r) {
      if (z(r, latent_of[child]) > 0) {
        child_fires += 1;
        both += z(r, latent_of[parent]) > 0 ? 1 : 0;
      }
    }
    if (child_fires > 0) {
      consistent += both / child_fires;
      ++out.hierarchy_pairs;
    }
  }
  out.absorption = out.absorption_pairs > 0 ? absorbed / double(out.absorption_pairs) : 0;
  out.hierarchy_consistency =
      out.hierarchy_pairs > 0 ? consistent / double(out.hierarchy_pairs) : 0;
  return out;
}

}  // namespace hilm::test

#endif  // HILM_TESTS_SUPPORT_SAE_TRUTH_REFERENCE_HPP

// The stages of sparse_concept_graph() (hierarchy/sparse_concept_graph.hpp): sparse coding of the
// columns, the co-activation screen with Fisher's exact test, the BH threshold over all L·U
// pairs, and the cell-mean fit and G² confirmation of a parent set computed on the rows where
// something is active only (the all-inactive cell is obtained from the totals).
#ifndef HILM_HIERARCHY_DETAIL_SPARSE_CONCEPT_STAGES_HPP
#define HILM_HIERARCHY_DETAIL_SPARSE_CONCEPT_STAGES_HPP

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <utility>
#include <vector>

#include <hilm/core/distributions.hpp>
#include <hilm/core/sparse_types.hpp>
#include <hilm/core/types.hpp>
#include <hilm/hierarchy/detail/concept_graph_stages.hpp>
#include <hilm/hierarchy/fdr.hpp>
#include <hilm/hierarchy/sparse_concept_graph_types.hpp>

namespace hilm::detail {

/// Coded sparse columns: for each column the rows where it is active (code ≥ 1, increasing)
/// and their codes 1 … levels−1; every other row has code 0.
struct SparseCodes {
  std::vector<Index> start;          // column c: entries start[c] … start[c+1]−1
  std::vector<Index> rows;           // row of each entry
  std::vector<std::int8_t> codes;    // code of each entry, >= 1
  std::vector<std::int32_t> levels;  // per column; 1 = never active
  [[nodiscard]] Index active(Index c) const {
    return start[static_cast<std::size_t>(c) + 1] - start[static_cast<std::size_t>(c)];
  }
};

/// Codes the columns of a CSC matrix as the dense `discretize_column` codes a sparse column:
/// level 0 = not stored or |value| below `inactive_fraction` × the median active magnitude;
/// the remaining values are cut at their `bins`-quantiles (ties share a code).
inline SparseCodes code_sparse_columns(const SparseMatrix<float>& m, Index bins,
                                       double inactive_fraction) {
  SparseCodes out;
  const Index cols = m.cols();
  out.start.assign(static_cast<std::size_t>(cols) + 1, 0);
  out.levels.assign(static_cast<std::size_t>(cols), 1);
  std::vector<float> mags, vals, cuts;
  for (Index c = 0; c < cols; ++c) {
    mags.clear();
    for (SparseMatrix<float>::InnerIterator it(m, c); it; ++it) {
      if (it.value() != 0.0F) mags.push_back(std::abs(it.value()));
    }
    float cut = 0;
    if (!mags.empty()) {
      std::nth_element(mags.begin(), mags.begin() + static_cast<std::ptrdiff_t>(mags.size() / 2),
                       mags.end());
      cut = static_cast<float>(inactive_fraction) * mags[mags.size() / 2];
    }
    vals.clear();
    for (SparseMatrix<float>::InnerIterator it(m, c); it; ++it) {
      if (it.value() != 0.0F && std::abs(it.value()) >= cut) vals.push_back(it.value());
    }
    std::sort(vals.begin(), vals.end());
    cuts.clear();
    const auto na = static_cast<Index>(vals.size());
    for (Index b = 1; b < bins; ++b) {
      const Index pos = (na * b) / bins - 1;
      if (pos >= 0) cuts.push_back(vals[static_cast<std::size_t>(pos)]);
    }
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    while (!cuts.empty() && cuts.back() >= vals.back()) cuts.pop_back();
    for (SparseMatrix<float>::InnerIterator it(m, c); it; ++it) {
      const float v = it.value();
      if (v == 0.0F || std::abs(v) < cut) continue;
      out.rows.push_back(it.row());
      out.codes.push_back(static_cast<std::int8_t>(
          1 + (std::lower_bound(cuts.begin(), cuts.end(), v) - cuts.begin())));
    }
    out.start[static_cast<std::size_t>(c) + 1] = static_cast<Index>(out.rows.size());
    if (na > 0)
      out.levels[static_cast<std::size_t>(c)] = static_cast<std::int32_t>(cuts.size() + 2);
  }
  return out;
}

/// The active columns of each row (the transpose of the activity pattern of `codes`).
inline std::vector<std::vector<Index>> active_by_row(const SparseCodes& codes, Index n) {
  std::vector<std::vector<Index>> rows(static_cast<std::size_t>(n));
  const auto cols = static_cast<Index>(codes.levels.size());
  for (Index c = 0; c < cols; ++c) {
    for (Index e = codes.start[static_cast<std::size_t>(c)];
         e < codes.start[static_cast<std::size_t>(c) + 1]; ++e) {
      rows[static_cast<std::size_t>(codes.rows[static_cast<std::size_t>(e)])].push_back(c);
    }
  }
  return rows;
}

/// One-sided Fisher exact test (Fisher 1922): P(X ≥ a) for X hypergeometric — a population of
/// n rows, `k` of them with the lower concept active, `m` drawn (the rows of the upper concept).
/// `log_fact[i]` = log i!. Terms follow the ratio t(x+1)/t(x) = (k−x)(m−x)/((x+1)(n−k−m+x+1)).
inline double hypergeometric_upper_tail(Index a, Index k, Index m, Index n,
                                        const std::vector<double>& log_fact) {
  const Index hi = std::min(k, m);
  if (a <= std::max<Index>(0, k + m - n)) return 1.0;
  if (a > hi) return 0.0;
  auto lf = [&](Index i) { return log_fact[static_cast<std::size_t>(i)]; };
  const double log_first = lf(k) - lf(a) - lf(k - a) + lf(n - k) - lf(m - a) - lf(n - k - m + a) -
                           (lf(n) - lf(m) - lf(n - m));
  double sum = 1, term = 1;
  for (Index x = a; x < hi; ++x) {
    term *= static_cast<double>(k - x) * static_cast<double>(m - x) /
            (static_cast<double>(x + 1) * static_cast<double>(n - k - m + x + 1));
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return std::min(1.0, std::exp(log_first + std::log(sum)));
}

/// The largest p-value that Benjamini–Hochberg (1995) — or Benjamini–Yekutieli (2001), with
/// c(m) = Σ 1/i — rejects at level q among `total` tests, given the p-values ≤ q of some of them
/// (the others cannot be rejected: a rejected p_(k) ≤ k q / total ≤ q). −1 when none is.
inline double fdr_threshold(std::vector<double> kept, std::int64_t total, double q,
                            FdrMethod method) {
  std::sort(kept.begin(), kept.end());
  double level = q;
  if (method == FdrMethod::BenjaminiYekutieli) {
    // Harmonic number H_m ≈ ln m + γ + 1/(2m) (Euler–Maclaurin), exact enough for a level.
    const auto m = static_cast<double>(total);
    level = q / (std::log(m) + 0.5772156649015329 + 0.5 / m);
  }
  double threshold = -1;
  for (std::size_t k = 0; k < kept.size(); ++k) {
    if (kept[k] <= static_cast<double>(k + 1) * level / static_cast<double>(total)) {
      threshold = kept[k];
    }
  }
  return threshold;
}

/// Per-thread scratch of the fits and tests of one upper concept: the upper values and codes by
/// row, and the codes of up to `max_candidates` candidates by row (dense over rows, zero outside
/// the supports, cleared after each upper concept).
class SparseUpperFitter {
 public:
  SparseUpperFitter(Index n, Index max_candidates)
      : n_(n),
        y_(static_cast<std::size_t>(n), 0.0F),
        ycode_(static_cast<std::size_t>(n), 0),
        xcode_(static_cast<std::size_t>(n * max_candidates), 0) {}

  /// Loads upper concept u (raw values of `upper`, codes of `ucodes`) and its candidates.
  void load(const SparseMatrix<float>& upper, const SparseCodes& ucodes, Index u,
            const SparseCodes& lcodes, const std::vector<Index>& candidates) {
    clear();
    candidates_ = candidates;
    sum_ = sumsq_ = 0;
    for (SparseMatrix<float>::InnerIterator it(upper, u); it; ++it) {
      y_[static_cast<std::size_t>(it.row())] = it.value();
      yrows_.push_back(it.row());
      sum_ += it.value();
      sumsq_ += static_cast<double>(it.value()) * it.value();
    }
    copy_codes(ucodes, u, ycode_.data(), yactive_);
    ylevels_ = ucodes.levels[static_cast<std::size_t>(u)];
    xactive_.assign(candidates.size(), {});
    xlevels_.clear();
    for (std::size_t t = 0; t < candidates.size(); ++t) {
      copy_codes(lcodes, candidates[t], xcode_.data() + static_cast<std::ptrdiff_t>(t) * n_,
                 xactive_[t]);
      xlevels_.push_back(lcodes.levels[static_cast<std::size_t>(candidates[t])]);
    }
    const auto nd = static_cast<double>(n_);
    tss_ = std::max(sumsq_ - sum_ * sum_ / nd, 0.0);
  }

  /// Total sum of squares of the upper values.
  [[nodiscard]] double tss() const noexcept { return tss_; }

  /// Adjusted R² and BIC of the cell means of the upper values on the joint codes of
  /// `lower_set` (lower indices, all among the loaded candidates); same formulas as the dense
  /// `ParentScorer`.
  SubsetScore operator()(const std::vector<Index>& lower_set) {
    double rss = tss_;
    double params = 1;
    if (!lower_set.empty()) {
      local(lower_set);
      union_rows(slots_, false);
      // Cells of the rows where some member is active; the all-inactive cell gets the rest.
      cell_ids_.clear();
      for (const Index i : rows_) cell_ids_.emplace_back(cell_of(i), i);
      std::sort(cell_ids_.begin(), cell_ids_.end());
      double sse = 0, rest_cnt = static_cast<double>(n_), rest_sum = sum_, rest_sq = sumsq_;
      Index occupied = 0;
      for (std::size_t a = 0; a < cell_ids_.size();) {
        std::size_t b = a;
        double cnt = 0, s = 0, sq = 0;
        for (; b < cell_ids_.size() && cell_ids_[b].first == cell_ids_[a].first; ++b) {
          const double v = y_[static_cast<std::size_t>(cell_ids_[b].second)];
          cnt += 1;
          s += v;
          sq += v * v;
        }
        ++occupied;
        sse += std::max(sq - s * s / cnt, 0.0);
        rest_cnt -= cnt;
        rest_sum -= s;
        rest_sq -= sq;
        a = b;
      }
      if (rest_cnt > 0.5) {
        ++occupied;
        sse += std::max(rest_sq - rest_sum * rest_sum / rest_cnt, 0.0);
      }
      rss = sse;
      params = static_cast<double>(occupied);
    }
    const auto nd = static_cast<double>(n_);
    SubsetScore s;
    const double dof = nd - params;
    s.adjusted_r2 = tss_ > 0 && dof > 0 ? 1.0 - (rss / dof) / (tss_ / (nd - 1)) : 0.0;
    s.bic = nd * std::log(std::max(rss / nd, 1e-300)) + params * std::log(nd);
    return s;
  }

  /// G² test of "upper codes ⫫ codes of lower j | codes of `given`" (j and `given` among the
  /// candidates), degrees of freedom Σ_z (r_z − 1)(c_z − 1) over the strata z with data, counting
  /// only the levels present in each stratum (the adjustment for empty cells of sparse tables,
  /// Tsamardinos et al. 2006, §4.1).
  double g2_p_value(Index j, const std::vector<Index>& given) {
    std::vector<Index> all = given;
    all.push_back(j);
    local(all);  // slots_: given…, then j last
    union_rows(slots_, true);
    // Key = ((stratum · xlevels) + x) · ylevels + y; stratum from the given members' codes.
    const std::size_t xs = slots_.back();
    const std::int64_t lx = xlevels_[xs], ly = ylevels_;
    keys_.clear();
    for (const Index i : rows_) {
      std::int64_t z = 0;
      for (std::size_t t = 0; t + 1 < slots_.size(); ++t) z = z * 8 + code(slots_[t], i);
      keys_.push_back((z * lx + code(xs, i)) * ly + ycode_[static_cast<std::size_t>(i)]);
    }
    std::sort(keys_.begin(), keys_.end());
    // Stratum → lx × ly table. Rows outside the union are all-zero: key 0.
    std::map<std::int64_t, std::vector<double>> tables;
    auto table = [&](std::int64_t z) -> std::vector<double>& {
      auto [it, fresh] = tables.try_emplace(z);
      if (fresh) it->second.assign(static_cast<std::size_t>(lx * ly), 0.0);
      return it->second;
    };
    table(0)[0] += static_cast<double>(n_ - static_cast<Index>(rows_.size()));
    for (const std::int64_t key : keys_) {
      table(key / (lx * ly))[static_cast<std::size_t>(key % (lx * ly))] += 1;
    }
    double g2 = 0, dof = 0;
    std::vector<double> rx(static_cast<std::size_t>(lx)), cy(static_cast<std::size_t>(ly));
    for (const auto& [z, t] : tables) {
      std::fill(rx.begin(), rx.end(), 0.0);
      std::fill(cy.begin(), cy.end(), 0.0);
      double total = 0;
      for (std::int64_t x = 0; x < lx; ++x) {
        for (std::int64_t y = 0; y < ly; ++y) {
          const double c = t[static_cast<std::size_t>(x * ly + y)];
          rx[static_cast<std::size_t>(x)] += c;
          cy[static_cast<std::size_t>(y)] += c;
          total += c;
        }
      }
      for (std::int64_t x = 0; x < lx; ++x) {
        for (std::int64_t y = 0; y < ly; ++y) {
          const double c = t[static_cast<std::size_t>(x * ly + y)];
          if (c > 0) {
            g2 += 2 * c *
                  std::log(c * total /
                           (rx[static_cast<std::size_t>(x)] * cy[static_cast<std::size_t>(y)]));
          }
        }
      }
      const auto r = std::count_if(rx.begin(), rx.end(), [](double v) { return v > 0; });
      const auto c = std::count_if(cy.begin(), cy.end(), [](double v) { return v > 0; });
      dof += static_cast<double>((r - 1) * (c - 1));
    }
    return dof > 0 ? chi2_sf(std::max(g2, 0.0), dof) : 1.0;
  }

  /// Zeroes the row arrays touched by the last `load`.
  void clear() {
    for (const Index i : yrows_) y_[static_cast<std::size_t>(i)] = 0;
    for (const Index i : yactive_) ycode_[static_cast<std::size_t>(i)] = 0;
    for (std::size_t t = 0; t < xactive_.size(); ++t) {
      for (const Index i : xactive_[t]) {
        xcode_[t * static_cast<std::size_t>(n_) + static_cast<std::size_t>(i)] = 0;
      }
    }
    yrows_.clear();
    yactive_.clear();
    xactive_.clear();
  }

 private:
  void copy_codes(const SparseCodes& codes, Index c, std::int8_t* dst, std::vector<Index>& rows) {
    rows.clear();
    for (Index e = codes.start[static_cast<std::size_t>(c)];
         e < codes.start[static_cast<std::size_t>(c) + 1]; ++e) {
      const Index i = codes.rows[static_cast<std::size_t>(e)];
      dst[i] = codes.codes[static_cast<std::size_t>(e)];
      rows.push_back(i);
    }
  }
  [[nodiscard]] std::int64_t code(std::size_t slot, Index i) const {
    return xcode_[slot * static_cast<std::size_t>(n_) + static_cast<std::size_t>(i)];
  }
  void local(const std::vector<Index>& lower_set) {
    slots_.clear();
    for (const Index j : lower_set) {
      slots_.push_back(static_cast<std::size_t>(
          std::find(candidates_.begin(), candidates_.end(), j) - candidates_.begin()));
    }
  }
  // Rows where a member of `slots` (or, with `with_y`, the upper concept) is active.
  void union_rows(const std::vector<std::size_t>& slots, bool with_y) {
    rows_.clear();
    for (const std::size_t t : slots)
      rows_.insert(rows_.end(), xactive_[t].begin(), xactive_[t].end());
    if (with_y) rows_.insert(rows_.end(), yactive_.begin(), yactive_.end());
    std::sort(rows_.begin(), rows_.end());
    rows_.erase(std::unique(rows_.begin(), rows_.end()), rows_.end());
  }
  [[nodiscard]] std::int64_t cell_of(Index i) const {
    std::int64_t id = 0;
    for (const std::size_t t : slots_) id = id * 8 + code(t, i);
    return id;
  }

  Index n_;
  std::vector<float> y_;
  std::vector<std::int8_t> ycode_, xcode_;
  std::vector<Index> yrows_, yactive_;
  std::vector<std::vector<Index>> xactive_;
  std::vector<std::int32_t> xlevels_;
  std::int32_t ylevels_ = 1;
  std::vector<Index> candidates_;
  std::vector<std::size_t> slots_;
  std::vector<Index> rows_;
  std::vector<std::pair<std::int64_t, Index>> cell_ids_;
  std::vector<std::int64_t> keys_;
  double sum_ = 0, sumsq_ = 0, tss_ = 0;
};

/// A screened pair of the co-activation screen: lower concept, p-value, co-activations.
struct ScreenedPair {
  Index lower = 0;
  double p = 1;
  Index together = 0;
};

/// Per-thread scratch of the screen: co-activation counts of every lower concept.
struct CoActivationCounter {
  explicit CoActivationCounter(Index num_lower) : counts(static_cast<std::size_t>(num_lower), 0) {}
  std::vector<std::int32_t> counts;
  std::vector<Index> touched;
};

/// Stage 1 for upper concept u: counts the co-activations with every lower concept through the
/// active rows of u (Z_lowerᵀ·z_u on the activity pattern), tests the pairs that co-fire at least
/// `min_co_activations` times and more often than chance with the one-sided Fisher exact test.
/// @returns the pairs with p ≤ fdr (the only ones BH can reject), increasing lower index, and
/// adds the number of tested pairs to `tested`.
inline std::vector<ScreenedPair> screen_upper(const SparseCodes& lcodes, const SparseCodes& ucodes,
                                              const std::vector<std::vector<Index>>& lower_rows,
                                              Index u, Index n, const std::vector<double>& log_fact,
                                              const SparseConceptGraphOptions& options,
                                              CoActivationCounter& scratch, std::int64_t& tested) {
  std::vector<ScreenedPair> kept;
  for (Index e = ucodes.start[static_cast<std::size_t>(u)];
       e < ucodes.start[static_cast<std::size_t>(u) + 1]; ++e) {
    for (const Index j :
         lower_rows[static_cast<std::size_t>(ucodes.rows[static_cast<std::size_t>(e)])]) {
      if (scratch.counts[static_cast<std::size_t>(j)]++ == 0) scratch.touched.push_back(j);
    }
  }
  std::sort(scratch.touched.begin(), scratch.touched.end());
  const Index m = ucodes.active(u);
  for (const Index j : scratch.touched) {
    const Index a = scratch.counts[static_cast<std::size_t>(j)];
    scratch.counts[static_cast<std::size_t>(j)] = 0;
    const Index k = lcodes.active(j);
    if (a < options.min_co_activations || a * n <= k * m) continue;
    ++tested;
    const double p = hypergeometric_upper_tail(a, k, m, n, log_fact);
    if (p <= options.fdr) kept.push_back({j, p, a});
  }
  scratch.touched.clear();
  return kept;
}

/// Stages 2–4 for one upper concept: the strongest `max_candidates` screened pairs, the minimal
/// set among their subsets (cell-mean fit, Epsilon or BIC), the G² confirmation, the effects.
inline void fit_sparse_upper(SparseUpperFitter& fitter, const SparseMatrix<float>& upper,
                             const SparseCodes& ucodes, const SparseCodes& lcodes, Index u,
                             std::vector<ScreenedPair> screened,
                             const SparseConceptGraphOptions& options, UpperConceptParents& out) {
  std::sort(screened.begin(), screened.end(), [](const ScreenedPair& a, const ScreenedPair& b) {
    if (a.p != b.p) return a.p < b.p;
    if (a.together != b.together) return a.together > b.together;
    return a.lower < b.lower;
  });
  if (static_cast<Index>(screened.size()) > options.max_candidates) {
    screened.resize(static_cast<std::size_t>(options.max_candidates));
  }
  for (const auto& s : screened) out.candidates.push_back(s.lower);
  std::sort(out.candidates.begin(), out.candidates.end());
  fitter.load(upper, ucodes, u, lcodes, out.candidates);
  ConceptGraphOptions dense;
  dense.max_parents = options.max_parents;
  dense.max_candidates = options.max_candidates;
  dense.selection = options.selection;
  dense.epsilon = options.epsilon;
  std::vector<Index> chosen = minimal_parent_set(fitter, out.candidates, dense, out);
  // Confirmation: drop the weakest member while it is independent of u given the others.
  auto others_of = [&](std::size_t t) {
    std::vector<Index> others;
    for (std::size_t o = 0; o < chosen.size(); ++o) {
      if (o != t) others.push_back(chosen[o]);
    }
    return others;
  };
  while (options.confirm && !chosen.empty()) {
    double worst = -1;
    std::size_t worst_at = 0;
    for (std::size_t t = 0; t < chosen.size(); ++t) {
      const double p = fitter.g2_p_value(chosen[t], others_of(t));
      if (p > worst) {
        worst = p;
        worst_at = t;
      }
    }
    if (worst <= options.alpha) break;
    chosen.erase(chosen.begin() + static_cast<std::ptrdiff_t>(worst_at));
  }
  std::sort(chosen.begin(), chosen.end());
  out.parents = chosen;
  out.fit = fitter(chosen).adjusted_r2;
  for (std::size_t t = 0; t < chosen.size(); ++t) {
    const auto others = others_of(t);
    out.effects.push_back(out.fit - fitter(others).adjusted_r2);
    out.p_values.push_back(fitter.g2_p_value(chosen[t], others));
  }
  fitter.clear();
}

}  // namespace hilm::detail

#endif  // HILM_HIERARCHY_DETAIL_SPARSE_CONCEPT_STAGES_HPP

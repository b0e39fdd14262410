/// @file
/// Concept graphs between two levels of codes (Kong et al. 2025, "causal minimality"): for every
/// upper concept, the minimal set of lower concepts it is a function of.
///
/// Under the hierarchical selection model each upper concept is a function (or a sparse
/// conditional distribution) of a few lower ones; selection on upper values makes lower concepts
/// dependent on non-children, and sparse-autoencoder codes add weak dependences of their own
/// (top-k competition). So p-values alone admit spurious parents on large samples (DESIGN.md
/// §2.2). This search therefore chooses parent sets by *minimality of effect*:
///
/// 1. **Screen**: test every (lower j, upper u) pair for marginal dependence (Fisher-z on the
///    correlation, or G² when both columns are discrete-valued) and keep the pairs that survive
///    Benjamini–Hochberg at level `fdr` over all L·U tests.
/// 2. **Candidates**: if more than `max_candidates` lower concepts survive for an upper concept,
///    keep those that enter a Lasso path (Friedman et al. 2010) first.
/// 3. **Minimal set**: evaluate the fit of every candidate subset of size ≤ `max_parents`
///    (exhaustive best-subset search) and keep the *smallest* set whose fit is within `epsilon`
///    of the best (or the BIC-optimal one). The default fit is the adjusted R² of the cell means
///    of the upper concept on the discretised candidates (see `ParentFit`).
/// 4. **Confirm**: test each kept parent p for dependence given the other kept parents
///    (G² on the discretised codes, or Fisher-z for the linear fit) and drop parents with
///    p-value > `alpha`, weakest first.
///
/// The effect of a parent is the fit lost when it is removed from the chosen set.
#ifndef HILM_HIERARCHY_CONCEPT_GRAPH_HPP
#define HILM_HIERARCHY_CONCEPT_GRAPH_HPP

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/detail/parallel.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/graph/graph.hpp>
#include <hilm/hierarchy/detail/concept_cells.hpp>
#include <hilm/hierarchy/detail/concept_subsets.hpp>
#include <hilm/hierarchy/fdr.hpp>
#include <hilm/hierarchy/lasso.hpp>
#include <hilm/stats/discrete.hpp>
#include <hilm/stats/fisher_z.hpp>

namespace hilm {

/// The marginal dependence test of the screen.
enum class ScreenTest {
  Auto,         ///< G² when both columns are discrete-valued, Fisher-z otherwise
  Correlation,  ///< Fisher-z test of the Pearson correlation
  Discretized   ///< G² test on the discretised codes (any form of dependence)
};

/// How the fit of a candidate parent set is measured.
enum class ParentFit {
  /// Adjusted R² of the cell means of the upper concept on the joint codes of the set (each
  /// lower column coded as inactive + `value_bins` quantile bins of its active values): a
  /// saturated regression that fits any function of the codes and is invariant to monotone
  /// maps of the lower codes (SAE codes are identified up to such maps). Confirmation by G².
  Cells,
  /// Adjusted R² of ordinary least squares of the upper concept on the raw lower values.
  /// Confirmation by Fisher-z partial correlation.
  Linear
};

/// How the parent set is chosen among the searched subsets.
enum class ParentSelection {
  /// Minimality of effect: the smallest set whose fit is within `epsilon` of the best set's.
  Epsilon,
  /// The set with the smallest BIC, n·log(RSS/n) + (parameters)·log n (parameters: occupied
  /// cells for `Cells`, |S| + 1 for `Linear`; Schwarz 1978).
  Bic,
  /// P-values only (the baseline the two rules above replace): start from every screened
  /// candidate and repeatedly drop the one with the largest Fisher-z partial-correlation
  /// p-value given the others while it exceeds `alpha`. Admits spurious parents on large
  /// samples; kept as a documented negative control.
  PValue
};

/// Options of `concept_graph()`.
struct ConceptGraphOptions {
  /// Level of the confirmation CI tests (and of the p-value pruning of `PValue`).
  double alpha = 0.01;
  /// Benjamini–Hochberg level q of the dependence screen over all L·U pairs.
  double fdr = 0.05;
  /// BH (default) or BY for the screen.
  FdrMethod fdr_method = FdrMethod::BenjaminiHochberg;
  /// Marginal test of the screen.
  ScreenTest screen = ScreenTest::Auto;
  /// Fit measure of a parent set.
  ParentFit fit = ParentFit::Cells;
  /// Selection rule among the searched sets.
  ParentSelection selection = ParentSelection::Epsilon;
  /// `Epsilon`: tolerance on the fit (adjusted R², in [0, 1)).
  double epsilon = 0.05;
  /// Largest parent set searched (s_max of the exhaustive search).
  Index max_parents = 3;
  /// Screened candidates kept per upper concept for the exhaustive search (by Lasso entry).
  Index max_candidates = 20;
  /// Quantile bins of the active values of a continuous column (`Cells` fit, `Discretized`).
  Index value_bins = 3;
  /// A point mass at a column's minimum holding at least this fraction of rows is coded as its
  /// own level (the "inactive" value of a sparse code).
  double min_mass = 0.05;
  /// In a sparse column (one with such a point mass), values less than this fraction of the way
  /// from the minimum to the median active value also count as inactive: weak activations that
  /// top-k competition and encoder interference give to non-firing SAE latents. 0 disables.
  double inactive_fraction = 0.25;
  /// A column of integers with at most this many distinct values is discrete-valued.
  Index discrete_max_levels = 10;
  /// Run the confirmation CI tests (Epsilon and Bic).
  bool confirm = true;

  /// @returns a message naming the offending field, or nothing when valid.
  [[nodiscard]] std::optional<std::string> validate() const {
    if (!(alpha > 0 && alpha < 1)) return "ConceptGraphOptions::alpha must lie in (0, 1)";
    if (!(fdr > 0 && fdr <= 1)) return "ConceptGraphOptions::fdr must lie in (0, 1]";
    if (!(epsilon >= 0 && epsilon < 1)) return "ConceptGraphOptions::epsilon must lie in [0, 1)";
    if (max_parents < 1) return "ConceptGraphOptions::max_parents must be >= 1";
    if (max_candidates < max_parents) {
      return "ConceptGraphOptions::max_candidates must be >= max_parents";
    }
    if (value_bins < 1) return "ConceptGraphOptions::value_bins must be >= 1";
    if (!(min_mass > 0 && min_mass < 1)) return "ConceptGraphOptions::min_mass must lie in (0, 1)";
    if (!(inactive_fraction >= 0 && inactive_fraction < 1)) {
      return "ConceptGraphOptions::inactive_fraction must lie in [0, 1)";
    }
    if (discrete_max_levels < 2) return "ConceptGraphOptions::discrete_max_levels must be >= 2";
    return std::nullopt;
  }
};

/// The parent set found for one upper concept.
struct UpperConceptParents {
  /// Lower-concept indices (columns of the lower matrix), increasing.
  std::vector<Index> parents;
  /// Aligned with `parents`: the fit lost when the parent is dropped from the set (adjusted R²
  /// of the chosen fit measure) — the effect size.
  std::vector<double> effects;
  /// Aligned with `parents`: p-value of the confirmation test "upper ⫫ parent | other parents"
  /// (for `PValue`, of the Fisher-z test given the other kept candidates).
  std::vector<double> p_values;
  /// Fit (adjusted R²) of the chosen set.
  double fit = 0;
  /// Best fit over all searched sets.
  double best_fit = 0;
  /// Lower concepts that passed the screen, increasing.
  std::vector<Index> screened;
  /// Candidates searched after the Lasso reduction, increasing.
  std::vector<Index> candidates;
  /// Subsets whose fit was computed.
  Index subsets_evaluated = 0;
};

/// Result of `concept_graph()`.
struct ConceptGraphResult {
  /// L + U nodes: ids 0 … L−1 the lower concepts (level 0, named lower_0 …), ids L … L+U−1 the
  /// upper concepts (level 1, named upper_0 …); an edge j → L+u for each parent j of upper u.
  /// Nodes are observed (they are measured codes); discrete-valued columns get their number of
  /// values as cardinality.
  Graph graph;
  /// One entry per upper concept.
  std::vector<UpperConceptParents> uppers;
  /// L × U marginal p-values of the screen.
  Matrix<double> screen_p_values;
  /// L × U BH-adjusted screen p-values.
  Matrix<double> screen_adjusted;
  /// L × U effect sizes (0 where there is no edge).
  Matrix<double> effects;
  /// L × U confirmation p-values (1 where there is no edge).
  Matrix<double> p_values;
  /// Number of lower (L) and upper (U) concepts.
  Index lower = 0;
  /// Number of upper concepts U.
  Index upper = 0;
};

namespace detail {

/// Pearson correlation matrix that tolerates constant columns (correlation 0, unit diagonal).
inline Matrix<double> tolerant_correlation(const Matrix<double>& data) {
  Matrix<double> centered = data.rowwise() - data.colwise().mean();
  Matrix<double> c = centered.transpose() * centered;
  const Index p = c.rows();
  Vector<double> scale(p);
  for (Index j = 0; j < p; ++j) scale(j) = c(j, j) > 0 ? 1.0 / std::sqrt(c(j, j)) : 0.0;
  c = scale.asDiagonal() * c * scale.asDiagonal();
  for (Index j = 0; j < p; ++j) {
    for (Index i = 0; i < p; ++i) c(i, j) = std::clamp(c(i, j), -1.0, 1.0);
    c(j, j) = 1.0;
  }
  return c;
}

/// Fit of one subset: adjusted R², and the BIC of the same model.
struct SubsetScore {
  double adjusted_r2 = 0;
  double bic = 0;
};

}  // namespace detail

/// Finds, for every upper concept, its minimal parent set among the lower concepts.
///
/// @param[in] lower n × L codes of the lower level (rows are samples), e.g. SAE latents of an
///   earlier layer or the level-1 concepts; any storage order. Constant columns never become
///   parents.
/// @param[in] upper n × U codes of the upper level for the same samples.
/// @param[in] options see `ConceptGraphOptions`.
/// @returns the graph (ids 0…L−1 lower, L…L+U−1 upper, edges lower → upper), parent sets with
///   effect sizes and p-values, and the screen's p-values.
/// @throws hilm::invalid_argument on bad options, differing row counts, too few samples
///   (n < max(10, max_candidates + 4)) or non-finite values; std::bad_alloc when memory runs
///   out, also inside the parallel loop (rethrown on the calling thread).
///
/// Complexity: O(n (L + U)²) for the screen; per upper concept O(n · s · Σ_{s ≤ s_max} C(m, s))
/// for the subset search over m ≤ `max_candidates` candidates. Upper concepts are processed in
/// parallel (OpenMP); the result does not depend on the thread count.
template <class DerivedL, class DerivedU>
[[nodiscard]] ConceptGraphResult concept_graph(const Eigen::MatrixBase<DerivedL>& lower,
                                               const Eigen::MatrixBase<DerivedU>& upper,
                                               const ConceptGraphOptions& options = {}) {
  if (auto problem = options.validate()) hilm::detail::raise<invalid_argument>(*problem);
  const Index n = lower.rows(), num_lower = lower.cols(), num_upper = upper.cols();
  if (upper.rows() != n) {
    hilm::detail::raise<invalid_argument>("concept_graph: lower has " + std::to_string(n) +
                                          " rows but upper has " + std::to_string(upper.rows()) +
                                          " (both need one row per sample)");
  }
  if (n < std::max<Index>(10, options.max_candidates + 4)) {
    hilm::detail::raise<invalid_argument>(
        "concept_graph: need at least max(10, max_candidates + 4) samples, got " +
        std::to_string(n));
  }
  Matrix<double> all(n, num_lower + num_upper);
  all.leftCols(num_lower) = lower.template cast<double>();
  all.rightCols(num_upper) = upper.template cast<double>();
  if (!all.allFinite()) {
    hilm::detail::raise<invalid_argument>("concept_graph: lower or upper contains NaN or Inf");
  }
  const Index total = num_lower + num_upper;

  // Codes of every column (the Cells fit, the discrete tests) and the correlation matrix (the
  // Fisher-z tests), computed once.
  std::vector<detail::ColumnCodes> codes(static_cast<std::size_t>(total));
  for (Index j = 0; j < total; ++j) {
    codes[static_cast<std::size_t>(j)] =
        detail::discretize_column(all.col(j), options.value_bins, options.min_mass,
                                  options.inactive_fraction, options.discrete_max_levels);
  }
  DiscreteData coded;
  coded.codes.resize(n, total);
  coded.levels.resize(static_cast<std::size_t>(total));
  coded.values.resize(static_cast<std::size_t>(total));
  for (Index j = 0; j < total; ++j) {
    const auto& c = codes[static_cast<std::size_t>(j)];
    for (Index i = 0; i < n; ++i) coded.codes(i, j) = c.codes[static_cast<std::size_t>(i)];
    coded.levels[static_cast<std::size_t>(j)] = c.levels;
    for (std::int32_t v = 0; v < c.levels; ++v) {
      coded.values[static_cast<std::size_t>(j)].push_back(v);
    }
  }
  const DiscreteCiTest g2(std::move(coded), {});
  const FisherZTest fz(detail::tolerant_correlation(all), n);

  // 1. Screen: all L·U marginal tests, one BH family.
  ConceptGraphResult result;
  result.lower = num_lower;
  result.upper = num_upper;
  result.screen_p_values = Matrix<double>::Ones(num_lower, num_upper);
  std::vector<double> family;
  for (Index u = 0; u < num_upper; ++u) {
    const Index yu = num_lower + u;
    for (Index j = 0; j < num_lower; ++j) {
      double p = 1.0;
      const auto& cj = codes[static_cast<std::size_t>(j)];
      const auto& cu = codes[static_cast<std::size_t>(yu)];
      if (!cj.constant && !cu.constant) {
        const std::span<const Index> none{};
        const bool discrete =
            options.screen == ScreenTest::Discretized ||
            (options.screen == ScreenTest::Auto && cj.discrete_valued && cu.discrete_valued);
        p = discrete ? g2.test(j, yu, none).p_value : fz.test(j, yu, none).p_value;
      }
      result.screen_p_values(j, u) = p;
      family.push_back(p);
    }
  }
  const FdrResult bh = false_discovery_rate(family, options.fdr, options.fdr_method);
  result.screen_adjusted.resize(num_lower, num_upper);
  for (Index u = 0; u < num_upper; ++u) {
    for (Index j = 0; j < num_lower; ++j) {
      result.screen_adjusted(j, u) = bh.adjusted[static_cast<std::size_t>(u * num_lower + j)];
    }
  }

  result.uppers.resize(static_cast<std::size_t>(num_upper));
  const auto nd = static_cast<double>(n);
  // Steps 2–4 for upper concept u, writing result.uppers[u] only.
  auto fit_upper = [&](Index u) {
    auto& out = result.uppers[static_cast<std::size_t>(u)];
    const Index yu = num_lower + u;
    for (Index j = 0; j < num_lower; ++j) {
      if (bh.rejected[static_cast<std::size_t>(u * num_lower + j)]) out.screened.push_back(j);
    }
    if (out.screened.empty() || codes[static_cast<std::size_t>(yu)].constant) return;

    // 2. Candidates: Lasso entry order when too many survive the screen.
    std::vector<Index> cand = out.screened;
    if (static_cast<Index>(cand.size()) > options.max_candidates) {
      Matrix<double> xs(n, static_cast<Index>(cand.size()));
      for (std::size_t t = 0; t < cand.size(); ++t) {
        xs.col(static_cast<Index>(t)) = all.col(cand[t]);
      }
      const LassoPath path = lasso_path(xs, all.col(yu), {.path_length = 50});
      std::vector<Index> ordered;
      for (const Index t : path.entry_order()) ordered.push_back(cand[static_cast<std::size_t>(t)]);
      // Variables that never entered follow by screen p-value.
      std::vector<Index> rest;
      for (const Index j : cand) {
        if (std::find(ordered.begin(), ordered.end(), j) == ordered.end()) rest.push_back(j);
      }
      std::stable_sort(rest.begin(), rest.end(), [&](Index a, Index b) {
        return result.screen_p_values(a, u) < result.screen_p_values(b, u);
      });
      ordered.insert(ordered.end(), rest.begin(), rest.end());
      ordered.resize(static_cast<std::size_t>(options.max_candidates));
      std::sort(ordered.begin(), ordered.end());
      cand = ordered;
    }
    out.candidates = cand;
    const auto m = static_cast<Index>(cand.size());

    // Fit of a subset of lower columns (indices into `all`).
    const Vector<double> y = all.col(yu);
    detail::CellFitter cells(codes, y);
    Matrix<double> gram, xc;
    Vector<double> cross;
    double tss = cells.tss();
    if (options.fit == ParentFit::Linear || options.selection == ParentSelection::PValue) {
      xc.resize(n, m);
      for (Index t = 0; t < m; ++t) {
        xc.col(t) = all.col(cand[static_cast<std::size_t>(t)]);
        xc.col(t).array() -= xc.col(t).mean();
      }
      gram = xc.transpose() * xc;
      cross = xc.transpose() * (y.array() - y.mean()).matrix();
    }
    auto score = [&](const std::vector<Index>& lower_set) {
      detail::SubsetScore s;
      double rss = tss;
      double params = 1;
      if (!lower_set.empty()) {
        if (options.fit == ParentFit::Cells) {
          const auto [sse, occupied] = cells.residual(lower_set);
          rss = sse;
          params = static_cast<double>(occupied);
        } else {
          std::vector<Index> local;
          for (const Index j : lower_set) {
            local.push_back(
                static_cast<Index>(std::find(cand.begin(), cand.end(), j) - cand.begin()));
          }
          rss = std::max(tss - detail::subset_explained(gram, cross, local), 0.0);
          params = static_cast<double>(lower_set.size()) + 1;
        }
      }
      const double dof = nd - params;
      s.adjusted_r2 = tss > 0 && dof > 0 ? 1.0 - (rss / dof) / (tss / (nd - 1)) : 0.0;
      s.bic = nd * std::log(std::max(rss / nd, 1e-300)) + params * std::log(nd);
      return s;
    };

    std::vector<Index> chosen;
    if (options.selection == ParentSelection::PValue) {
      // Backward elimination by Fisher-z partial-correlation p-values given the other members.
      chosen = cand;
      while (!chosen.empty()) {
        double worst = -1;
        std::size_t worst_at = 0;
        for (std::size_t t = 0; t < chosen.size(); ++t) {
          std::vector<Index> others;
          for (std::size_t o = 0; o < chosen.size(); ++o) {
            if (o != t) others.push_back(chosen[o]);
          }
          const double p = fz.test(chosen[t], yu, others).p_value;
          if (p > worst) {
            worst = p;
            worst_at = t;
          }
        }
        if (worst <= options.alpha) break;
        chosen.erase(chosen.begin() + static_cast<std::ptrdiff_t>(worst_at));
      }
      out.best_fit = score(chosen).adjusted_r2;
    } else {
      // 3. Exhaustive search over subsets of the candidates of size ≤ max_parents.
      const Index s_max = std::min(options.max_parents, m);
      std::vector<std::vector<Index>> best_of_size(static_cast<std::size_t>(s_max + 1));
      std::vector<detail::SubsetScore> score_of_size(static_cast<std::size_t>(s_max + 1));
      std::vector<Index> lower_set;
      for (Index s = 0; s <= s_max; ++s) {
        bool first = true;
        detail::for_each_subset_of_size(m, s, [&](const std::vector<Index>& subset) {
          lower_set.clear();
          for (const Index t : subset) lower_set.push_back(cand[static_cast<std::size_t>(t)]);
          const auto sc = score(lower_set);
          ++out.subsets_evaluated;
          auto& best = score_of_size[static_cast<std::size_t>(s)];
          const bool better = options.selection == ParentSelection::Bic
                                  ? sc.bic < best.bic
                                  : sc.adjusted_r2 > best.adjusted_r2;
          if (first || better) {
            best = sc;
            best_of_size[static_cast<std::size_t>(s)] = lower_set;
            first = false;
          }
        });
      }
      double best_fit = -std::numeric_limits<double>::infinity();
      for (const auto& sc : score_of_size) best_fit = std::max(best_fit, sc.adjusted_r2);
      out.best_fit = best_fit;
      std::size_t pick = 0;
      if (options.selection == ParentSelection::Bic) {
        for (std::size_t s = 1; s < score_of_size.size(); ++s) {
          if (score_of_size[s].bic < score_of_size[pick].bic) pick = s;
        }
      } else {
        while (score_of_size[pick].adjusted_r2 < best_fit - options.epsilon) ++pick;
      }
      chosen = best_of_size[pick];

      // 4. Confirmation: drop the weakest parent while one is independent given the others.
      while (options.confirm && !chosen.empty()) {
        double worst = -1;
        std::size_t worst_at = 0;
        for (std::size_t t = 0; t < chosen.size(); ++t) {
          std::vector<Index> others;
          for (std::size_t o = 0; o < chosen.size(); ++o) {
            if (o != t) others.push_back(chosen[o]);
          }
          const double p = options.fit == ParentFit::Cells ? g2.test(chosen[t], yu, others).p_value
                                                           : fz.test(chosen[t], yu, others).p_value;
          if (p > worst) {
            worst = p;
            worst_at = t;
          }
        }
        if (worst <= options.alpha) break;
        chosen.erase(chosen.begin() + static_cast<std::ptrdiff_t>(worst_at));
      }
    }

    // Effects and p-values of the final set.
    std::sort(chosen.begin(), chosen.end());
    out.parents = chosen;
    out.fit = score(chosen).adjusted_r2;
    for (std::size_t t = 0; t < chosen.size(); ++t) {
      std::vector<Index> others;
      for (std::size_t o = 0; o < chosen.size(); ++o) {
        if (o != t) others.push_back(chosen[o]);
      }
      out.effects.push_back(out.fit - score(others).adjusted_r2);
      const bool use_g2 =
          options.fit == ParentFit::Cells && options.selection != ParentSelection::PValue;
      out.p_values.push_back(use_g2 ? g2.test(chosen[t], yu, others).p_value
                                    : fz.test(chosen[t], yu, others).p_value);
    }
  };
  // Upper concepts in parallel; an exception (an allocation failure) reaches the caller through
  // the guard instead of leaving the region.
  hilm::detail::ParallelGuard guard;
#pragma omp parallel for schedule(dynamic, 1)
  for (Index u = 0; u < num_upper; ++u) {
    guard.run([&] { fit_upper(u); });
  }
  guard.rethrow();

  // The graph and the L × U summaries.
  result.effects = Matrix<double>::Zero(num_lower, num_upper);
  result.p_values = Matrix<double>::Ones(num_lower, num_upper);
  std::vector<std::string> names;
  for (Index j = 0; j < total; ++j) {
    names.push_back(j < num_lower ? "lower_" + std::to_string(j)
                                  : "upper_" + std::to_string(j - num_lower));
  }
  result.graph = Graph(names);
  for (Index j = 0; j < total; ++j) {
    Node& node = result.graph.node(j);
    node.level = j < num_lower ? 0 : 1;
    const auto& c = codes[static_cast<std::size_t>(j)];
    node.cardinality = c.discrete_valued ? c.levels : 0;
  }
  for (Index u = 0; u < num_upper; ++u) {
    const auto& out = result.uppers[static_cast<std::size_t>(u)];
    for (std::size_t t = 0; t < out.parents.size(); ++t) {
      result.graph.add_edge(out.parents[t], num_lower + u, Mark::Directed);
      result.effects(out.parents[t], u) = out.effects[t];
      result.p_values(out.parents[t], u) = out.p_values[t];
    }
  }
  return result;
}

}  // namespace hilm

#endif  // HILM_HIERARCHY_CONCEPT_GRAPH_HPP

/// @file
/// The stages of `concept_graph()` (`hierarchy/concept_graph.hpp`, whose file comment describes
/// them): the coded columns and CI tests built once, (1) the dependence screen, (2) the Lasso
/// reduction of the candidates, (3) the minimal-set search over their subsets, (4) the
/// confirmation by CI tests, then the effects of the chosen parents and the graph.
#ifndef HILM_HIERARCHY_DETAIL_CONCEPT_GRAPH_STAGES_HPP
#define HILM_HIERARCHY_DETAIL_CONCEPT_GRAPH_STAGES_HPP

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/types.hpp>
#include <hilm/graph/graph.hpp>
#include <hilm/hierarchy/concept_graph_types.hpp>
#include <hilm/hierarchy/detail/concept_cells.hpp>
#include <hilm/hierarchy/detail/concept_subsets.hpp>
#include <hilm/hierarchy/detail/lasso_solver.hpp>
#include <hilm/hierarchy/fdr.hpp>
#include <hilm/hierarchy/lasso.hpp>
#include <hilm/stats/discrete.hpp>
#include <hilm/stats/fisher_z.hpp>

namespace hilm::detail {

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

/// Codes of every column (`discretize_column`).
inline std::vector<ColumnCodes> code_columns(const Matrix<double>& all,
                                             const ConceptGraphOptions& options) {
  std::vector<ColumnCodes> codes(static_cast<std::size_t>(all.cols()));
  for (Index j = 0; j < all.cols(); ++j) {
    codes[static_cast<std::size_t>(j)] =
        discretize_column(all.col(j), options.value_bins, options.min_mass,
                          options.inactive_fraction, options.discrete_max_levels);
  }
  return codes;
}

/// The codes as the data of a discrete CI test (values 0 … levels − 1 per column).
inline DiscreteData coded_data(const std::vector<ColumnCodes>& codes, Index n) {
  const auto total = static_cast<Index>(codes.size());
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
  return coded;
}

/// The columns of both levels as every stage reads them, computed once: the values (lower
/// columns 0 … L−1, then upper columns L … L+U−1), their codes (the Cells fit, the discrete
/// tests), the G² test on the codes and the Fisher-z test on the correlation matrix.
struct ConceptColumns {
  /// @param[in] values n × (L + U) finite values. @param[in] lower L.
  ConceptColumns(Matrix<double> values, Index lower, const ConceptGraphOptions& options)
      : all(std::move(values)),
        num_lower(lower),
        num_upper(all.cols() - lower),
        codes(code_columns(all, options)),
        g2(coded_data(codes, all.rows()), {}),
        fz(tolerant_correlation(all), all.rows()) {}

  /// p-value of "column j ⫫ column y | given": G² on the codes or Fisher-z on the values.
  [[nodiscard]] double p_value(bool discrete_test, Index j, Index y,
                               std::span<const Index> given) const {
    return discrete_test ? g2.test(j, y, given).p_value : fz.test(j, y, given).p_value;
  }

  Matrix<double> all;
  Index num_lower = 0;
  Index num_upper = 0;
  std::vector<ColumnCodes> codes;
  DiscreteCiTest g2;
  FisherZTest fz;
};

/// Stage 1, the screen: all L·U marginal tests (G² when the screen asks for it or both columns
/// are discrete-valued, Fisher-z otherwise), one Benjamini–Hochberg (or BY) family. Fills the
/// screen p-values and adjusted p-values of `result`.
/// @returns the FDR decision, pair (j, u) at index u·L + j.
inline FdrResult screen_concept_pairs(const ConceptColumns& columns,
                                      const ConceptGraphOptions& options,
                                      ConceptGraphResult& result) {
  const Index num_lower = columns.num_lower, num_upper = columns.num_upper;
  result.screen_p_values = Matrix<double>::Ones(num_lower, num_upper);
  std::vector<double> family;
  for (Index u = 0; u < num_upper; ++u) {
    const Index yu = num_lower + u;
    for (Index j = 0; j < num_lower; ++j) {
      double p = 1.0;
      const auto& cj = columns.codes[static_cast<std::size_t>(j)];
      const auto& cu = columns.codes[static_cast<std::size_t>(yu)];
      if (!cj.constant && !cu.constant) {
        const std::span<const Index> none{};
        const bool discrete =
            options.screen == ScreenTest::Discretized ||
            (options.screen == ScreenTest::Auto && cj.discrete_valued && cu.discrete_valued);
        p = columns.p_value(discrete, j, yu, none);
      }
      result.screen_p_values(j, u) = p;
      family.push_back(p);
    }
  }
  FdrResult bh = false_discovery_rate(family, options.fdr, options.fdr_method);
  result.screen_adjusted.resize(num_lower, num_upper);
  for (Index u = 0; u < num_upper; ++u) {
    for (Index j = 0; j < num_lower; ++j) {
      result.screen_adjusted(j, u) = bh.adjusted[static_cast<std::size_t>(u * num_lower + j)];
    }
  }
  return bh;
}

/// The lower concepts that passed the screen for upper concept u, increasing.
inline std::vector<Index> screened_lower(const FdrResult& screen, Index num_lower, Index u) {
  std::vector<Index> screened;
  for (Index j = 0; j < num_lower; ++j) {
    if (screen.rejected[static_cast<std::size_t>(u * num_lower + j)]) screened.push_back(j);
  }
  return screened;
}

/// Stage 2, the candidates: all screened lower concepts, or, when more than `max_candidates`
/// survive, those that enter a Lasso path of upper concept u first (Friedman et al. 2010), the
/// ones that never enter following by screen p-value. Increasing.
inline std::vector<Index> candidate_parents(const ConceptColumns& columns,
                                            const std::vector<Index>& screened, Index u,
                                            const Matrix<double>& screen_p_values,
                                            Index max_candidates) {
  std::vector<Index> cand = screened;
  if (static_cast<Index>(cand.size()) <= max_candidates) return cand;
  const Index yu = columns.num_lower + u;
  Matrix<double> xs(columns.all.rows(), static_cast<Index>(cand.size()));
  for (std::size_t t = 0; t < cand.size(); ++t) {
    xs.col(static_cast<Index>(t)) = columns.all.col(cand[t]);
  }
  const LassoPath path = lasso_path(xs, columns.all.col(yu), {.path_length = 50});
  std::vector<Index> ordered;
  for (const Index t : path.entry_order()) ordered.push_back(cand[static_cast<std::size_t>(t)]);
  // Variables that never entered follow by screen p-value.
  std::vector<Index> rest;
  for (const Index j : cand) {
    if (std::find(ordered.begin(), ordered.end(), j) == ordered.end()) rest.push_back(j);
  }
  std::stable_sort(rest.begin(), rest.end(),
                   [&](Index a, Index b) { return screen_p_values(a, u) < screen_p_values(b, u); });
  ordered.insert(ordered.end(), rest.begin(), rest.end());
  ordered.resize(static_cast<std::size_t>(max_candidates));
  std::sort(ordered.begin(), ordered.end());
  return ordered;
}

/// Fit of one subset: adjusted R², and the BIC of the same model.
struct SubsetScore {
  double adjusted_r2 = 0;
  double bic = 0;
};

/// The fit of a set of lower concepts (indices among the candidates' columns) for upper concept
/// u: cell means on the joint codes (`ParentFit::Cells`) or least squares on the values
/// (`ParentFit::Linear`, also prepared for `ParentSelection::PValue`). Holds scratch space, so
/// one scorer serves one thread; it refers to `columns` and `candidates`, which must outlive it.
class ParentScorer {
 public:
  ParentScorer(const ConceptColumns& columns, Index u, const std::vector<Index>& candidates,
               const ConceptGraphOptions& options)
      : candidates_(candidates),
        y_(columns.all.col(columns.num_lower + u)),
        cells_(columns.codes, y_),
        cells_fit_(options.fit == ParentFit::Cells),
        nd_(static_cast<double>(columns.all.rows())),
        tss_(cells_.tss()) {
    if (options.fit == ParentFit::Linear || options.selection == ParentSelection::PValue) {
      const Index n = columns.all.rows();
      const auto m = static_cast<Index>(candidates.size());
      Matrix<double> xc(n, m);
      for (Index t = 0; t < m; ++t) {
        xc.col(t) = columns.all.col(candidates[static_cast<std::size_t>(t)]);
        xc.col(t).array() -= xc.col(t).mean();
      }
      gram_ = xc.transpose() * xc;
      cross_ = xc.transpose() * (y_.array() - y_.mean()).matrix();
    }
  }
  ParentScorer(const ParentScorer&) = delete;
  ParentScorer& operator=(const ParentScorer&) = delete;

  /// Adjusted R² and BIC, n·log(RSS/n) + (parameters)·log n, of the set `lower_set`.
  SubsetScore operator()(const std::vector<Index>& lower_set) {
    SubsetScore s;
    double rss = tss_;
    double params = 1;
    if (!lower_set.empty()) {
      if (cells_fit_) {
        const auto [sse, occupied] = cells_.residual(lower_set);
        rss = sse;
        params = static_cast<double>(occupied);
      } else {
        std::vector<Index> local;
        for (const Index j : lower_set) {
          local.push_back(static_cast<Index>(std::find(candidates_.begin(), candidates_.end(), j) -
                                             candidates_.begin()));
        }
        rss = std::max(tss_ - subset_explained(gram_, cross_, local), 0.0);
        params = static_cast<double>(lower_set.size()) + 1;
      }
    }
    const double dof = nd_ - params;
    s.adjusted_r2 = tss_ > 0 && dof > 0 ? 1.0 - (rss / dof) / (tss_ / (nd_ - 1)) : 0.0;
    s.bic = nd_ * std::log(std::max(rss / nd_, 1e-300)) + params * std::log(nd_);
    return s;
  }

 private:
  const std::vector<Index>& candidates_;
  const Vector<double> y_;
  CellFitter cells_;
  bool cells_fit_ = true;
  double nd_ = 0;
  double tss_ = 0;
  Matrix<double> gram_;
  Vector<double> cross_;
};

/// Stage 3, the minimal set: the best subset of each size s ≤ max_parents of the candidates
/// (exhaustive, by adjusted R², or by BIC for `ParentSelection::Bic`), then the smallest one
/// within `epsilon` of the best fit (or the BIC-optimal one). Writes `best_fit` and
/// `subsets_evaluated` of `out`.
/// `Scorer`: `ParentScorer` or the sparse path's `SparseUpperFitter`.
/// @returns the chosen lower concepts, in the order of the candidates.
template <class Scorer>
std::vector<Index> minimal_parent_set(Scorer& score, const std::vector<Index>& cand,
                                      const ConceptGraphOptions& options,
                                      UpperConceptParents& out) {
  const auto m = static_cast<Index>(cand.size());
  const Index s_max = std::min(options.max_parents, m);
  std::vector<std::vector<Index>> best_of_size(static_cast<std::size_t>(s_max + 1));
  std::vector<SubsetScore> score_of_size(static_cast<std::size_t>(s_max + 1));
  std::vector<Index> lower_set;
  for (Index s = 0; s <= s_max; ++s) {
    bool first = true;
    for_each_subset_of_size(m, s, [&](const std::vector<Index>& subset) {
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
  return best_of_size[pick];
}

/// Stage 4, the confirmation (and the pruning of `ParentSelection::PValue`): while the weakest
/// member of `chosen` — the largest p-value of "upper ⫫ member | other members" (G² on the
/// codes, or Fisher-z) — exceeds `alpha`, drops it.
inline void drop_independent_parents(const ConceptColumns& columns, Index yu, bool discrete_test,
                                     double alpha, std::vector<Index>& chosen) {
  while (!chosen.empty()) {
    double worst = -1;
    std::size_t worst_at = 0;
    for (std::size_t t = 0; t < chosen.size(); ++t) {
      std::vector<Index> others;
      for (std::size_t o = 0; o < chosen.size(); ++o) {
        if (o != t) others.push_back(chosen[o]);
      }
      const double p = columns.p_value(discrete_test, chosen[t], yu, others);
      if (p > worst) {
        worst = p;
        worst_at = t;
      }
    }
    if (worst <= alpha) break;
    chosen.erase(chosen.begin() + static_cast<std::ptrdiff_t>(worst_at));
  }
}

/// The final set of upper concept yu into `out`: parents (sorted), the set's fit, and per parent
/// its effect (the fit lost without it) and the p-value of "upper ⫫ parent | other parents".
inline void record_parents(const ConceptColumns& columns, ParentScorer& score, Index yu,
                           bool discrete_test, std::vector<Index> chosen,
                           UpperConceptParents& out) {
  std::sort(chosen.begin(), chosen.end());
  out.parents = chosen;
  out.fit = score(chosen).adjusted_r2;
  for (std::size_t t = 0; t < chosen.size(); ++t) {
    std::vector<Index> others;
    for (std::size_t o = 0; o < chosen.size(); ++o) {
      if (o != t) others.push_back(chosen[o]);
    }
    out.effects.push_back(out.fit - score(others).adjusted_r2);
    out.p_values.push_back(columns.p_value(discrete_test, chosen[t], yu, others));
  }
}

/// The graph (lower_j and upper_u nodes, an edge per parent) and the L × U effect and p-value
/// summaries of `result`, from its parent sets.
inline void assemble_concept_graph(const ConceptColumns& columns, ConceptGraphResult& result) {
  const Index num_lower = columns.num_lower, num_upper = columns.num_upper;
  const Index total = num_lower + num_upper;
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
    const auto& c = columns.codes[static_cast<std::size_t>(j)];
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
}

}  // namespace hilm::detail

#endif  // HILM_HIERARCHY_DETAIL_CONCEPT_GRAPH_STAGES_HPP

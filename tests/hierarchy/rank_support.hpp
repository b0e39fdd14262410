// Scoring helpers for the rank-search tests: skeleton F1 over observed + latent nodes after
// matching estimated latents to true ones, and exact-cluster checks.
#ifndef HILM_TESTS_HIERARCHY_RANK_SUPPORT_HPP
#define HILM_TESTS_HIERARCHY_RANK_SUPPORT_HPP

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include <hilm/graph/graph.hpp>
#include <hilm/metrics/graph_metrics.hpp>
#include <hilm/synth/graph.hpp>

namespace hilm::test {

/// T5's graph: two binary latents (ids 6, 7) with three 3-state pure children each
/// (0–2 and 3–5); `dependent` adds the edge 6 → 7.
inline hilm::SynthGraph two_latent_graph(bool dependent) {
  hilm::SynthGraph g;
  g.nodes = 8;
  g.observed = {true, true, true, true, true, true, false, false};
  g.level = {0, 0, 0, 0, 0, 0, 1, 1};
  g.cardinality = {3, 3, 3, 3, 3, 3, 2, 2};
  for (Index c = 0; c < 3; ++c) g.edges.emplace_back(6, c);
  for (Index c = 3; c < 6; ++c) g.edges.emplace_back(7, c);
  if (dependent) g.edges.emplace_back(6, 7);
  return g;
}

/// Skeleton precision/recall/F1 between a true hierarchy and an estimate whose first p nodes are
/// the same observed variables. Estimated latents are matched to true latents as
/// `hilm::latent_scores` does (Hungarian on the Jaccard similarity of the observed variables
/// below them); an unmatched estimated latent counts as a new node, so all its edges are false.
inline hilm::PrecisionRecall hierarchy_skeleton(const hilm::SynthGraph& truth,
                                                const hilm::Graph& estimate, Index p) {
  const hilm::Adjacency ta = truth.adjacency();
  const hilm::Adjacency ea = estimate.adjacency();
  const auto scores = hilm::latent_scores(ta, ea, p);
  std::vector<Index> map(static_cast<std::size_t>(ea.rows()), -1);
  for (Index v = 0; v < p; ++v) map[static_cast<std::size_t>(v)] = v;
  for (std::size_t t = 0; t < scores.match.size(); ++t)
    if (scores.match[t] >= 0)
      map[static_cast<std::size_t>(scores.match[t])] = p + static_cast<Index>(t);
  Index fresh = ta.rows();
  for (auto& m : map)
    if (m < 0) m = fresh++;
  auto key = [](Index a, Index b) { return std::make_pair(std::min(a, b), std::max(a, b)); };
  std::set<std::pair<Index, Index>> te, ee;
  for (Index i = 0; i < ta.rows(); ++i)
    for (Index j = 0; j < ta.cols(); ++j)
      if (ta(i, j)) te.insert(key(i, j));
  for (Index i = 0; i < ea.rows(); ++i)
    for (Index j = 0; j < ea.cols(); ++j)
      if (ea(i, j))
        ee.insert(key(map[static_cast<std::size_t>(i)], map[static_cast<std::size_t>(j)]));
  hilm::PrecisionRecall pr;
  for (const auto& e : ee) (te.count(e) ? pr.true_positive : pr.false_positive) += 1;
  for (const auto& e : te) pr.false_negative += ee.count(e) ? 0 : 1;
  pr.finish();
  return pr;
}

/// The sets of observed children of each latent, sorted (for exact-cluster comparisons).
inline std::set<std::vector<Index>> observed_clusters(const hilm::Graph& g) {
  std::set<std::vector<Index>> out;
  for (Index v = 0; v < g.size(); ++v) {
    if (g.node(v).observed) continue;
    std::vector<Index> kids;
    for (Index c : g.children(v))
      if (g.node(c).observed) kids.push_back(c);
    out.insert(kids);
  }
  return out;
}

/// The same for a generator's truth.
inline std::set<std::vector<Index>> observed_clusters(const hilm::SynthGraph& g) {
  return observed_clusters(hilm::to_graph(g));
}

}  // namespace hilm::test

#endif  // HILM_TESTS_HIERARCHY_RANK_SUPPORT_HPP

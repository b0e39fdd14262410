// Rank-based latent-hierarchy search (hierarchy/rank_search.hpp): 30 observed variables under a
// three-level linear latent tree (2 → 5 → 10 latents, 3 observed each), n = 5000, and the T7
// discrete tree (12 ternary leaves, n = 50k); the sparse concept graph at SAE sizes (issue 15:
// 8,192 and 16,384 latents per layer, 20,000 rows, 32 active lower latents per row; a quarter of
// the upper latents threshold functions of 2–3 lower ones, the rest sparse noise; lower latents
// fire at log-normal rates, sigma 1). Data are drawn outside the timed loop.
#include <hilm/hierarchy/rank_search.hpp>
#include <hilm/hierarchy/sparse_concept_graph.hpp>
#include <hilm/synth/discrete.hpp>
#include <hilm/synth/linear_sem.hpp>

#include <benchmark/benchmark.h>

#include "../tests/hierarchy/sparse_planted.hpp"

namespace {

void BM_Hierarchy_RankSearchLinear(benchmark::State& state) {
  hilm::LinearLatentHierarchyOptions o;
  o.graph.widths = {2, 5, 10};
  o.graph.observed_per_leaf = 3;
  o.sem.samples = state.range(0);
  o.seed = 3;
  const auto d = hilm::linear_latent_hierarchy(o);
  hilm::Index tests = 0;
  for (auto _ : state) {
    const auto r = hilm::rank_search(d.x, {.alpha = 0.01});
    tests = r.rank_tests;
    benchmark::DoNotOptimize(r.covers.data());
  }
  state.counters["p"] = static_cast<double>(d.x.cols());
  state.counters["rank_tests"] = static_cast<double>(tests);
}
BENCHMARK(BM_Hierarchy_RankSearchLinear)->Arg(5000)->ArgName("n")->Unit(benchmark::kMillisecond);

void BM_Hierarchy_RankSearchDiscrete(benchmark::State& state) {
  hilm::DiscreteHierarchyOptions o;
  o.samples = state.range(0);
  o.graph = {
      .widths = {2, 6}, .observed_per_leaf = 2, .latent_cardinality = 2, .observed_cardinality = 3};
  o.cpts = {.dirichlet_alpha = 0.5, .min_singular_ratio = 0.4, .min_probability = 0.02};
  o.seed = 5;
  const auto d = hilm::discrete_hierarchy(o);
  const hilm::RowMatrix<double> x = d.values.leftCols(12).cast<double>();
  for (auto _ : state) {
    const auto r = hilm::discrete_rank_search(x, {.alpha = 0.01});
    benchmark::DoNotOptimize(r.covers.data());
  }
}
BENCHMARK(BM_Hierarchy_RankSearchDiscrete)->Arg(50000)->ArgName("n")->Unit(benchmark::kMillisecond);

void BM_Hierarchy_SparseConceptGraph(benchmark::State& state) {
  hilm::test::PlantedSparseOptions o;
  o.rows = 20000;
  o.lower = state.range(0);
  o.upper = state.range(0);
  o.k_lower = 32;
  o.noise_rate = 16.0 / static_cast<double>(state.range(0));  // ~12 noise uppers active per row
  o.frequency_spread = 1.0;  // log-normal firing rates of the lower latents
  o.seed = 9;
  const auto d = hilm::test::planted_sparse_codes(o);
  double f1 = 0;
  for (auto _ : state) {
    const auto r = hilm::sparse_concept_graph(d.lower, d.upper);
    f1 = hilm::test::score_edges(r.edges, d.parents).f1();
    benchmark::DoNotOptimize(r.edges.data());
  }
  state.counters["f1"] = f1;
}
BENCHMARK(BM_Hierarchy_SparseConceptGraph)
    ->Arg(8192)
    ->Arg(16384)
    ->ArgName("latents")
    ->Unit(benchmark::kMillisecond);

}  // namespace

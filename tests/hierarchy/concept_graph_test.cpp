// Tests of include/hilm/hierarchy/concept_graph.hpp: check T11 of DESIGN.md §4 on the
// hierarchical selection model, with negative controls.
#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <new>
#include <vector>

#include <Eigen/Core>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include <hilm/core/error.hpp>
#include <hilm/core/random.hpp>
#include <hilm/core/threads.hpp>
#include <hilm/hierarchy/concept_graph.hpp>
#include <hilm/metrics/mcc.hpp>
#include <hilm/sae/sparse_autoencoder.hpp>
#include <hilm/sources/matrix_source.hpp>
#include <hilm/stats/fisher_z.hpp>
#include <hilm/synth/selection_hierarchy.hpp>

#include "support/catch.hpp"

using hilm::concept_graph;
using hilm::ConceptGraphOptions;
using hilm::ConceptGraphResult;
using hilm::Index;
using hilm::IndexVector;
using hilm::ParentSelection;
using hilm::RowMatrix;

namespace {

using ParentSets = std::vector<std::vector<Index>>;

// Edge F1 of the found parent sets against the truth. `to_truth` maps a lower column of the
// result to a true level-1 index (−1: matches nothing, so its edges are false positives).
double edge_f1(const ParentSets& truth, const ConceptGraphResult& r,
               const IndexVector* to_truth = nullptr) {
  Index tp = 0, fp = 0, fn = 0;
  for (std::size_t u = 0; u < truth.size(); ++u) {
    std::vector<Index> found;
    for (const Index p : r.uppers[u].parents) found.push_back(to_truth ? (*to_truth)(p) : p);
    for (const Index p : found) {
      const bool hit = p >= 0 && std::find(truth[u].begin(), truth[u].end(), p) != truth[u].end();
      (hit ? tp : fp) += 1;
    }
    for (const Index p : truth[u]) {
      if (std::find(found.begin(), found.end(), p) == found.end()) ++fn;
    }
  }
  const double precision = tp + fp > 0 ? static_cast<double>(tp) / static_cast<double>(tp + fp) : 1;
  const double recall = tp + fn > 0 ? static_cast<double>(tp) / static_cast<double>(tp + fn) : 1;
  return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
}

hilm::SelectionHierarchyOptions t11_options(std::uint64_t seed) {
  // DESIGN.md T11: 20 sparse level-1 concepts, 6 level-2 concepts (And/Or/Threshold of 2–3
  // level-1 ones), samples kept when at least one level-2 concept is on.
  return {.samples = 10000, .widths = {20, 6}, .seed = seed};
}

}  // namespace

TEST_CASE("concepts: T11 minimal parent sets on the true level-1 and level-2 values",
          "[hierarchy][t11]") {
  for (std::uint64_t salt = 0; salt < 3; ++salt) {
    const auto data = hilm::selection_hierarchy<double>(t11_options(hilm::test::seed(300 + salt)));
    const auto result = concept_graph(data.levels[0], data.levels[1]);
    const double f1 = edge_f1(data.parents[0], result);
    INFO("salt " << salt << ": edge F1 " << f1);
    CHECK(f1 >= 0.9);
    // The graph carries the same edges, lower ids 0…19 → upper ids 20…25.
    REQUIRE(result.graph.size() == 26);
    for (Index u = 0; u < 6; ++u) {
      std::vector<Index> expected;
      for (const Index p : result.uppers[static_cast<std::size_t>(u)].parents)
        expected.push_back(p);
      CHECK(result.graph.parents(20 + u) == expected);
      for (const double e : result.uppers[static_cast<std::size_t>(u)].effects) CHECK(e > 0.05);
      for (const double p : result.uppers[static_cast<std::size_t>(u)].p_values) CHECK(p <= 0.01);
    }
    CHECK(result.graph.node(0).level == 0);
    CHECK(result.graph.node(20).level == 1);
    CHECK(result.graph.node(20).cardinality == 2);  // binary upper concepts
  }
}

TEST_CASE("concepts: T11 negative control — p-value-only pruning admits spurious parents",
          "[hierarchy][t11]") {
  // The lesson of DESIGN.md §2.2: selection makes non-parents detectably dependent on an upper
  // concept, so backward elimination by p-values keeps them; minimality of effect does not.
  const auto data = hilm::selection_hierarchy<double>(t11_options(hilm::test::seed(310)));
  const double minimal = edge_f1(data.parents[0], concept_graph(data.levels[0], data.levels[1]));
  const double pvalue_only = edge_f1(
      data.parents[0],
      concept_graph(data.levels[0], data.levels[1], {.selection = ParentSelection::PValue}));
  INFO("minimality of effect F1 " << minimal << ", p-value-only F1 " << pvalue_only);
  CHECK(pvalue_only < 0.75);
  CHECK(minimal - pvalue_only > 0.2);
}

TEST_CASE("concepts: T11 negative control — permuted upper columns give no edges",
          "[hierarchy][t11]") {
  const auto data = hilm::selection_hierarchy<double>(t11_options(hilm::test::seed(320)));
  RowMatrix<double> upper = data.levels[1];
  hilm::Random rng(hilm::test::seed(321));
  std::vector<Index> rows(static_cast<std::size_t>(upper.rows()));
  for (Index i = 0; i < upper.rows(); ++i) rows[static_cast<std::size_t>(i)] = i;
  rng.shuffle(rows.begin(), rows.end());
  RowMatrix<double> permuted(upper.rows(), upper.cols());
  for (Index i = 0; i < upper.rows(); ++i)
    permuted.row(i) = upper.row(rows[static_cast<std::size_t>(i)]);
  const auto result = concept_graph(data.levels[0], permuted);
  INFO("edges found on permuted data: " << result.graph.num_edges());
  // BH at q = 0.05 over 120 null pairs rejects anything with probability ≤ 0.05, and a chance
  // survivor still needs a fit within ε of a real effect: at most one stray edge.
  CHECK(result.graph.num_edges() <= 1);
}

TEST_CASE("concepts: T11 parents are independent without selection and dependent with it",
          "[hierarchy][t11]") {
  const auto options = t11_options(hilm::test::seed(330));
  const auto selected = hilm::selection_hierarchy<double>(options);
  // Without selection the level-1 concepts are independent by construction, so a single p-value
  // falls below 0.05 one time in twenty; the median over five independent unselected draws of
  // the same graph does so with probability ≈ 0.001 (three of five uniforms below 0.05).
  std::vector<hilm::FisherZTest> without;
  for (std::uint64_t k = 0; k < 5; ++k) {
    auto unselected_options = options;
    unselected_options.selection = hilm::Selection::None;
    unselected_options.parents = selected.parents;
    unselected_options.seed = options.seed + 1 + k;
    const auto unselected = hilm::selection_hierarchy<double>(unselected_options);
    REQUIRE(unselected.parents == selected.parents);
    without.emplace_back(unselected.levels[0]);
  }
  const hilm::FisherZTest with(selected.levels[0]);
  double best_p = 2;
  std::array<Index, 2> pair{};
  for (const auto& set : selected.parents[0]) {
    for (std::size_t a = 0; a < set.size(); ++a) {
      for (std::size_t b = a + 1; b < set.size(); ++b) {
        const double p = with.test(set[a], set[b], {}).p_value;
        if (p < best_p) {
          best_p = p;
          pair = {set[a], set[b]};
        }
      }
    }
  }
  std::vector<double> p_values;
  for (const auto& test : without) p_values.push_back(test.test(pair[0], pair[1], {}).p_value);
  std::sort(p_values.begin(), p_values.end());
  const double p_without = p_values[2];  // median
  INFO("parents " << pair[0] << ", " << pair[1] << ": p with selection " << best_p
                  << ", median without " << p_without);
  CHECK(best_p < 0.01);
  CHECK(p_without > 0.05);
}

TEST_CASE("concepts: T11 on level-1 codes recovered by a TopK SAE", "[hierarchy][t11]") {
  // Level 1 observed through x = z · atoms (64 features); a TopK SAE with as many latents as
  // true concepts recovers them (MCC ≥ 0.9); latents are Hungarian-matched to the truth only to
  // score the edges, the concept graph itself runs on the raw SAE codes.
  const std::uint64_t seed = hilm::test::seed(340);
  const auto data = hilm::selection_hierarchy<float>(t11_options(seed));
  hilm::MatrixSource source(data.x);
  hilm::SparseAutoencoder<float> sae(hilm::SaeOptions{.latents = 20,
                                                      .k = 8,
                                                      .batch_size = 256,
                                                      .epochs = 100,
                                                      .learning_rate = 0.003,
                                                      .dead_after_rows = 20000,
                                                      .seed = seed});
  (void)sae.fit(source);
  const RowMatrix<float> z = sae.encode(data.x);
  const auto match = hilm::mcc(data.levels[0], z);
  INFO("SAE MCC " << match.mean);
  REQUIRE(match.mean >= 0.9);
  IndexVector to_truth = IndexVector::Constant(z.cols(), -1);
  for (Index i = 0; i < match.assignment.size(); ++i) {
    if (match.assignment(i) >= 0) to_truth(match.assignment(i)) = i;
  }
  const auto result = concept_graph(z, data.levels[1]);
  const double f1 = edge_f1(data.parents[0], result, &to_truth);
  const double pvalue_only =
      edge_f1(data.parents[0],
              concept_graph(z, data.levels[1], {.selection = ParentSelection::PValue}), &to_truth);
  INFO("edge F1 on SAE codes " << f1 << ", p-value-only pruning " << pvalue_only);
  CHECK(f1 >= 0.9);
  CHECK(pvalue_only < f1 - 0.2);
}

TEST_CASE("concepts: options, shapes and degenerate columns", "[hierarchy]") {
  hilm::Random rng(hilm::test::seed(350));
  RowMatrix<double> lower(200, 4), upper(200, 2);
  for (Index i = 0; i < 200; ++i) {
    for (Index j = 0; j < 4; ++j) lower(i, j) = rng.bernoulli(0.3) ? rng.uniform(0.5, 1.5) : 0.0;
    upper(i, 0) = lower(i, 0) > 0 || lower(i, 1) > 0 ? 1.0 : 0.0;
    upper(i, 1) = 3.0;  // constant: no parents, no error
  }
  lower.col(3).setZero();  // a dead latent: never a parent
  const auto r = concept_graph(lower, upper, {.max_candidates = 3});
  CHECK(r.uppers[0].parents == std::vector<Index>{0, 1});
  CHECK(r.uppers[1].parents.empty());
  CHECK(r.screen_p_values(3, 0) == 1.0);
  CHECK(r.effects(0, 0) > 0.1);
  CHECK(r.effects(2, 0) == 0.0);
  CHECK(r.p_values(2, 0) == 1.0);
  // The linear fit and BIC find the same OR parents here.
  CHECK(concept_graph(lower, upper, {.selection = ParentSelection::Bic, .max_candidates = 3})
            .uppers[0]
            .parents == std::vector<Index>{0, 1});
  CHECK(concept_graph(lower, upper, {.fit = hilm::ParentFit::Linear, .max_candidates = 3})
            .uppers[0]
            .parents == std::vector<Index>{0, 1});
  CHECK_THROWS_AS(concept_graph(lower, upper.topRows(100)), hilm::invalid_argument);
  CHECK_THROWS_AS(concept_graph(lower, upper, {.alpha = 0}), hilm::invalid_argument);
  CHECK_THROWS_AS(concept_graph(lower, upper, {.epsilon = 1}), hilm::invalid_argument);
  CHECK_THROWS_AS(concept_graph(lower, upper, {.max_parents = 0}), hilm::invalid_argument);
  CHECK_THROWS_AS(concept_graph(lower.topRows(8), upper.topRows(8)), hilm::invalid_argument);
  RowMatrix<double> bad = lower;
  bad(5, 1) = std::nan("");
  CHECK_THROWS_AS(concept_graph(bad, upper), hilm::invalid_argument);
}

// Allocation-failure injection. No argument to concept_graph() makes its per-upper-concept loop
// (an OpenMP parallel region) throw a hilm exception: indices are valid by construction and the
// sample count is checked up front. What can throw there is allocation — std::vector growth,
// lasso_path's and the Cells fit's buffers. To check that such an exception reaches the caller
// instead of leaving the OpenMP region (std::terminate), this test executable replaces the global
// operator new/delete (malloc/free underneath, so AddressSanitizer still sees matched pairs):
// while `fail_parallel_allocations` is set, an allocation made inside any OpenMP parallel region
// throws std::bad_alloc. Unarmed, the replacement behaves as the default one.
namespace {

std::atomic<bool> fail_parallel_allocations{false};

void* allocate(std::size_t size) {
#if defined(_OPENMP)
  if (fail_parallel_allocations.load(std::memory_order_relaxed) && omp_get_level() > 0) {
    throw std::bad_alloc();
  }
#endif
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}

void* allocate_or_null(std::size_t size) noexcept {
  try {
    return allocate(size);
  } catch (...) {
    return nullptr;
  }
}

}  // namespace

void* operator new(std::size_t size) { return allocate(size); }
void* operator new[](std::size_t size) { return allocate(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  return allocate_or_null(size);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return allocate_or_null(size);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

TEST_CASE("concepts: an allocation failure in the parallel loop reaches the caller",
          "[hierarchy]") {
#if !defined(_OPENMP)
  WARN("built without OpenMP: concept_graph() has no parallel region to fail in");
#else
  hilm::Random rng(hilm::test::seed(351));
  RowMatrix<double> lower(200, 4), upper(200, 3);
  for (Index i = 0; i < 200; ++i) {
    for (Index j = 0; j < 4; ++j) lower(i, j) = rng.bernoulli(0.3) ? rng.uniform(0.5, 1.5) : 0.0;
    upper(i, 0) = lower(i, 0) > 0 || lower(i, 1) > 0 ? 1.0 : 0.0;
    upper(i, 1) = lower(i, 2) > 0 && lower(i, 3) > 0 ? 1.0 : 0.0;
    upper(i, 2) = lower(i, 1) + lower(i, 3);
  }
  const ConceptGraphOptions options{.max_candidates = 3};
  const hilm::ScopedThreads threads(2);
  const ConceptGraphResult reference = concept_graph(lower, upper, options);
  REQUIRE(reference.uppers[0].parents == std::vector<Index>{0, 1});
  struct Disarm {
    ~Disarm() { fail_parallel_allocations = false; }
  } disarm;
  fail_parallel_allocations = true;
  CHECK_THROWS_AS(concept_graph(lower, upper, options), std::bad_alloc);
  fail_parallel_allocations = false;
  // Nothing is left behind: the next call gives the same graph as before the failure.
  const ConceptGraphResult again = concept_graph(lower, upper, options);
  for (std::size_t u = 0; u < reference.uppers.size(); ++u) {
    CHECK(again.uppers[u].parents == reference.uppers[u].parents);
  }
#endif
}

TEST_CASE("concepts: option messages use the one format", "[hierarchy]") {
  using hilm::ConceptGraphOptions;
  CHECK(ConceptGraphOptions{.alpha = 0}.validate() ==
        "ConceptGraphOptions::alpha must lie in (0, 1), got 0");
  CHECK(ConceptGraphOptions{.fdr = 1.5}.validate() ==
        "ConceptGraphOptions::fdr must lie in (0, 1], got 1.5");
  CHECK(ConceptGraphOptions{.epsilon = 1}.validate() ==
        "ConceptGraphOptions::epsilon must lie in [0, 1), got 1");
  CHECK(ConceptGraphOptions{.max_parents = 0}.validate() ==
        "ConceptGraphOptions::max_parents must be >= 1, got 0");
  CHECK(ConceptGraphOptions{.max_parents = 4, .max_candidates = 3}.validate() ==
        "ConceptGraphOptions::max_candidates must be >= max_parents (4), got 3");
  CHECK(ConceptGraphOptions{.value_bins = 0}.validate() ==
        "ConceptGraphOptions::value_bins must be >= 1, got 0");
  CHECK(ConceptGraphOptions{.min_mass = 1}.validate() ==
        "ConceptGraphOptions::min_mass must lie in (0, 1), got 1");
  CHECK(ConceptGraphOptions{.inactive_fraction = -0.25}.validate() ==
        "ConceptGraphOptions::inactive_fraction must lie in [0, 1), got -0.25");
  CHECK(ConceptGraphOptions{.discrete_max_levels = 1}.validate() ==
        "ConceptGraphOptions::discrete_max_levels must be >= 2, got 1");
  CHECK_FALSE(ConceptGraphOptions{}.validate());
}

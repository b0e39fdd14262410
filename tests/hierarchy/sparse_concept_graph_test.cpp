// Tests of include/hilm/hierarchy/sparse_concept_graph.hpp: recovery of planted parent sets from
// sparse codes (F1), the negative control (upper codes independent of the lower ones), the exact
// test against a direct sum, determinism across thread counts, cancellation and errors.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/core/threads.hpp>
#include <hilm/hierarchy/sparse_concept_graph.hpp>

#include "hierarchy/sparse_planted.hpp"
#include "support/catch.hpp"

using hilm::Index;

namespace {

hilm::test::PlantedSparseOptions small_model(std::uint64_t seed) {
  hilm::test::PlantedSparseOptions o;
  o.rows = 5000;
  o.lower = 1024;
  o.upper = 1024;
  o.k_lower = 32;
  o.noise_rate = 0.02;
  o.seed = seed;
  return o;
}

}  // namespace

TEST_CASE("sparse_concept_graph recovers planted parent sets (F1 >= 0.9)", "[hierarchy]") {
  // Uniform firing rates, and log-normal ones (sigma 1) as real SAE latents have.
  for (const double spread : {0.0, 1.0}) {
    auto o = small_model(hilm::test::seed(1501));
    o.frequency_spread = spread;
    const auto data = hilm::test::planted_sparse_codes(o);
    const auto r = hilm::sparse_concept_graph(data.lower, data.upper);
    CHECK(r.status == hilm::FitStatus::Converged);
    const auto s = hilm::test::score_edges(r.edges, data.parents);
    INFO("spread " << spread << ": tp " << s.tp << " fp " << s.fp << " fn " << s.fn << " tested "
                   << r.pairs_tested << " screened " << r.pairs_screened);
    CHECK(s.f1() >= 0.9);
    // Candidates are bounded and contain the parents; edges agree with the per-upper sets.
    std::size_t edges = 0;
    for (const auto& u : r.uppers) {
      CHECK(static_cast<Index>(u.candidates.size()) <= 12);
      for (std::size_t t = 0; t < u.parents.size(); ++t) {
        CHECK(std::find(u.candidates.begin(), u.candidates.end(), u.parents[t]) !=
              u.candidates.end());
        CHECK(u.effects[t] > 0);
        CHECK(u.p_values[t] <= 0.01);
      }
      edges += u.parents.size();
    }
    CHECK(edges == r.edges.size());
  }
}

TEST_CASE("sparse_concept_graph negative control: independent uppers give almost no edges",
          "[hierarchy]") {
  auto o = small_model(hilm::test::seed(1502));
  o.independent = true;
  const auto data = hilm::test::planted_sparse_codes(o);
  const auto r = hilm::sparse_concept_graph(data.lower, data.upper);
  INFO("edges " << r.edges.size() << " tested " << r.pairs_tested);
  CHECK(r.pairs_tested > 1000);  // the screen did look at co-firing pairs
  CHECK(r.edges.size() <= 5);
  // The same data with the planted uppers does find edges (the control is not vacuous).
  const auto planted = hilm::test::planted_sparse_codes(small_model(hilm::test::seed(1502)));
  CHECK(hilm::sparse_concept_graph(planted.lower, planted.upper).edges.size() > 200);
}

TEST_CASE("sparse_concept_graph: Fisher exact tail matches a direct sum", "[hierarchy]") {
  const Index n = 200;
  std::vector<double> lf(n + 1, 0.0);
  for (Index i = 1; i <= n; ++i)
    lf[static_cast<std::size_t>(i)] = std::lgamma(static_cast<double>(i) + 1.0);
  auto direct = [&](Index a, Index k, Index m) {
    double p = 0;
    for (Index x = a; x <= std::min(k, m); ++x) {
      p += std::exp(lf[k] - lf[x] - lf[k - x] + lf[n - k] - lf[m - x] - lf[n - k - m + x] -
                    (lf[n] - lf[m] - lf[n - m]));
    }
    return p;
  };
  for (const auto& [a, k, m] : std::vector<std::array<Index, 3>>{
           {1, 10, 10}, {3, 10, 20}, {8, 12, 15}, {15, 40, 60}, {30, 30, 30}}) {
    const double got = hilm::detail::hypergeometric_upper_tail(a, k, m, n, lf);
    CHECK(got == Approx(direct(a, k, m)).epsilon(1e-9));
  }
  CHECK(hilm::detail::hypergeometric_upper_tail(0, 10, 10, n, lf) == 1.0);
}

TEST_CASE("sparse_concept_graph is deterministic across thread counts and can be cancelled",
          "[hierarchy]") {
  auto o = small_model(hilm::test::seed(1503));
  o.rows = 2000;
  o.lower = 256;
  o.upper = 256;
  o.k_lower = 16;
  const auto data = hilm::test::planted_sparse_codes(o);
  hilm::SparseConceptGraphResult one, two;
  {
    const hilm::ScopedThreads threads(1);
    one = hilm::sparse_concept_graph(data.lower, data.upper);
  }
  {
    const hilm::ScopedThreads threads(2);
    two = hilm::sparse_concept_graph(data.lower, data.upper);
  }
  REQUIRE(one.edges.size() == two.edges.size());
  CHECK(!one.edges.empty());
  for (std::size_t e = 0; e < one.edges.size(); ++e) {
    CHECK(one.edges[e].lower == two.edges[e].lower);
    CHECK(one.edges[e].upper == two.edges[e].upper);
    CHECK(one.edges[e].effect == two.edges[e].effect);
  }
  hilm::SparseConceptGraphOptions options;
  std::int64_t calls = 0;
  options.progress = [&](const hilm::Progress& p) {
    ++calls;
    CHECK(p.total == 256);
    return false;
  };
  const auto stopped = hilm::sparse_concept_graph(data.lower, data.upper, options);
  CHECK(calls >= 1);
  CHECK(stopped.status == hilm::FitStatus::Cancelled);
  CHECK(stopped.edges.size() < one.edges.size());
}

TEST_CASE("sparse_concept_graph rejects bad input", "[hierarchy]") {
  hilm::SparseRowMatrix<float> a(20, 3), b(19, 2), c(20, 2);
  a.insert(0, 0) = 1.0F;
  c.insert(1, 1) = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_AS(hilm::sparse_concept_graph(a, b), hilm::invalid_argument);
  CHECK_THROWS_AS(hilm::sparse_concept_graph(a, c), hilm::invalid_argument);
  hilm::SparseRowMatrix<float> small(5, 2);
  CHECK_THROWS_AS(hilm::sparse_concept_graph(small, small), hilm::invalid_argument);
  hilm::SparseConceptGraphOptions o;
  o.selection = hilm::ParentSelection::PValue;
  CHECK(o.validate().has_value());
  o = {};
  o.max_candidates = 2;
  CHECK(o.validate().has_value());
  CHECK_THROWS_AS(hilm::sparse_concept_graph(a, a, o), hilm::invalid_argument);
}

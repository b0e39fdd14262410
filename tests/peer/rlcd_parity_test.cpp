// Parity with causal-learn's RLCD test case (tests/TestRLCD.py): two latents, each the parent of
// three observed variables (X1–X3 and X4–X6). The fixture is the data that test generates
// (tests/data/peer/README.md); causal-learn asserts the two clusters.
#include <set>
#include <vector>

#include <hilm/hierarchy/rank_search.hpp>

#include "peer/peer_data.hpp"
#include "support/catch.hpp"

using hilm::Index;

TEST_CASE("peer: RLCD two-latent fixture gives the clusters X1-X3 and X4-X6", "[peer][hierarchy]") {
  const auto& x = hilm::test::peer_matrix("causallearn_rlcd_two_latents_2000x6.csv");
  REQUIRE(x.rows() == 2000);
  REQUIRE(x.cols() == 6);
  for (double alpha : {0.01, 0.05}) {
    CAPTURE(alpha);
    const auto result = hilm::rank_search(x, {.alpha = alpha});
    REQUIRE(result.status == hilm::FitStatus::Converged);
    std::set<std::vector<Index>> clusters;
    for (const auto& c : result.covers) {
      CHECK(c.rank == 1);
      CHECK(c.latents.size() == 1);
      clusters.insert(c.children);
    }
    CHECK(clusters == std::set<std::vector<Index>>{{0, 1, 2}, {3, 4, 5}});
    // Every observed variable has exactly one parent, a latent; latents are at level 1.
    for (Index v = 0; v < 6; ++v) {
      const auto parents = result.graph.parents(v);
      REQUIRE(parents.size() == 1);
      CHECK_FALSE(result.graph.node(parents[0]).observed);
      CHECK(result.graph.node(parents[0]).level == 1);
    }
  }
  // Negative control: the same columns with their rows shuffled independently are independent,
  // and no latent may be found.
  hilm::RowMatrix<double> shuffled = x;
  hilm::Random rng(hilm::test::seed(21));
  for (Index j = 0; j < shuffled.cols(); ++j) {
    hilm::Vector<double> col = shuffled.col(j);
    rng.shuffle(col.data(), col.data() + col.size());
    shuffled.col(j) = col;
  }
  const auto null = hilm::rank_search(shuffled, {.alpha = 0.01});
  CHECK(null.covers.empty());
}

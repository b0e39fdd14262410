// Tests of include/hilm/testing/rank_oracles.hpp: the exact (population) rank oracle.
#include <array>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/hierarchy/rank_search.hpp>
#include <hilm/synth/discrete.hpp>
#include <hilm/testing/rank_oracles.hpp>

#include "support/catch.hpp"

using hilm::Index;
using hilm::testing::ExactRankOracle;

static_assert(hilm::RankOracle<ExactRankOracle>);

TEST_CASE("ExactRankOracle: ranks of a one-factor covariance", "[testing]") {
  // X_i = λ_i L + ε_i: every cross-covariance between disjoint sets has rank 1.
  const hilm::Vector<double> loading = hilm::Vector<double>::LinSpaced(5, 0.5, 1.5);
  const hilm::Matrix<double> sigma =
      loading * loading.transpose() +
      hilm::Matrix<double>(hilm::Vector<double>::Ones(5).asDiagonal());
  const auto oracle = ExactRankOracle::linear(sigma);
  CHECK(oracle.num_variables() == 5);
  CHECK(oracle.dimension(2) == 1);
  CHECK_FALSE(oracle.discrete());
  const std::array<Index, 2> a{0, 1};
  const std::array<Index, 3> b{2, 3, 4};
  CHECK(oracle.rank(a, b) == 1);
  // Independent variables: rank 0.
  const auto identity = ExactRankOracle::linear(hilm::Matrix<double>::Identity(4, 4));
  const std::array<Index, 2> c{2, 3};
  CHECK(identity.rank(a, c) == 0);
  CHECK(identity.covariance() == hilm::Matrix<double>::Identity(4, 4));
}

TEST_CASE("ExactRankOracle: a binary latent over ternary children has code rank 1", "[testing]") {
  hilm::SynthGraph g;
  g.nodes = 4;
  g.observed = {true, true, true, false};
  g.level = {0, 0, 0, 1};
  g.cardinality = {3, 3, 3, 2};
  for (Index c = 0; c < 3; ++c) g.edges.emplace_back(3, c);
  const auto model = hilm::random_cpts(g, {.seed = 5});
  const auto oracle = ExactRankOracle::discrete(model);
  CHECK(oracle.discrete());
  CHECK(oracle.num_variables() == 3);
  CHECK(oracle.dimension(0) == 2);  // card − 1 one-hot columns
  const std::array<Index, 1> a{0};
  const std::array<Index, 2> b{1, 2};
  CHECK(oracle.rank(a, b) == 1);  // rank P(A, B) − 1 with a binary latent between them
}

TEST_CASE("ExactRankOracle: bad arguments throw", "[testing]") {
  CHECK_THROWS_AS(ExactRankOracle::linear(hilm::Matrix<double>::Identity(3, 4)),
                  hilm::invalid_argument);
  CHECK_THROWS_AS(ExactRankOracle::linear(hilm::Matrix<double>::Identity(3, 3), 0.0),
                  hilm::invalid_argument);
  const auto oracle = ExactRankOracle::linear(hilm::Matrix<double>::Identity(3, 3));
  const std::array<Index, 1> a{0};
  const std::array<Index, 1> out_of_range{7};
  CHECK_THROWS_AS(oracle.rank(a, out_of_range), hilm::invalid_argument);
}

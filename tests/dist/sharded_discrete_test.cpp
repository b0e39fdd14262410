// Tests of hilm/dist/sharded_discrete.hpp on 1–4 ranks: the χ² / G² tests on row shards equal
// DiscreteCiTest on the whole data set exactly, and PC on top finds the same graph.
#include <vector>

#include <hilm/core/random.hpp>
#include <hilm/dist/row_shard.hpp>
#include <hilm/dist/sharded_discrete.hpp>
#include <hilm/graph/pc.hpp>
#include <hilm/stats/discrete.hpp>

#include "support/catch.hpp"

namespace {

using hilm::Index;

// A seeded discrete network on 6 variables (chain a → b → c, collider c → e ← d, f independent)
// plus two columns with hundreds of levels (so that the strata are compressed over the ranks),
// the seventh with levels present in the last rows only.
hilm::RowMatrix<double> discrete_network(Index n, std::uint64_t seed) {
  hilm::Random rng(seed);
  hilm::RowMatrix<double> x(n, 8);
  for (Index i = 0; i < n; ++i) {
    const int a = rng.uniform() < 0.4 ? 1 : 0;
    const int b = rng.uniform() < (a == 1 ? 0.8 : 0.2) ? 1 : 0;
    const int c = static_cast<int>(rng.uniform() * 2.0) + (b == 1 && rng.uniform() < 0.7 ? 1 : 0);
    const int d = rng.uniform() < 0.5 ? 1 : 0;
    const int e = rng.uniform() < (c >= 1 && d == 1 ? 0.85 : 0.15) ? 1 : 0;
    const int f = static_cast<int>(rng.uniform() * 3.0);
    const double g =
        i >= n - 5 ? 1000.0 + static_cast<double>(i) : std::floor(rng.uniform() * 400.0);
    const double h = std::floor(rng.uniform() * 300.0);
    x.row(i) << a, b, c, d, e, f, g, h;
  }
  return x;
}

}  // namespace

TEST_CASE("dist: sharded chi-square and G-square equal the single-process tests exactly",
          "[dist]") {
  const hilm::Communicator comm;
  const Index n = 2503;
  const hilm::RowMatrix<double> all = discrete_network(n, hilm::test::seed(81));
  const auto rows = hilm::shard_rows(n, comm.rank(), comm.size());
  const hilm::RowMatrix<double> mine = all.middleRows(rows.begin, rows.size());

  const std::vector<std::vector<Index>> sets = {{},  {1},       {2},          {1, 3}, {2, 5},
                                                {6}, {1, 2, 6}, {0, 3, 5, 6}, {6, 7}};
  for (const auto statistic :
       {hilm::DiscreteStatistic::PearsonChi2, hilm::DiscreteStatistic::GSquare}) {
    for (const auto dof : {hilm::DofConvention::Adjusted, hilm::DofConvention::Classic,
                           hilm::DofConvention::PcalgAdaptDf}) {
      const hilm::DiscreteTestOptions options{.statistic = statistic, .dof = dof};
      hilm::ShardedDiscreteCiTest sharded(comm, mine, options);
      const hilm::DiscreteCiTest single(all, options);
      REQUIRE(sharded.sample_size() == n);
      CHECK(sharded.data().levels == single.data().levels);
      for (Index x = 0; x < 7; ++x) {
        for (Index y = x + 1; y < 8; ++y) {
          for (const auto& z : sets) {
            if (std::find(z.begin(), z.end(), x) != z.end() ||
                std::find(z.begin(), z.end(), y) != z.end())
              continue;
            const hilm::CiResult got = sharded.test(x, y, z);
            const hilm::CiResult want = single.test(x, y, z);
            CHECK(got.statistic == want.statistic);
            CHECK(got.dof == want.dof);
            CHECK(got.p_value == want.p_value);
          }
        }
      }
    }
  }
  // The planted dependences are there (so the comparison is not between empty tables): a and b
  // dependent, a and c independent given b, c and d dependent given the collider e.
  hilm::ShardedDiscreteCiTest test(comm, mine);
  CHECK(test.test(0, 1, {}).p_value < 1e-6);
  const std::vector<Index> b{1}, e{4};
  CHECK(test.test(0, 2, b).p_value > 0.01);
  CHECK(test.test(2, 3, e).p_value < 1e-6);

  // Negative control: one rank's rows alone give another statistic when there are several ranks.
  if (comm.size() > 1) {
    const hilm::DiscreteCiTest local_only(mine);
    const hilm::DiscreteCiTest whole(all);
    CHECK(local_only.test(0, 1, {}).statistic != whole.test(0, 1, {}).statistic);
  }
}

TEST_CASE("dist: PC on sharded discrete data finds the single-process graph", "[dist]") {
  const hilm::Communicator comm;
  const Index n = 3001;
  const hilm::RowMatrix<double> all = discrete_network(n, hilm::test::seed(82)).leftCols(6);
  const auto rows = hilm::shard_rows(n, comm.rank(), comm.size());
  const hilm::RowMatrix<double> mine = all.middleRows(rows.begin, rows.size());
  hilm::ShardedDiscreteCiTest sharded(comm, mine);
  hilm::DiscreteCiTest single(all);
  const hilm::PcResult got = hilm::pc(sharded);
  const hilm::PcResult want = hilm::pc(single);
  CHECK(got.graph.adjacency() == want.graph.adjacency());
  CHECK(got.tests_run == want.tests_run);
  CHECK(want.graph.edges().size() >= 4);  // a–b, b–c, c–e, d–e: not an empty graph
}

TEST_CASE("dist: a non-integer value on one rank fails every rank", "[dist]") {
  const hilm::Communicator comm;
  hilm::RowMatrix<double> mine = hilm::RowMatrix<double>::Zero(10, 3);
  mine(3, 1) = comm.rank() == comm.size() - 1 ? 0.5 : 1.0;
  CHECK_THROWS_AS(hilm::ShardedDiscreteCiTest(comm, mine), hilm::invalid_argument);
}

// Tests of hilm/dist/sharded_stats.hpp on 1–4 ranks: the correlation matrix from row shards equals
// the single-process one, and PC on it gives the single-process graph.
#include <hilm/core/random.hpp>
#include <hilm/dist/row_shard.hpp>
#include <hilm/dist/sharded_stats.hpp>
#include <hilm/graph/pc.hpp>
#include <hilm/sources/matrix_source.hpp>
#include <hilm/stats/fisher_z.hpp>

#include "support/catch.hpp"

namespace {

using hilm::Index;

// A seeded linear Gaussian SEM on 8 variables (chain, fork and collider): every rank draws the
// same n × 8 data set and then keeps only its own rows.
hilm::RowMatrix<double> sem_data(Index n, std::uint64_t seed) {
  hilm::Random rng(seed);
  hilm::RowMatrix<double> x(n, 8);
  for (Index i = 0; i < n; ++i) {
    const double a = rng.normal(), b = 0.8 * a + rng.normal(), c = -0.7 * b + rng.normal();
    const double d = rng.normal(5.0, 2.0), e = 0.9 * c + 0.6 * d + rng.normal();
    const double f = 0.5 * e + rng.normal(), g = 0.7 * a + rng.normal(), h = rng.normal(100, 1);
    x.row(i) << a, b, c, d, e, f, g, h;
  }
  return x;
}

}  // namespace

TEST_CASE("dist: sharded correlation and PC equal the single-process run", "[dist]") {
  const hilm::Communicator comm;
  const Index n = 3001;
  const hilm::RowMatrix<double> all = sem_data(n, hilm::test::seed(41));
  const auto block = hilm::shard_rows(n, comm.rank(), comm.size());
  const hilm::RowMatrix<double> mine = all.middleRows(block.begin, block.size());
  hilm::MatrixSource source(mine);
  const auto stats = hilm::distributed_correlation(comm, source, 256);

  const hilm::Matrix<double> single = hilm::correlation_matrix(all);
  CHECK(stats.sample_size == n);
  CHECK((stats.correlation - single).cwiseAbs().maxCoeff() < 1e-12);
  CHECK((stats.mean - all.colwise().mean().transpose()).cwiseAbs().maxCoeff() < 1e-12);

  hilm::FisherZTest sharded_test(stats.correlation, stats.sample_size);
  hilm::FisherZTest single_test(all);
  const hilm::PcResult sharded = hilm::pc(sharded_test);
  const hilm::PcResult reference = hilm::pc(single_test);
  CHECK(sharded.graph.adjacency() == reference.graph.adjacency());
  CHECK(sharded.tests_run == reference.tests_run);
  // The planted skeleton's 6 edges are found (so the comparison is not between empty graphs).
  CHECK(reference.graph.edges().size() == 6);

  // Negative control: one rank's shard alone is not the data set when there are several ranks.
  if (comm.size() > 1) {
    const hilm::Matrix<double> local_only = hilm::correlation_matrix(mine);
    CHECK((local_only - single).cwiseAbs().maxCoeff() > 1e-6);
  }
}

TEST_CASE("dist: sharded correlation refuses NaN on one rank and a constant column, everywhere",
          "[dist]") {
  const hilm::Communicator comm;
  hilm::RowMatrix<double> mine = sem_data(50, hilm::test::seed(42) + comm.rank());
  if (comm.rank() == comm.size() - 1) mine(3, 2) = std::numeric_limits<double>::quiet_NaN();
  hilm::MatrixSource bad(mine);
  bool refused = false;
  try {
    (void)hilm::distributed_correlation(comm, bad);
  } catch (const hilm::invalid_argument& e) {
    refused = std::string(e.what()).find("NaN") != std::string::npos;
  }
  CHECK(refused);

  hilm::RowMatrix<double> flat = sem_data(50, hilm::test::seed(43) + comm.rank());
  flat.col(5).setConstant(2.5);
  hilm::MatrixSource constant(flat);
  CHECK_THROWS_AS(hilm::distributed_correlation(comm, constant), hilm::invalid_argument);
}

// Tests of hilm/dist/distributed_nmf.hpp on 1–4 ranks: the grid, the collectives it adds to the
// communicator, and the distributed HALS / ANLS fit against the single-process hilm::nmf.
#include <filesystem>
#include <string>
#include <unistd.h>

#include <hilm/core/random.hpp>
#include <hilm/dist/distributed_nmf.hpp>
#include <hilm/io/npy.hpp>
#include <hilm/nmf/nmf.hpp>

#include "support/catch.hpp"

namespace {

using hilm::Index;
using hilm::Matrix;

// A planted non-negative rank-`k` matrix plus small non-negative noise, the same on every rank.
Matrix<double> planted_nmf(Index m, Index n, Index k, std::uint64_t seed) {
  hilm::Random rng(seed);
  Matrix<double> w(m, k), h(k, n);
  for (Index i = 0; i < w.size(); ++i) w.data()[i] = rng.uniform() < 0.4 ? 0.0 : rng.uniform();
  for (Index i = 0; i < h.size(); ++i) h.data()[i] = rng.uniform() < 0.4 ? 0.0 : rng.uniform();
  Matrix<double> a = w * h;
  for (Index i = 0; i < a.size(); ++i) a.data()[i] += 0.01 * rng.uniform();
  return a;
}

// The whole W (m × k) assembled from every rank's rows, on every rank.
Matrix<double> gather_w(const hilm::Communicator& comm,
                        const hilm::DistributedNmfResult<double>& fit) {
  Matrix<double> w = Matrix<double>::Zero(fit.grid.m, fit.w.cols());
  w.middleRows(fit.grid.w_rows.begin, fit.grid.w_rows.size()) = fit.w;
  comm.all_reduce_sum(w);
  return w;
}

Matrix<double> gather_h(const hilm::Communicator& comm,
                        const hilm::DistributedNmfResult<double>& fit) {
  Matrix<double> h = Matrix<double>::Zero(fit.h.rows(), fit.grid.n);
  h.middleCols(fit.grid.h_cols.begin, fit.grid.h_cols.size()) = fit.h;
  comm.all_reduce_sum(h);
  return h;
}

double relative_difference(const Matrix<double>& x, const Matrix<double>& y) {
  return (x - y).norm() / y.norm();
}

}  // namespace

TEST_CASE("dist: the NMF grid tiles A, W and H exactly once", "[dist][nmf]") {
  for (int ranks = 1; ranks <= 12; ++ranks) {
    for (const auto& [m, n] : {std::pair<Index, Index>{50, 7}, {7, 50}, {30, 30}, {3, 100}}) {
      Matrix<int> a_cover = Matrix<int>::Zero(m, n);
      hilm::Vector<int> w_cover = hilm::Vector<int>::Zero(m), h_cover = hilm::Vector<int>::Zero(n);
      for (int r = 0; r < ranks; ++r) {
        const hilm::NmfGrid g = hilm::nmf_grid(ranks, r, m, n);
        REQUIRE(g.rows * g.cols == ranks);
        CHECK(g.row * g.cols + g.col == r);
        a_cover.block(g.a_rows.begin, g.a_cols.begin, g.a_rows.size(), g.a_cols.size()).array() +=
            1;
        w_cover.segment(g.w_rows.begin, g.w_rows.size()).array() += 1;
        h_cover.segment(g.h_cols.begin, g.h_cols.size()).array() += 1;
        // A rank's rows of W lie in its row block, its columns of H in its column block.
        CHECK(g.w_rows.begin >= g.a_rows.begin);
        CHECK(g.w_rows.end <= g.a_rows.end);
        CHECK(g.h_cols.begin >= g.a_cols.begin);
        CHECK(g.h_cols.end <= g.a_cols.end);
      }
      CHECK((a_cover.array() == 1).all());
      CHECK((w_cover.array() == 1).all());
      CHECK((h_cover.array() == 1).all());
    }
  }
  // The grid follows the shape: tall data get more grid rows, wide data more grid columns.
  CHECK(hilm::nmf_grid(4, 0, 1000, 10).rows == 4);
  CHECK(hilm::nmf_grid(4, 0, 10, 1000).cols == 4);
  CHECK(hilm::nmf_grid(4, 0, 100, 100).rows == 2);
  CHECK_THROWS_AS(hilm::nmf_grid(4, 4, 10, 10), hilm::invalid_argument);
}

TEST_CASE("dist: sub-communicators, all-gather and reduce-scatter of columns", "[dist]") {
  const hilm::Communicator comm;
  const int p = comm.size(), r = comm.rank();
  // Rank r holds r + 1 columns of 3 rows whose entries name the rank and the column.
  Matrix<double> mine(3, r + 1);
  for (Index j = 0; j < mine.cols(); ++j)
    for (Index i = 0; i < 3; ++i)
      mine(i, j) = 100.0 * r + 10.0 * static_cast<double>(j) + static_cast<double>(i);
  const Matrix<double> all = comm.all_gather_columns(mine);
  REQUIRE(all.cols() == p * (p + 1) / 2);
  Index column = 0;
  for (int q = 0; q < p; ++q)
    for (int j = 0; j <= q; ++j, ++column) CHECK(all(2, column) == 100.0 * q + 10.0 * j + 2);

  // Every rank contributes the same 2 × (Σ counts) matrix times (rank + 1); each keeps its block.
  std::vector<Index> counts;
  Index total = 0;
  for (int q = 0; q < p; ++q) counts.push_back(q % 2 == 0 ? 2 : 0), total += counts.back();
  Matrix<double> full(2, total);
  for (Index j = 0; j < total; ++j) full.col(j) << static_cast<double>(j), 1.0;
  full *= static_cast<double>(r + 1);
  const Matrix<double> part = comm.reduce_scatter_columns(full, counts);
  const double factor = p * (p + 1) / 2.0;
  Index first = 0;
  for (int q = 0; q < r; ++q) first += counts[static_cast<std::size_t>(q)];
  REQUIRE(part.cols() == counts[static_cast<std::size_t>(r)]);
  for (Index j = 0; j < part.cols(); ++j) {
    CHECK(part(0, j) == factor * static_cast<double>(first + j));
    CHECK(part(1, j) == factor);
  }

  // Split into even and odd ranks, reversed: the new ranks follow the key.
  const hilm::Communicator half = comm.split(r % 2, -r);
  CHECK(half.size() == (r % 2 == 0 ? (p + 1) / 2 : p / 2));
  CHECK(half.all_reduce_sum(1) == half.size());
  const int top = half.all_reduce_max(r);
  CHECK((half.rank() == 0) == (r == top));
}

TEST_CASE("dist: distributed HALS and ANLS equal the single-process nmf", "[dist][nmf]") {
  const hilm::Communicator comm;
  const Index m = 61, n = 37, k = 4;
  const Matrix<double> a = planted_nmf(m, n, k, hilm::test::seed(71));
  const hilm::NmfGrid grid = hilm::nmf_grid(comm, m, n);
  const Matrix<double> block =
      a.block(grid.a_rows.begin, grid.a_cols.begin, grid.a_rows.size(), grid.a_cols.size());

  // HALS with an L1 penalty on H; ANLS without. (ANLS with an L1 penalty is the same algorithm
  // too, but its active set pivots on signs: on 3 ranks a rounding-level difference of the
  // right-hand side once took another pivot at iteration 23 of this fit, 9e-4 apart, and the two
  // runs then drew together again — docs/scale.md.)
  for (const auto solver : {hilm::NmfSolver::Hals, hilm::NmfSolver::AlternatingNnls}) {
    const bool hals = solver == hilm::NmfSolver::Hals;
    const hilm::NmfOptions options{.rank = k,
                                   .solver = solver,
                                   .init = hilm::NmfInit::Random,
                                   .max_iterations = 60,
                                   .tolerance = 0,
                                   .l1_h = hals ? 0.01 : 0.0,
                                   .seed = 5};
    const auto single = hilm::nmf(a, options);
    const auto fit = hilm::distributed_nmf(comm, grid, block, options);
    INFO("solver " << static_cast<int>(solver) << ", ranks " << comm.size());
    REQUIRE(fit.status == single.status);
    CHECK(fit.iterations == single.iterations);
    const Matrix<double> w = gather_w(comm, fit), h = gather_h(comm, fit);
    const double dw = relative_difference(w, single.w), dh = relative_difference(h, single.h);
    CHECK(dw < 1e-8);
    CHECK(dh < 1e-8);
    CHECK(std::abs(fit.loss - single.loss) <= 1e-8 * single.loss);
    CHECK(std::abs(fit.relative_error - single.relative_error) <= 1e-8);
    CHECK((fit.d - single.d).norm() <= 1e-8 * single.d.norm());
    if (comm.size() == 1) {  // one rank: the same operations in the same order
      CHECK(dw == 0);
      CHECK(dh == 0);
    }
    // The fit is a fit: the planted rank-4 structure is found (noise is 1 % of the entries).
    CHECK(fit.relative_error < 0.05);
    CHECK(fit.communication_seconds <= fit.seconds);
  }
}

TEST_CASE("dist: distributed NMF from given factors, and its negative control", "[dist][nmf]") {
  const hilm::Communicator comm;
  const Index m = 40, n = 52, k = 3;
  const Matrix<double> a = planted_nmf(m, n, k, hilm::test::seed(72));
  const hilm::NmfGrid grid = hilm::nmf_grid(comm, m, n);
  const Matrix<double> block =
      a.block(grid.a_rows.begin, grid.a_cols.begin, grid.a_rows.size(), grid.a_cols.size());
  hilm::Random rng(9);
  Matrix<double> w0(m, k), h0(k, n);
  for (Index i = 0; i < w0.size(); ++i) w0.data()[i] = rng.uniform();
  for (Index i = 0; i < h0.size(); ++i) h0.data()[i] = rng.uniform();
  const hilm::NmfOptions options{.rank = k, .max_iterations = 40, .tolerance = 0};
  // The single-process fit from the same start: fit_als and the canonical form, as hilm::nmf
  // runs them after its own initialisation.
  hilm::NmfResult<double> single;
  {
    Matrix<double> wt = w0.transpose(), h = h0;
    const hilm::detail::DenseNmfData<double, Matrix<double>> data(a);
    hilm::detail::fit_als(data, wt, h, options, single);
    hilm::detail::finish_result(wt, h, options, single);
  }
  const Matrix<double> my_w0 = w0.middleRows(grid.w_rows.begin, grid.w_rows.size());
  const Matrix<double> my_h0 = h0.middleCols(grid.h_cols.begin, grid.h_cols.size());
  const auto fit = hilm::distributed_nmf(comm, grid, block, options, my_w0, my_h0);
  CHECK(relative_difference(gather_w(comm, fit), single.w) < 1e-8);
  CHECK(relative_difference(gather_h(comm, fit), single.h) < 1e-8);

  // Negative control: another start gives other factors (the comparison above can fail).
  Matrix<double> other_w0 = my_w0;
  other_w0.array() += 0.5;
  const auto moved = hilm::distributed_nmf(comm, grid, block, options, other_w0, my_h0);
  CHECK(relative_difference(gather_w(comm, moved), single.w) > 1e-6);
}

TEST_CASE("dist: distributed NMF reads its blocks from a .npy and fails on every rank",
          "[dist][nmf]") {
  const hilm::Communicator comm;
  const Index m = 33, n = 21, k = 3;
  const Matrix<double> a = planted_nmf(m, n, k, hilm::test::seed(73));
  // A file every rank sees: rank 0 writes it and broadcasts its path.
  std::string path;
  if (comm.rank() == 0) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("hilm-dist-nmf-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    path = (dir / "a.npy").string();
    hilm::write_npy(path, hilm::RowMatrix<double>(a));
  }
  comm.broadcast(path);
  const hilm::NmfGrid grid = hilm::nmf_grid(comm, m, n);
  const Matrix<double> block = hilm::read_npy_block<double>(path, grid, comm);
  CHECK(block ==
        a.block(grid.a_rows.begin, grid.a_cols.begin, grid.a_rows.size(), grid.a_cols.size()));

  // A grid for another shape: the file's shape is refused on every rank.
  const hilm::NmfGrid wrong = hilm::nmf_grid(comm, m + 1, n);
  CHECK_THROWS_AS(hilm::read_npy_block<double>(path, wrong, comm), hilm::io_error);
  // The last rank passes a block of the wrong shape: every rank throws, none hangs.
  const Matrix<double> bad =
      comm.rank() == comm.size() - 1 ? Matrix<double>::Zero(block.rows() + 1, block.cols()) : block;
  CHECK_THROWS_AS(hilm::distributed_nmf(comm, grid, bad,
                                        hilm::NmfOptions{.rank = k, .init = hilm::NmfInit::Random}),
                  hilm::invalid_argument);
  // NNDSVD needs the whole matrix.
  CHECK_THROWS_AS(hilm::distributed_nmf(comm, grid, block, hilm::NmfOptions{.rank = k}),
                  hilm::invalid_argument);
  comm.barrier();
  if (comm.rank() == 0) std::filesystem::remove_all(std::filesystem::path(path).parent_path());
}

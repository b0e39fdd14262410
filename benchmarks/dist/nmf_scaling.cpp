// Distributed NMF on 1…p ranks (hilm/dist/distributed_nmf.hpp): wall time per iteration and the
// share spent in MPI collectives, for docs/scale.md. Every rank builds only its own block of a
// planted m × n matrix of rank k (W and H drawn from the seed, A_ij = W_i H_j + noise), then runs
// HALS for a fixed number of iterations. Rank 0 prints one JSON line.
//
//   mpirun -np 4 build-mpi/benchmarks/hilm_bench_dist_nmf 4000 3000 32 30
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include <hilm/core/random.hpp>
#include <hilm/dist/distributed_nmf.hpp>

namespace {

// SplitMix64 (Steele, Lea & Flood 2014): a well-mixed 64-bit hash of a counter.
std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

int main(int argc, char** argv) {
  hilm::MpiSession session(&argc, &argv);
  const hilm::Communicator comm;
  if (argc != 5) {
    if (comm.rank() == 0) std::fprintf(stderr, "usage: %s M N K ITERATIONS\n", argv[0]);
    return 2;
  }
  try {
    const hilm::Index m = std::stol(argv[1]), n = std::stol(argv[2]), k = std::stol(argv[3]);
    const int iterations = std::stoi(argv[4]);
    const hilm::NmfGrid grid = hilm::nmf_grid(comm, m, n);
    hilm::Random rng(7);
    hilm::Matrix<double> w(m, k), h(k, n);
    for (hilm::Index i = 0; i < w.size(); ++i) w.data()[i] = rng.uniform();
    for (hilm::Index i = 0; i < h.size(); ++i) h.data()[i] = rng.uniform();
    hilm::Matrix<double> block = w.middleRows(grid.a_rows.begin, grid.a_rows.size()) *
                                 h.middleCols(grid.a_cols.begin, grid.a_cols.size());
    // Noise from a hash of the entry's global position: the same matrix on any number of ranks.
    for (hilm::Index j = 0; j < block.cols(); ++j) {
      for (hilm::Index i = 0; i < block.rows(); ++i) {
        const auto cell =
            static_cast<std::uint64_t>((grid.a_rows.begin + i) * n + grid.a_cols.begin + j);
        block(i, j) += 0.01 * static_cast<double>(splitmix64(cell) >> 11) * 0x1.0p-53;
      }
    }
    const hilm::NmfOptions options{.rank = k,
                                   .init = hilm::NmfInit::Random,
                                   .max_iterations = iterations,
                                   .tolerance = 0,
                                   .keep_history = false};
    comm.barrier();
    const auto fit = hilm::distributed_nmf(comm, grid, block, options);
    const double seconds = comm.all_reduce_max(fit.seconds);
    const double communication = comm.all_reduce_max(fit.communication_seconds);
    if (comm.rank() == 0) {
      std::printf(
          "{\"ranks\": %d, \"grid\": [%d, %d], \"m\": %ld, \"n\": %ld, \"k\": %ld, "
          "\"iterations\": %d, \"seconds\": %.3f, \"seconds_per_iteration\": %.4f, "
          "\"communication_seconds\": %.3f, \"communication_share\": %.3f, "
          "\"relative_error\": %.5f}\n",
          comm.size(), grid.rows, grid.cols, static_cast<long>(m), static_cast<long>(n),
          static_cast<long>(k), fit.iterations, seconds, seconds / fit.iterations, communication,
          communication / seconds, fit.relative_error);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rank %d: %s\n", comm.rank(), e.what());
    return 3;
  }
  return 0;
}

/// @file
/// Distributed NMF (MPI layer, `HILM_WITH_MPI`): HALS and alternating NNLS on a 2-D grid of
/// ranks in the MPI-FAUN pattern (Kannan, Ballard & Park 2016, "A high-performance parallel
/// algorithm for nonnegative matrix factorization", PPoPP; the planc library). The p ranks form a
/// pr × pc grid; rank (i, j) holds block A_ij of the data (row block i of pr, column block j of
/// pc), rows of W that are the j-th piece of row block i, and columns of H that are the i-th piece
/// of column block j. No rank ever holds A, W or H whole. One iteration moves, per rank,
///
/// - the k × k Grams HHᵀ and WᵀW (all-reduce),
/// - H's column block j (all-gather down grid column j) and W's row block i (across grid row i),
/// - the products H_j A_ijᵀ and W_iᵀ A_ij, summed and split by reduce-scatter,
///
/// so a rank sends O(k(m/pr + n/pc)) numbers per iteration instead of the O(k(m + n)) of a 1-D
/// split, and the column sub-problems (the same HALS / active-set kernels as `hilm::nmf`) run on
/// each rank's own rows of W and columns of H.
///
/// With the same initial factors the result is the single-process `hilm::nmf`'s up to the order
/// of summation in the products (tested to 1e-8 relative in double on 1–4 ranks; on one rank it
/// is bit-identical). Initialisation: `NmfInit::Random` (the same draws as `hilm::nmf`: every rank
/// replays the seed's stream and keeps its own entries) or initial factors given by the caller;
/// the NNDSVD initialisations need an SVD of the whole matrix and are refused. Frobenius loss
/// only (HALS, alternating NNLS), with the L1/L2 penalties of `NmfOptions`.
///
/// ```cpp
/// hilm::MpiSession session(&argc, &argv);
/// hilm::Communicator comm;
/// const hilm::NmfGrid grid = hilm::nmf_grid(comm, m, n);        // pr × pc, this rank's ranges
/// const hilm::Matrix<double> block = hilm::read_npy_block<double>("a.npy", grid, comm);
/// auto fit = hilm::distributed_nmf(comm, grid, block, {.rank = 16, .init =
/// hilm::NmfInit::Random});
/// // fit.w: this rank's rows grid.w_rows of W; fit.h: its columns grid.h_cols of H; fit.d: all k.
/// ```
#ifndef HILM_DIST_DISTRIBUTED_NMF_HPP
#define HILM_DIST_DISTRIBUTED_NMF_HPP

#include <string>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/dist/communicator.hpp>
#include <hilm/dist/detail/grid_nmf.hpp>
#include <hilm/dist/nmf_grid.hpp>
#include <hilm/nmf/nmf_types.hpp>
#include <hilm/sources/npy_file_source.hpp>

namespace hilm {

/// This rank's block A_ij of a 2-d `.npy` file (memory-mapped; only the block's rows are read).
/// Collective: a file missing or unreadable on any rank, or of another shape than the grid's,
/// ends every rank with the same error (`collective`).
/// @throws io_error naming the file (on every rank).
template <class Scalar>
[[nodiscard]] Matrix<Scalar> read_npy_block(const std::string& path, const NmfGrid& grid,
                                            const Communicator& comm) {
  return collective(comm, [&] {
    NpyFileSource<Scalar> file(path);
    if (file.size() != grid.m || file.dim() != grid.n)
      throw io_error(path, "holds " + std::to_string(file.size()) + " x " +
                               std::to_string(file.dim()) + ", the grid is for " +
                               std::to_string(grid.m) + " x " + std::to_string(grid.n));
    return detail::read_block(file, grid.a_rows, grid.a_cols);
  });
}

/// Distributed Frobenius NMF of the m × n matrix whose block A_ij this rank holds (`block`, the
/// rows `grid.a_rows` and columns `grid.a_cols` of A), initialised by `options.init` (Random
/// only). Collective: every rank calls it with its own block and the same options.
/// @throws invalid_argument (on every rank) for invalid options, a block of the wrong shape, or an
///   initialisation or solver the distributed fit does not have.
template <class Derived>
[[nodiscard]] DistributedNmfResult<typename Derived::Scalar> distributed_nmf(
    const Communicator& comm, const NmfGrid& grid, const Eigen::MatrixBase<Derived>& block,
    const NmfOptions& options) {
  using Scalar = typename Derived::Scalar;
  return detail::run_grid_nmf<Scalar>(comm, grid, block, options, nullptr, nullptr);
}

/// As above, from the caller's initial factors: `w0` (this rank's rows `grid.w_rows` of W, × k)
/// and `h0` (k × its columns `grid.h_cols` of H); `options.init` is ignored.
template <class Derived>
[[nodiscard]] DistributedNmfResult<typename Derived::Scalar> distributed_nmf(
    const Communicator& comm, const NmfGrid& grid, const Eigen::MatrixBase<Derived>& block,
    const NmfOptions& options, const Matrix<typename Derived::Scalar>& w0,
    const Matrix<typename Derived::Scalar>& h0) {
  using Scalar = typename Derived::Scalar;
  return detail::run_grid_nmf<Scalar>(comm, grid, block, options, &w0, &h0);
}

}  // namespace hilm

#endif  // HILM_DIST_DISTRIBUTED_NMF_HPP

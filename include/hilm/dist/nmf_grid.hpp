/// @file
/// The 2-D process grid of the distributed NMF (MPI layer, `HILM_WITH_MPI`; see
/// hilm/dist/distributed_nmf.hpp) and the result type each rank gets: which block of A a rank
/// holds, which rows of W and columns of H it owns.
#ifndef HILM_DIST_NMF_GRID_HPP
#define HILM_DIST_NMF_GRID_HPP

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/core/status.hpp>
#include <hilm/core/types.hpp>
#include <hilm/dist/communicator.hpp>
#include <hilm/dist/row_shard.hpp>

namespace hilm {

namespace detail {

/// pr of the factorisation ranks = pr · pc whose blocks (m/pr) × (n/pc) are closest to square,
/// ties to the larger pr.
inline int grid_rows(int ranks, Index m, Index n) {
  int best = 1;
  double best_gap = std::numeric_limits<double>::infinity();
  for (int pr = 1; pr <= ranks; ++pr) {
    if (ranks % pr != 0) continue;
    const double gap = std::abs(std::log(static_cast<double>(m) / pr) -
                                std::log(static_cast<double>(n) / (ranks / pr)));
    if (gap <= best_gap) best = pr, best_gap = gap;
  }
  return best;
}

}  // namespace detail

/// The 2-D process grid of a distributed NMF of an m × n matrix, seen from one rank.
struct NmfGrid {
  Index m = 0, n = 0;       ///< Shape of the whole matrix A.
  int rows = 1, cols = 1;   ///< Grid shape pr × pc (pr · pc = number of ranks).
  int row = 0, col = 0;     ///< This rank's grid position (i, j); rank = i · pc + j.
  RowRange a_rows, a_cols;  ///< This rank's block A_ij: rows and columns of A.
  RowRange w_rows;          ///< The rows of W this rank owns (piece j of row block i).
  RowRange h_cols;          ///< The columns of H this rank owns (piece i of column block j).
};

/// The grid for `ranks` ranks on an m × n matrix, as rank `rank` sees it: of the factorisations
/// ranks = pr · pc, the one whose blocks are closest to square (MPI-FAUN's choice, pr/pc ≈ m/n,
/// which balances the W and H traffic); ties go to more grid rows.
/// @throws invalid_argument if m or n < 1, ranks < 1 or rank is out of range.
[[nodiscard]] inline NmfGrid nmf_grid(int ranks, int rank, Index m, Index n) {
  if (m < 1 || n < 1 || ranks < 1 || rank < 0 || rank >= ranks)
    throw invalid_argument("hilm::nmf_grid: need m, n, ranks >= 1 and 0 <= rank < ranks, got m " +
                           std::to_string(m) + ", n " + std::to_string(n) + ", rank " +
                           std::to_string(rank) + " of " + std::to_string(ranks));
  NmfGrid grid;
  grid.m = m;
  grid.n = n;
  grid.rows = detail::grid_rows(ranks, m, n);
  grid.cols = ranks / grid.rows;
  grid.row = rank / grid.cols;
  grid.col = rank % grid.cols;
  grid.a_rows = shard_rows(m, grid.row, grid.rows);
  grid.a_cols = shard_rows(n, grid.col, grid.cols);
  const RowRange w_piece = shard_rows(grid.a_rows.size(), grid.col, grid.cols);
  grid.w_rows = {grid.a_rows.begin + w_piece.begin, grid.a_rows.begin + w_piece.end};
  const RowRange h_piece = shard_rows(grid.a_cols.size(), grid.row, grid.rows);
  grid.h_cols = {grid.a_cols.begin + h_piece.begin, grid.a_cols.begin + h_piece.end};
  return grid;
}

/// `nmf_grid(comm.size(), comm.rank(), m, n)`.
[[nodiscard]] inline NmfGrid nmf_grid(const Communicator& comm, Index m, Index n) {
  return nmf_grid(comm.size(), comm.rank(), m, n);
}

/// Result of `distributed_nmf` on one rank: this rank's pieces of A ≈ W · diag(d) · H, in the
/// canonical form of `NmfResult` when `options.canonical` (the scales `d` and the component order
/// are global, identical on every rank).
template <class Scalar>
struct DistributedNmfResult {
  NmfGrid grid;      ///< Where this rank's pieces sit.
  Matrix<Scalar> w;  ///< Rows `grid.w_rows` of W (× k).
  Vector<Scalar> d;  ///< The k scales (all ones when not canonical).
  Matrix<Scalar> h;  ///< Columns `grid.h_cols` of H (k ×).
  FitStatus status = FitStatus::NotRun;
  int iterations = 0;                ///< Outer iterations run.
  double loss = 0;                   ///< ½‖A − WH‖² + penalties, global.
  double relative_error = 0;         ///< ‖A − W diag(d) H‖_F / ‖A‖_F, global.
  double relative_change = 0;        ///< Relative objective decrease of the last iteration.
  std::vector<double> loss_history;  ///< Objective after each iteration (`keep_history`).
  std::string message;               ///< Detail when `status` is not `Converged`.
  double seconds = 0;                ///< Wall time of the fit on this rank.
  double communication_seconds = 0;  ///< Of which inside MPI collectives.
};

}  // namespace hilm

#endif  // HILM_DIST_NMF_GRID_HPP

// The distributed NMF's iteration on the 2-D grid (hilm/dist/distributed_nmf.hpp): the loop of
// the single-process fit_als (nmf/detail/nmf_solvers.hpp) with every product of A split into
// per-block products plus collectives, after MPI-FAUN (Kannan, Ballard & Park 2016, Algorithm 3):
//
//   W-step: HHᵀ all-reduced; H_j all-gathered down grid column j; V = H_j A_ijᵀ; V reduce-scattered
//           across grid row i into this rank's columns of (H Aᵀ); column solves for its rows of W.
//   H-step: the same with the roles of the grid's rows and columns exchanged.
//
// The column sub-problems, the balancing of the scales and the revival of dead components are
// those of fit_als, applied to each rank's own columns with the replicated k × k Grams, so that
// every decision (stop, revive) is the same on every rank.
#ifndef HILM_DIST_DETAIL_GRID_NMF_HPP
#define HILM_DIST_DETAIL_GRID_NMF_HPP

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <string>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/random.hpp>
#include <hilm/core/status.hpp>
#include <hilm/core/types.hpp>
#include <hilm/dist/communicator.hpp>
#include <hilm/dist/nmf_grid.hpp>
#include <hilm/dist/row_shard.hpp>
#include <hilm/nmf/detail/nmf_data.hpp>
#include <hilm/nmf/detail/nmf_solvers.hpp>
#include <hilm/nmf/nmf_types.hpp>
#include <hilm/sources/npy_file_source.hpp>

namespace hilm::detail {

/// Rows `rows` and columns `cols` of a `.npy` file, read a batch of rows at a time.
template <class Scalar>
Matrix<Scalar> read_block(NpyFileSource<Scalar>& file, RowRange rows, RowRange cols) {
  Matrix<Scalar> out(rows.size(), cols.size());
  if (rows.size() == 0) return out;
  RowMatrix<Scalar> batch(std::min<Index>(rows.size(), 1024), file.dim());
  file.seek(rows.begin);
  for (Index done = 0; done < rows.size();) {
    const Index want = std::min(batch.rows(), rows.size() - done);
    const Index got = file.read(batch.topRows(want));
    if (got <= 0)
      raise<io_error>(file.path(), "ended at row " + std::to_string(rows.begin + done) +
                                       ", before row " + std::to_string(rows.end));
    out.middleRows(done, got) = batch.topRows(got).middleCols(cols.begin, cols.size());
    done += got;
  }
  return out;
}

/// Sizes of the pieces a block of `total` is split into among `parts` ranks (shard_rows).
inline std::vector<Index> piece_sizes(Index total, int parts) {
  std::vector<Index> sizes(static_cast<std::size_t>(parts));
  for (int q = 0; q < parts; ++q)
    sizes[static_cast<std::size_t>(q)] = shard_rows(total, q, parts).size();
  return sizes;
}

/// One distributed fit. wt is k × (this rank's rows of W), h is k × (its columns of H): the
/// transposed-for-speed layout of fit_als.
template <class Scalar, class Data>
class GridNmf {
 public:
  GridNmf(const Communicator& world, const NmfGrid& grid, const Data& a, const NmfOptions& o,
          DistributedNmfResult<Scalar>& result)
      : world_(world),
        across_row_(world.split(grid.row, grid.col)),
        down_col_(world.split(grid.col, grid.row)),
        grid_(grid),
        a_(a),
        o_(o),
        result_(result),
        w_pieces_(piece_sizes(grid.a_rows.size(), grid.cols)),
        h_pieces_(piece_sizes(grid.a_cols.size(), grid.rows)) {}

  /// ‖A‖², global.
  double squared_norm() {
    return timed([&] { return world_.all_reduce_sum(a_.squared_norm()); });
  }

  /// `hilm::nmf`'s random initialisation: every rank replays the seed's stream over all of W
  /// then all of H (the draw order of random_init) and keeps its own entries.
  void random_init(Matrix<Scalar>& wt, Matrix<Scalar>& h) {
    const Index k = o_.rank;
    const double total = timed([&] { return world_.all_reduce_sum(a_.sum()); });
    const double mean = total / (static_cast<double>(grid_.m) * static_cast<double>(grid_.n));
    const double scale = std::sqrt(std::max(mean, 0.0) / static_cast<double>(k));
    Random random(o_.seed);
    wt.resize(k, grid_.w_rows.size());
    h.resize(k, grid_.h_cols.size());
    for (Index i = 0; i < grid_.m; ++i) {
      for (Index l = 0; l < k; ++l) {
        const double value = scale * std::abs(random.normal());
        if (i >= grid_.w_rows.begin && i < grid_.w_rows.end)
          wt(l, i - grid_.w_rows.begin) = static_cast<Scalar>(value);
      }
    }
    for (Index j = 0; j < grid_.n; ++j) {
      for (Index l = 0; l < k; ++l) {
        const double value = scale * std::abs(random.normal());
        if (j >= grid_.h_cols.begin && j < grid_.h_cols.end)
          h(l, j - grid_.h_cols.begin) = static_cast<Scalar>(value);
      }
    }
  }

  /// The HALS / alternating-NNLS iterations of fit_als on the grid.
  void fit(Matrix<Scalar>& wt, Matrix<Scalar>& h, double a2) {
    const ColumnSolve how_w = half_step(o_, o_.l1_w, o_.l2_w);
    const ColumnSolve how_h = half_step(o_, o_.l1_h, o_.l2_h);
    const bool penalised = o_.l1_w != 0 || o_.l1_h != 0 || o_.l2_w != 0 || o_.l2_h != 0;
    NmfTracker tracker(o_, o_.keep_history ? &result_.loss_history : nullptr);
    Matrix<Scalar> hht = global_gram(h), wwt, product;
    result_.status = FitStatus::MaxIterations;
    for (int it = 1; it <= o_.max_iterations; ++it) {
      const Matrix<Scalar> h_block = timed([&] { return down_col_.all_gather_columns(h); });
      a_.left_transposed(h_block, product);  // H_j A_ijᵀ, k × (rows of block i)
      const Matrix<Scalar> bw =
          timed([&] { return across_row_.reduce_scatter_columns(product, w_pieces_); });
      solve_columns(hht, bw, wt, how_w);
      wwt = global_gram(wt);
      const Matrix<Scalar> w_block = timed([&] { return across_row_.all_gather_columns(wt); });
      a_.left(w_block, product);  // W_iᵀ A_ij, k × (columns of block j)
      const Matrix<Scalar> bh =
          timed([&] { return down_col_.reduce_scatter_columns(product, h_pieces_); });
      solve_columns(wwt, bh, h, how_h);
      hht = global_gram(h);
      const double loss = global_loss(a2, bh, wwt, w_block, wt, h, hht, penalised);
      if (!penalised) balance(wt, h, wwt, hht);
      if (tracker.record(loss, it, result_)) break;
      if (wwt.diagonal().minCoeff() <= 0 && revive(bh, wwt, h)) hht = global_gram(h);
    }
  }

  /// ‖A − Wᵀ H‖², global, entry by entry.
  double residual_squared(const Matrix<Scalar>& wt, const Matrix<Scalar>& h) {
    const Matrix<Scalar> w_block = timed([&] { return across_row_.all_gather_columns(wt); });
    const Matrix<Scalar> h_block = timed([&] { return down_col_.all_gather_columns(h); });
    const double local = a_.residual_squared(w_block, h_block);
    return timed([&] { return world_.all_reduce_sum(local); });
  }

  /// finish_result (nmf_solvers.hpp) on the pieces: the column sums (or norms) of W and row sums
  /// of H are all-reduced, so scales and order are global.
  void finish(const Matrix<Scalar>& wt, const Matrix<Scalar>& h) {
    const Index k = wt.rows();
    if (!o_.canonical) {
      result_.w = wt.transpose();
      result_.h = h;
      result_.d = Vector<Scalar>::Ones(k);
      return;
    }
    const bool sum = o_.normalization == NmfNormalization::Sum;
    Matrix<double> s(k, 2);
    for (Index l = 0; l < k; ++l) {
      s(l, 0) =
          sum ? static_cast<double>(wt.row(l).sum()) : static_cast<double>(wt.row(l).squaredNorm());
      s(l, 1) =
          sum ? static_cast<double>(h.row(l).sum()) : static_cast<double>(h.row(l).squaredNorm());
    }
    timed([&] { world_.all_reduce_sum(s); });
    Vector<Scalar> d(k), sw(k), sh(k);
    for (Index l = 0; l < k; ++l) {
      sw(l) = static_cast<Scalar>(sum ? s(l, 0) : std::sqrt(s(l, 0)));
      sh(l) = static_cast<Scalar>(sum ? s(l, 1) : std::sqrt(s(l, 1)));
      d(l) = sw(l) > 0 && sh(l) > 0 ? sw(l) * sh(l) : Scalar(0);
    }
    std::vector<Index> order(static_cast<std::size_t>(k));
    std::iota(order.begin(), order.end(), Index(0));
    std::stable_sort(order.begin(), order.end(), [&](Index x, Index y) { return d(x) > d(y); });
    result_.w.resize(wt.cols(), k);
    result_.h.resize(k, h.cols());
    result_.d.resize(k);
    for (Index r = 0; r < k; ++r) {
      const Index l = order[static_cast<std::size_t>(r)];
      result_.d(r) = d(l);
      if (d(l) > 0) {
        result_.w.col(r) = wt.row(l).transpose() / sw(l);
        result_.h.row(r) = h.row(l) / sh(l);
      } else {
        result_.w.col(r).setZero();
        result_.h.row(r).setZero();
      }
    }
  }

  /// Runs `work` and adds its wall time to the communication time.
  template <class Work>
  decltype(auto) timed(Work&& work) {
    const auto start = std::chrono::steady_clock::now();
    struct Add {
      double& total;
      std::chrono::steady_clock::time_point start;
      ~Add() {
        total += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      }
    } add{result_.communication_seconds, start};
    return work();
  }

 private:
  Matrix<Scalar> global_gram(const Matrix<Scalar>& x) {
    Matrix<Scalar> g;
    gram(x, g);
    timed([&] { world_.all_reduce_sum(g); });
    return g;
  }

  // frobenius_loss of fit_als from the products at hand, its two local inner products summed in
  // one all-reduce; the entry-by-entry residual where the expansion cancels. Rank 0's value is
  // broadcast so that every rank's stopping rule sees the same number.
  double global_loss(double a2, const Matrix<Scalar>& bh, const Matrix<Scalar>& wwt,
                     const Matrix<Scalar>& w_block, const Matrix<Scalar>& wt,
                     const Matrix<Scalar>& h, const Matrix<Scalar>& hht, bool penalised) {
    Vector<double> parts(2);
    parts(0) = frobenius_inner(bh, h);
    parts(1) = penalised ? penalties(wt, h, o_) : 0.0;
    timed([&] { world_.all_reduce_sum(parts); });
    const double expanded = a2 - 2.0 * parts(0) + frobenius_inner(wwt, hht);
    const double noise = 1e3 * static_cast<double>(std::numeric_limits<Scalar>::epsilon()) * a2;
    double data = 0.5 * expanded;
    if (!(expanded > noise)) {
      const Matrix<Scalar> h_block = timed([&] { return down_col_.all_gather_columns(h); });
      const double local = a_.residual_squared(w_block, h_block);
      data = 0.5 * timed([&] { return world_.all_reduce_sum(local); });
    }
    Vector<double> loss(1);
    loss(0) = data + parts(1);
    timed([&] { world_.broadcast(loss, 0); });
    return loss(0);
  }

  // revive_dead_components of fit_als: the squared residual of every column of A is assembled
  // on every rank (each rank fills its own columns; the sum over ranks adds zeros elsewhere), so
  // every rank picks the same columns; the owner of a picked column writes the spike.
  bool revive(const Matrix<Scalar>& bh, const Matrix<Scalar>& wwt, Matrix<Scalar>& h) {
    if (column_norms_.size() == 0) {
      Matrix<double> norms = a_.column_squared_norms().transpose();  // 1 × (columns of block j)
      column_norms_ = timed([&] { return down_col_.reduce_scatter_columns(norms, h_pieces_); })
                          .row(0)
                          .transpose();
    }
    Vector<double> residual = Vector<double>::Zero(grid_.n);
    for (Index j = 0; j < h.cols(); ++j) {
      residual(grid_.h_cols.begin + j) = column_norms_(j) -
                                         2.0 * static_cast<double>(bh.col(j).dot(h.col(j))) +
                                         static_cast<double>(h.col(j).dot(wwt * h.col(j)));
    }
    timed([&] { world_.all_reduce_sum(residual); });
    bool any = false;
    for (Index l = 0; l < wwt.rows(); ++l) {
      if (wwt(l, l) > 0) continue;
      any = true;
      Index worst = 0;
      for (Index j = 1; j < grid_.n; ++j)
        if (residual(j) > residual(worst)) worst = j;
      if (!(residual(worst) > 0)) break;
      h.row(l).setZero();
      if (worst >= grid_.h_cols.begin && worst < grid_.h_cols.end)
        h(l, worst - grid_.h_cols.begin) =
            static_cast<Scalar>(std::sqrt(std::sqrt(residual(worst))));
      residual(worst) = 0;
    }
    return any;
  }

  const Communicator& world_;
  Communicator across_row_;  // the ranks of grid row i, ordered by grid column
  Communicator down_col_;    // the ranks of grid column j, ordered by grid row
  const NmfGrid& grid_;
  const Data& a_;
  const NmfOptions& o_;
  DistributedNmfResult<Scalar>& result_;
  std::vector<Index> w_pieces_, h_pieces_;
  Vector<double> column_norms_;
};

/// Argument checks, made collective so that a rank with a bad block fails every rank.
template <class Scalar>
void validate_grid_nmf(const Communicator& comm, const NmfGrid& grid, Index block_rows,
                       Index block_cols, const NmfOptions& o, const Matrix<Scalar>* w0,
                       const Matrix<Scalar>* h0) {
  collective(comm, [&] {
    const std::string who = "hilm::distributed_nmf: ";
    if (auto problem = o.validate()) raise<invalid_argument>(*problem);
    if (o.solver == NmfSolver::MultiplicativeUpdate)
      raise<invalid_argument>(who +
                              "solver must be Hals or AlternatingNnls (multiplicative "
                              "updates are not distributed)");
    if (grid.rows * grid.cols != comm.size() || grid.row * grid.cols + grid.col != comm.rank())
      raise<invalid_argument>(who +
                              "the grid was made for another communicator (use "
                              "nmf_grid(comm, m, n))");
    if (o.rank > std::min(grid.m, grid.n))
      raise<invalid_argument>(
          who + "rank " + std::to_string(o.rank) +
          " exceeds min(rows, columns) = " + std::to_string(std::min(grid.m, grid.n)));
    if (block_rows != grid.a_rows.size() || block_cols != grid.a_cols.size())
      raise<invalid_argument>(who + "rank " + std::to_string(comm.rank()) + " holds a " +
                              std::to_string(block_rows) + " x " + std::to_string(block_cols) +
                              " block, its grid block is " + std::to_string(grid.a_rows.size()) +
                              " x " + std::to_string(grid.a_cols.size()));
    if (w0 == nullptr && o.init != NmfInit::Random)
      raise<invalid_argument>(who +
                              "init must be Random or initial factors given (NNDSVD needs "
                              "an SVD of the whole matrix)");
    if (w0 != nullptr && (w0->rows() != grid.w_rows.size() || w0->cols() != o.rank ||
                          h0->rows() != o.rank || h0->cols() != grid.h_cols.size()))
      raise<invalid_argument>(who + "initial factors must be this rank's " +
                              std::to_string(grid.w_rows.size()) + " x k rows of W and k x " +
                              std::to_string(grid.h_cols.size()) + " columns of H");
    if (w0 != nullptr && ((w0->array() < 0).any() || (h0->array() < 0).any() || !w0->allFinite() ||
                          !h0->allFinite()))
      raise<invalid_argument>(who + "initial factors must be finite and non-negative");
  });
}

template <class Scalar, class Derived>
DistributedNmfResult<Scalar> run_grid_nmf(const Communicator& comm, const NmfGrid& grid,
                                          const Eigen::MatrixBase<Derived>& block,
                                          const NmfOptions& o, const Matrix<Scalar>* w0,
                                          const Matrix<Scalar>* h0) {
  static_assert(std::is_floating_point_v<Scalar>, "distributed_nmf needs float or double data");
  const auto start = std::chrono::steady_clock::now();
  validate_grid_nmf(comm, grid, block.rows(), block.cols(), o, w0, h0);
  using Plain = std::conditional_t<Derived::IsRowMajor && Derived::ColsAtCompileTime != 1,
                                   RowMatrix<Scalar>, Matrix<Scalar>>;
  const DenseNmfData<Scalar, Plain> data(block.derived());
  collective(comm, [&] {
    require_nonnegative(data.matrix(), "distributed_nmf", [](Index, Index) { return true; });
  });
  DistributedNmfResult<Scalar> result;
  result.grid = grid;
  GridNmf<Scalar, DenseNmfData<Scalar, Plain>> fit(comm, grid, data, o, result);
  const double a2 = fit.squared_norm();
  Matrix<Scalar> wt, h;
  if (a2 == 0) {  // all-zero data: the zero factorisation is exact
    wt = Matrix<Scalar>::Zero(o.rank, grid.w_rows.size());
    h = Matrix<Scalar>::Zero(o.rank, grid.h_cols.size());
    result.status = FitStatus::Converged;
  } else {
    if (w0 != nullptr) {
      wt = w0->transpose();
      h = *h0;
    } else {
      fit.random_init(wt, h);
    }
    if (o.max_iterations == 0)
      result.status = FitStatus::MaxIterations;
    else
      fit.fit(wt, h, a2);
    const int finite = wt.allFinite() && h.allFinite() ? 0 : 1;
    if (fit.timed([&] { return comm.all_reduce_max(finite); }) != 0) {
      result.status = FitStatus::NumericalIssue;
      if (result.message.empty()) result.message = "the factors became non-finite";
    }
    if (result.status == FitStatus::MaxIterations)
      result.message = "reached max_iterations = " + std::to_string(o.max_iterations);
    const double residual = fit.residual_squared(wt, h);
    result.relative_error = std::sqrt(residual / a2);
    if (result.iterations == 0) {
      Vector<double> pen(1);
      pen(0) = penalties(wt, h, o);
      fit.timed([&] { comm.all_reduce_sum(pen); });
      result.loss = 0.5 * residual + pen(0);
    }
  }
  fit.finish(wt, h);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace hilm::detail

#endif  // HILM_DIST_DETAIL_GRID_NMF_HPP

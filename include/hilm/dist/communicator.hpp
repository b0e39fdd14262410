/// @file
/// The MPI layer's communicator (optional: only built when the user asks for MPI, CMake option
/// `HILM_WITH_MPI`, target `hilm::mpi`; the rest of hilm never includes it). Thin, typed wrappers
/// over the MPI collectives hilm's distributed estimators use — sum / max all-reduce, broadcast,
/// all-gather of row or column blocks, reduce-scatter of column blocks, sub-communicators — plus
/// `collective()`, which turns an exception on any rank into
/// the same exception on every rank instead of a hang (the other ranks would otherwise wait
/// forever in their next collective).
///
/// Design after MPI-FAUN / planc (Kannan, Ballard & Park 2016, "A high-performance parallel
/// algorithm for nonnegative matrix factorization"), whose distributed NMF is all-gathers,
/// reduce-scatters and all-reduces of small Grams over a communicator, and the data-parallel SAE
/// training of SAELens / sparsify (gradients all-reduced). DESIGN.md §2.3.
///
/// ```cpp
/// hilm::MpiSession session(&argc, &argv);      // MPI_Init_thread … MPI_Finalize
/// hilm::Communicator comm;                       // MPI_COMM_WORLD
/// hilm::Vector<double> s = local.colwise().sum().transpose();
/// comm.all_reduce_sum(s);                              // the sum over every rank's rows
/// ```
#ifndef HILM_DIST_COMMUNICATOR_HPP
#define HILM_DIST_COMMUNICATOR_HPP

#include <cstdint>
#include <exception>
#include <limits>
#include <memory>
#include <mpi.h>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>

namespace hilm {

namespace detail {

template <class T>
MPI_Datatype mpi_type() {
  if constexpr (std::is_same_v<T, double>)
    return MPI_DOUBLE;
  else if constexpr (std::is_same_v<T, float>)
    return MPI_FLOAT;
  else if constexpr (std::is_same_v<T, std::int64_t>)
    return MPI_INT64_T;
  else if constexpr (std::is_same_v<T, std::int32_t>)
    return MPI_INT32_T;
  else if constexpr (std::is_same_v<T, std::uint64_t>)
    return MPI_UINT64_T;
  else
    static_assert(sizeof(T) == 0, "hilm (MPI): no MPI datatype for this scalar");
}

inline void mpi_check(int code, const char* what) {
  if (code != MPI_SUCCESS) {
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(code, text, &length);
    throw numerical_error(std::string("hilm (MPI): ") + what +
                          " failed: " + std::string(text, static_cast<std::size_t>(length)));
  }
}

inline int mpi_count(Index n, const char* what) {
  if (n < 0 || n > std::numeric_limits<int>::max())
    throw invalid_argument(std::string("hilm (MPI): ") + what + ": " + std::to_string(n) +
                           " elements do not fit one MPI message (at most 2^31 - 1)");
  return static_cast<int>(n);
}

}  // namespace detail

/// RAII MPI initialisation: `MPI_Init_thread` (funneled: only the thread that made the session
/// calls MPI; OpenMP regions inside hilm make no MPI calls) unless MPI is already initialised, and
/// `MPI_Finalize` on destruction if this session initialised it. Make one, first thing in `main`.
class MpiSession {
 public:
  MpiSession(int* argc, char*** argv) {
    int initialised = 0;
    MPI_Initialized(&initialised);
    if (initialised == 0) {
      int provided = 0;
      detail::mpi_check(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided),
                        "MPI_Init_thread");
      owner_ = true;
    }
  }
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  ~MpiSession() {
    int finalised = 0;
    MPI_Finalized(&finalised);
    if (owner_ && finalised == 0) MPI_Finalize();
  }

 private:
  bool owner_ = false;
};

/// A communicator with typed collectives over Eigen blocks: `MPI_COMM_WORLD` or any handle the
/// caller owns (not freed here), or a sub-communicator from `split()` (freed with its last copy).
/// Every member is collective: all ranks call it, in the same order, with the same shapes.
class Communicator {
 public:
  explicit Communicator(MPI_Comm comm = MPI_COMM_WORLD) : comm_(comm) {
    detail::mpi_check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
    detail::mpi_check(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
  }

  /// Splits the ranks into sub-communicators (`MPI_Comm_split`): ranks that pass the same `color`
  /// share one, ranked in the order of `key` (ties by their rank here). Collective. The returned
  /// communicator frees its handle when its last copy goes (unless MPI has been finalised).
  [[nodiscard]] Communicator split(int color, int key) const {
    MPI_Comm part = MPI_COMM_NULL;
    detail::mpi_check(MPI_Comm_split(comm_, color, key, &part), "MPI_Comm_split");
    Communicator out(part);
    out.owned_ = std::shared_ptr<MPI_Comm>(new MPI_Comm(part), [](MPI_Comm* handle) {
      int finalised = 0;
      MPI_Finalized(&finalised);
      if (finalised == 0) MPI_Comm_free(handle);
      delete handle;
    });
    return out;
  }

  /// This process's rank, 0 … size() − 1.
  [[nodiscard]] int rank() const noexcept { return rank_; }
  /// Number of ranks.
  [[nodiscard]] int size() const noexcept { return size_; }
  /// The MPI handle.
  [[nodiscard]] MPI_Comm handle() const noexcept { return comm_; }

  /// Element-wise sum over the ranks, in place (a contiguous Eigen object: Matrix, Vector, or a
  /// Map over contiguous memory). The reduction order is MPI's: sums may differ from a
  /// single-process sum in the last bits (Open MPI's default for small messages is fixed per run
  /// and communicator size, so results are reproducible for a given number of ranks).
  template <class Derived>
  void all_reduce_sum(Eigen::PlainObjectBase<Derived>& block) const {
    reduce(block.data(), block.size(), MPI_SUM);
  }
  /// Element-wise maximum over the ranks, in place.
  template <class Derived>
  void all_reduce_max(Eigen::PlainObjectBase<Derived>& block) const {
    reduce(block.data(), block.size(), MPI_MAX);
  }
  /// Sum of one value over the ranks.
  template <class T>
    requires std::is_arithmetic_v<T>
  [[nodiscard]] T all_reduce_sum(T value) const {
    reduce(&value, 1, MPI_SUM);
    return value;
  }
  /// Maximum of one value over the ranks.
  template <class T>
    requires std::is_arithmetic_v<T>
  [[nodiscard]] T all_reduce_max(T value) const {
    reduce(&value, 1, MPI_MAX);
    return value;
  }

  /// Copies `block` of rank `root` to every rank; the other ranks' blocks are resized to the
  /// root's shape first.
  template <class Derived>
  void broadcast(Eigen::PlainObjectBase<Derived>& block, int root = 0) const {
    std::int64_t shape[2] = {block.rows(), block.cols()};
    detail::mpi_check(MPI_Bcast(shape, 2, MPI_INT64_T, root, comm_), "MPI_Bcast");
    if (rank_ != root) block.resize(shape[0], shape[1]);
    using Scalar = typename Derived::Scalar;
    detail::mpi_check(MPI_Bcast(block.data(), detail::mpi_count(block.size(), "broadcast"),
                                detail::mpi_type<Scalar>(), root, comm_),
                      "MPI_Bcast");
  }
  /// Copies a string of rank `root` to every rank.
  void broadcast(std::string& text, int root = 0) const {
    std::int64_t length = static_cast<std::int64_t>(text.size());
    detail::mpi_check(MPI_Bcast(&length, 1, MPI_INT64_T, root, comm_), "MPI_Bcast");
    if (rank_ != root) text.assign(static_cast<std::size_t>(length), '\0');
    detail::mpi_check(
        MPI_Bcast(text.data(), detail::mpi_count(length, "broadcast"), MPI_CHAR, root, comm_),
        "MPI_Bcast");
  }

  /// Stacks the rows of every rank's `local` block, rank 0 first (row counts may differ; column
  /// counts must agree), on every rank.
  template <class Scalar>
  [[nodiscard]] RowMatrix<Scalar> all_gather_rows(const RowMatrix<Scalar>& local) const {
    const std::int64_t cols = all_reduce_max<std::int64_t>(local.cols());
    if (local.rows() > 0 && local.cols() != cols)
      throw invalid_argument("hilm::all_gather_rows: rank " + std::to_string(rank_) + " has " +
                             std::to_string(local.cols()) + " columns, another " +
                             std::to_string(cols));
    std::int64_t mine = local.size();
    std::vector<std::int64_t> counts(static_cast<std::size_t>(size_));
    detail::mpi_check(MPI_Allgather(&mine, 1, MPI_INT64_T, counts.data(), 1, MPI_INT64_T, comm_),
                      "MPI_Allgather");
    std::vector<int> count32(counts.size()), offsets(counts.size());
    std::int64_t total = 0;
    for (std::size_t r = 0; r < counts.size(); ++r) {
      offsets[r] = detail::mpi_count(total, "all_gather_rows");
      count32[r] = detail::mpi_count(counts[r], "all_gather_rows");
      total += counts[r];
    }
    RowMatrix<Scalar> out(cols == 0 ? 0 : total / cols, cols);
    detail::mpi_check(MPI_Allgatherv(local.data(), count32[static_cast<std::size_t>(rank_)],
                                     detail::mpi_type<Scalar>(), out.data(), count32.data(),
                                     offsets.data(), detail::mpi_type<Scalar>(), comm_),
                      "MPI_Allgatherv");
    return out;
  }

  /// Concatenates the columns of every rank's `local` block (r × c_rank, column-major), rank 0
  /// first, on every rank: r × Σ c_rank. Column counts may differ (0 included); row counts must
  /// agree.
  template <class Scalar>
  [[nodiscard]] Matrix<Scalar> all_gather_columns(const Matrix<Scalar>& local) const {
    const std::vector<Index> counts = gather_counts(local.cols());
    const Index rows = all_reduce_max<std::int64_t>(local.rows());
    if (local.rows() != rows)
      throw invalid_argument("hilm::all_gather_columns: rank " + std::to_string(rank_) + " has " +
                             std::to_string(local.rows()) + " rows, another " +
                             std::to_string(rows));
    std::vector<int> count32(counts.size()), offsets(counts.size());
    Index total = 0;
    for (std::size_t r = 0; r < counts.size(); ++r) {
      offsets[r] = detail::mpi_count(total * rows, "all_gather_columns");
      count32[r] = detail::mpi_count(counts[r] * rows, "all_gather_columns");
      total += counts[r];
    }
    Matrix<Scalar> out(rows, total);
    detail::mpi_check(MPI_Allgatherv(local.data(), count32[static_cast<std::size_t>(rank_)],
                                     detail::mpi_type<Scalar>(), out.data(), count32.data(),
                                     offsets.data(), detail::mpi_type<Scalar>(), comm_),
                      "MPI_Allgatherv");
    return out;
  }

  /// Sums `full` (r × C, column-major; the same shape on every rank) over the ranks and leaves each
  /// rank its own consecutive block of columns: rank q gets columns [Σ_{p<q} cols[p], + cols[q])
  /// of the sum (`MPI_Reduce_scatter`). `cols` (one entry per rank, summing to C) must agree on
  /// every rank.
  template <class Scalar>
  [[nodiscard]] Matrix<Scalar> reduce_scatter_columns(const Matrix<Scalar>& full,
                                                      const std::vector<Index>& cols) const {
    if (static_cast<int>(cols.size()) != size_)
      throw invalid_argument("hilm::reduce_scatter_columns: " + std::to_string(cols.size()) +
                             " column counts for " + std::to_string(size_) + " ranks");
    Index total = 0;
    std::vector<int> count32(cols.size());
    for (std::size_t r = 0; r < cols.size(); ++r) {
      count32[r] = detail::mpi_count(cols[r] * full.rows(), "reduce_scatter_columns");
      total += cols[r];
    }
    if (total != full.cols())
      throw invalid_argument("hilm::reduce_scatter_columns: the column counts sum to " +
                             std::to_string(total) + ", the matrix has " +
                             std::to_string(full.cols()));
    Matrix<Scalar> out(full.rows(), cols[static_cast<std::size_t>(rank_)]);
    detail::mpi_check(MPI_Reduce_scatter(full.data(), out.data(), count32.data(),
                                         detail::mpi_type<Scalar>(), MPI_SUM, comm_),
                      "MPI_Reduce_scatter");
    return out;
  }

  /// Waits for every rank.
  void barrier() const { detail::mpi_check(MPI_Barrier(comm_), "MPI_Barrier"); }

 private:
  template <class T>
  void reduce(T* data, Index count, MPI_Op op) const {
    detail::mpi_check(MPI_Allreduce(MPI_IN_PLACE, data, detail::mpi_count(count, "all_reduce"),
                                    detail::mpi_type<T>(), op, comm_),
                      "MPI_Allreduce");
  }

  // Every rank's `mine`, in rank order.
  [[nodiscard]] std::vector<Index> gather_counts(Index mine) const {
    std::int64_t value = mine;
    std::vector<std::int64_t> counts(static_cast<std::size_t>(size_));
    detail::mpi_check(MPI_Allgather(&value, 1, MPI_INT64_T, counts.data(), 1, MPI_INT64_T, comm_),
                      "MPI_Allgather");
    return {counts.begin(), counts.end()};
  }

  MPI_Comm comm_;
  std::shared_ptr<MPI_Comm> owned_;  // set for communicators from split(): frees the handle
  int rank_ = 0;
  int size_ = 1;
};

/// Runs `work` on every rank and makes its failure collective: when `work` throws on one or more
/// ranks, every rank throws — the failing rank (the lowest, if several) its own exception, the
/// others one of the same kind (`invalid_argument`, `io_error`, `numerical_error`, else
/// `numerical_error`) whose message is the failing rank's, prefixed "rank r: ". So a CLI that maps
/// exception kinds to exit codes ends every rank with the same code, and no rank is left waiting
/// in a collective the failed rank never reaches. Costs two small collectives per call.
/// @returns what `work` returns, by value (on every rank, when no rank failed).
template <class Work>
auto collective(const Communicator& comm, Work&& work) {
  enum Kind : int { None = 0, Argument = 1, Io = 2, Numerical = 3, Other = 4 };
  std::exception_ptr failure;
  Kind kind = None;
  std::string message;
  auto run = [&]() -> decltype(auto) { return work(); };
  using Result = decltype(run());
  auto record = [&](std::exception_ptr e) {
    failure = e;
    try {
      std::rethrow_exception(e);
    } catch (const hilm::invalid_argument& x) {
      kind = Argument, message = x.what();
    } catch (const hilm::io_error& x) {
      kind = Io, message = x.what();
    } catch (const hilm::numerical_error& x) {
      kind = Numerical, message = x.what();
    } catch (const std::exception& x) {
      kind = Other, message = x.what();
    } catch (...) {
      kind = Other, message = "unknown exception";
    }
  };
  // Every rank learns the lowest failing rank, which then broadcasts its kind and message.
  auto settle = [&]() {
    const int failed = -comm.all_reduce_max(kind == None ? -comm.size() : -comm.rank());
    if (failed == comm.size()) return;
    Eigen::Matrix<std::int64_t, 1, 1> code_block;
    code_block(0) = kind;
    comm.broadcast(code_block, failed);
    comm.broadcast(message, failed);
    if (comm.rank() == failed) std::rethrow_exception(failure);
    const std::string text = "rank " + std::to_string(failed) + ": " + message;
    switch (static_cast<Kind>(code_block(0))) {
      case Argument:
        throw invalid_argument(text);
      case Io:
        throw io_error("", text);
      default:
        throw numerical_error(text);
    }
  };
  if constexpr (std::is_void_v<Result>) {
    try {
      run();
    } catch (...) {
      record(std::current_exception());
    }
    settle();
  } else {
    std::optional<std::remove_cvref_t<Result>> result;
    try {
      result.emplace(run());
    } catch (...) {
      record(std::current_exception());
    }
    settle();
    return std::move(*result);
  }
}

}  // namespace hilm

#endif  // HILM_DIST_COMMUNICATOR_HPP

/// @file
/// Row sharding for the MPI layer (`HILM_WITH_MPI`): each rank reads its own contiguous block of
/// rows of a data set, and no rank reads the whole file. `shard_rows` splits n rows into balanced
/// contiguous blocks (the first n mod p ranks get one row more); `ShardSource` restricts any
/// seekable, sized activation source to one block; `open_npy_shard` does both for a memory-mapped
/// `.npy` file (pages are released as they are consumed, so a rank's memory is bounded by its
/// batch, not by its shard — see `NpyFileSource`).
///
/// ```cpp
/// hilm::Communicator comm;
/// auto shard = hilm::open_npy_shard<double>("x.npy", comm);   // this rank's rows
/// auto stats = hilm::distributed_correlation(comm, shard);    // sharded_stats.hpp
/// ```
#ifndef HILM_DIST_ROW_SHARD_HPP
#define HILM_DIST_ROW_SHARD_HPP

#include <algorithm>
#include <string>
#include <utility>

#include <Eigen/Core>

#include <hilm/concepts/activation_source.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/dist/communicator.hpp>
#include <hilm/sources/npy_file_source.hpp>

namespace hilm {

/// Rows `[begin, end)` of a data set.
struct RowRange {
  Index begin = 0;
  Index end = 0;
  [[nodiscard]] Index size() const noexcept { return end - begin; }
};

/// The contiguous block of rank `rank` among `ranks` when n rows are split as evenly as possible:
/// the first n mod ranks ranks get ⌈n / ranks⌉ rows, the others ⌊n / ranks⌋; blocks are in rank
/// order, so concatenating them gives the rows in file order.
/// @throws invalid_argument when n < 0, ranks < 1 or rank is outside [0, ranks).
[[nodiscard]] inline RowRange shard_rows(Index n, int rank, int ranks) {
  if (n < 0 || ranks < 1 || rank < 0 || rank >= ranks)
    throw invalid_argument(
        "hilm::shard_rows: need n >= 0 and 0 <= rank < ranks, got n = " + std::to_string(n) +
        ", rank = " + std::to_string(rank) + ", ranks = " + std::to_string(ranks));
  const Index base = n / ranks, extra = n % ranks, r = rank;
  const Index begin = r * base + std::min(r, extra);
  return {begin, begin + base + (r < extra ? 1 : 0)};
}

/// A seekable, sized activation source restricted to the rows `range` of another one (owned).
/// Row 0 of the shard is row `range.begin` of the source.
template <SeekableActivationSource Source>
class ShardSource {
 public:
  using Scalar = typename Source::Scalar;

  /// @throws invalid_argument when `range` is not inside `[0, source.size()]`.
  ShardSource(Source source, RowRange range) : source_(std::move(source)), range_(range) {
    if (range_.begin < 0 || range_.end < range_.begin || range_.end > source_.size())
      throw invalid_argument("hilm::ShardSource: rows [" + std::to_string(range_.begin) + ", " +
                             std::to_string(range_.end) + ") are not inside the source's " +
                             std::to_string(source_.size()) + " rows");
    source_.seek(range_.begin);
  }

  [[nodiscard]] Index dim() const noexcept { return source_.dim(); }
  /// Rows of the shard.
  [[nodiscard]] Index size() const noexcept { return range_.size(); }
  /// The shard's rows in the whole data set.
  [[nodiscard]] RowRange range() const noexcept { return range_; }
  [[nodiscard]] Index position() const noexcept { return position_; }

  /// Fills up to `out.rows()` rows; 0 once the shard has been read.
  Index read(Eigen::Ref<RowMatrix<Scalar>> out) {
    const Index want = std::min(out.rows(), size() - position_);
    if (want <= 0) return 0;
    const Index got = source_.read(out.topRows(want));
    position_ += got;
    return got;
  }
  void rewind() { seek(0); }
  /// @param[in] row `0 <= row <= size()` (shard-relative).
  void seek(Index row) {
    if (row < 0 || row > size())
      throw invalid_argument("hilm::ShardSource::seek: row " + std::to_string(row) +
                             " outside [0, " + std::to_string(size()) + "]");
    source_.seek(range_.begin + row);
    position_ = row;
  }

 private:
  Source source_;
  RowRange range_;
  Index position_ = 0;
};

/// This rank's block of the rows of a `.npy` file (2-d, rows are samples), memory-mapped.
/// Collective: a file that fails to open on any rank ends every rank with the same error kind
/// (`collective`), so a rank with a missing or truncated file cannot leave the others waiting.
/// @throws io_error (on every rank) naming the file and the rank when any rank cannot open it.
template <class Scalar>
[[nodiscard]] ShardSource<NpyFileSource<Scalar>> open_npy_shard(const std::string& path,
                                                                const Communicator& comm,
                                                                NpyFileSourceOptions options = {}) {
  NpyFileSource<Scalar> file =
      collective(comm, [&] { return NpyFileSource<Scalar>(path, options); });
  // Every rank must see the same shape (a rank given another file would read rows that are not
  // its share): the maximum of (rows, cols, -rows, -cols) over the ranks tells.
  Eigen::Matrix<std::int64_t, 4, 1> shape;
  shape << file.size(), file.dim(), -file.size(), -file.dim();
  comm.all_reduce_max(shape);
  if (shape(0) != -shape(2) || shape(1) != -shape(3))
    throw io_error(path, "the ranks see different shapes (rows " + std::to_string(-shape(2)) +
                             "..." + std::to_string(shape(0)) + ", columns " +
                             std::to_string(-shape(3)) + "..." + std::to_string(shape(1)) + ")");
  const RowRange range = shard_rows(file.size(), comm.rank(), comm.size());
  return ShardSource<NpyFileSource<Scalar>>(std::move(file), range);
}

}  // namespace hilm

#endif  // HILM_DIST_ROW_SHARD_HPP

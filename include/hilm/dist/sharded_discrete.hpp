/// @file
/// The χ² and G² conditional-independence tests on row-sharded discrete data (MPI layer,
/// `HILM_WITH_MPI`): every rank holds some rows; the codes of each column are agreed over all
/// ranks (the union of the values, in increasing order, as `encode_discrete` does on the whole
/// data set); for each test the ranks count their rows into contingency tables over the same
/// strata and all-reduce the counts, and every rank computes the statistic from the summed tables
/// with the code of `DiscreteCiTest` — so statistic, degrees of freedom and p-value are the
/// single-process ones exactly (counts are integers, summed exactly in double), and PC on top
/// finds the same graph.
///
/// Strata are the configurations of the conditioning set in lexicographic order; where their
/// number would outgrow the data (the single-process test compresses them there) the ranks
/// all-gather the configurations they hold and number the union. Each test is one all-reduce of
/// its tables (at most about 8 × rows × |X||Y| numbers, usually far fewer), so a test is
/// collective: `test` is not const, and `hilm::pc` therefore runs the tests one after another on
/// every rank.
///
/// ```cpp
/// hilm::MpiSession session(&argc, &argv);
/// hilm::Communicator comm;
/// hilm::ShardedDiscreteCiTest test(comm, my_rows);   // this rank's rows, integer values
/// const hilm::PcResult graph = hilm::pc(test);        // the same graph on every rank
/// ```
#ifndef HILM_DIST_SHARDED_DISCRETE_HPP
#define HILM_DIST_SHARDED_DISCRETE_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <hilm/concepts/ci_test.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/dist/communicator.hpp>
#include <hilm/stats/detail/contingency.hpp>
#include <hilm/stats/detail/indices.hpp>
#include <hilm/stats/discrete_types.hpp>

namespace hilm {

namespace detail {

/// The sorted union over the ranks of every rank's sorted, distinct `mine`.
template <class T>
std::vector<T> union_over_ranks(const Communicator& comm, const std::vector<T>& mine) {
  RowMatrix<T> local(static_cast<Index>(mine.size()), 1);
  for (std::size_t i = 0; i < mine.size(); ++i) local(static_cast<Index>(i), 0) = mine[i];
  const RowMatrix<T> all = comm.all_gather_rows(local);
  std::vector<T> out(all.data(), all.data() + all.size());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

/// Renumbers `ids` by their rank in the union over all ranks; returns the union's size.
inline std::int64_t compress_over_ranks(const Communicator& comm, std::vector<std::int64_t>& ids) {
  std::vector<std::int64_t> mine = ids;
  std::sort(mine.begin(), mine.end());
  mine.erase(std::unique(mine.begin(), mine.end()), mine.end());
  const std::vector<std::int64_t> all = union_over_ranks(comm, mine);
  for (auto& id : ids) id = std::lower_bound(all.begin(), all.end(), id) - all.begin();
  return static_cast<std::int64_t>(all.size());
}

}  // namespace detail

/// Codes this rank's rows with codes agreed over all ranks: column j's values map to their rank
/// in the sorted union of column j's values over every rank (what `encode_discrete` gives for the
/// rows of all ranks stacked). Collective.
/// @throws invalid_argument (on every rank) when an entry of any rank is not a finite integer,
///   the ranks disagree on the number of columns, or no rank has a row.
template <class Derived>
[[nodiscard]] DiscreteData encode_discrete_sharded(const Communicator& comm,
                                                   const Eigen::MatrixBase<Derived>& local) {
  const Index n = local.rows(), p = local.cols();
  collective(comm, [&] {
    for (Index j = 0; j < p; ++j)
      for (Index i = 0; i < n; ++i) {
        const auto v = static_cast<double>(local(i, j));
        if (!std::isfinite(v) || v != std::floor(v))
          throw invalid_argument("discrete test: value at local row " + std::to_string(i) +
                                 ", column " + std::to_string(j) + " of rank " +
                                 std::to_string(comm.rank()) + " is not an integer (" +
                                 std::to_string(v) + ")");
      }
  });
  if (comm.all_reduce_max<std::int64_t>(p) != p || -comm.all_reduce_max<std::int64_t>(-p) != p)
    throw invalid_argument("encode_discrete_sharded: the ranks hold different numbers of columns");
  if (comm.all_reduce_sum<std::int64_t>(n) < 1)
    throw invalid_argument("encode_discrete_sharded: no rank holds a row");
  DiscreteData out;
  out.codes.resize(n, p);
  out.levels.resize(static_cast<std::size_t>(p));
  out.values.resize(static_cast<std::size_t>(p));
  for (Index j = 0; j < p; ++j) {
    std::vector<double> mine(static_cast<std::size_t>(n));
    for (Index i = 0; i < n; ++i)
      mine[static_cast<std::size_t>(i)] = static_cast<double>(local(i, j));
    std::sort(mine.begin(), mine.end());
    mine.erase(std::unique(mine.begin(), mine.end()), mine.end());
    std::vector<double> all = detail::union_over_ranks(comm, mine);
    for (Index i = 0; i < n; ++i) {
      const auto v = static_cast<double>(local(i, j));
      out.codes(i, j) =
          static_cast<std::int32_t>(std::lower_bound(all.begin(), all.end(), v) - all.begin());
    }
    out.levels[static_cast<std::size_t>(j)] = static_cast<std::int32_t>(all.size());
    out.values[static_cast<std::size_t>(j)] = std::move(all);
  }
  return out;
}

/// Pearson χ² / G² test of X_x ⫫ X_y | X_z on row-sharded discrete data (models `hilm::CiTest`;
/// every call is collective).
class ShardedDiscreteCiTest {
 public:
  /// From this rank's rows (integer values, any scalar type). Collective.
  template <class Derived>
  ShardedDiscreteCiTest(const Communicator& comm, const Eigen::MatrixBase<Derived>& local,
                        DiscreteTestOptions options = {})
      : comm_(comm), data_(encode_discrete_sharded(comm, local)), options_(options) {
    total_rows_ = comm_.all_reduce_sum<std::int64_t>(data_.codes.rows());
  }

  /// Tests X_x ⫫ X_y | X_z over the rows of all ranks. Collective: every rank calls it with the
  /// same arguments, in the same order.
  /// @throws invalid_argument on bad indices (on every rank: the indices are the same).
  [[nodiscard]] CiResult test(Index x, Index y, std::span<const Index> z) {
    detail::check_ci_indices("ShardedDiscreteCiTest", num_variables(), x, y, z);
    const Index n = data_.codes.rows();
    const std::int64_t cx = data_.levels[static_cast<std::size_t>(x)];
    const std::int64_t cy = data_.levels[static_cast<std::size_t>(y)];
    // Lexicographic ids of the conditioning configurations, compressed over all ranks whenever
    // their range would exceed 4N (the bound of detail::stratum_ids, with N the rows of all ranks).
    std::vector<std::int64_t> ids(static_cast<std::size_t>(n), 0);
    std::int64_t num_strata = 1;
    const std::int64_t bound = 4 * total_rows_ + 1024;
    for (Index k : z) {
      const std::int64_t card = data_.levels[static_cast<std::size_t>(k)];
      if (num_strata > bound / std::max<std::int64_t>(card, 1))
        num_strata = detail::compress_over_ranks(comm_, ids);
      for (Index i = 0; i < n; ++i)
        ids[static_cast<std::size_t>(i)] =
            ids[static_cast<std::size_t>(i)] * card + data_.codes(i, k);
      num_strata *= card;
    }
    if (num_strata * cx * cy > 8 * total_rows_ + 4096)
      num_strata = detail::compress_over_ranks(comm_, ids);
    const std::int64_t cells = cx * cy;
    Vector<double> counts = Vector<double>::Zero(num_strata * cells);
    for (Index i = 0; i < n; ++i)
      counts(ids[static_cast<std::size_t>(i)] * cells + std::int64_t{data_.codes(i, x)} * cy +
             data_.codes(i, y)) += 1.0;
    comm_.all_reduce_sum(counts);
    const std::vector<double> tables(counts.data(), counts.data() + counts.size());
    return detail::contingency_result(tables, num_strata, cx, cy, data_.levels, z, options_);
  }

  /// Number of variables p.
  [[nodiscard]] Index num_variables() const noexcept { return data_.codes.cols(); }
  /// Rows of all ranks together.
  [[nodiscard]] Index sample_size() const noexcept { return total_rows_; }
  /// This rank's coded rows (codes agreed over the ranks).
  [[nodiscard]] const DiscreteData& data() const noexcept { return data_; }

 private:
  Communicator comm_;
  DiscreteData data_;
  DiscreteTestOptions options_;
  std::int64_t total_rows_ = 0;
};

}  // namespace hilm

#endif  // HILM_DIST_SHARDED_DISCRETE_HPP

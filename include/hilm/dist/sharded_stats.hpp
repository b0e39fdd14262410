/// @file
/// Sufficient statistics of CI and rank tests from row-sharded data (MPI layer, `HILM_WITH_MPI`):
/// every rank streams its own rows, the ranks all-reduce column sums and then centred scatter
/// matrices, and every rank ends with the correlation matrix of the whole data set — the shared
/// sufficient statistic of Fisher-z and of the CCA rank tests — without any rank holding more
/// than one batch. PC on top is `pc(FisherZTest(stats.correlation, stats.sample_size))`, the same
/// graph as the single-process run on the concatenated rows.
///
/// Two passes (mean first, then the scatter about it), as the single-process
/// `correlation_matrix` does, rather than one pass of raw cross-products: Σxxᵀ − n x̄x̄ᵀ loses
/// digits to cancellation when means are large against spreads. The statistics differ from the
/// single-process ones only by summation order (≈ 1e-15 relative).
///
/// ```cpp
/// hilm::MpiSession session(&argc, &argv);
/// hilm::Communicator comm;
/// auto shard = hilm::open_npy_shard<double>("x.npy", comm);
/// const auto stats = hilm::distributed_correlation(comm, shard);
/// hilm::FisherZTest test(stats.correlation, stats.sample_size);
/// hilm::PcResult graph = hilm::pc(test);               // identical on every rank
/// ```
#ifndef HILM_DIST_SHARDED_STATS_HPP
#define HILM_DIST_SHARDED_STATS_HPP

#include <algorithm>
#include <string>

#include <Eigen/Core>

#include <hilm/concepts/activation_source.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/dist/communicator.hpp>
#include <hilm/stats/fisher_z.hpp>

namespace hilm {

/// The reduced statistics: identical on every rank.
struct CorrelationStats {
  Matrix<double> correlation;  ///< p × p, unit diagonal (`hilm::correlation_matrix`'s result)
  Vector<double> mean;         ///< p column means
  Matrix<double> scatter;  ///< p × p Σ (x − x̄)(x − x̄)ᵀ (divide by n − 1 for the covariance)
  Index sample_size = 0;  ///< rows over all ranks
};

/// Correlation matrix of the rows of every rank's `source`, taken together (collective). Reads
/// each source twice (`rewind` between), `batch` rows at a time.
/// @throws invalid_argument (on every rank) when the ranks' dimensions differ, fewer than 2 rows
///         exist in total, a value is not finite (naming the rank) or a column is constant.
template <ActivationSource Source>
[[nodiscard]] CorrelationStats distributed_correlation(const Communicator& comm, Source& source,
                                                       Index batch = 4096) {
  using Scalar = typename Source::Scalar;
  const Index p = source.dim();
  Eigen::Matrix<std::int64_t, 2, 1> dims;
  dims << p, -p;
  comm.all_reduce_max(dims);
  if (dims(0) != -dims(1))
    throw invalid_argument("hilm::distributed_correlation: the ranks' sources have " +
                           std::to_string(-dims(1)) + " to " + std::to_string(dims(0)) +
                           " columns");
  RowMatrix<Scalar> buffer(std::max<Index>(batch, 1), p);
  CorrelationStats out;
  // Pass 1: sums and counts (a non-finite value on any rank fails every rank).
  Vector<double> sum = Vector<double>::Zero(p);
  std::int64_t rows = 0;
  collective(comm, [&] {
    source.rewind();
    for (Index got; (got = source.read(buffer)) > 0;) {
      const auto block = buffer.topRows(got).template cast<double>();
      if (!block.allFinite())
        throw invalid_argument("hilm::distributed_correlation: rank " +
                               std::to_string(comm.rank()) + "'s rows contain NaN or Inf");
      sum += block.colwise().sum().transpose();
      rows += got;
    }
  });
  comm.all_reduce_sum(sum);
  out.sample_size = comm.all_reduce_sum(rows);
  if (out.sample_size < 2)
    throw invalid_argument("hilm::distributed_correlation: need at least 2 rows, got " +
                           std::to_string(out.sample_size));
  out.mean = sum / static_cast<double>(out.sample_size);
  // Pass 2: the scatter about the global mean (lower triangle, then mirrored).
  Matrix<double> scatter = Matrix<double>::Zero(p, p);
  collective(comm, [&] {
    source.rewind();
    Matrix<double> centred;
    for (Index got; (got = source.read(buffer)) > 0;) {
      centred = buffer.topRows(got).template cast<double>();
      centred.rowwise() -= out.mean.transpose();
      scatter.template selfadjointView<Eigen::Lower>().rankUpdate(centred.transpose());
    }
  });
  comm.all_reduce_sum(scatter);
  out.scatter = scatter.template selfadjointView<Eigen::Lower>();
  out.correlation = hilm::detail::correlation_from_scatter(out.scatter);
  return out;
}

}  // namespace hilm

#endif  // HILM_DIST_SHARDED_STATS_HPP

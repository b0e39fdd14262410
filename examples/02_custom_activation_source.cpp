// A custom activation source: activations kept in "shards" of uneven length (think: one file per
// chunk written by a Python exporter), streamed to hilm as one continuous sequence of rows.
//
// The example shows the four steps of docs/activation-sources.md:
//   1. write the class (Scalar, dim(), read(), rewind(); optional size() and seek());
//   2. check it at compile time with static_assert(hilm::ActivationSource<...>);
//   3. check it at run time with hilm::testing::check_source_contract;
//   4. stream it in batches (here: per-feature mean and variance over two passes).
#include <algorithm>
#include <cstdio>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <hilm/concepts/activation_source.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/random.hpp>
#include <hilm/core/types.hpp>
#include <hilm/testing/source_conformance.hpp>

namespace {

using hilm::Index;
using hilm::RowMatrix;

// Step 1: the source. It does not own the shards (like every hilm source, it is a view): they
// must outlive it. Each shard is a row-major n_i × d block.
class ShardedSource {
 public:
  using Scalar = float;  // required: the element type of the rows

  ShardedSource(const std::vector<RowMatrix<float>>& shards, Index dim)
      : shards_(&shards), dim_(dim) {
    for (const RowMatrix<float>& shard : shards) {
      if (shard.cols() != dim) {
        hilm::detail::raise<hilm::invalid_argument>("ShardedSource: a shard has the wrong width");
      }
      total_ += shard.rows();
    }
  }

  // Required: features per row, constant.
  [[nodiscard]] Index dim() const { return dim_; }

  // Optional (SizedActivationSource): rows per pass.
  [[nodiscard]] Index size() const { return total_; }

  // Required: fill the top rows of `out` with the next rows, crossing shard boundaries as needed;
  // return how many were written, 0 once the pass has ended. Never more than out.rows().
  Index read(Eigen::Ref<RowMatrix<float>> out) {
    Index written = 0;
    while (written < out.rows() && shard_ < shards_->size()) {
      const RowMatrix<float>& shard = (*shards_)[shard_];
      const Index take = std::min(out.rows() - written, shard.rows() - row_in_shard_);
      // out may have an outer stride: use Eigen blocks, never raw pointer arithmetic.
      out.middleRows(written, take) = shard.middleRows(row_in_shard_, take);
      written += take;
      row_in_shard_ += take;
      if (row_in_shard_ == shard.rows()) {  // move on to the next shard
        ++shard_;
        row_in_shard_ = 0;
      }
    }
    return written;  // 0 at the end, and it stays 0 until rewind(): the position no longer moves
  }

  // Required: start the next pass from the first row (every pass yields the same rows).
  void rewind() {
    shard_ = 0;
    row_in_shard_ = 0;
  }

  // Optional (SeekableActivationSource): continue the pass at `row`, 0 <= row <= size().
  void seek(Index row) {
    if (row < 0 || row > total_) {
      hilm::detail::raise<hilm::invalid_argument>("ShardedSource::seek: `row` out of range");
    }
    rewind();
    while (shard_ < shards_->size() && row >= (*shards_)[shard_].rows()) {
      row -= (*shards_)[shard_].rows();
      ++shard_;
    }
    row_in_shard_ = row;
  }

 private:
  const std::vector<RowMatrix<float>>* shards_;
  Index dim_;
  Index total_ = 0;
  std::size_t shard_ = 0;
  Index row_in_shard_ = 0;
};

// Step 2: compile-time check, next to the class.
static_assert(hilm::ActivationSource<ShardedSource>);
static_assert(hilm::SeekableActivationSource<ShardedSource>);

}  // namespace

int main() {
  try {
    // Synthetic activations: 5 shards of uneven length, d = 16, feature j has mean j / 4.
    const Index d = 16;
    hilm::Random rng(2024);
    std::vector<RowMatrix<float>> shards;
    for (const Index rows : {300, 17, 1, 512, 170}) {
      RowMatrix<float> shard(rows, d);
      for (Index i = 0; i < rows; ++i)
        for (Index j = 0; j < d; ++j)
          shard(i, j) = static_cast<float>(static_cast<double>(j) / 4.0 + rng.normal());
      shards.push_back(std::move(shard));
    }
    ShardedSource source(shards, d);

    // Step 3: run-time contract check (what a user would put in their own unit test).
    const hilm::testing::SourceContractReport report = hilm::testing::check_source_contract(source);
    if (!report.ok) {
      std::fprintf(stderr, "the source breaks the contract:\n%s", report.message().c_str());
      return 1;
    }
    std::printf("contract check passed: %ld rows per pass, %ld features\n",
                static_cast<long>(report.rows_per_pass), static_cast<long>(source.dim()));

    // Step 4: stream it. Pass 1 computes the mean, pass 2 the variance around it, in batches of
    // 128 rows; the last batch of a pass is short, and 0 ends the pass.
    RowMatrix<float> batch(128, d);
    Eigen::RowVectorXd mean = Eigen::RowVectorXd::Zero(d);
    Eigen::RowVectorXd variance = Eigen::RowVectorXd::Zero(d);
    Index rows = 0, batches = 0;
    source.rewind();
    for (Index got; (got = source.read(batch)) > 0; rows += got, ++batches) {
      mean += batch.topRows(got).cast<double>().colwise().sum();
    }
    mean /= static_cast<double>(rows);
    source.rewind();
    for (Index got; (got = source.read(batch)) > 0;) {
      const Eigen::MatrixXd centred = batch.topRows(got).cast<double>().rowwise() - mean;
      variance += centred.array().square().matrix().colwise().sum();
    }
    variance /= static_cast<double>(rows - 1);

    std::printf("streamed %ld rows in %ld batches per pass\n", static_cast<long>(rows),
                static_cast<long>(batches));
    std::printf("feature  0: mean %6.3f (planted 0.000), variance %.3f (planted 1)\n", mean(0),
                variance(0));
    std::printf("feature 15: mean %6.3f (planted 3.750), variance %.3f (planted 1)\n", mean(15),
                variance(15));
  } catch (const hilm::error& e) {
    std::fprintf(stderr, "02_custom_activation_source: %s\n", e.message());
    return 1;
  }
  return 0;
}

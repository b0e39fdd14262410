// Batches for training: a shuffle buffer over any activation source, resumable exactly.
//
// The pass is cut into chunks of `buffer_rows` rows. A seekable source is read chunk by chunk
// in a random chunk order (a new order every epoch); any other source is read in order. The
// rows of the chunk in the buffer are served in a random permutation. Every permutation comes
// from `Random(seed).stream(...)` keyed by (epoch, chunk), so the loader's whole state is three
// integers, which is what makes checkpoints resume bit for bit. Memory: one chunk (buffer_rows
// × d) whatever the size of the data.
#ifndef HILM_SAE_DETAIL_LOADER_HPP
#define HILM_SAE_DETAIL_LOADER_HPP

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <hilm/concepts/activation_source.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/random.hpp>
#include <hilm/core/types.hpp>

namespace hilm::detail {

/// Position of a loader: chunk `chunk` of epoch `epoch` is in the buffer and `offset` of its
/// rows have been served.
struct SaeLoaderState {
  std::int64_t epoch = 0;
  std::int64_t chunk = 0;
  std::int64_t offset = 0;
};

template <class Source>
class SaeLoader {
 public:
  using Scalar = typename Source::Scalar;

  SaeLoader(Source& source, Index buffer_rows, bool shuffle, std::uint64_t seed)
      : source_(source),
        buffer_rows_(buffer_rows),
        shuffle_(shuffle),
        base_(seed ^ 0x5AE5AE5AE5AE5AE5ULL),
        buffer_(buffer_rows, source.dim()) {
    if constexpr (SeekableActivationSource<Source>) {
      const Index n = static_cast<Index>(source_.size());
      chunks_ = (n + buffer_rows_ - 1) / buffer_rows_;
    }
  }

  /// Positions the loader (and the source) at `state`.
  void restore(const SaeLoaderState& state) {
    state_ = state;
    make_order();
    source_.rewind();
    if constexpr (!SeekableActivationSource<Source>) {
      // Sequential sources: skip the chunks already consumed in this epoch.
      for (std::int64_t c = 0; c < state_.chunk; ++c) {
        if (fill() == 0) break;
      }
    }
    load();
    if (filled_ == 0 && state_.chunk > 0) {  // the saved chunk was past the end: next epoch
      next_epoch();
    } else if (filled_ == 0) {
      empty_source();
    } else {
      state_.offset = std::min<std::int64_t>(state.offset, filled_);
    }
  }

  [[nodiscard]] const SaeLoaderState& state() const noexcept { return state_; }

  /// Fills every row of `out`; `row_ids[i]` receives the position of row i in the pass.
  void next(Eigen::Ref<RowMatrix<Scalar>> out, std::vector<Index>& row_ids) {
    row_ids.resize(static_cast<std::size_t>(out.rows()));
    for (Index i = 0; i < out.rows(); ++i) {
      if (state_.offset >= filled_) advance();
      const Index local = perm_[static_cast<std::size_t>(state_.offset++)];
      out.row(i) = buffer_.row(local);
      row_ids[static_cast<std::size_t>(i)] = chunk_start_ + local;
    }
  }

 private:
  [[noreturn]] void empty_source() const {
    raise<invalid_argument>("SparseAutoencoder::fit: the activation source yields no rows");
  }

  void make_order() {
    order_.clear();
    if constexpr (SeekableActivationSource<Source>) {
      order_.resize(static_cast<std::size_t>(chunks_));
      std::iota(order_.begin(), order_.end(), Index(0));
      if (shuffle_) {
        Random rng = base_.stream(static_cast<std::uint64_t>(state_.epoch) << 32);
        rng.shuffle(order_.begin(), order_.end());
      }
    }
  }

  // Reads up to buffer_rows rows at the source's position into the buffer.
  Index fill() {
    Index got = 0;
    while (got < buffer_rows_) {
      const Index r = static_cast<Index>(source_.read(buffer_.middleRows(got, buffer_rows_ - got)));
      if (r <= 0) break;
      got += r;
    }
    return got;
  }

  void load() {
    filled_ = 0;
    if constexpr (SeekableActivationSource<Source>) {
      if (state_.chunk < chunks_) {
        chunk_start_ = order_[static_cast<std::size_t>(state_.chunk)] * buffer_rows_;
        source_.seek(chunk_start_);
        filled_ = fill();
      }
    } else {
      chunk_start_ = static_cast<Index>(state_.chunk) * buffer_rows_;
      filled_ = fill();
    }
    perm_.resize(static_cast<std::size_t>(filled_));
    std::iota(perm_.begin(), perm_.end(), Index(0));
    if (shuffle_) {
      Random rng = base_.stream((static_cast<std::uint64_t>(state_.epoch) << 32) +
                                static_cast<std::uint64_t>(state_.chunk) + 1);
      rng.shuffle(perm_.begin(), perm_.end());
    }
    state_.offset = 0;
  }

  void next_epoch() {
    ++state_.epoch;
    state_.chunk = 0;
    make_order();
    source_.rewind();
    load();
    if (filled_ == 0) empty_source();
  }

  void advance() {
    ++state_.chunk;
    load();
    if (filled_ == 0) next_epoch();
  }

  Source& source_;
  Index buffer_rows_;
  bool shuffle_;
  Random base_;
  RowMatrix<Scalar> buffer_;
  std::vector<Index> perm_;
  std::vector<Index> order_;
  Index chunks_ = 0;
  Index filled_ = 0;
  Index chunk_start_ = 0;
  SaeLoaderState state_;
};

}  // namespace hilm::detail

#endif  // HILM_SAE_DETAIL_LOADER_HPP

/// @file
/// The training history of `SparseAutoencoder`: per-latent firing counters (for dead and dense
/// latents) updated after every step, and the closing of a history interval into one
/// `SaeHistoryEntry` (averages over the interval's steps, in the input's units).
#ifndef HILM_SAE_DETAIL_HISTORY_HPP
#define HILM_SAE_DETAIL_HISTORY_HPP

#include <algorithm>
#include <cstdint>

#include <hilm/core/types.hpp>
#include <hilm/sae/detail/kernels.hpp>
#include <hilm/sae/detail/train_state.hpp>
#include <hilm/sae/options.hpp>
#include <hilm/sae/result.hpp>
#include <hilm/sae/weights.hpp>

namespace hilm::detail {

/// Rows without firing after which a latent counts as dead: `dead_after_rows`, or every row
/// seen so far when fewer.
template <class Scalar>
[[nodiscard]] std::int64_t sae_dead_rows_limit(const SaeOptions& options,
                                               const SaeTrainState<Scalar>& st) {
  return std::min<std::int64_t>(options.dead_after_rows, std::max<std::int64_t>(st.rows_seen, 1));
}

/// Updates the firing counters from the activations of a batch of `batch` rows: latents that
/// fired reset their rows-since-firing, the others add `batch` to it.
template <class Scalar>
void sae_record_fires(const SaeEntries<Scalar>& en, Index m, Index batch,
                      SaeTrainState<Scalar>& st) {
  for (Index j = 0; j < m; ++j) {
    std::int64_t fires = 0;
    for (Index s = en.col_start[j]; s < en.col_start[j + 1]; ++s) {
      fires += en.z[en.order[s]] != Scalar(0) ? 1 : 0;
    }
    auto& since = st.since_fired[static_cast<std::size_t>(j)];
    since = fires > 0 ? 0 : since + batch;
    st.interval_fires[static_cast<std::size_t>(j)] += fires;
  }
}

/// Closes the current history interval (if it has steps): appends its averages, with `lr` as
/// the learning rate, to `st.history` and clears the interval's sums.
template <class Scalar>
void sae_close_interval(const SaeOptions& options, const SaeWeights<Scalar>& weights,
                        SaeTrainState<Scalar>& st, double lr) {
  if (st.interval_steps == 0) return;
  const Index m = weights.d_sae();
  const double rows = static_cast<double>(st.interval_rows);
  const double s2 =
      static_cast<double>(weights.input_scale) * static_cast<double>(weights.input_scale);
  SaeHistoryEntry h;
  h.step = st.step;
  h.rows = st.rows_seen;
  h.loss = st.interval_loss / static_cast<double>(st.interval_steps);
  h.learning_rate = lr;
  h.metrics.rows = st.interval_rows;
  h.metrics.mse = st.interval_sse / (rows * static_cast<double>(st.d)) / s2;
  h.metrics.explained_variance = st.interval_sst > 0 ? 1 - st.interval_sse / st.interval_sst : 0;
  h.metrics.l0 = st.interval_active / rows;
  const std::int64_t limit = sae_dead_rows_limit(options, st);
  Index dead = 0, dense = 0;
  for (Index j = 0; j < m; ++j) {
    dead += st.since_fired[static_cast<std::size_t>(j)] >= limit ? 1 : 0;
    dense += static_cast<double>(st.interval_fires[static_cast<std::size_t>(j)]) >
                     options.dense_threshold * rows
                 ? 1
                 : 0;
  }
  h.metrics.dead_fraction = static_cast<double>(dead) / static_cast<double>(m);
  h.metrics.dense_fraction = static_cast<double>(dense) / static_cast<double>(m);
  st.history.push_back(h);
  st.interval_steps = st.interval_rows = 0;
  st.interval_loss = st.interval_sse = st.interval_sst = st.interval_active = 0;
  std::fill(st.interval_fires.begin(), st.interval_fires.end(), 0);
}

}  // namespace hilm::detail

#endif  // HILM_SAE_DETAIL_HISTORY_HPP

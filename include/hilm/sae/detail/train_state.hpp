/// @file
/// `SaeTrainState`: everything besides the weights that `SparseAutoencoder` carries from step to
/// step — Adam moments, schedule, data position, firing counters and the history interval being
/// accumulated — and so everything a checkpoint must hold to resume bit for bit.
#ifndef HILM_SAE_DETAIL_TRAIN_STATE_HPP
#define HILM_SAE_DETAIL_TRAIN_STATE_HPP

#include <cstdint>
#include <vector>

#include <hilm/core/types.hpp>
#include <hilm/sae/detail/kernels.hpp>
#include <hilm/sae/detail/loader.hpp>
#include <hilm/sae/result.hpp>

namespace hilm::detail {

/// Everything besides the weights that a checkpoint must hold to resume bit for bit.
template <class Scalar>
struct SaeTrainState {
  Index d = 0;
  Vector<Scalar> log_threshold;
  SaeParamSet<Scalar> adam_m, adam_v;
  std::int64_t step = 0, total_steps = 0, warmup = 0, rows_seen = 0;
  double base_lr = 0;
  double batch_threshold = -1;  // BatchTopK running threshold (< 0: not yet set)
  std::vector<std::int64_t> since_fired;
  std::vector<std::int64_t> interval_fires;
  SaeLoaderState loader;
  // current history interval
  std::int64_t interval_steps = 0, interval_rows = 0;
  double interval_loss = 0, interval_sse = 0, interval_sst = 0, interval_active = 0;
  std::vector<SaeHistoryEntry> history;
};

}  // namespace hilm::detail

#endif  // HILM_SAE_DETAIL_TRAIN_STATE_HPP

/// @file
/// `hilm::SparseAutoencoder`: trains a sparse autoencoder (TopK, BatchTopK, ReLU + L1, JumpReLU;
/// optional Matryoshka nesting) on any `ActivationSource`, and `evaluate_sae` for the standard
/// metrics. Under the sparsity conditions of DESIGN.md §1 the learned codes recover the true
/// latents up to permutation and a per-latent increasing map (check T9). The result types
/// (`SaeResult`, `SaeMetrics`, `SaeHistoryEntry`) are in `hilm/sae/result.hpp`, included here.
///
/// ```cpp
/// hilm::RowMatrix<float> x = ...;                      // n × d activations
/// hilm::MatrixSource source(x);
/// hilm::SparseAutoencoder<float> sae({.latents = 4096, .k = 32, .epochs = 4});
/// hilm::SaeResult result = sae.fit(source);
/// hilm::RowMatrix<float> z = sae.encode(x);              // n × 4096, 32 non-zeros per row
/// ```
#ifndef HILM_SAE_SPARSE_AUTOENCODER_HPP
#define HILM_SAE_SPARSE_AUTOENCODER_HPP

#include <algorithm>
#include <chrono>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <hilm/concepts/activation_source.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/progress.hpp>
#include <hilm/core/status.hpp>
#include <hilm/core/types.hpp>
#include <hilm/sae/detail/adam.hpp>
#include <hilm/sae/detail/checkpoint.hpp>
#include <hilm/sae/detail/history.hpp>
#include <hilm/sae/detail/init.hpp>
#include <hilm/sae/detail/kernels.hpp>
#include <hilm/sae/detail/loader.hpp>
#include <hilm/sae/detail/train_state.hpp>
#include <hilm/sae/options.hpp>
#include <hilm/sae/result.hpp>
#include <hilm/sae/weights.hpp>

namespace hilm {

/// Sparse autoencoder trained by Adam over an activation source (see the file comment and
/// `docs/sae.md`). The constructor only validates; `fit` trains.
///
/// Determinism: the same options, data and thread count give bit-identical weights; a run
/// resumed from a checkpoint gives the same weights as an uninterrupted run.
///
/// @tparam Scalar float (default) or double.
template <std::floating_point Scalar = float>
class SparseAutoencoder {
 public:
  using Weights = SaeWeights<Scalar>;

  /// Validates `options`; does not train.
  /// @throws invalid_argument naming the offending option.
  explicit SparseAutoencoder(SaeOptions options) : options_(std::move(options)) {
    if (auto problem = options_.validate()) detail::raise<invalid_argument>(*problem);
  }

  /// Trains on `source`. Starts from scratch unless `load_checkpoint` was called since the last
  /// `fit`, in which case training continues from the checkpoint.
  ///
  /// @param[in,out] source rows of an n × d data set; read in passes, rewound as needed. Must
  ///                outlive the call. Its `Scalar` must equal the SAE's.
  /// @returns status, counters, final metrics and history.
  /// @throws invalid_argument if the source is empty, d differs from a resumed checkpoint's,
  ///         `auxk` is out of range, or (with `check_finite`) a value is NaN/Inf.
  template <ActivationSource Source>
  SaeResult fit(Source& source) {
    detail::check_activation_source<Source, Scalar>();
    const auto start = std::chrono::steady_clock::now();
    const Index d = static_cast<Index>(source.dim());
    if (d < 1) detail::raise<invalid_argument>("SparseAutoencoder::fit: source.dim() must be >= 1");
    const bool resuming = resume_;
    resume_ = false;
    counted_rows_ = -1;
    auto& st = state_;
    double count_seconds = 0;
    if (resuming) {
      if (st.d != d) {
        detail::raise<invalid_argument>(
            "SparseAutoencoder::fit: the checkpoint was trained on d = " + std::to_string(st.d) +
            " features but the source has d = " + std::to_string(d));
      }
    } else {
      detail::sae_initialise(options_, source, d, weights_, st);
      const auto count_start = std::chrono::steady_clock::now();
      st.total_steps = detail::sae_schedule_steps<Scalar>(options_, source, counted_rows_);
      count_seconds = seconds_since(count_start);
      st.warmup = options_.warmup_steps >= 0
                      ? options_.warmup_steps
                      : std::clamp<std::int64_t>(st.total_steps / 20, 1, 1000);
    }
    const Index batch = options_.batch_size;
    const Index buffer_rows =
        options_.shuffle_buffer_rows > 0 ? options_.shuffle_buffer_rows : batch;
    detail::SaeLoader<Source> loader(source, buffer_rows, options_.shuffle_buffer_rows > 0,
                                     options_.seed);
    loader.restore(st.loader);

    detail::SaeStepContext<Scalar> ctx = detail::sae_step_context(options_, st, d);
    detail::SaeWorkspace<Scalar> ws;
    RowMatrix<Scalar> x(batch, d);
    std::vector<Index> row_ids;
    SaeResult result;
    result.status = FitStatus::MaxIterations;
    const Index m = options_.latents;
    const auto loop_start = std::chrono::steady_clock::now();

    while (st.step < st.total_steps) {
      loader.next(x, row_ids);
      if (options_.check_finite) detail::sae_check_batch(x, row_ids);
      if (weights_.input_scale != Scalar(1)) x *= weights_.input_scale;
      // Schedule.
      const double lr = detail::sae_learning_rate(options_, st, st.step);
      const double warm = options_.sparsity_warmup_fraction > 0
                              ? std::min(1.0, static_cast<double>(st.step + 1) /
                                                  (options_.sparsity_warmup_fraction *
                                                   static_cast<double>(st.total_steps)))
                              : 1.0;
      if (options_.architecture == SaeArchitecture::ReLU) {
        ctx.sparsity_coefficient = options_.l1_coefficient * warm;
      } else if (options_.architecture == SaeArchitecture::JumpReLU) {
        ctx.sparsity_coefficient = options_.l0_coefficient * warm;
      }
      ctx.dead.clear();
      const std::int64_t dead_limit = detail::sae_dead_rows_limit(options_, st);
      if (ctx.auxk_coefficient > 0) {
        for (Index j = 0; j < m; ++j) {
          if (st.since_fired[static_cast<std::size_t>(j)] >= dead_limit && dead_limit > 0) {
            ctx.dead.push_back(j);
          }
        }
      }
      const detail::SaeStepStats stats = detail::sae_forward_backward(weights_, ctx, x, ws);
      if (!std::isfinite(stats.loss)) {
        result.status = FitStatus::NumericalIssue;
        result.message = "the loss became non-finite at step " + std::to_string(st.step);
        break;
      }
      detail::sae_apply_update(options_, weights_, st, ws.grad, lr);
      if (options_.architecture == SaeArchitecture::BatchTopK && stats.batch_threshold > 0) {
        const double mu = options_.batchtopk_threshold_momentum;
        st.batch_threshold = st.batch_threshold < 0
                                 ? stats.batch_threshold
                                 : (1 - mu) * st.batch_threshold + mu * stats.batch_threshold;
        weights_.threshold.setConstant(static_cast<Scalar>(st.batch_threshold));
      }
      detail::sae_record_fires(ws.main, m, batch, st);
      ++st.step;
      st.rows_seen += batch;
      st.interval_steps += 1;
      st.interval_rows += batch;
      st.interval_loss += stats.loss;
      st.interval_sse += stats.sse;
      st.interval_sst += stats.sst;
      st.interval_active += stats.active;
      st.loader = loader.state();
      if (st.interval_steps >= options_.history_interval || st.step == st.total_steps) {
        detail::sae_close_interval(options_, weights_, st, lr);
      }
      if (options_.checkpoint_every > 0 && st.step % options_.checkpoint_every == 0) {
        save_checkpoint(detail::sae_checkpoint_name(options_, st.step));
      }
      if (!detail::report(options_.progress,
                          Progress{"train", st.step, st.total_steps, stats.loss})) {
        result.status = FitStatus::Cancelled;
        result.message = "cancelled by the progress callback at step " + std::to_string(st.step);
        break;
      }
    }
    result.train_seconds = seconds_since(loop_start);
    if (st.interval_steps > 0) {
      detail::sae_close_interval(
          options_, weights_, st,
          detail::sae_learning_rate(options_, st, std::max<std::int64_t>(st.step - 1, 0)));
    }
    fitted_ = true;
    result.steps = st.step;
    result.rows = st.rows_seen;
    std::int64_t rows_per_pass = counted_rows_;
    if constexpr (SizedActivationSource<Source>) {
      rows_per_pass = static_cast<std::int64_t>(source.size());
    }
    result.rows_per_pass = rows_per_pass > 0 ? rows_per_pass : -1;
    result.epochs = rows_per_pass > 0 ? st.rows_seen / rows_per_pass : st.loader.epoch;
    result.history = st.history;
    if (!st.history.empty()) result.metrics = st.history.back().metrics;
    result.elapsed_seconds = seconds_since(start) - count_seconds;
    return result;
  }

  /// Latent codes of `x` (n × d, raw input units) as n × m.
  /// @throws invalid_argument before training or if `x.cols() != d`.
  template <class Derived>
  [[nodiscard]] RowMatrix<Scalar> encode(const Eigen::MatrixBase<Derived>& x) const {
    require_fitted("encode");
    return sae_encode(weights_, x);
  }

  /// Reconstruction of codes `z` (n × m) in input units, n × d.
  template <class Derived>
  [[nodiscard]] RowMatrix<Scalar> decode(const Eigen::MatrixBase<Derived>& z) const {
    require_fitted("decode");
    return sae_decode(weights_, z);
  }

  /// The weights (input scale not folded: `weights().input_scale` applies). Valid after `fit`.
  [[nodiscard]] const Weights& weights() const noexcept { return weights_; }

  /// The options given to the constructor.
  [[nodiscard]] const SaeOptions& options() const noexcept { return options_; }

  /// Whether `fit` has run (or a checkpoint was loaded).
  [[nodiscard]] bool fitted() const noexcept { return fitted_; }

  /// Writes the whole training state (weights, Adam moments, step, data position, schedule,
  /// firing counters, history) to `path`, atomically.
  /// @throws io_error if the file cannot be written.
  void save_checkpoint(const std::string& path) const {
    detail::write_sae_checkpoint(path, options_, weights_, state_);
  }

  /// Restores a state written by `save_checkpoint`; the next `fit` continues from it. The
  /// options given to the constructor must match the checkpoint's in architecture, latents, k,
  /// batch size, seed, shuffling and Matryoshka prefixes.
  /// @throws io_error if the file cannot be read, is not a checkpoint, or does not match.
  void load_checkpoint(const std::string& path) {
    auto [weights, state] = detail::read_sae_checkpoint<Scalar>(path, options_);
    weights_ = std::move(weights);
    state_ = std::move(state);
    resume_ = true;
    fitted_ = true;
  }

 private:
  static double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  }

  void require_fitted(const char* what) const {
    if (!fitted_) {
      detail::raise<invalid_argument>(std::string("SparseAutoencoder::") + what +
                                      ": the model has not been trained (call fit first)");
    }
  }

  SaeOptions options_;
  Weights weights_;
  detail::SaeTrainState<Scalar> state_;
  bool resume_ = false;
  std::int64_t counted_rows_ = -1;  // rows of a pass, when `fit` counted them (unsized sources)
  bool fitted_ = false;
};

/// Metrics of a model on a data set, in one pass over `source` (batches of `batch_rows`).
///
/// @param[in] weights the model.
/// @param[in,out] source n × d rows (rewound first).
/// @param[in] batch_rows rows per batch.
/// @param[in] dense_threshold a latent firing on more than this fraction of rows is dense.
/// @returns mse, explained variance (against the data's own mean), L0, dead (never fired) and
///          dense fractions.
/// @throws invalid_argument if `source.dim() != weights.d_in()` or the source is empty.
template <class Scalar, ActivationSource Source>
[[nodiscard]] SaeMetrics evaluate_sae(const SaeWeights<Scalar>& weights, Source& source,
                                      Index batch_rows = 4096, double dense_threshold = 0.1) {
  detail::check_activation_source<Source, Scalar>();
  const Index d = weights.d_in();
  const Index m = weights.d_sae();
  if (static_cast<Index>(source.dim()) != d) {
    detail::raise<invalid_argument>(
        "evaluate_sae: the data have d = " + std::to_string(source.dim()) +
        " columns but the model's d_in is " + std::to_string(d));
  }
  source.rewind();
  RowMatrix<Scalar> x(std::max<Index>(batch_rows, 1), d);
  Vector<double> sum = Vector<double>::Zero(d), sum2 = Vector<double>::Zero(d);
  std::vector<std::int64_t> fires(static_cast<std::size_t>(m), 0);
  double sse = 0, active = 0;
  std::int64_t n = 0;
  for (;;) {
    const Index r = static_cast<Index>(source.read(x));
    if (r <= 0) break;
    const auto batch = x.topRows(r);
    const RowMatrix<Scalar> z = sae_encode(weights, batch);
    const RowMatrix<Scalar> xh = sae_decode(weights, z);
    sse += (xh - batch).template cast<double>().squaredNorm();
    for (Index i = 0; i < r; ++i) {
      const auto row = batch.row(i).template cast<double>();
      sum += row.transpose();
      sum2 += row.cwiseAbs2().transpose();
      for (Index j = 0; j < m; ++j) {
        if (z(i, j) != Scalar(0)) {
          ++fires[static_cast<std::size_t>(j)];
          active += 1;
        }
      }
    }
    n += r;
  }
  source.rewind();
  if (n == 0) detail::raise<invalid_argument>("evaluate_sae: the activation source yields no rows");
  SaeMetrics out;
  const double rows = static_cast<double>(n);
  out.rows = n;
  out.mse = sse / (rows * static_cast<double>(d));
  const double sst = (sum2 - sum.cwiseAbs2() / rows).sum();
  out.explained_variance = sst > 0 ? 1 - sse / sst : 0;
  out.l0 = active / rows;
  Index dead = 0, dense = 0;
  for (auto f : fires) {
    dead += f == 0 ? 1 : 0;
    dense += static_cast<double>(f) > dense_threshold * rows ? 1 : 0;
  }
  out.dead_fraction = static_cast<double>(dead) / static_cast<double>(m);
  out.dense_fraction = static_cast<double>(dense) / static_cast<double>(m);
  return out;
}

}  // namespace hilm

#endif  // HILM_SAE_SPARSE_AUTOENCODER_HPP

/// @file
/// `hilm::SparseAutoencoder`: trains a sparse autoencoder (TopK, BatchTopK, ReLU + L1, JumpReLU;
/// optional Matryoshka nesting) on any `ActivationSource`, and `evaluate_sae` for the standard
/// metrics. Under the sparsity conditions of DESIGN.md §1 the learned codes recover the true
/// latents up to permutation and a per-latent increasing map (check T9).
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
#include <cstring>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <hilm/concepts/activation_source.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/progress.hpp>
#include <hilm/core/random.hpp>
#include <hilm/core/status.hpp>
#include <hilm/core/types.hpp>
#include <hilm/io/atomic_file.hpp>
#include <hilm/io/detail/npy_file.hpp>
#include <hilm/sae/detail/binary_io.hpp>
#include <hilm/sae/detail/geometric_median.hpp>
#include <hilm/sae/detail/kernels.hpp>
#include <hilm/sae/detail/loader.hpp>
#include <hilm/sae/detail/parallel.hpp>
#include <hilm/sae/options.hpp>
#include <hilm/sae/weights.hpp>

namespace hilm {

/// Reconstruction and sparsity metrics, accumulated in double.
struct SaeMetrics {
  /// Mean squared error per element, in the units of the input.
  double mse = 0;
  /// 1 − Σ‖x − x̂‖² / Σ‖x − mean(x)‖² (mean over the data evaluated; over each batch in training).
  double explained_variance = 0;
  /// Mean number of active latents per row.
  double l0 = 0;
  /// Fraction of latents that never fired (evaluation), or that have not fired for
  /// `min(dead_after_rows, rows trained)` rows (training).
  double dead_fraction = 0;
  /// Fraction of latents firing on more than `dense_threshold` of the rows.
  double dense_fraction = 0;
  /// Rows the metrics were computed on.
  std::int64_t rows = 0;
};

/// One entry of the training history (averages over `history_interval` steps).
struct SaeHistoryEntry {
  std::int64_t step = 0;     ///< Steps done at the end of the interval.
  std::int64_t rows = 0;     ///< Training rows seen at the end of the interval.
  double loss = 0;           ///< Mean total objective (scaled units).
  double learning_rate = 0;  ///< Learning rate of the last step.
  SaeMetrics metrics;        ///< Metrics over the interval.
};

/// Outcome of `SparseAutoencoder::fit`.
struct SaeResult {
  /// `MaxIterations` when every scheduled step ran, `Cancelled` when the progress callback
  /// stopped training, `NumericalIssue` when the loss became non-finite (weights of the last
  /// finite step are kept).
  FitStatus status = FitStatus::NotRun;
  std::int64_t steps = 0;  ///< Optimiser steps done in total.
  std::int64_t rows = 0;   ///< Training rows seen in total.
  /// Completed passes over the data: `rows / rows_per_pass` rounded down when the rows of a
  /// pass are known (a sized source, or a source counted to schedule `epochs`); otherwise the
  /// passes the loader has finished.
  std::int64_t epochs = 0;
  /// Rows of one pass over the source, or -1 when unknown (an unsized source with `steps` set,
  /// or a resumed run on an unsized source).
  std::int64_t rows_per_pass = -1;
  /// Metrics of the last history interval.
  SaeMetrics metrics;
  /// One entry every `history_interval` steps (and one for the final partial interval).
  std::vector<SaeHistoryEntry> history;
  /// Wall time of the call (initialisation included, the row-count pass excluded).
  double elapsed_seconds = 0;
  /// Wall time of the optimisation steps alone (what `rows / train_seconds` rows/s measures).
  double train_seconds = 0;
  /// Explanation when the status is not `MaxIterations`.
  std::string message;
  /// Whether the weights can be used.
  [[nodiscard]] bool usable() const noexcept { return hilm::usable(status); }
};

namespace detail {

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

}  // namespace detail

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
      initialise(source, d);
      const auto count_start = std::chrono::steady_clock::now();
      st.total_steps = schedule_steps(source);
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

    detail::SaeStepContext<Scalar> ctx = make_context(d);
    detail::SaeWorkspace<Scalar> ws;
    RowMatrix<Scalar> x(batch, d);
    std::vector<Index> row_ids;
    SaeResult result;
    result.status = FitStatus::MaxIterations;
    const Index m = options_.latents;
    const auto loop_start = std::chrono::steady_clock::now();

    while (st.step < st.total_steps) {
      loader.next(x, row_ids);
      if (options_.check_finite) check_batch(x, row_ids);
      if (weights_.input_scale != Scalar(1)) x *= weights_.input_scale;
      // Schedule.
      const double lr = learning_rate(st.step);
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
      const std::int64_t dead_limit = dead_rows_limit();
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
      apply_update(ws.grad, lr);
      if (options_.architecture == SaeArchitecture::BatchTopK && stats.batch_threshold > 0) {
        const double mu = options_.batchtopk_threshold_momentum;
        st.batch_threshold = st.batch_threshold < 0
                                 ? stats.batch_threshold
                                 : (1 - mu) * st.batch_threshold + mu * stats.batch_threshold;
        weights_.threshold.setConstant(static_cast<Scalar>(st.batch_threshold));
      }
      // Firing statistics.
      const auto& en = ws.main;
      for (Index j = 0; j < m; ++j) {
        std::int64_t fires = 0;
        for (Index s = en.col_start[j]; s < en.col_start[j + 1]; ++s) {
          fires += en.z[en.order[s]] != Scalar(0) ? 1 : 0;
        }
        auto& since = st.since_fired[static_cast<std::size_t>(j)];
        since = fires > 0 ? 0 : since + batch;
        st.interval_fires[static_cast<std::size_t>(j)] += fires;
      }
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
        close_interval(lr);
      }
      if (options_.checkpoint_every > 0 && st.step % options_.checkpoint_every == 0) {
        save_checkpoint(checkpoint_name(st.step));
      }
      if (!detail::report(options_.progress,
                          Progress{"train", st.step, st.total_steps, stats.loss})) {
        result.status = FitStatus::Cancelled;
        result.message = "cancelled by the progress callback at step " + std::to_string(st.step);
        break;
      }
    }
    result.train_seconds = seconds_since(loop_start);
    if (st.interval_steps > 0)
      close_interval(learning_rate(std::max<std::int64_t>(st.step - 1, 0)));
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
    write_file_atomically(path, [&](std::ostream& out) {
      detail::BinaryWriter w(out);
      out.write(checkpoint_magic, sizeof(checkpoint_magic));
      w.value<std::uint32_t>(1);
      w.value<std::uint32_t>(sizeof(Scalar));
      write_fingerprint(w);
      const auto& st = state_;
      w.value<std::int64_t>(st.d);
      w.value<std::int32_t>(static_cast<std::int32_t>(weights_.architecture));
      w.value<std::int64_t>(weights_.k);
      w.matrix(weights_.w_enc);
      w.matrix(weights_.b_enc);
      w.matrix(weights_.w_dec);
      w.matrix(weights_.b_dec);
      w.matrix(weights_.threshold);
      w.value<double>(static_cast<double>(weights_.input_scale));
      w.matrix(st.log_threshold);
      for (const auto* p : {&st.adam_m, &st.adam_v}) {
        w.matrix(p->w_enc);
        w.matrix(p->b_enc);
        w.matrix(p->w_dec);
        w.matrix(p->b_dec);
        w.matrix(p->log_threshold);
      }
      for (std::int64_t v :
           {st.step, st.total_steps, st.warmup, st.rows_seen, st.loader.epoch, st.loader.chunk,
            st.loader.offset, st.interval_steps, st.interval_rows}) {
        w.value<std::int64_t>(v);
      }
      for (double v : {st.base_lr, st.batch_threshold, st.interval_loss, st.interval_sse,
                       st.interval_sst, st.interval_active}) {
        w.value<double>(v);
      }
      w.vector(st.since_fired);
      w.vector(st.interval_fires);
      w.value<std::int64_t>(static_cast<std::int64_t>(st.history.size()));
      for (const auto& h : st.history) {
        w.value<std::int64_t>(h.step);
        w.value<std::int64_t>(h.rows);
        for (double v : {h.loss, h.learning_rate, h.metrics.mse, h.metrics.explained_variance,
                         h.metrics.l0, h.metrics.dead_fraction, h.metrics.dense_fraction}) {
          w.value<double>(v);
        }
        w.value<std::int64_t>(h.metrics.rows);
      }
    });
  }

  /// Restores a state written by `save_checkpoint`; the next `fit` continues from it. The
  /// options given to the constructor must match the checkpoint's in architecture, latents, k,
  /// batch size, seed, shuffling and Matryoshka prefixes.
  /// @throws io_error if the file cannot be read, is not a checkpoint, or does not match.
  void load_checkpoint(const std::string& path) {
    { const detail::ReadOnlyFile regular(path); }  // refuses FIFOs and devices, never blocks
    std::ifstream in(path, std::ios::binary);
    if (!in) detail::raise<io_error>(path, "cannot open checkpoint");
    detail::BinaryReader r(in, path);
    char magic[sizeof(checkpoint_magic)] = {};
    in.read(magic, sizeof(magic));
    if (!in || std::memcmp(magic, checkpoint_magic, sizeof(magic)) != 0) {
      r.fail("not a hilm SAE checkpoint");
    }
    if (r.value<std::uint32_t>() != 1) r.fail("unsupported checkpoint version");
    if (r.value<std::uint32_t>() != sizeof(Scalar)) {
      r.fail("checkpoint scalar type differs from the SparseAutoencoder's");
    }
    check_fingerprint(r);
    detail::SaeTrainState<Scalar> st;
    Weights wts;
    st.d = r.value<std::int64_t>();
    wts.architecture = static_cast<SaeArchitecture>(r.value<std::int32_t>());
    wts.k = r.value<std::int64_t>();
    r.matrix(wts.w_enc);
    r.matrix(wts.b_enc);
    r.matrix(wts.w_dec);
    r.matrix(wts.b_dec);
    r.matrix(wts.threshold);
    wts.input_scale = static_cast<Scalar>(r.value<double>());
    r.matrix(st.log_threshold);
    for (auto* p : {&st.adam_m, &st.adam_v}) {
      r.matrix(p->w_enc);
      r.matrix(p->b_enc);
      r.matrix(p->w_dec);
      r.matrix(p->b_dec);
      r.matrix(p->log_threshold);
    }
    for (std::int64_t* v :
         {&st.step, &st.total_steps, &st.warmup, &st.rows_seen, &st.loader.epoch, &st.loader.chunk,
          &st.loader.offset, &st.interval_steps, &st.interval_rows}) {
      *v = r.value<std::int64_t>();
    }
    for (double* v : {&st.base_lr, &st.batch_threshold, &st.interval_loss, &st.interval_sse,
                      &st.interval_sst, &st.interval_active}) {
      *v = r.value<double>();
    }
    r.vector(st.since_fired);
    r.vector(st.interval_fires);
    const auto entries = r.value<std::int64_t>();
    if (entries < 0 || entries > (std::int64_t(1) << 32)) r.fail("corrupt history length");
    for (std::int64_t i = 0; i < entries; ++i) {
      SaeHistoryEntry h;
      h.step = r.value<std::int64_t>();
      h.rows = r.value<std::int64_t>();
      for (double* v : {&h.loss, &h.learning_rate, &h.metrics.mse, &h.metrics.explained_variance,
                        &h.metrics.l0, &h.metrics.dead_fraction, &h.metrics.dense_fraction}) {
        *v = r.value<double>();
      }
      h.metrics.rows = r.value<std::int64_t>();
      st.history.push_back(h);
    }
    try {
      wts.check();
    } catch (const invalid_argument& e) {
      r.fail(e.what());
    }
    if (static_cast<Index>(st.since_fired.size()) != wts.d_sae() ||
        static_cast<Index>(st.interval_fires.size()) != wts.d_sae()) {
      r.fail("firing counters do not match d_sae");
    }
    weights_ = std::move(wts);
    state_ = std::move(st);
    resume_ = true;
    fitted_ = true;
  }

 private:
  static constexpr char checkpoint_magic[8] = {'H', 'I', 'L', 'M', 'S', 'A', 'E', '1'};

  void write_fingerprint(detail::BinaryWriter& w) const {
    w.value<std::int32_t>(static_cast<std::int32_t>(options_.architecture));
    w.value<std::int64_t>(options_.latents);
    w.value<std::int64_t>(options_.k);
    w.value<std::int64_t>(options_.batch_size);
    w.value<std::uint64_t>(options_.seed);
    w.value<std::int64_t>(options_.shuffle_buffer_rows);
    w.vector(options_.matryoshka_prefixes);
  }

  void check_fingerprint(detail::BinaryReader& r) const {
    const bool same = r.value<std::int32_t>() == static_cast<std::int32_t>(options_.architecture) &&
                      r.value<std::int64_t>() == options_.latents &&
                      r.value<std::int64_t>() == options_.k &&
                      r.value<std::int64_t>() == options_.batch_size &&
                      r.value<std::uint64_t>() == options_.seed &&
                      r.value<std::int64_t>() == options_.shuffle_buffer_rows;
    std::vector<Index> prefixes;
    if (same) r.vector(prefixes);
    if (!same || prefixes != options_.matryoshka_prefixes) {
      r.fail(
          "checkpoint was written with different options (architecture, latents, k, "
          "batch_size, seed, shuffle_buffer_rows or matryoshka_prefixes)");
    }
  }

  static double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  }

  void require_fitted(const char* what) const {
    if (!fitted_) {
      detail::raise<invalid_argument>(std::string("SparseAutoencoder::") + what +
                                      ": the model has not been trained (call fit first)");
    }
  }

  [[nodiscard]] std::string checkpoint_name(std::int64_t step) const {
    std::string name = options_.checkpoint_path;
    const auto pos = name.find("{step}");
    if (pos != std::string::npos) name.replace(pos, 6, std::to_string(step));
    return name;
  }

  [[nodiscard]] std::int64_t dead_rows_limit() const {
    return std::min<std::int64_t>(options_.dead_after_rows,
                                  std::max<std::int64_t>(state_.rows_seen, 1));
  }

  [[nodiscard]] double learning_rate(std::int64_t step) const {
    const auto& st = state_;
    double lr = st.base_lr;
    if (st.warmup > 0 && step < st.warmup) {
      lr *= static_cast<double>(step + 1) / static_cast<double>(st.warmup);
    }
    const double decay = options_.decay_fraction * static_cast<double>(st.total_steps);
    const double begin = static_cast<double>(st.total_steps) - decay;
    if (decay > 0 && static_cast<double>(step) >= begin) {
      lr *=
          std::max(0.0, (static_cast<double>(st.total_steps) - static_cast<double>(step)) / decay);
    }
    return lr;
  }

  detail::SaeStepContext<Scalar> make_context(Index d) const {
    detail::SaeStepContext<Scalar> ctx;
    ctx.architecture = options_.architecture;
    ctx.k = options_.k;
    ctx.group_ends.assign(options_.matryoshka_prefixes.begin(), options_.matryoshka_prefixes.end());
    ctx.group_ends.push_back(options_.latents);
    ctx.bandwidth = options_.jumprelu_bandwidth;
    if (options_.topk_family()) {
      ctx.auxk_coefficient = options_.auxk_coefficient;
      ctx.auxk = options_.auxk > 0 ? options_.auxk : std::max<Index>(1, d / 2);
    }
    ctx.log_threshold = &state_.log_threshold;
    return ctx;
  }

  template <class Source>
  std::int64_t schedule_steps(Source& source) {
    if (options_.steps > 0) return options_.steps;
    Index rows = 0;
    if constexpr (SizedActivationSource<Source>) {
      rows = static_cast<Index>(source.size());
    } else {
      RowMatrix<Scalar> scratch(std::max<Index>(options_.batch_size, 1024), source.dim());
      source.rewind();
      for (;;) {
        const Index r = static_cast<Index>(source.read(scratch));
        if (r <= 0) break;
        rows += r;
      }
      source.rewind();
      counted_rows_ = static_cast<std::int64_t>(rows);
    }
    const std::int64_t total = static_cast<std::int64_t>(rows) * options_.epochs;
    return std::max<std::int64_t>(1, (total + options_.batch_size - 1) / options_.batch_size);
  }

  template <class Source>
  void initialise(Source& source, Index d) {
    const Index m = options_.latents;
    auto& st = state_;
    st = detail::SaeTrainState<Scalar>{};
    st.d = d;
    // Initialisation sample: the first rows of the data.
    RowMatrix<Scalar> sample(options_.init_sample_rows, d);
    source.rewind();
    Index got = 0;
    while (got < sample.rows()) {
      const Index r = static_cast<Index>(source.read(sample.middleRows(got, sample.rows() - got)));
      if (r <= 0) break;
      got += r;
    }
    source.rewind();
    if (got == 0) {
      detail::raise<invalid_argument>(
          "SparseAutoencoder::fit: the activation source yields no rows");
    }
    sample.conservativeResize(got, d);
    if (options_.check_finite) {
      std::vector<Index> ids(static_cast<std::size_t>(got));
      for (Index i = 0; i < got; ++i) ids[static_cast<std::size_t>(i)] = i;
      check_batch(sample, ids);
    }
    SaeInputScaling scaling = options_.input_scaling;
    if (scaling == SaeInputScaling::Auto) {
      scaling = options_.topk_family() ? SaeInputScaling::None : SaeInputScaling::MeanNorm;
    }
    Scalar scale = 1;
    if (scaling == SaeInputScaling::MeanNorm) {
      const double mean_norm = sample.template cast<double>().rowwise().norm().mean();
      if (mean_norm > 0 && std::isfinite(mean_norm)) {
        scale = static_cast<Scalar>(std::sqrt(static_cast<double>(d)) / mean_norm);
      }
    }
    Weights w;
    w.architecture = options_.architecture;
    w.k = options_.topk_family() ? options_.k : 0;
    w.input_scale = scale;
    w.b_dec = (detail::geometric_median(sample.template cast<double>() * static_cast<double>(scale),
                                        options_.geometric_median_iterations))
                  .template cast<Scalar>();
    // Decoder rows: random directions (unit norm; norm 0.1 for ReLU, Anthropic's April 2024
    // update); encoder tied to the decoder (Gao et al. 2024).
    Random rng(options_.seed);
    w.w_dec.resize(m, d);
    const double row_norm = options_.architecture == SaeArchitecture::ReLU ? 0.1 : 1.0;
    for (Index j = 0; j < m; ++j) {
      double norm2 = 0;
      for (Index i = 0; i < d; ++i) {
        const double v = rng.normal();
        w.w_dec(j, i) = static_cast<Scalar>(v);
        norm2 += v * v;
      }
      w.w_dec.row(j) *= static_cast<Scalar>(row_norm / std::sqrt(std::max(norm2, 1e-300)));
    }
    w.w_enc = w.w_dec;
    w.b_enc.setZero(m);
    const bool jump = options_.architecture == SaeArchitecture::JumpReLU;
    if (jump) {
      w.threshold.setConstant(m, static_cast<Scalar>(options_.jumprelu_initial_threshold));
      st.log_threshold.setConstant(
          m, static_cast<Scalar>(std::log(options_.jumprelu_initial_threshold)));
    } else if (options_.architecture == SaeArchitecture::BatchTopK) {
      w.threshold.setZero(m);
    }
    weights_ = std::move(w);
    st.adam_m.zeros(m, d, jump);
    st.adam_v.zeros(m, d, jump);
    st.base_lr = options_.learning_rate > 0 ? options_.learning_rate
                                            : 2e-4 / std::sqrt(static_cast<double>(m) / 16384.0);
    st.since_fired.assign(static_cast<std::size_t>(m), 0);
    st.interval_fires.assign(static_cast<std::size_t>(m), 0);
  }

  template <class Derived>
  void check_batch(const Eigen::MatrixBase<Derived>& x, const std::vector<Index>& ids) const {
    for (Index r = 0; r < x.rows(); ++r) {
      for (Index c = 0; c < x.cols(); ++c) {
        if (!std::isfinite(static_cast<double>(x(r, c)))) [[unlikely]] {
          detail::raise<invalid_argument>("SparseAutoencoder::fit: non-finite value at row " +
                                          std::to_string(ids[static_cast<std::size_t>(r)]) +
                                          ", column " + std::to_string(c));
        }
      }
    }
  }

  // Unit-norm projection, global-norm clipping, Adam, renormalisation.
  void apply_update(detail::SaeParamSet<Scalar>& g, double lr) {
    auto& st = state_;
    auto& w = weights_;
    const Index m = w.d_sae();
    const Index d = w.d_in();
    const bool unit_norm = options_.architecture != SaeArchitecture::ReLU;
    const bool jump = options_.architecture == SaeArchitecture::JumpReLU;
    std::vector<double> partial(static_cast<std::size_t>(m), 0.0);
    // hilm-nothrow: row blocks of preallocated matrices; dot and norms allocate nothing
    HILM_SAE_OMP(omp parallel for schedule(static) if (m * d >= detail::sae_parallel_work))
    for (Index j = 0; j < m; ++j) {
      auto gd = g.w_dec.row(j);
      if (unit_norm) gd -= gd.dot(w.w_dec.row(j)) * w.w_dec.row(j);
      double s =
          static_cast<double>(gd.squaredNorm()) + static_cast<double>(g.w_enc.row(j).squaredNorm());
      s += static_cast<double>(g.b_enc[j]) * static_cast<double>(g.b_enc[j]);
      if (jump)
        s += static_cast<double>(g.log_threshold[j]) * static_cast<double>(g.log_threshold[j]);
      partial[static_cast<std::size_t>(j)] = s;
    }
    double norm2 = static_cast<double>(g.b_dec.squaredNorm());
    for (double s : partial) norm2 += s;
    const double norm = std::sqrt(norm2);
    const double clip = (options_.max_grad_norm > 0 && norm > options_.max_grad_norm)
                            ? options_.max_grad_norm / norm
                            : 1.0;
    const double t = static_cast<double>(st.step + 1);
    const double b1 = options_.adam_beta1, b2 = options_.adam_beta2;
    const auto c1 = static_cast<Scalar>(1 - b1);
    const auto c2 = static_cast<Scalar>(1 - b2);
    const auto sb1 = static_cast<Scalar>(b1);
    const auto sb2 = static_cast<Scalar>(b2);
    const auto step_size = static_cast<Scalar>(lr / (1 - std::pow(b1, t)));
    const auto inv_bc2 = static_cast<Scalar>(1 / std::sqrt(1 - std::pow(b2, t)));
    const auto eps = static_cast<Scalar>(options_.adam_epsilon);
    const auto sclip = static_cast<Scalar>(clip);
    auto adam = [&](auto&& param, auto&& grad, auto&& mom, auto&& var) {
      mom.array() = sb1 * mom.array() + (c1 * sclip) * grad.array();
      var.array() = sb2 * var.array() + (c2 * sclip * sclip) * grad.array().square();
      param.array() -= step_size * mom.array() / (var.array().sqrt() * inv_bc2 + eps);
    };
    // hilm-nothrow: coefficient-wise Adam on row blocks of preallocated matrices
    HILM_SAE_OMP(omp parallel for schedule(static) if (m * d >= detail::sae_parallel_work))
    for (Index j = 0; j < m; ++j) {
      adam(w.w_enc.row(j), g.w_enc.row(j), st.adam_m.w_enc.row(j), st.adam_v.w_enc.row(j));
      adam(w.w_dec.row(j), g.w_dec.row(j), st.adam_m.w_dec.row(j), st.adam_v.w_dec.row(j));
      if (unit_norm) {
        const Scalar n = w.w_dec.row(j).norm();
        if (n > Scalar(0)) w.w_dec.row(j) /= n;
      }
    }
    adam(w.b_enc, g.b_enc, st.adam_m.b_enc, st.adam_v.b_enc);
    adam(w.b_dec, g.b_dec, st.adam_m.b_dec, st.adam_v.b_dec);
    if (jump) {
      adam(st.log_threshold, g.log_threshold, st.adam_m.log_threshold, st.adam_v.log_threshold);
      w.threshold = st.log_threshold.array().exp().matrix();
    }
    (void)d;
  }

  void close_interval(double lr) {
    auto& st = state_;
    if (st.interval_steps == 0) return;
    const Index m = weights_.d_sae();
    const double rows = static_cast<double>(st.interval_rows);
    const double s2 =
        static_cast<double>(weights_.input_scale) * static_cast<double>(weights_.input_scale);
    SaeHistoryEntry h;
    h.step = st.step;
    h.rows = st.rows_seen;
    h.loss = st.interval_loss / static_cast<double>(st.interval_steps);
    h.learning_rate = lr;
    h.metrics.rows = st.interval_rows;
    h.metrics.mse = st.interval_sse / (rows * static_cast<double>(st.d)) / s2;
    h.metrics.explained_variance = st.interval_sst > 0 ? 1 - st.interval_sse / st.interval_sst : 0;
    h.metrics.l0 = st.interval_active / rows;
    const std::int64_t limit = dead_rows_limit();
    Index dead = 0, dense = 0;
    for (Index j = 0; j < m; ++j) {
      dead += st.since_fired[static_cast<std::size_t>(j)] >= limit ? 1 : 0;
      dense += static_cast<double>(st.interval_fires[static_cast<std::size_t>(j)]) >
                       options_.dense_threshold * rows
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

/// @file
/// Starting a `SparseAutoencoder` run: the NaN/Inf check of a batch, the number of steps to
/// schedule, the initial weights and training state, and the per-step context of the
/// forward/backward kernel. Initialisation: `b_dec` at the geometric median of the first rows,
/// random unit decoder rows (norm 0.1 for ReLU, Anthropic's April 2024 update), encoder tied to
/// the decoder (Gao et al. 2024).
#ifndef HILM_SAE_DETAIL_INIT_HPP
#define HILM_SAE_DETAIL_INIT_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <hilm/concepts/activation_source.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/random.hpp>
#include <hilm/core/types.hpp>
#include <hilm/sae/detail/geometric_median.hpp>
#include <hilm/sae/detail/kernels.hpp>
#include <hilm/sae/detail/train_state.hpp>
#include <hilm/sae/options.hpp>
#include <hilm/sae/weights.hpp>

namespace hilm::detail {

/// Throws invalid_argument naming the first NaN/Inf of `x`; `ids[r]` is the row number of row r
/// in the pass, as the user counts it.
template <class Derived>
void sae_check_batch(const Eigen::MatrixBase<Derived>& x, const std::vector<Index>& ids) {
  for (Index r = 0; r < x.rows(); ++r) {
    for (Index c = 0; c < x.cols(); ++c) {
      if (!std::isfinite(static_cast<double>(x(r, c)))) [[unlikely]] {
        raise<invalid_argument>("SparseAutoencoder::fit: non-finite value at row " +
                                std::to_string(ids[static_cast<std::size_t>(r)]) + ", column " +
                                std::to_string(c));
      }
    }
  }
}

/// Steps to run: `options.steps`, or `epochs` passes over the source in batches. An unsized
/// source is counted in one pass (rewound before and after); its rows go to `counted_rows`.
template <class Scalar, class Source>
std::int64_t sae_schedule_steps(const SaeOptions& options, Source& source,
                                std::int64_t& counted_rows) {
  if (options.steps > 0) return options.steps;
  Index rows = 0;
  if constexpr (SizedActivationSource<Source>) {
    rows = static_cast<Index>(source.size());
  } else {
    RowMatrix<Scalar> scratch(std::max<Index>(options.batch_size, 1024), source.dim());
    source.rewind();
    for (;;) {
      const Index r = static_cast<Index>(source.read(scratch));
      if (r <= 0) break;
      rows += r;
    }
    source.rewind();
    counted_rows = static_cast<std::int64_t>(rows);
  }
  const std::int64_t total = static_cast<std::int64_t>(rows) * options.epochs;
  return std::max<std::int64_t>(1, (total + options.batch_size - 1) / options.batch_size);
}

/// Fresh weights and training state for a run on `d` features, from the first
/// `init_sample_rows` rows of `source` (rewound before and after).
/// @throws invalid_argument if the source yields no rows or (with `check_finite`) a sampled
///         value is NaN/Inf.
template <class Scalar, class Source>
void sae_initialise(const SaeOptions& options, Source& source, Index d, SaeWeights<Scalar>& weights,
                    SaeTrainState<Scalar>& st) {
  const Index m = options.latents;
  st = SaeTrainState<Scalar>{};
  st.d = d;
  // Initialisation sample: the first rows of the data.
  RowMatrix<Scalar> sample(options.init_sample_rows, d);
  source.rewind();
  Index got = 0;
  while (got < sample.rows()) {
    const Index r = static_cast<Index>(source.read(sample.middleRows(got, sample.rows() - got)));
    if (r <= 0) break;
    got += r;
  }
  source.rewind();
  if (got == 0) {
    raise<invalid_argument>("SparseAutoencoder::fit: the activation source yields no rows");
  }
  sample.conservativeResize(got, d);
  if (options.check_finite) {
    std::vector<Index> ids(static_cast<std::size_t>(got));
    for (Index i = 0; i < got; ++i) ids[static_cast<std::size_t>(i)] = i;
    sae_check_batch(sample, ids);
  }
  SaeInputScaling scaling = options.input_scaling;
  if (scaling == SaeInputScaling::Auto) {
    scaling = options.topk_family() ? SaeInputScaling::None : SaeInputScaling::MeanNorm;
  }
  Scalar scale = 1;
  if (scaling == SaeInputScaling::MeanNorm) {
    const double mean_norm = sample.template cast<double>().rowwise().norm().mean();
    if (mean_norm > 0 && std::isfinite(mean_norm)) {
      scale = static_cast<Scalar>(std::sqrt(static_cast<double>(d)) / mean_norm);
    }
  }
  SaeWeights<Scalar> w;
  w.architecture = options.architecture;
  w.k = options.topk_family() ? options.k : 0;
  w.input_scale = scale;
  w.b_dec = (geometric_median(sample.template cast<double>() * static_cast<double>(scale),
                              options.geometric_median_iterations))
                .template cast<Scalar>();
  // Decoder rows: random directions (unit norm; norm 0.1 for ReLU, Anthropic's April 2024
  // update); encoder tied to the decoder (Gao et al. 2024).
  Random rng(options.seed);
  w.w_dec.resize(m, d);
  const double row_norm = options.architecture == SaeArchitecture::ReLU ? 0.1 : 1.0;
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
  const bool jump = options.architecture == SaeArchitecture::JumpReLU;
  if (jump) {
    w.threshold.setConstant(m, static_cast<Scalar>(options.jumprelu_initial_threshold));
    st.log_threshold.setConstant(m,
                                 static_cast<Scalar>(std::log(options.jumprelu_initial_threshold)));
  } else if (options.architecture == SaeArchitecture::BatchTopK) {
    w.threshold.setZero(m);
  }
  weights = std::move(w);
  st.adam_m.zeros(m, d, jump);
  st.adam_v.zeros(m, d, jump);
  st.base_lr = options.learning_rate > 0 ? options.learning_rate
                                         : 2e-4 / std::sqrt(static_cast<double>(m) / 16384.0);
  st.since_fired.assign(static_cast<std::size_t>(m), 0);
  st.interval_fires.assign(static_cast<std::size_t>(m), 0);
}

/// The per-step context of `sae_forward_backward` for a run on `d` features (the sparsity
/// coefficient and the dead list are set every step); it points at `st.log_threshold`.
template <class Scalar>
SaeStepContext<Scalar> sae_step_context(const SaeOptions& options, const SaeTrainState<Scalar>& st,
                                        Index d) {
  SaeStepContext<Scalar> ctx;
  ctx.architecture = options.architecture;
  ctx.k = options.k;
  ctx.group_ends.assign(options.matryoshka_prefixes.begin(), options.matryoshka_prefixes.end());
  ctx.group_ends.push_back(options.latents);
  ctx.bandwidth = options.jumprelu_bandwidth;
  if (options.topk_family()) {
    ctx.auxk_coefficient = options.auxk_coefficient;
    ctx.auxk = options.auxk > 0 ? options.auxk : std::max<Index>(1, d / 2);
  }
  ctx.log_threshold = &st.log_threshold;
  return ctx;
}

}  // namespace hilm::detail

#endif  // HILM_SAE_DETAIL_INIT_HPP

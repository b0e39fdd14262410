/// @file
/// The optimiser of `SparseAutoencoder`: the learning-rate schedule (linear warm-up, then linear
/// decay over the last `decay_fraction` of the steps) and one update — projection of the decoder
/// gradient onto the tangent of the unit sphere, global-norm clipping, Adam (Kingma & Ba 2015)
/// and renormalisation of the decoder rows.
#ifndef HILM_SAE_DETAIL_ADAM_HPP
#define HILM_SAE_DETAIL_ADAM_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <hilm/core/types.hpp>
#include <hilm/sae/detail/kernels.hpp>
#include <hilm/sae/detail/parallel.hpp>
#include <hilm/sae/detail/train_state.hpp>
#include <hilm/sae/options.hpp>
#include <hilm/sae/weights.hpp>

namespace hilm::detail {

/// Learning rate of step `step` (0-based): warm-up over `st.warmup` steps, decay to 0 over the
/// last `decay_fraction · total_steps` steps.
template <class Scalar>
[[nodiscard]] double sae_learning_rate(const SaeOptions& options, const SaeTrainState<Scalar>& st,
                                       std::int64_t step) {
  double lr = st.base_lr;
  if (st.warmup > 0 && step < st.warmup) {
    lr *= static_cast<double>(step + 1) / static_cast<double>(st.warmup);
  }
  const double decay = options.decay_fraction * static_cast<double>(st.total_steps);
  const double begin = static_cast<double>(st.total_steps) - decay;
  if (decay > 0 && static_cast<double>(step) >= begin) {
    lr *= std::max(0.0, (static_cast<double>(st.total_steps) - static_cast<double>(step)) / decay);
  }
  return lr;
}

/// Unit-norm projection, global-norm clipping, Adam, renormalisation: one update of `w` (and of
/// the Adam moments and JumpReLU log-thresholds in `st`) from the raw gradients `g` (projected in
/// place) at learning rate `lr`. Bias correction uses step `st.step + 1`.
template <class Scalar>
void sae_apply_update(const SaeOptions& options, SaeWeights<Scalar>& w, SaeTrainState<Scalar>& st,
                      SaeParamSet<Scalar>& g, double lr) {
  const Index m = w.d_sae();
  const Index d = w.d_in();
  const bool unit_norm = options.architecture != SaeArchitecture::ReLU;
  const bool jump = options.architecture == SaeArchitecture::JumpReLU;
  std::vector<double> partial(static_cast<std::size_t>(m), 0.0);
  // hilm-nothrow: row blocks of preallocated matrices; dot and norms allocate nothing
  HILM_SAE_OMP(omp parallel for schedule(static) if (m * d >= sae_parallel_work))
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
  const double clip = (options.max_grad_norm > 0 && norm > options.max_grad_norm)
                          ? options.max_grad_norm / norm
                          : 1.0;
  const double t = static_cast<double>(st.step + 1);
  const double b1 = options.adam_beta1, b2 = options.adam_beta2;
  const auto c1 = static_cast<Scalar>(1 - b1);
  const auto c2 = static_cast<Scalar>(1 - b2);
  const auto sb1 = static_cast<Scalar>(b1);
  const auto sb2 = static_cast<Scalar>(b2);
  const auto step_size = static_cast<Scalar>(lr / (1 - std::pow(b1, t)));
  const auto inv_bc2 = static_cast<Scalar>(1 / std::sqrt(1 - std::pow(b2, t)));
  const auto eps = static_cast<Scalar>(options.adam_epsilon);
  const auto sclip = static_cast<Scalar>(clip);
  auto adam = [&](auto&& param, auto&& grad, auto&& mom, auto&& var) {
    mom.array() = sb1 * mom.array() + (c1 * sclip) * grad.array();
    var.array() = sb2 * var.array() + (c2 * sclip * sclip) * grad.array().square();
    param.array() -= step_size * mom.array() / (var.array().sqrt() * inv_bc2 + eps);
  };
  // hilm-nothrow: coefficient-wise Adam on row blocks of preallocated matrices
  HILM_SAE_OMP(omp parallel for schedule(static) if (m * d >= sae_parallel_work))
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

}  // namespace hilm::detail

#endif  // HILM_SAE_DETAIL_ADAM_HPP

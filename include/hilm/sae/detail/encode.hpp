/// @file
/// The encoder of a sparse autoencoder, batch by batch: pre-activations
/// `(s·x − b_dec) W_encᵀ + b_enc` and the activation of each architecture (TopK per row, ReLU,
/// JumpReLU / BatchTopK thresholds). Used by `sae_encode` (hilm/sae/weights.hpp) and by steering,
/// which needs the pre-activations themselves.
#ifndef HILM_SAE_DETAIL_ENCODE_HPP
#define HILM_SAE_DETAIL_ENCODE_HPP

#include <algorithm>
#include <concepts>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/detail/parallel.hpp>
#include <hilm/core/types.hpp>
#include <hilm/sae/detail/parallel.hpp>
#include <hilm/sae/detail/topk.hpp>
#include <hilm/sae/options.hpp>

namespace hilm {

// Defined in hilm/sae/weights.hpp, which includes this header; the functions below only use it
// as a template argument, so they compile before its definition.
template <std::floating_point Scalar>
struct SaeWeights;

namespace detail {

/// Encoder pre-activations plus bias for a batch: n × m, `(s·x − b_dec) W_encᵀ + b_enc`.
template <class Scalar, class Derived>
RowMatrix<Scalar> sae_pre_activations(const SaeWeights<Scalar>& w,
                                      const Eigen::MatrixBase<Derived>& x) {
  RowMatrix<Scalar> input = x.template cast<Scalar>();
  if (w.input_scale != Scalar(1)) input *= w.input_scale;
  if (w.apply_b_dec_to_input) input.rowwise() -= w.b_dec.transpose();
  RowMatrix<Scalar> pre(input.rows(), w.d_sae());
  pre.noalias() = input * w.w_enc.transpose();
  pre.rowwise() += w.b_enc.transpose();
  return pre;
}

/// Applies the activation of `w.architecture` to `pre` in place (rows independent).
template <class Scalar>
void sae_activate(const SaeWeights<Scalar>& w, RowMatrix<Scalar>& pre) {
  const Index n = pre.rows();
  const Index m = pre.cols();
  switch (w.architecture) {
    case SaeArchitecture::TopK: {
      ParallelGuard guard;  // the per-thread buffer and the top-k scratch allocate
      HILM_SAE_OMP(omp parallel if (n * m >= sae_parallel_work)) {
        TopKScratch<Scalar> scratch;
        std::vector<TopEntry<Scalar>> top;
        guard.run([&] { top.resize(static_cast<std::size_t>(w.k)); });
        HILM_SAE_OMP(omp for schedule(static))
        for (Index r = 0; r < n; ++r) {
          guard.run([&] {
            Scalar* row = pre.data() + r * m;
            const Index count = select_top_k(row, m, w.k, Scalar(0), scratch, top.data());
            std::fill(row, row + m, Scalar(0));
            for (Index e = 0; e < count; ++e) row[top[e].index] = top[e].value;
          });
        }
      }
      guard.rethrow();
      break;
    }
    case SaeArchitecture::ReLU:
      pre = pre.cwiseMax(Scalar(0));
      break;
    case SaeArchitecture::JumpReLU:
    case SaeArchitecture::BatchTopK:
      for (Index r = 0; r < n; ++r) {
        for (Index j = 0; j < m; ++j) {
          Scalar& v = pre(r, j);
          if (!(v > w.threshold[j]) || !(v > Scalar(0))) v = 0;
        }
      }
      break;
  }
}

}  // namespace detail
}  // namespace hilm

#endif  // HILM_SAE_DETAIL_ENCODE_HPP

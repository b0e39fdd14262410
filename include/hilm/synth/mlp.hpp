/// @file
/// A random injective leaky-ReLU network, the nonlinear observation map of the generators
/// (`x = g(z)` with g injective, so that z is recoverable in principle).
///
/// Injectivity: every layer is an affine map with a full-column-rank matrix (a square layer is
/// invertible) followed by leaky ReLU, which is a bijection of R; the composition is injective.
/// This is the mixing used in the nonlinear ICA and identifiability literature (Hyvärinen &
/// Morioka 2016; Khemakhem et al. 2020 use invertible leaky-ReLU MLPs; Kong et al. 2024 use
/// "x = g(d, c)" with g injective).
#ifndef HILM_SYNTH_MLP_HPP
#define HILM_SYNTH_MLP_HPP

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>
#include <Eigen/SVD>

#include <hilm/core/error.hpp>
#include <hilm/core/random.hpp>
#include <hilm/core/types.hpp>

namespace hilm {

/// A leaky-ReLU MLP `z ↦ L_k(σ(L_{k−1}(… σ(L_1 z))))`: the activation σ follows every layer except
/// the last, so the output is not confined to a cone.
struct InjectiveMlp {
  /// Layer weights; layer l maps a row vector of width in_l to width out_l: `h ↦ h · W_l + b_l`
  /// with W_l in_l × out_l of rank in_l (in_l <= out_l), so the map is injective.
  std::vector<Matrix<double>> weights;
  /// Layer biases, 1 × out_l.
  std::vector<RowVector<double>> biases;
  /// Slope of leaky ReLU on the negative side (0 < slope <= 1).
  double slope = 0.2;

  /// Input width.
  [[nodiscard]] Index input_dim() const { return weights.empty() ? 0 : weights.front().rows(); }
  /// Output width.
  [[nodiscard]] Index output_dim() const { return weights.empty() ? 0 : weights.back().cols(); }

  /// Applies the network to every row of `z`.
  /// @param[in] z n × input_dim() inputs.
  /// @returns n × output_dim() outputs.
  /// @throws invalid_argument if z has the wrong width.
  [[nodiscard]] RowMatrix<double> apply(const Eigen::Ref<const RowMatrix<double>>& z) const {
    if (z.cols() != input_dim()) {
      hilm::detail::raise<invalid_argument>("InjectiveMlp::apply: input has " +
                                            std::to_string(z.cols()) + " columns, expected " +
                                            std::to_string(input_dim()));
    }
    RowMatrix<double> h = z;
    for (std::size_t l = 0; l < weights.size(); ++l) {
      RowMatrix<double> next = h * weights[l];
      next.rowwise() += biases[l];
      if (l + 1 < weights.size()) {
        next = next.unaryExpr([s = slope](double v) { return v > 0 ? v : s * v; });
      }
      h = std::move(next);
    }
    return h;
  }
};

/// Draws an injective leaky-ReLU MLP from R^input to R^output (output >= input).
///
/// The first layer maps input → output; the remaining `layers − 1` are output × output. Each
/// weight matrix has Gaussian entries scaled by 1/√in and is redrawn until its singular values
/// satisfy σ_min / σ_max >= 0.1, so the map is well conditioned as well as injective.
/// @param[in] input input width (>= 1).
/// @param[in] output output width (>= input).
/// @param[in] layers number of affine layers (>= 1).
/// @param[in] slope leaky-ReLU negative slope in (0, 1].
/// @param[in,out] rng random engine.
/// @throws invalid_argument on bad sizes or slope.
[[nodiscard]] inline InjectiveMlp random_injective_mlp(Index input, Index output, int layers,
                                                       double slope, Random& rng) {
  if (input < 1 || output < input) {
    hilm::detail::raise<invalid_argument>(
        "random_injective_mlp: need 1 <= input <= output, got input " + std::to_string(input) +
        ", output " + std::to_string(output));
  }
  if (layers < 1)
    hilm::detail::raise<invalid_argument>("random_injective_mlp: layers must be >= 1");
  if (!(slope > 0 && slope <= 1)) {
    hilm::detail::raise<invalid_argument>("random_injective_mlp: slope must lie in (0, 1]");
  }
  InjectiveMlp mlp;
  mlp.slope = slope;
  Index width = input;
  for (int l = 0; l < layers; ++l) {
    Matrix<double> w(width, output);
    const double scale = 1.0 / std::sqrt(static_cast<double>(width));
    for (int attempt = 0;; ++attempt) {
      for (Index i = 0; i < w.size(); ++i) w.data()[i] = scale * rng.normal();
      const Eigen::JacobiSVD<Matrix<double>> svd(w);
      const auto& s = svd.singularValues();
      if (s(s.size() - 1) >= 0.1 * s(0) || attempt >= 1000) break;
    }
    RowVector<double> b(output);
    for (Index j = 0; j < output; ++j) b(j) = 0.1 * rng.normal();
    mlp.weights.push_back(std::move(w));
    mlp.biases.push_back(std::move(b));
    width = output;
  }
  return mlp;
}

}  // namespace hilm

#endif  // HILM_SYNTH_MLP_HPP

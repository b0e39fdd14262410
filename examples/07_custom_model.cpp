// Plugging your own network into hilm: a model type that satisfies hilm::InterventionModel
// (concepts/intervention_model.hpp) — a batch type, its layer names and widths, and one `forward`
// that can record named layers and apply an edit to one of them. With that, hilm can read the
// activations to train a sparse autoencoder on, and steer or ablate a learned concept inside the
// network, exactly as `hilm demo --case use-lite` does with the real USE-lite transformer. See
// docs/real-networks.md.
//
// The toy here is a bag-of-tokens encoder: token t embeds as a random 8-d vector, layer "hidden"
// is ReLU(E W + b) per token (16 wide), the output is the L2-normalised mean of a sentence's
// hidden rows. Replace it by a wrapper around your own network.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <hilm/concepts/intervention_model.hpp>
#include <hilm/core/random.hpp>
#include <hilm/sae/sparse_autoencoder.hpp>
#include <hilm/sources/matrix_source.hpp>
#include <hilm/steer/model_steering.hpp>

class ToyEncoder {
 public:
  using Batch = std::vector<std::vector<std::int32_t>>;  // token ids, one vector per sentence

  explicit ToyEncoder(std::uint64_t seed) {
    hilm::Random rng(seed);
    embedding_.resize(kVocabulary, 8);
    weight_.resize(8, 16);
    bias_.resize(16);
    for (hilm::Index i = 0; i < embedding_.size(); ++i)
      embedding_.data()[i] = static_cast<float>(rng.normal());
    for (hilm::Index i = 0; i < weight_.size(); ++i)
      weight_.data()[i] = static_cast<float>(rng.normal() / 3);
    for (hilm::Index i = 0; i < bias_.size(); ++i) bias_(i) = 0.1f;
  }

  [[nodiscard]] std::vector<std::string> layer_names() const { return {"hidden"}; }

  [[nodiscard]] hilm::Index layer_width(std::string_view layer) const {
    if (layer != "hidden")
      throw hilm::invalid_argument("ToyEncoder: unknown layer '" + std::string(layer) + "'");
    return 16;
  }

  [[nodiscard]] hilm::ForwardResult forward(const Batch& batch,
                                            const hilm::ForwardRequest& request) const {
    hilm::Index rows = 0;
    for (const auto& s : batch) rows += static_cast<hilm::Index>(s.size());
    hilm::RowMatrix<float> tokens(rows, 8);
    hilm::Index r = 0;
    for (const auto& s : batch) {
      for (const std::int32_t t : s) tokens.row(r++) = embedding_.row(t % kVocabulary);
    }
    hilm::RowMatrix<float> hidden =
        ((tokens * weight_).rowwise() + bias_.transpose()).cwiseMax(0.0f);
    // The contract: the edit sees the layer's rows and may change them in place; recorded layers
    // are recorded after the edit.
    if (request.edit) {
      (void)layer_width(request.edit_layer);  // throws for an unknown layer
      request.edit(hidden);
    }
    hilm::ForwardResult out;
    for (const auto& name : request.record) {
      (void)layer_width(name);
      out.layers.emplace_back(name, hidden);
    }
    out.output.resize(static_cast<hilm::Index>(batch.size()), 16);
    r = 0;
    for (std::size_t s = 0; s < batch.size(); ++s) {
      const auto n = static_cast<hilm::Index>(batch[s].size());
      const Eigen::RowVectorXf mean = hidden.middleRows(r, n).colwise().mean();
      out.output.row(static_cast<hilm::Index>(s)) = mean / std::max(mean.norm(), 1e-12f);
      r += n;
    }
    return out;
  }

 private:
  static constexpr std::int32_t kVocabulary = 50;
  hilm::RowMatrix<float> embedding_, weight_;
  hilm::Vector<float> bias_;
};

static_assert(hilm::InterventionModel<ToyEncoder>, "ToyEncoder must satisfy the concept");

int main() {
  try {
    const ToyEncoder model(1);
    // 1. Sentences (random token ids) and the activations of layer "hidden".
    hilm::Random rng(2);
    ToyEncoder::Batch corpus(400);
    for (auto& s : corpus) {
      s.resize(4 + rng.uniform_index(6));
      for (auto& t : s) t = static_cast<std::int32_t>(rng.uniform_index(50));
    }
    hilm::ForwardRequest record;
    record.record = {"hidden"};
    const hilm::ForwardResult base = model.forward(corpus, record);
    const hilm::RowMatrix<float>& acts = base.layer("hidden");

    // 2. A TopK SAE on the activations.
    hilm::MatrixSource source(acts);
    hilm::SparseAutoencoder<float> sae(hilm::SaeOptions{
        .latents = 32, .k = 4, .batch_size = 128, .epochs = 20, .learning_rate = 0.003});
    const hilm::SaeResult trained = sae.fit(source);
    std::printf("SAE on layer 'hidden': %lld rows, explained variance %.3f\n",
                static_cast<long long>(acts.rows()), trained.metrics.explained_variance);

    // 3. The latent most active on the first sentence; steer the next three sentences along its
    //    decoder direction, α × the layer's mean activation norm.
    const auto first_rows = static_cast<hilm::Index>(corpus[0].size());
    hilm::Index latent = 0;
    sae.encode(acts.topRows(first_rows)).colwise().sum().maxCoeff(&latent);
    const hilm::Vector<float> direction = sae.weights().w_dec.row(latent).transpose();
    const ToyEncoder::Batch probes(corpus.begin() + 1, corpus.begin() + 4);
    const std::vector<double> alphas = {0, 1, 2, 4, 8};
    const hilm::SteeringCurve curve = hilm::steering_curve(
        model, probes, direction,
        {.layer = "hidden", .alphas = alphas, .scale = hilm::mean_row_norm(acts)});
    for (std::size_t a = 0; a < curve.outputs.size(); ++a) {
      const double cosine = curve.outputs[a].row(0).dot(curve.unsteered.row(0));
      std::printf("latent %lld, alpha %g: cosine of probe 0 to its unsteered output %.3f\n",
                  static_cast<long long>(latent), alphas[a], cosine);
    }
    std::printf("alpha 0 bit-identical to the unsteered model: %s\n",
                curve.zero_alpha_identical ? "yes" : "no");

    // 4. Ablate the latent (error-preserving: x' = x - z_j d_j) on the first sentence, inside
    //    the forward pass.
    const ToyEncoder::Batch first(corpus.begin(), corpus.begin() + 1);
    hilm::ForwardRequest ablate;
    ablate.edit_layer = "hidden";
    ablate.edit = hilm::ablation_edit(sae.weights(), latent);
    const hilm::RowMatrix<float> ablated = model.forward(first, ablate).output;
    std::printf("ablating it moves the first sentence's output by %.4f (Euclidean)\n",
                (ablated.row(0) - base.output.row(0)).norm());
    return curve.zero_alpha_identical ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "07_custom_model: %s\n", e.what());
    return 1;
  }
}

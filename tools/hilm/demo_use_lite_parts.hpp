// The stages of `hilm demo --case use-lite` (demo_use_lite.cpp runs them in order).
#ifndef HILM_TOOLS_DEMO_USE_LITE_PARTS_HPP
#define HILM_TOOLS_DEMO_USE_LITE_PARTS_HPP

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include <hilm/core/types.hpp>
#include <hilm/models/use_lite.hpp>
#include <hilm/sae/concept_labels.hpp>
#include <hilm/sae/size_selection.hpp>

#include <nlohmann/json.hpp>

#include "demo_use_lite.hpp"

namespace hilm::cli::demo_use_lite {

using OutFile = std::function<std::string(const std::string&)>;

// The tokenised corpus and what the model made of it.
struct Corpus {
  std::string path;
  std::vector<std::string> sentences;
  std::vector<std::vector<std::int32_t>> ids;  // token ids per sentence (≤ 128)
  std::vector<std::string> pieces;             // piece of every token row, sentence by sentence
  Index tokens = 0;
  RowMatrix<float> layer0, layer1;  // tokens × 512 each
  Vector<double> layer1_mean;       // mean layer-1 activation over all tokens
  RowMatrix<float> embeddings;      // sentences × 512, unit rows
  double seconds = 0;               // forward pass
};

// One layer's SAE (size by minimality over 3 seeds), its stability and its concept labels.
struct LayerStage {
  std::string name;
  const RowMatrix<float>* x = nullptr;
  SaeSizeOptions options;
  SaeSizeSelection<float> selection;
  std::vector<ConceptLabel> labels;
  double mean_norm = 0;  // mean row norm of the activations
  Index train_rows = 0;  // rows the SAEs were trained and scored on
  double seconds = 0;
};

// A latent chosen for the graph or for steering, with the pieces that name it.
struct Labelled {
  Index latent = 0;
  std::vector<std::string> pieces;  // label pieces (≤ 3, each ≥ 10 % of the firing rows)
  std::set<std::int32_t> ids;       // their token ids
  double purity = 0;                // share of firing rows whose piece is a label piece
  double firing_rate = 0;
  double sentence_share = 0;  // corpus sentences containing a label piece
  double cohesion = 0;        // on-concept share of the 10 nearest sentences of its own sentences
  [[nodiscard]] std::string name(const std::string& layer) const;
};

struct Selection {
  std::vector<Labelled> layer0;  // lower concepts of the graph
  std::vector<Labelled> layer1;  // the 10 labelled latents; [0] is the demo's chosen latent
  std::vector<Labelled> pool;    // the rest of the layer-1 latents the rule admits (≤ 40)
  std::vector<std::vector<Index>> nearest;  // 10 nearest corpus sentences of each (unsteered)
  nlohmann::json json;
};

void run_model(const UseLite& model, Corpus& corpus);
LayerStage fit_layer(const std::string& name, const Corpus& corpus, const UseLiteDemoArgs& a);
nlohmann::json layer_json(const LayerStage& layer);
std::string concepts_tsv(const std::vector<LayerStage>& layers);
Selection select_latents(const std::vector<LayerStage>& layers, const Corpus& corpus);
nlohmann::json concept_graph_stage(const std::vector<LayerStage>& layers, const Selection& chosen,
                                   const Corpus& corpus, const OutFile& out_file);
nlohmann::json steering_stage(const UseLite& model, const LayerStage& layer1,
                              const Selection& chosen, const Corpus& corpus,
                              const OutFile& out_file);
void print_summary(const nlohmann::json& report);

}  // namespace hilm::cli::demo_use_lite

#endif  // HILM_TOOLS_DEMO_USE_LITE_PARTS_HPP

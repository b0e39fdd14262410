// `hilm demo --case use-lite --model DIR [--text FILE] [--tokens N] [--out DIR]`: the whole
// pipeline on a real trained network, Google's universal-sentence-encoder-lite (REAL-MODELS.md
// §A; a 2-layer text transformer trained for sentence similarity — an encoder, not an LLM):
//   1. tokenise a corpus (default: the pinned data/corpus), run the model, record layer0 and
//      layer1 (one row per token) and the sentence embeddings;
//   2. per layer, choose the SAE size by minimality over 3 seeds (sae/size_selection.hpp) and
//      score identifiability without ground truth (cross-seed best-match decoder cosine ≥ 0.9);
//   3. label every latent by the pieces it fires on (sae/concept_labels.hpp) -> concepts.tsv;
//   4. the concept graph from layer-0 latents to layer-1 latents (hierarchy/concept_graph.hpp)
//      -> concept_graph.dot/.svg;
//   5. steer 10 labelled layer-1 latents through the model's own forward pass and ablate them
//      (steer/model_steering.hpp) -> steering_curve.svg;
//   6. report.json with every figure and elapsed_seconds; a short summary on stderr.
#include "demo_use_lite.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <hilm/graph/dot.hpp>
#include <hilm/hierarchy/concept_graph.hpp>
#include <hilm/models/sentencepiece.hpp>
#include <hilm/models/use_lite.hpp>
#include <hilm/sae/concept_labels.hpp>
#include <hilm/sae/size_selection.hpp>
#include <hilm/sources/matrix_source.hpp>
#include <hilm/steer/model_steering.hpp>

#include "cli_common.hpp"
#include "demo_use_lite_parts.hpp"
#include "render_svg.hpp"
#include "svg_plot.hpp"

namespace hilm::cli {

std::string default_corpus_path() {
  const std::vector<std::string> candidates = {
#ifdef HILM_SOURCE_DATA_DIR
      std::string(HILM_SOURCE_DATA_DIR) + "/corpus/gnu-info-sentences.txt",
#endif
#ifdef HILM_INSTALL_DATA_DIR
      std::string(HILM_INSTALL_DATA_DIR) + "/corpus/gnu-info-sentences.txt",
#endif
  };
  for (const auto& c : candidates) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(c, ec)) return c;
  }
  return {};
}

namespace {

using demo_use_lite::Corpus;
using demo_use_lite::LayerStage;

// Step 1: sentences (one per non-empty line) tokenised until `tokens` tokens are reached, run
// through the model in batches.
Corpus read_corpus(const UseLiteDemoArgs& a, const SentencePiece& tokenizer, const UseLite& model) {
  Corpus c;
  c.path = a.text.empty() ? default_corpus_path() : a.text;
  if (c.path.empty()) {
    throw bad_input("data/corpus/gnu-info-sentences.txt",
                    "the pinned corpus was not found beside the hilm sources or in its install "
                    "share directory; pass --text FILE");
  }
  require_regular_file(c.path);
  std::ifstream in(c.path, std::ios::binary);
  std::string line;
  const auto max_tokens = static_cast<std::size_t>(model.max_tokens());
  Index total = 0;
  while (total < a.tokens && std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::vector<std::int32_t> ids = tokenizer.encode(line);
    if (ids.empty()) continue;
    if (ids.size() > max_tokens) ids.resize(max_tokens);  // the model drops later positions
    total += static_cast<Index>(ids.size());
    c.sentences.push_back(line);
    c.ids.push_back(std::move(ids));
  }
  if (c.sentences.size() < 40) {
    throw bad_input(c.path, "holds " + std::to_string(c.sentences.size()) +
                                " usable sentences; the demo needs at least 40");
  }
  c.tokens = total;
  for (const auto& s : c.ids) {
    for (const std::int32_t id : s) c.pieces.push_back(tokenizer.piece(id));
  }
  demo_use_lite::run_model(model, c);
  return c;
}

void run(const UseLiteDemoArgs& a, OutputSet& outputs) {
  const std::function<std::string(const std::string&)> out_file = [&](const std::string& name) {
    return outputs.file(a.out + "/" + name);
  };
  const Stopwatch total;
  const UseLite model = UseLite::load(a.model);
  const std::filesystem::path vocab =
      std::filesystem::path(model.path()).parent_path() / "vocab.json";
  const SentencePiece tokenizer = SentencePiece::load(vocab.string());
  std::fprintf(stderr, "hilm demo --case use-lite: model %s, output in %s\n", model.path().c_str(),
               a.out.c_str());
  const Corpus corpus = read_corpus(a, tokenizer, model);
  std::fprintf(stderr, "  corpus: %zu sentences, %lld tokens (%s), forward pass %.1f s\n",
               corpus.sentences.size(), static_cast<long long>(corpus.tokens), corpus.path.c_str(),
               corpus.seconds);

  nlohmann::json report;
  report["model"] = {{"name", "universal-sentence-encoder-lite"},
                     {"kind", "sentence encoder trained for sentence similarity (not an LLM)"},
                     {"path", model.path()}};
  report["corpus"] = {{"path", corpus.path},
                      {"sentences", corpus.sentences.size()},
                      {"tokens", corpus.tokens},
                      {"forward_seconds", corpus.seconds}};
  std::vector<LayerStage> layers;
  for (const char* name : {"layer0", "layer1"}) {
    layers.push_back(demo_use_lite::fit_layer(name, corpus, a));
    report["layers"][name] = demo_use_lite::layer_json(layers.back());
  }
  write_text(out_file("concepts.tsv"), demo_use_lite::concepts_tsv(layers));

  const demo_use_lite::Selection chosen = demo_use_lite::select_latents(layers, corpus);
  report["labelled_latents"] = chosen.json;
  report["concept_graph"] = demo_use_lite::concept_graph_stage(layers, chosen, corpus, out_file);
  if (chosen.layer1.empty()) {
    throw numerical_failure(
        "demo: no layer-1 latent passes the labelling rule (see "
        "labelled_latents.rule in the report); use more --tokens");
  }
  report["steering"] = demo_use_lite::steering_stage(model, layers[1], chosen, corpus, out_file);
  report["elapsed_seconds"] = total.seconds();
  require_finite_json(report, "demo: report.json");
  write_text(out_file("report.json"), report.dump(2) + "\n");
  demo_use_lite::print_summary(report);
  finish(outputs, report, total.seconds());
}

}  // namespace

void run_use_lite_demo(const UseLiteDemoArgs& a) {
  if (a.model.empty()) throw usage_error("--case use-lite needs --model DIR");
  // Every file is staged and moved into --out only when the whole demo succeeded.
  OutputSet outputs;
  outputs.directory(a.out);
  run(a, outputs);
}

}  // namespace hilm::cli

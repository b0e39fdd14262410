// `hilm extract --model DIR --text FILE --layers 0,1 --out OUT [--max-tokens N] [--batch B]`:
// runs the real USE-lite sentence encoder (hilm/models/use_lite.hpp; a sentence-similarity
// encoder, not an autoregressive language model) over the lines of a text file and saves the
// activations of its transformer blocks, one row per token, for training sparse autoencoders.
//   FILE        one sentence per line; empty (all-whitespace) lines are skipped; tokenised with
//               the sentencepiece vocabulary vocab.json beside the model's model.json.
//   --layers    0, 1 or 0,1: the outputs of transformer block 0 / block 1 (512 columns each).
//   --max-tokens N  stop before the sentence that would take the total past N tokens (whole
//               sentences only; positions >= 128 of a sentence are dropped, as the model does).
//   --batch B   sentences per forward pass (default 64).
// Writes OUT/layer0.npy and/or OUT/layer1.npy (float32, tokens × 512, rows = tokens of sentence
// 0, then sentence 1, ...) and OUT/tokens.tsv (header "sentence\tposition\tpiece"; sentence is
// the 0-based index among the kept sentences; tab, newline and backslash in a piece are written
// as \t, \n, \\), all or nothing. Prints {"tokens", "sentences", "layers", "tokens_per_second",
// "elapsed_seconds"}.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <hilm/models/sentencepiece.hpp>
#include <hilm/models/use_lite.hpp>

#include "cli_common.hpp"

namespace hilm::cli {
namespace {

namespace fs = std::filesystem;

struct ExtractArgs {
  std::string model, text, layers = "0,1", out;
  Index max_tokens = 0;  // 0 = no limit
  Index batch = 64;
};

// "0,1" → {"layer0", "layer1"}; exit 2 for anything else.
std::vector<std::string> parse_layers(const std::string& text) {
  std::vector<std::string> layers;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item != "0" && item != "1") {
      throw usage_error("--layers: '" + item + "' is not a layer (use 0, 1 or 0,1)");
    }
    const std::string name = "layer" + item;
    if (std::find(layers.begin(), layers.end(), name) != layers.end()) {
      throw usage_error("--layers: layer " + item + " is listed twice");
    }
    layers.push_back(name);
  }
  if (layers.empty() || text.back() == ',') {
    throw usage_error("--layers: give 0, 1 or 0,1, got '" + text + "'");
  }
  return layers;
}

// The non-empty lines of `path` (a trailing '\r' removed).
std::vector<std::string> read_sentences(const std::string& path) {
  require_regular_file(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw bad_input(path, "cannot open the text file");
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t\f\v") != std::string::npos) lines.push_back(line);
  }
  if (in.bad()) throw bad_input(path, "read error");
  if (lines.empty()) throw bad_input(path, "holds no non-empty line (no sentence to run)");
  return lines;
}

std::string tsv_field(const std::string& piece) {
  std::string out;
  for (char c : piece) {
    if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\\') {
      out += "\\\\";
    } else {
      out += c;
    }
  }
  return out;
}

void run_extract(const ExtractArgs& a) {
  const std::vector<std::string> layers = parse_layers(a.layers);
  std::error_code ec;
  if (!fs::exists(a.model, ec)) throw bad_input(a.model, "no such model directory");
  const std::vector<std::string> lines = read_sentences(a.text);
  const UseLite model = UseLite::load(a.model);
  const std::string vocab = (fs::path(model.path()).parent_path() / "vocab.json").string();
  const SentencePiece tokenizer = SentencePiece::load(vocab);
  Stopwatch clock;
  // Tokenise, keeping whole sentences within --max-tokens.
  UseLite::Batch sentences;
  Index total = 0;
  for (const auto& line : lines) {
    std::vector<std::int32_t> ids = tokenizer.encode(line);
    if (static_cast<Index>(ids.size()) > model.max_tokens()) {
      ids.resize(static_cast<std::size_t>(model.max_tokens()));
    }
    if (ids.empty()) continue;
    const auto n = static_cast<Index>(ids.size());
    if (a.max_tokens > 0 && total + n > a.max_tokens) break;
    total += n;
    sentences.push_back(std::move(ids));
  }
  std::vector<RowMatrix<float>> values(layers.size(), RowMatrix<float>(total, 512));
  ForwardRequest request;
  request.record = layers;
  const ProgressCallback progress = progress_bar("extract");
  Index row = 0;
  for (std::size_t first = 0; first < sentences.size();
       first += static_cast<std::size_t>(a.batch)) {
    const std::size_t last = std::min(sentences.size(), first + static_cast<std::size_t>(a.batch));
    const UseLite::Batch batch(sentences.begin() + static_cast<std::ptrdiff_t>(first),
                               sentences.begin() + static_cast<std::ptrdiff_t>(last));
    const ForwardResult result = model.forward(batch, request);
    const Index rows = result.layers.front().second.rows();
    for (std::size_t l = 0; l < layers.size(); ++l) {
      values[l].middleRows(row, rows) = result.layers[l].second;
    }
    row += rows;
    if (progress) progress(Progress{"extract", row, total, 0.0});
  }
  const double seconds = clock.seconds();
  OutputSet outputs;
  outputs.directory(a.out);
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const std::string path = (fs::path(a.out) / (layers[l] + ".npy")).string();
    write_result_npy(outputs.file(path), path, values[l]);
  }
  std::string tsv = "sentence\tposition\tpiece\n";
  for (std::size_t s = 0; s < sentences.size(); ++s) {
    for (std::size_t p = 0; p < sentences[s].size(); ++p) {
      tsv += std::to_string(s) + "\t" + std::to_string(p) + "\t" +
             tsv_field(std::string(tokenizer.piece(sentences[s][p]))) + "\n";
    }
  }
  write_text(outputs.file((fs::path(a.out) / "tokens.tsv").string()), tsv);
  nlohmann::json out{
      {"tokens", total},
      {"sentences", sentences.size()},
      {"layers", layers},
      {"tokens_per_second", seconds > 0 ? static_cast<double>(total) / seconds : 0.0},
      {"out", a.out}};
  finish(outputs, std::move(out), seconds);
}

void setup_extract(CLI::App& root) {
  auto a = std::make_shared<ExtractArgs>();
  auto* cmd = root.add_subcommand(
      "extract", "Per-token activations of the real USE-lite sentence encoder on a text file");
  cmd->add_option("--model", a->model,
                  "USE-lite package directory (holds model.json, or dist/model.json)")
      ->required();
  cmd->add_option("--text", a->text, "Text file, one sentence per line (empty lines skipped)")
      ->required();
  cmd->add_option("--layers", a->layers, "Blocks to save: 0, 1 or 0,1")->capture_default_str();
  cmd->add_option("--out", a->out, "Output directory (layerN.npy, tokens.tsv)")->required();
  cmd->add_option("--max-tokens", a->max_tokens,
                  "Stop before the sentence that would pass N tokens (0 = all)")
      ->check(integer_from(0))
      ->capture_default_str();
  cmd->add_option("--batch", a->batch, "Sentences per forward pass")
      ->check(integer_from(1))
      ->capture_default_str();
  cmd->callback([a] { run_extract(*a); });
}

[[maybe_unused]] const bool registered_extract = register_command("extract", &setup_extract);

}  // namespace
}  // namespace hilm::cli

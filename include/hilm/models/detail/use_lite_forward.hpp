/// @file
/// The forward pass of `hilm::UseLite` over a batch: token layout, records and edits (the
/// `hilm::InterventionModel` contract, concepts/intervention_model.hpp).
#ifndef HILM_MODELS_DETAIL_USE_LITE_FORWARD_HPP
#define HILM_MODELS_DETAIL_USE_LITE_FORWARD_HPP

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <hilm/concepts/intervention_model.hpp>
#include <hilm/core/detail/raise.hpp>
#include <hilm/core/error.hpp>
#include <hilm/models/detail/use_lite.hpp>

namespace hilm::detail {

/// The model.json for UseLite::load: `path` itself, path/model.json or path/dist/model.json.
inline std::string use_lite_model_json(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return path;
  for (const fs::path& candidate :
       {fs::path(path) / "model.json", fs::path(path) / "dist" / "model.json"}) {
    if (fs::is_regular_file(candidate, ec)) return candidate.string();
  }
  raise<io_error>(path, fs::exists(path, ec) ? "no model.json (nor dist/model.json) here"
                                             : "no such file or directory");
}

/// Index of `layer` in {embedding_input, layer0, layer1}; invalid_argument otherwise.
inline int use_lite_layer_index(std::string_view layer) {
  if (layer == "embedding_input") return 0;
  if (layer == "layer0") return 1;
  if (layer == "layer1") return 2;
  raise<invalid_argument>("UseLite: unknown layer '" + std::string(layer) +
                          "' (known: embedding_input, layer0, layer1)");
}

inline Index use_lite_layer_width(const UseLiteWeights& w, std::string_view layer) {
  return use_lite_layer_index(layer) == 0 ? w.embedding.cols() : w.blocks[0].ffn2.cols();
}

/// Runs the batch; records and edits the layers `request` names.
inline ForwardResult use_lite_forward(const UseLiteWeights& w,
                                      const std::vector<std::vector<std::int32_t>>& batch,
                                      const ForwardRequest& request) {
  std::vector<int> record;
  for (const auto& name : request.record) record.push_back(use_lite_layer_index(name));
  const int edit = request.edit ? use_lite_layer_index(request.edit_layer) : -1;
  std::vector<std::int32_t> ids;
  std::vector<Index> positions;
  std::vector<Index> offsets{0};
  for (std::size_t s = 0; s < batch.size(); ++s) {
    const auto kept =
        std::min<std::size_t>(batch[s].size(), static_cast<std::size_t>(w.max_positions));
    for (std::size_t p = 0; p < kept; ++p) {
      const std::int32_t id = batch[s][p];
      if (id < 0 || id >= w.embedding.rows()) {
        raise<invalid_argument>("UseLite::forward: sentence " + std::to_string(s) + ", position " +
                                std::to_string(p) + ": token id " + std::to_string(id) +
                                " outside [0, " + std::to_string(w.embedding.rows()) + ")");
      }
      ids.push_back(id);
      positions.push_back(static_cast<Index>(p));
    }
    offsets.push_back(static_cast<Index>(ids.size()));
  }
  ForwardResult result;
  result.layers.resize(record.size());
  for (std::size_t i = 0; i < record.size(); ++i) result.layers[i].first = request.record[i];
  // Applies the edit of stage `stage`, then records it.
  const auto stage_done = [&](int stage, RowMatrix<float>& x) {
    if (edit == stage) request.edit(x);
    for (std::size_t i = 0; i < record.size(); ++i) {
      if (record[i] == stage) result.layers[i].second = x;
    }
  };
  RowMatrix<float> x = use_lite_embed_input(w, ids, positions);
  stage_done(0, x);
  x = use_lite_block_forward(w.blocks[0], x, offsets, w.ln_eps);
  stage_done(1, x);
  x = use_lite_block_forward(w.blocks[1], x, offsets, w.ln_eps);
  stage_done(2, x);
  result.output = use_lite_pool(w, x, offsets);
  return result;
}

}  // namespace hilm::detail

#endif  // HILM_MODELS_DETAIL_USE_LITE_FORWARD_HPP

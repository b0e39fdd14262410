/// @file
/// Implementation of `hilm/models/tfjs_graph.hpp`: parsing `model.json` and slicing the
/// concatenated weight shards. Format: tensorflow/tfjs, tfjs-core/src/io/types.ts
/// (`WeightsManifestConfig`, `WeightsManifestEntry`) and tfjs-core/src/io/io_utils.ts
/// (`decodeWeights`: values follow each other in manifest order, little-endian, 4 bytes for
/// float32 and int32).
#ifndef HILM_MODELS_DETAIL_TFJS_GRAPH_HPP
#define HILM_MODELS_DETAIL_TFJS_GRAPH_HPP

#include <bit>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include <hilm/core/detail/raise.hpp>
#include <hilm/core/error.hpp>
#include <hilm/models/tfjs_graph_types.hpp>

#include <nlohmann/json.hpp>

namespace hilm::detail {

/// Reads a whole binary file; io_error naming it when it is missing or unreadable.
inline std::vector<char> tfjs_read_file(const std::string& path, const char* what) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    raise<io_error>(path, std::string(what) + " is missing (or not a regular file)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) raise<io_error>(path, std::string("cannot open ") + what);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) raise<io_error>(path, std::string("read error in ") + what);
  return bytes;
}

/// Parses the node list of `modelTopology` (missing topology = no nodes).
inline std::vector<TfjsNode> tfjs_parse_nodes(const nlohmann::json& model,
                                              const std::string& path) {
  std::vector<TfjsNode> nodes;
  if (!model.contains("modelTopology")) return nodes;
  const auto& topology = model.at("modelTopology");
  if (!topology.is_object() || !topology.contains("node")) return nodes;
  const auto& list = topology.at("node");
  if (!list.is_array()) raise<io_error>(path, "modelTopology.node is not a list");
  for (const auto& n : list) {
    if (!n.is_object() || !n.contains("name") || !n.at("name").is_string()) {
      raise<io_error>(path, "a modelTopology node has no string 'name'");
    }
    TfjsNode node;
    node.name = n.at("name").get<std::string>();
    if (n.contains("op") && n.at("op").is_string()) node.op = n.at("op").get<std::string>();
    if (n.contains("input") && n.at("input").is_array()) {
      for (const auto& in : n.at("input")) {
        if (in.is_string()) node.inputs.push_back(in.get<std::string>());
      }
    }
    nodes.push_back(std::move(node));
  }
  return nodes;
}

/// Parses one manifest entry's name, dtype and shape (values are filled in later).
inline TfjsTensor tfjs_parse_entry(const nlohmann::json& w, const std::string& path) {
  if (!w.is_object() || !w.contains("name") || !w.at("name").is_string() || !w.contains("shape") ||
      !w.at("shape").is_array() || !w.contains("dtype") || !w.at("dtype").is_string()) {
    raise<io_error>(path,
                    "a weightsManifest entry lacks a string 'name', a 'shape' list or a "
                    "string 'dtype'");
  }
  TfjsTensor t;
  t.name = w.at("name").get<std::string>();
  if (w.contains("quantization")) {
    raise<io_error>(path, "weight '" + t.name + "' is quantised; hilm reads float32/int32 only");
  }
  const std::string dtype = w.at("dtype").get<std::string>();
  if (dtype == "float32") {
    t.dtype = TfjsDtype::float32;
  } else if (dtype == "int32") {
    t.dtype = TfjsDtype::int32;
  } else {
    raise<io_error>(path, "weight '" + t.name + "' has unsupported dtype '" + dtype +
                              "' (hilm reads float32 and int32)");
  }
  for (const auto& s : w.at("shape")) {
    if (!s.is_number_integer() || s.get<long long>() < 0 || s.get<long long>() > (1LL << 31)) {
      raise<io_error>(path, "weight '" + t.name + "' has an invalid shape entry " + s.dump());
    }
    t.shape.push_back(static_cast<Index>(s.get<long long>()));
  }
  return t;
}

/// Reads one manifest group: concatenates its shards and slices them into `out`.
inline void tfjs_load_group(const nlohmann::json& group, const std::filesystem::path& dir,
                            const std::string& path, std::vector<TfjsTensor>& out) {
  if (!group.is_object() || !group.contains("paths") || !group.at("paths").is_array() ||
      !group.contains("weights") || !group.at("weights").is_array()) {
    raise<io_error>(path, "a weightsManifest group lacks a 'paths' or 'weights' list");
  }
  std::vector<char> bytes;
  std::string shard_names;
  for (const auto& p : group.at("paths")) {
    if (!p.is_string()) raise<io_error>(path, "a weightsManifest path is not a string");
    const std::string shard = (dir / p.get<std::string>()).string();
    const std::vector<char> part = tfjs_read_file(shard, "weight shard");
    bytes.insert(bytes.end(), part.begin(), part.end());
    shard_names += (shard_names.empty() ? "" : ", ") + shard;
  }
  std::size_t offset = 0;
  std::vector<TfjsTensor> group_tensors;
  for (const auto& w : group.at("weights")) {
    TfjsTensor t = tfjs_parse_entry(w, path);
    const auto n = static_cast<std::size_t>(t.size());
    if (n > (bytes.size() - offset) / 4) {
      raise<io_error>(shard_names.empty() ? path : shard_names,
                      "weight shards hold " + std::to_string(bytes.size()) +
                          " bytes, too few for weight '" + t.name + "' (truncated shard?)");
    }
    if (t.dtype == TfjsDtype::float32) {
      t.f32.resize(n);
      std::memcpy(t.f32.data(), bytes.data() + offset, n * 4);
    } else {
      t.i32.resize(n);
      std::memcpy(t.i32.data(), bytes.data() + offset, n * 4);
    }
    offset += n * 4;
    group_tensors.push_back(std::move(t));
  }
  if (offset != bytes.size()) {
    raise<io_error>(shard_names.empty() ? path : shard_names,
                    "weight shards hold " + std::to_string(bytes.size()) +
                        " bytes but the manifest describes " + std::to_string(offset));
  }
  for (auto& t : group_tensors) out.push_back(std::move(t));
}

/// Loads `model.json` at `path`: nodes and weights (hilm::TfjsGraph::load).
inline void tfjs_load(const std::string& path, std::vector<TfjsNode>& nodes,
                      std::vector<TfjsTensor>& tensors) {
  static_assert(std::numeric_limits<float>::is_iec559, "float must be IEEE-754 binary32");
  static_assert(std::endian::native == std::endian::little, "tfjs shards are little-endian");
  const std::vector<char> text = tfjs_read_file(path, "model.json");
  nlohmann::json model;
  try {
    model = nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& e) {
    raise<io_error>(path, std::string("not valid JSON: ") + e.what());
  }
  if (!model.is_object() || !model.contains("weightsManifest") ||
      !model.at("weightsManifest").is_array()) {
    raise<io_error>(path, "not a tfjs model: no 'weightsManifest' list");
  }
  nodes = tfjs_parse_nodes(model, path);
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  tensors.clear();
  for (const auto& group : model.at("weightsManifest")) tfjs_load_group(group, dir, path, tensors);
}

}  // namespace hilm::detail

#endif  // HILM_MODELS_DETAIL_TFJS_GRAPH_HPP

/// @file
/// Reading a TensorFlow.js graph model (`model.json` plus binary weight shards) into named
/// tensors.
///
/// The format (tensorflow/tfjs, `tfjs-converter` "graph-model" output, documented in
/// tfjs-core/src/io/types.ts): `model.json` is a JSON object whose `modelTopology` holds the
/// frozen TensorFlow graph (`node`: a list of `{name, op, input, attr}`) and whose
/// `weightsManifest` is a list of groups `{paths, weights}`. The shards listed in `paths` (relative
/// to `model.json`) are concatenated; `weights` lists `{name, shape, dtype}` in the order their
/// little-endian values follow each other in that byte stream. hilm reads the unquantised dtypes
/// `float32` and `int32`; a quantised manifest, another dtype, a missing shard or a byte count
/// that does not match the manifest is an `io_error` naming the file.
///
/// Optional integration: needs nlohmann-json (Debian `nlohmann-json3-dev`).
#ifndef HILM_MODELS_TFJS_GRAPH_HPP
#define HILM_MODELS_TFJS_GRAPH_HPP

#include <string>
#include <string_view>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/models/detail/tfjs_graph.hpp>
#include <hilm/models/tfjs_graph_types.hpp>

namespace hilm {

/// A loaded tfjs graph model: the node list and every weight of the manifest.
class TfjsGraph {
 public:
  /// Loads `model_json_path` and the shards its manifest names (relative to its directory).
  /// @throws io_error naming the file for unreadable or malformed JSON, a missing shard, an
  ///         unknown or quantised dtype, or shards whose total size differs from the manifest.
  [[nodiscard]] static TfjsGraph load(const std::string& model_json_path) {
    TfjsGraph graph;
    graph.path_ = model_json_path;
    detail::tfjs_load(model_json_path, graph.nodes_, graph.tensors_);
    return graph;
  }

  /// The `model.json` path this graph was loaded from.
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  /// The graph nodes, in file order.
  [[nodiscard]] const std::vector<TfjsNode>& nodes() const noexcept { return nodes_; }
  /// The weights, in manifest order.
  [[nodiscard]] const std::vector<TfjsTensor>& tensors() const noexcept { return tensors_; }

  /// @returns the weight named `name`, or nullptr.
  [[nodiscard]] const TfjsTensor* find(std::string_view name) const noexcept {
    for (const auto& t : tensors_) {
      if (t.name == name) return &t;
    }
    return nullptr;
  }

  /// @returns the weight named `name`.
  /// @throws io_error naming the model file when it is absent.
  [[nodiscard]] const TfjsTensor& tensor(std::string_view name) const {
    const TfjsTensor* t = find(name);
    if (t == nullptr) detail::raise<io_error>(path_, "no weight named '" + std::string(name) + "'");
    return *t;
  }

  /// Mutable access to a weight (for experiments that perturb a trained model).
  /// @throws io_error naming the model file when it is absent.
  [[nodiscard]] TfjsTensor& mutable_tensor(std::string_view name) {
    return const_cast<TfjsTensor&>(static_cast<const TfjsGraph&>(*this).tensor(name));
  }

 private:
  std::string path_;
  std::vector<TfjsNode> nodes_;
  std::vector<TfjsTensor> tensors_;
};

}  // namespace hilm

#endif  // HILM_MODELS_TFJS_GRAPH_HPP

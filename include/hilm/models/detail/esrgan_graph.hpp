/// @file
/// Loading a Keras layers-model saved by TensorFlow.js (`model.json` + binary weight shards) into
/// a small convolutional DAG, for `hilm/models/esrgan.hpp`.
///
/// Sources: the TensorFlow.js layers-model format (`modelTopology.model_config` holds the Keras
/// `Functional` config: `layers[]` with `class_name`, `config`, `inbound_nodes`; `weightsManifest`
/// lists groups of shard `paths` and `weights` {name, shape, dtype}, stored little-endian,
/// back to back in manifest order across the concatenated shards of a group). Keras semantics:
/// Conv2D kernels are [kh, kw, c_in, c_out], "same" padding puts (k-1)/2 zeros before and the
/// rest after (TensorFlow's SAME rule), channels last.
#ifndef HILM_MODELS_DETAIL_ESRGAN_GRAPH_HPP
#define HILM_MODELS_DETAIL_ESRGAN_GRAPH_HPP

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>

#include <nlohmann/json.hpp>

namespace hilm::detail {

enum class KerasOp { Input, Conv2D, Activation, Concatenate, Add, UpSampling, DepthToSpace, Scale };
enum class KerasActivation { Linear, Relu, Sigmoid, Tanh };

/// One layer of the DAG. Nodes are stored in topological order (the order of the JSON, checked).
struct KerasNode {
  std::string name;
  KerasOp op = KerasOp::Input;
  std::vector<int> inputs;
  KerasActivation activation = KerasActivation::Linear;
  Index kernel_h = 1;
  Index kernel_w = 1;
  RowMatrix<float> kernel;  // (kh * kw * c_in) × c_out, rows ordered (ky, kx, ci)
  Vector<float> bias;
  Index scale = 1;       // UpSampling2D size / depth-to-space block size
  float factor = 1.0F;   // Scale (MultiplyBeta)
  Index channels = 0;    // output channels
  Index resolution = 1;  // spatial size relative to the input
  int last_use = -1;     // index of the last node reading this one
};

struct KerasGraph {
  std::vector<KerasNode> nodes;
  int output = -1;
};

[[nodiscard]] inline KerasActivation keras_activation(const std::string& name,
                                                      const std::string& file,
                                                      const std::string& layer) {
  if (name == "linear") return KerasActivation::Linear;
  if (name == "relu") return KerasActivation::Relu;
  if (name == "sigmoid") return KerasActivation::Sigmoid;
  if (name == "tanh") return KerasActivation::Tanh;
  raise<io_error>(file, "layer '" + layer + "': unsupported activation '" + name + "'");
}

/// Reads every float32 weight of the manifest, by name.
[[nodiscard]] inline std::map<std::string, std::vector<float>> read_tfjs_weights(
    const nlohmann::json& manifest, const std::filesystem::path& dir, const std::string& file) {
  std::map<std::string, std::vector<float>> weights;
  for (const auto& group : manifest) {
    std::vector<char> bytes;
    for (const auto& shard : group.at("paths")) {
      const auto path = dir / shard.get<std::string>();
      std::ifstream in(path, std::ios::binary);
      if (!in) raise<io_error>(path.string(), "cannot open weight shard");
      bytes.insert(bytes.end(), std::istreambuf_iterator<char>(in),
                   std::istreambuf_iterator<char>());
    }
    std::size_t offset = 0;
    for (const auto& w : group.at("weights")) {
      const auto name = w.at("name").get<std::string>();
      if (w.value("dtype", "float32") != "float32" || w.contains("quantization")) {
        raise<io_error>(file, "weight '" + name + "': only unquantized float32 is supported");
      }
      std::size_t count = 1;
      for (const auto& d : w.at("shape")) count *= d.get<std::size_t>();
      if (offset + 4 * count > bytes.size()) {
        raise<io_error>(file, "weight shards too short for '" + name + "'");
      }
      std::vector<float> values(count);
      std::memcpy(values.data(), bytes.data() + offset, 4 * count);  // little-endian host assumed
      offset += 4 * count;
      weights[name] = std::move(values);
    }
    if (offset != bytes.size()) raise<io_error>(file, "weight shards longer than the manifest");
  }
  return weights;
}

/// Fills a Conv2D node from its config and weights; c_in from its input.
inline void load_conv(KerasNode& node, const nlohmann::json& config, Index c_in,
                      std::map<std::string, std::vector<float>>& weights, const std::string& file) {
  const auto& k = config.at("kernel_size");
  node.kernel_h = k.at(0).get<Index>();
  node.kernel_w = k.at(1).get<Index>();
  node.channels = config.at("filters").get<Index>();
  const bool same = config.value("padding", "valid") == "same";
  for (const char* key : {"strides", "dilation_rate"}) {
    if (config.contains(key) && (config[key].at(0) != 1 || config[key].at(1) != 1)) {
      raise<io_error>(file, "layer '" + node.name + "': only stride 1, dilation 1 are supported");
    }
  }
  if (!same && (node.kernel_h != 1 || node.kernel_w != 1)) {
    raise<io_error>(file, "layer '" + node.name + "': 'valid' padding only for 1x1 kernels");
  }
  node.activation = keras_activation(config.value("activation", "linear"), file, node.name);
  const auto kernel = weights.find(node.name + "/kernel");
  const Index rows = node.kernel_h * node.kernel_w * c_in;
  if (kernel == weights.end() ||
      static_cast<Index>(kernel->second.size()) != rows * node.channels) {
    raise<io_error>(file, "layer '" + node.name + "': kernel missing or of the wrong size");
  }
  node.kernel = Eigen::Map<const RowMatrix<float>>(kernel->second.data(), rows, node.channels);
  node.bias = Vector<float>::Zero(node.channels);
  if (config.value("use_bias", true)) {
    const auto bias = weights.find(node.name + "/bias");
    if (bias == weights.end() || static_cast<Index>(bias->second.size()) != node.channels) {
      raise<io_error>(file, "layer '" + node.name + "': bias missing or of the wrong size");
    }
    node.bias = Eigen::Map<const Vector<float>>(bias->second.data(), node.channels);
  }
}

/// Sets op-specific fields and the output shape of `node` from its inputs.
inline void configure_node(KerasNode& node, const std::string& cls, const nlohmann::json& config,
                           const std::vector<KerasNode>& nodes,
                           std::map<std::string, std::vector<float>>& weights,
                           const std::string& file) {
  const auto fail = [&](const std::string& what) {
    raise<io_error>(file, "layer '" + node.name + "' (" + cls + "): " + what);
  };
  if (node.inputs.empty()) fail("has no inputs");
  const KerasNode& first = nodes[static_cast<std::size_t>(node.inputs[0])];
  node.channels = first.channels;
  node.resolution = first.resolution;
  const bool single = node.inputs.size() == 1;
  if (cls == "Conv2D" && single) {
    node.op = KerasOp::Conv2D;
    load_conv(node, config, first.channels, weights, file);
  } else if ((cls == "Activation" || cls == "ReLU") && single) {
    node.op = KerasOp::Activation;
    node.activation =
        keras_activation(cls == "ReLU" ? "relu" : config.value("activation", ""), file, node.name);
  } else if (cls == "Concatenate" || cls == "Add") {
    node.op = cls == "Add" ? KerasOp::Add : KerasOp::Concatenate;
    const int axis = config.value("axis", -1);
    if (node.op == KerasOp::Concatenate && axis != -1 && axis != 3) fail("only channel axis");
    node.channels = 0;
    for (const int i : node.inputs) {
      const auto& in = nodes[static_cast<std::size_t>(i)];
      if (in.resolution != first.resolution) fail("inputs of different resolution");
      if (node.op == KerasOp::Add && in.channels != first.channels)
        fail("inputs of different width");
      node.channels += in.channels;
    }
    if (node.op == KerasOp::Add) node.channels = first.channels;
  } else if (cls == "UpSampling2D" && single) {
    node.op = KerasOp::UpSampling;
    if (config.value("interpolation", "nearest") != "nearest") fail("only nearest interpolation");
    node.scale = config.at("size").at(0).get<Index>();
    if (config.at("size").at(1).get<Index>() != node.scale || node.scale < 1) fail("bad size");
    node.resolution *= node.scale;
  } else if (cls.rfind("PixelShuffle", 0) == 0 && single) {
    node.op = KerasOp::DepthToSpace;  // upscalerjs' PixelShuffle<s>x: tf.depthToSpace(x, s, NHWC)
    node.scale = std::stoi(cls.substr(12));
    if (node.scale < 1 || first.channels % (node.scale * node.scale) != 0) fail("bad block size");
    node.channels = first.channels / (node.scale * node.scale);
    node.resolution *= node.scale;
  } else if (cls == "MultiplyBeta" && single) {
    node.op = KerasOp::Scale;  // upscalerjs' MultiplyBeta: x * 0.2 (BETA in its esrgan.js)
    node.factor = 0.2F;
  } else {
    fail("unsupported layer type or arity");
  }
}

/// Loads `model.json` and its shards into a graph.
/// @throws io_error naming the file on anything it cannot read or run.
[[nodiscard]] inline KerasGraph load_keras_graph(const std::string& file) {
  std::ifstream in(file);
  if (!in) raise<io_error>(file, "cannot open model file");
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    raise<io_error>(file, std::string("invalid JSON: ") + e.what());
  }
  KerasGraph graph;
  try {
    auto weights = read_tfjs_weights(root.at("weightsManifest"),
                                     std::filesystem::path(file).parent_path(), file);
    const auto& config = root.at("modelTopology").at("model_config").at("config");
    std::map<std::string, int> index;
    for (const auto& layer : config.at("layers")) {
      KerasNode node;
      node.name = layer.at("name").get<std::string>();
      const auto cls = layer.at("class_name").get<std::string>();
      const auto& inbound = layer.at("inbound_nodes");
      if (inbound.size() > 1) raise<io_error>(file, "layer '" + node.name + "' is shared");
      if (!inbound.empty()) {
        for (const auto& ref : inbound.at(0)) {
          const auto it = index.find(ref.at(0).get<std::string>());
          if (it == index.end()) raise<io_error>(file, "layer '" + node.name + "': unknown input");
          node.inputs.push_back(it->second);
        }
      }
      if (cls == "InputLayer") {
        if (!graph.nodes.empty()) raise<io_error>(file, "only one input layer is supported");
        node.channels = 3;
      } else {
        configure_node(node, cls, layer.at("config"), graph.nodes, weights, file);
      }
      index[node.name] = static_cast<int>(graph.nodes.size());
      for (const int i : node.inputs)
        graph.nodes[static_cast<std::size_t>(i)].last_use = static_cast<int>(graph.nodes.size());
      graph.nodes.push_back(std::move(node));
    }
    const auto out = index.find(config.at("output_layers").at(0).at(0).get<std::string>());
    if (out == index.end() || graph.nodes.empty() || graph.nodes[0].op != KerasOp::Input) {
      raise<io_error>(file, "model has no input layer or no output layer");
    }
    graph.output = out->second;
  } catch (const nlohmann::json::exception& e) {
    raise<io_error>(file, std::string("unexpected model.json structure: ") + e.what());
  }
  return graph;
}

}  // namespace hilm::detail

#endif  // HILM_MODELS_DETAIL_ESRGAN_GRAPH_HPP

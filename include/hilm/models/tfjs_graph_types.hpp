/// @file
/// The value types of a loaded TensorFlow.js graph model (see `hilm/models/tfjs_graph.hpp`).
#ifndef HILM_MODELS_TFJS_GRAPH_TYPES_HPP
#define HILM_MODELS_TFJS_GRAPH_TYPES_HPP

#include <cstdint>
#include <string>
#include <vector>

#include <hilm/core/types.hpp>

namespace hilm {

/// Element type of a tfjs weight.
enum class TfjsDtype { float32, int32 };

/// One named weight of a tfjs graph model. Exactly one of `f32`/`i32` holds the values (row-major,
/// as TensorFlow stores them), according to `dtype`.
struct TfjsTensor {
  std::string name;  ///< the graph node name of the constant.
  TfjsDtype dtype = TfjsDtype::float32;
  std::vector<Index> shape;       ///< empty for a scalar.
  std::vector<float> f32;         ///< values when `dtype == float32`.
  std::vector<std::int32_t> i32;  ///< values when `dtype == int32`.

  /// Number of elements (the product of `shape`; 1 for a scalar).
  [[nodiscard]] Index size() const noexcept {
    Index n = 1;
    for (Index s : shape) n *= s;
    return n;
  }
};

/// One node of the frozen graph (`modelTopology.node`).
struct TfjsNode {
  std::string name;
  std::string op;                   ///< TensorFlow op name ("MatMul", "Const", ...).
  std::vector<std::string> inputs;  ///< input node names ("name:1" for a second output).
};

}  // namespace hilm

#endif  // HILM_MODELS_TFJS_GRAPH_TYPES_HPP

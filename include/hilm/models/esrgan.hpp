/// @file
/// `hilm::Esrgan`: the ESRGAN-slim super-resolution generator of `@upscalerjs/esrgan-slim`
/// (an idealo-ISR residual dense network, C=1, D=2, G=4, G0=64), run from its TensorFlow.js
/// layers-model files, readable and editable layer by layer (`hilm::InterventionModel`).
///
/// The loader reads any Keras layers-model built from the layers this network family uses:
/// InputLayer, Conv2D (stride 1, "same" padding, any kernel size, or 1×1 "valid"), Activation /
/// ReLU (linear, relu, sigmoid, tanh), Concatenate (channel axis), Add, UpSampling2D (nearest),
/// upscalerjs' PixelShuffle<s>x (depth-to-space) and MultiplyBeta (×0.2). Anything else is an
/// `io_error` naming `model.json` and the layer. Input and output are on the 0–255 scale, as the
/// package declares (`inputRange`/`outputRange` [0, 255] for the RDN models).
///
/// Batch, rows and layers:
/// - `Batch` is `std::vector<RgbImage>`; images may differ in size.
/// - Every layer (every Keras layer but the input, by its Keras name) is readable and editable.
///   Its rows are the pixels of the first image (row-major y, x), then of the second, ...; its
///   columns are its channels. Layers after `UPsample` are at the output resolution (4× per
///   side for x4). `FDF` is the global-skip output, 64 features per input pixel;
///   `layer_resolution(layer)` gives the factor.
/// - `forward(...).output` are the output pixels, the same row order at output resolution, 3
///   columns R, G, B, not clamped; `split_output` cuts them into images, `to_png_image` clamps and
///   rounds.
///
/// ```cpp
/// hilm::Esrgan model(models_dir + "/esrgan/models/x4/model.json");
/// hilm::RgbImage lr = hilm::to_rgb_image(hilm::read_png("in.png"));
/// hilm::RgbImage sr = model.upscale(lr);
/// hilm::write_png("out.png", hilm::to_png_image(sr));
/// ```
#ifndef HILM_MODELS_ESRGAN_HPP
#define HILM_MODELS_ESRGAN_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include <hilm/concepts/intervention_model.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/io/png.hpp>
#include <hilm/models/detail/esrgan_graph.hpp>
#include <hilm/models/detail/esrgan_ops.hpp>

namespace hilm {

/// An RGB image in floating point: `pixels` has `height * width` rows (row-major y, x) and 3
/// columns R, G, B on the 0–255 scale.
struct RgbImage {
  Index height = 0;
  Index width = 0;
  RowMatrix<float> pixels;
};

/// Converts an 8-bit PNG image to `RgbImage`: gray is replicated to R, G, B; alpha is dropped.
[[nodiscard]] inline RgbImage to_rgb_image(const PngImage& image) {
  RgbImage out{image.height, image.width, RowMatrix<float>(image.height * image.width, 3)};
  const int ch = image.channels;
  for (Index p = 0; p < out.pixels.rows(); ++p) {
    for (Index c = 0; c < 3; ++c) {
      const Index source = ch >= 3 ? c : 0;
      out.pixels(p, c) = image.samples[static_cast<std::size_t>(p * ch + source)];
    }
  }
  return out;
}

/// Converts to an 8-bit RGB PNG image: values rounded to nearest and clamped to [0, 255].
[[nodiscard]] inline PngImage to_png_image(const RgbImage& image) {
  PngImage out{image.width, image.height, 3, {}};
  out.samples.resize(static_cast<std::size_t>(image.pixels.size()));
  for (Index p = 0; p < image.pixels.rows(); ++p) {
    for (Index c = 0; c < 3; ++c) {
      const float v = std::clamp(std::nearbyint(image.pixels(p, c)), 0.0F, 255.0F);
      out.samples[static_cast<std::size_t>(p * 3 + c)] = static_cast<std::uint8_t>(v);
    }
  }
  return out;
}

/// The ESRGAN-slim generator (see the file comment). Immutable after loading; `forward` may be
/// called from several threads at once.
class Esrgan {
 public:
  using Batch = std::vector<RgbImage>;

  /// Loads `model.json` and the weight shards next to it.
  /// @throws io_error naming the file if it is missing, malformed or uses an unsupported layer.
  explicit Esrgan(const std::string& model_json) : graph_(detail::load_keras_graph(model_json)) {
    if (graph_.nodes[0].channels != 3 ||
        graph_.nodes[static_cast<std::size_t>(graph_.output)].channels != 3) {
      detail::raise<io_error>(model_json, "the model must map RGB to RGB");
    }
  }

  /// Every layer but the input, in execution order.
  [[nodiscard]] std::vector<std::string> layer_names() const {
    std::vector<std::string> names;
    for (std::size_t i = 1; i < graph_.nodes.size(); ++i) names.push_back(graph_.nodes[i].name);
    return names;
  }

  /// Channels of `layer`. @throws invalid_argument for an unknown layer.
  [[nodiscard]] Index layer_width(std::string_view layer) const { return node(layer).channels; }

  /// Side-length factor of `layer` relative to the input (1 before upsampling, 4 after for x4).
  [[nodiscard]] Index layer_resolution(std::string_view layer) const {
    return node(layer).resolution;
  }

  /// Upscaling factor of the whole network.
  [[nodiscard]] Index scale() const {
    return graph_.nodes[static_cast<std::size_t>(graph_.output)].resolution;
  }

  /// One forward pass (contract in `hilm/concepts/intervention_model.hpp`).
  /// @throws invalid_argument for an unknown layer or a malformed image.
  [[nodiscard]] ForwardResult forward(const Batch& batch, const ForwardRequest& request) const {
    std::vector<detail::ImageShape> shapes;
    for (const auto& image : batch) {
      if (image.height < 1 || image.width < 1 || image.pixels.cols() != 3 ||
          image.pixels.rows() != image.height * image.width) {
        detail::raise<invalid_argument>(
            "Esrgan::forward: every image needs height, width >= 1 and height * width rows of 3 "
            "columns");
      }
      shapes.push_back({image.height, image.width});
    }
    std::vector<int> recorded;
    for (const auto& name : request.record) recorded.push_back(index_of(name));
    const int edited = request.edit ? index_of(request.edit_layer) : -1;
    std::vector<RowMatrix<float>> values(graph_.nodes.size());
    values[0] = stack_inputs(batch);
    ForwardResult result;
    result.layers.resize(recorded.size());
    for (std::size_t i = 0; i < graph_.nodes.size(); ++i) {
      const auto& n = graph_.nodes[i];
      if (i > 0) values[i] = detail::run_node(n, values, shapes, graph_.nodes);
      if (static_cast<int>(i) == edited) request.edit(values[i]);
      for (std::size_t r = 0; r < recorded.size(); ++r) {
        if (recorded[r] == static_cast<int>(i)) result.layers[r] = {request.record[r], values[i]};
      }
      for (const int input : n.inputs) {  // free what no later layer reads
        if (graph_.nodes[static_cast<std::size_t>(input)].last_use == static_cast<int>(i)) {
          values[static_cast<std::size_t>(input)] = RowMatrix<float>();
        }
      }
    }
    result.output = std::move(values[static_cast<std::size_t>(graph_.output)]);
    return result;
  }

  /// Cuts output rows (of `forward` on `batch`) into one image per input.
  [[nodiscard]] std::vector<RgbImage> split_output(const RowMatrix<float>& output,
                                                   const Batch& batch) const {
    const Index s = scale();
    std::vector<RgbImage> images;
    Index offset = 0;
    for (const auto& image : batch) {
      const Index n = image.height * s * image.width * s;
      if (offset + n > output.rows() || output.cols() != 3) {
        detail::raise<invalid_argument>("Esrgan::split_output: output does not match the batch");
      }
      images.push_back({image.height * s, image.width * s, output.middleRows(offset, n)});
      offset += n;
    }
    return images;
  }

  /// Upscales one image.
  [[nodiscard]] RgbImage upscale(const RgbImage& image) const {
    const Batch batch{image};
    return split_output(forward(batch, {}).output, batch).front();
  }

 private:
  [[nodiscard]] int index_of(std::string_view layer) const {
    for (std::size_t i = 1; i < graph_.nodes.size(); ++i) {
      if (graph_.nodes[i].name == layer) return static_cast<int>(i);
    }
    detail::raise<invalid_argument>("Esrgan: unknown layer '" + std::string(layer) + "'");
  }

  [[nodiscard]] const detail::KerasNode& node(std::string_view layer) const {
    return graph_.nodes[static_cast<std::size_t>(index_of(layer))];
  }

  [[nodiscard]] static RowMatrix<float> stack_inputs(const Batch& batch) {
    Index rows = 0;
    for (const auto& image : batch) rows += image.pixels.rows();
    RowMatrix<float> stacked(rows, 3);
    Index offset = 0;
    for (const auto& image : batch) {
      stacked.middleRows(offset, image.pixels.rows()) = image.pixels;
      offset += image.pixels.rows();
    }
    return stacked;
  }

  detail::KerasGraph graph_;
};

static_assert(InterventionModel<Esrgan>);

}  // namespace hilm

#endif  // HILM_MODELS_ESRGAN_HPP

/// @file
/// The layer kernels of `hilm/models/esrgan.hpp`: 2-d convolution by im2col + GEMM (Chellapilla,
/// Puri & Simard, "High performance convolutional neural networks for document processing", 2006:
/// unfold every k×k×c patch into a row, multiply by the kernel matrix), nearest upsampling,
/// depth-to-space (TensorFlow `tf.nn.depth_to_space`, NHWC: output (y·s+i, x·s+j, c) = input
/// (y, x, (i·s+j)·C + c)), activations. A tensor is a row matrix, one row per pixel (row-major
/// y, x) and one column per channel; a batch stacks its images' pixel rows.
#ifndef HILM_MODELS_DETAIL_ESRGAN_OPS_HPP
#define HILM_MODELS_DETAIL_ESRGAN_OPS_HPP

#include <algorithm>
#include <cmath>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/detail/parallel.hpp>
#include <hilm/core/types.hpp>
#include <hilm/models/detail/esrgan_graph.hpp>

namespace hilm::detail {

/// Size of one image of a batch at the input resolution.
struct ImageShape {
  Index height = 0;
  Index width = 0;
};

/// Applies `activation` in place.
inline void apply_activation(Eigen::Ref<RowMatrix<float>> x, KerasActivation activation) {
  switch (activation) {
    case KerasActivation::Linear:
      break;
    case KerasActivation::Relu:
      x = x.cwiseMax(0.0F);
      break;
    case KerasActivation::Sigmoid:
      x = (1.0F + (-x.array()).exp()).inverse().matrix();
      break;
    case KerasActivation::Tanh:
      x = x.array().tanh().matrix();
      break;
  }
}

/// Rows [y0, y1) of a same-padded stride-1 convolution of one h × w image (`in`: h·w × c_in rows)
/// into `out` (h·w × c_out): unfolds the band's patches into an im2col buffer, multiplies by the
/// kernel, adds the bias, applies the activation.
inline void conv2d_band(const float* in, Index h, Index w, const KerasNode& node, Index y0,
                        Index y1, float* out) {
  const Index c_in = node.kernel.rows() / (node.kernel_h * node.kernel_w);
  const Index pad_y = (node.kernel_h - 1) / 2;
  const Index pad_x = (node.kernel_w - 1) / 2;
  const Index patch = node.kernel.rows();
  RowMatrix<float> cols = RowMatrix<float>::Zero((y1 - y0) * w, patch);
  for (Index y = y0; y < y1; ++y) {
    for (Index x = 0; x < w; ++x) {
      float* row = cols.data() + ((y - y0) * w + x) * patch;
      for (Index ky = 0; ky < node.kernel_h; ++ky) {
        const Index sy = y + ky - pad_y;
        if (sy < 0 || sy >= h) continue;
        for (Index kx = 0; kx < node.kernel_w; ++kx) {
          const Index sx = x + kx - pad_x;
          if (sx < 0 || sx >= w) continue;
          std::copy_n(in + (sy * w + sx) * c_in, c_in, row + (ky * node.kernel_w + kx) * c_in);
        }
      }
    }
  }
  Eigen::Map<RowMatrix<float>> result(out + y0 * w * node.channels, (y1 - y0) * w, node.channels);
  result.noalias() = cols * node.kernel;
  result.rowwise() += node.bias.transpose();
  apply_activation(result, node.activation);
}

/// Same-padded stride-1 convolution of one h × w image, in bands of about 2048 output pixels run
/// in parallel (each band's GEMM is single-threaded inside the parallel region).
inline void conv2d_image(const float* in, Index h, Index w, const KerasNode& node, float* out) {
  const Index band_rows = std::max<Index>(1, 2048 / w);
  const Index bands = (h + band_rows - 1) / band_rows;
  ParallelGuard guard;  // each band allocates its im2col buffer
#if defined(_OPENMP)
#pragma omp parallel for schedule(dynamic, 1)
#endif
  for (Index b = 0; b < bands; ++b) {
    guard.run(
        [&] { conv2d_band(in, h, w, node, b * band_rows, std::min(h, (b + 1) * band_rows), out); });
  }
  guard.rethrow();
}

/// Nearest-neighbour upsampling by `s` of one h × w image with c channels.
inline void upsample_image(const float* in, Index h, Index w, Index c, Index s, float* out) {
  for (Index y = 0; y < h * s; ++y) {
    for (Index x = 0; x < w * s; ++x) {
      std::copy_n(in + ((y / s) * w + x / s) * c, c, out + (y * w * s + x) * c);
    }
  }
}

/// Depth-to-space by `s` of one h × w image with `c_out · s²` channels.
inline void depth_to_space_image(const float* in, Index h, Index w, Index c_out, Index s,
                                 float* out) {
  for (Index y = 0; y < h * s; ++y) {
    for (Index x = 0; x < w * s; ++x) {
      const Index block = ((y % s) * s + x % s) * c_out;
      std::copy_n(in + ((y / s) * w + x / s) * c_out * s * s + block, c_out,
                  out + (y * w * s + x) * c_out);
    }
  }
}

/// Runs one node over the whole batch; `values[i]` holds node i's rows (empty once freed).
[[nodiscard]] inline RowMatrix<float> run_node(const KerasNode& node,
                                               const std::vector<RowMatrix<float>>& values,
                                               const std::vector<ImageShape>& shapes,
                                               const std::vector<KerasNode>& nodes) {
  const auto& first = values[static_cast<std::size_t>(node.inputs[0])];
  const Index in_res = nodes[static_cast<std::size_t>(node.inputs[0])].resolution;
  Index rows = 0;
  for (const auto& s : shapes) rows += s.height * s.width * node.resolution * node.resolution;
  RowMatrix<float> out(rows, node.channels);
  switch (node.op) {
    case KerasOp::Input:
      break;
    case KerasOp::Activation:
      out = first;
      apply_activation(out, node.activation);
      break;
    case KerasOp::Scale:
      out = first * node.factor;
      break;
    case KerasOp::Add:
      out = first;
      for (std::size_t i = 1; i < node.inputs.size(); ++i) {
        out += values[static_cast<std::size_t>(node.inputs[i])];
      }
      break;
    case KerasOp::Concatenate: {
      Index col = 0;
      for (const int i : node.inputs) {
        const auto& v = values[static_cast<std::size_t>(i)];
        out.middleCols(col, v.cols()) = v;
        col += v.cols();
      }
      break;
    }
    case KerasOp::Conv2D:
    case KerasOp::UpSampling:
    case KerasOp::DepthToSpace: {
      Index in_offset = 0;
      Index out_offset = 0;
      for (const auto& s : shapes) {
        const Index h = s.height * in_res;
        const Index w = s.width * in_res;
        const float* src = first.data() + in_offset * first.cols();
        float* dst = out.data() + out_offset * out.cols();
        if (node.op == KerasOp::Conv2D) {
          conv2d_image(src, h, w, node, dst);
        } else if (node.op == KerasOp::UpSampling) {
          upsample_image(src, h, w, node.channels, node.scale, dst);
        } else {
          depth_to_space_image(src, h, w, node.channels, node.scale, dst);
        }
        in_offset += h * w;
        out_offset += h * w * node.scale * node.scale;  // scale is 1 for Conv2D
      }
      break;
    }
  }
  return out;
}

}  // namespace hilm::detail

#endif  // HILM_MODELS_DETAIL_ESRGAN_OPS_HPP

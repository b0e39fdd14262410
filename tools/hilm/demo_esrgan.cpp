// `hilm demo --case esrgan`: a sparse autoencoder on the pixel features of a real image
// generator (ESRGAN-slim x4), one latent ablated and amplified inside the network, and what that
// does to the generated image.
//
// Steps: (1) read the images (default: the package's own fixture.png), centre-crop to --crop;
// (2) one forward pass recording --layer (default FDF, the global-skip output: 64 features per
// input pixel); (3) a TopK SAE on those rows; (4) choose a latent by a stated rule; (5) two more
// forward passes editing --layer in place: ablate (x -= z_j d_j, the latent's contribution to the
// SAE reconstruction removed) and amplify (x += 3 z_j d_j, the latent at 4×); (6) per channel of
// the output, the mean squared change inside the region where the latent fires (output pixels
// whose input pixel has z_j > 0) and elsewhere; before/after PNGs of the first image.
#include "demo_esrgan.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <hilm/io/jpeg.hpp>
#include <hilm/io/png.hpp>
#include <hilm/models/esrgan.hpp>
#include <hilm/sae/sparse_autoencoder.hpp>
#include <hilm/sources/matrix_source.hpp>

#include <nlohmann/json.hpp>

#include "cli_common.hpp"

namespace hilm::cli {
namespace {

constexpr const char* kDebianPhotos = "/usr/lib/python3/dist-packages/sklearn/datasets/images/";

RgbImage centre_crop(const RgbImage& image, Index crop) {
  const Index h = std::min(image.height, crop);
  const Index w = std::min(image.width, crop);
  const Index y0 = (image.height - h) / 2;
  const Index x0 = (image.width - w) / 2;
  RgbImage out{h, w, RowMatrix<float>(h * w, 3)};
  for (Index y = 0; y < h; ++y) {
    out.pixels.middleRows(y * w, w) = image.pixels.middleRows((y + y0) * image.width + x0, w);
  }
  return out;
}

std::string model_json_path(const std::string& dir) {
  for (const char* candidate : {"/models/x4/model.json", "/model.json"}) {
    if (std::filesystem::exists(dir + candidate)) return dir + candidate;
  }
  throw bad_input(dir,
                  "no models/x4/model.json in the esrgan model directory (run "
                  "scripts/fetch-models.sh)");
}

// The rule: among latents firing on 1%–25% of the pixels (localised, yet not rare), the one
// with the largest total contribution sum_i z_ij * ||d_j||; ties to the lower index.
struct Choice {
  Index latent = -1;
  double firing_fraction = 0;
  double mass = 0;
};

Choice choose_latent(const RowMatrix<float>& z, const RowMatrix<float>& decoder) {
  Choice best;
  const auto n = static_cast<double>(z.rows());
  for (Index j = 0; j < z.cols(); ++j) {
    const double fraction = static_cast<double>((z.col(j).array() > 0).count()) / n;
    const double mass = static_cast<double>(z.col(j).sum()) * decoder.row(j).norm();
    if (fraction >= 0.01 && fraction <= 0.25 && mass > best.mass) best = {j, fraction, mass};
  }
  if (best.latent < 0) throw numerical_failure("demo esrgan: no latent fires on 1%-25% of pixels");
  return best;
}

// Per channel: mean squared change of the output inside the region (upsampled mask) and outside.
nlohmann::json energy_change(const RowMatrix<float>& edited, const RowMatrix<float>& plain,
                             const std::vector<bool>& region_hr) {
  std::array<double, 3> inside{};
  std::array<double, 3> outside{};
  double n_in = 0;
  double n_out = 0;
  for (Index r = 0; r < plain.rows(); ++r) {
    const bool in = region_hr[static_cast<std::size_t>(r)];
    (in ? n_in : n_out) += 1;
    for (Index c = 0; c < 3; ++c) {
      const double d = static_cast<double>(edited(r, c) - plain(r, c));
      (in ? inside : outside)[static_cast<std::size_t>(c)] += d * d;
    }
  }
  nlohmann::json j;
  const char* names[3] = {"r", "g", "b"};
  for (std::size_t c = 0; c < 3; ++c) {
    const double a = inside[c] / std::max(n_in, 1.0);
    const double b = outside[c] / std::max(n_out, 1.0);
    j[names[c]] = {{"mean_sq_change_in_region", a},
                   {"mean_sq_change_elsewhere", b},
                   {"ratio", b > 0 ? a / b : 0.0}};
  }
  j["region_pixels"] = n_in;
  j["other_pixels"] = n_out;
  return j;
}

// Output-resolution mask: HR pixel (Y, X) of image i is in the region when z_j > 0 at its input
// pixel (Y / s, X / s).
std::vector<bool> upsampled_region(const Esrgan::Batch& batch, const RowMatrix<float>& z,
                                   Index latent, Index s) {
  std::vector<bool> region;
  Index offset = 0;
  for (const auto& image : batch) {
    for (Index y = 0; y < image.height * s; ++y) {
      for (Index x = 0; x < image.width * s; ++x) {
        region.push_back(z(offset + (y / s) * image.width + x / s, latent) > 0);
      }
    }
    offset += image.height * image.width;
  }
  return region;
}

void write_png_output(OutputSet& outputs, const std::string& path, const PngImage& image) {
  write_png(outputs.file(path), image);
}

PngImage latent_map(const RowMatrix<float>& z, Index latent, const RgbImage& first) {
  PngImage map{first.width, first.height, 1, {}};
  const float top = std::max(z.col(latent).head(first.height * first.width).maxCoeff(), 1e-12F);
  for (Index p = 0; p < first.height * first.width; ++p) {
    map.samples.push_back(static_cast<std::uint8_t>(std::lround(255.0F * z(p, latent) / top)));
  }
  return map;
}

// The photos Debian ships (python3-sklearn: china.jpg, flower.jpg, 640×427), when installed,
// then the package's own fixture.
std::vector<std::string> default_images(const std::string& model_dir) {
  std::vector<std::string> paths;
  for (const char* name : {"china.jpg", "flower.jpg"}) {
    const std::string path = std::string(kDebianPhotos) + name;
    if (std::filesystem::exists(path)) paths.push_back(path);
  }
  paths.push_back(model_dir + "/assets/fixture.png");
  return paths;
}

}  // namespace

void run_demo_esrgan(const EsrganDemoArgs& a) {
  const Stopwatch total;
  OutputSet outputs;
  outputs.directory(a.out);
  const Esrgan model(model_json_path(a.model));
  (void)model.layer_width(a.layer);  // unknown layer: invalid_argument (exit 2) before any work
  if (model.layer_resolution(a.layer) != 1) {
    throw usage_error("demo esrgan: --layer must be a layer at input resolution (before UPsample)");
  }
  std::vector<std::string> paths = a.images;
  if (paths.empty()) paths = default_images(a.model);
  Esrgan::Batch batch;
  for (const auto& path : paths) {
    batch.push_back(centre_crop(to_rgb_image(read_image(path)), a.crop));
  }
  std::fprintf(stderr, "hilm demo esrgan: %zu image(s), layer %s\n", batch.size(), a.layer.c_str());

  const auto plain = model.forward(batch, {.record = {a.layer}, .edit_layer = "", .edit = {}});
  const RowMatrix<float>& x = plain.layer(a.layer);
  SparseAutoencoder<float> sae(
      {.latents = a.latents, .k = a.k, .batch_size = 512, .epochs = a.epochs, .seed = a.seed});
  MatrixSource<float> source(x);
  const SaeResult fit = sae.fit(source);
  const RowMatrix<float> z = sae.encode(x);
  const RowMatrix<float> decoder = sae.weights().w_dec / sae.weights().input_scale;
  const Choice choice = choose_latent(z, decoder);
  std::fprintf(stderr, "  SAE explained variance %.3f; latent %lld fires on %.1f%% of pixels\n",
               fit.metrics.explained_variance, static_cast<long long>(choice.latent),
               100.0 * choice.firing_fraction);

  const auto edit_by = [&](float factor) {
    return [&, factor](Eigen::Ref<RowMatrix<float>> v) {
      v.noalias() += factor * z.col(choice.latent) * decoder.row(choice.latent);
    };
  };
  const auto ablated =
      model.forward(batch, {.record = {}, .edit_layer = a.layer, .edit = edit_by(-1.0F)});
  const auto amplified =
      model.forward(batch, {.record = {}, .edit_layer = a.layer, .edit = edit_by(3.0F)});
  const auto region = upsampled_region(batch, z, choice.latent, model.scale());

  nlohmann::json report;
  report["model"] = "ESRGAN-slim x4 (@upscalerjs/esrgan-slim 1.0.0)";
  report["images"] = paths;
  report["layer"] = a.layer;
  report["pixels"] = x.rows();
  report["sae"] = {{"latents", a.latents},
                   {"k", a.k},
                   {"epochs", a.epochs},
                   {"explained_variance", fit.metrics.explained_variance},
                   {"dead_fraction", fit.metrics.dead_fraction}};
  report["latent"] = {{"index", choice.latent},
                      {"firing_fraction", choice.firing_fraction},
                      {"rule",
                       "largest sum_i z_ij * ||d_j|| among latents firing on 1%-25% of "
                       "pixels"}};
  report["ablate"] = {{"edit", "x -= z_j d_j"},
                      {"energy_change", energy_change(ablated.output, plain.output, region)}};
  report["amplify"] = {{"edit", "x += 3 z_j d_j"},
                       {"energy_change", energy_change(amplified.output, plain.output, region)}};

  const auto first = [&](const RowMatrix<float>& out) {
    return to_png_image(model.split_output(out, batch).front());
  };
  write_png_output(outputs, a.out + "/input.png", to_png_image(batch.front()));
  write_png_output(outputs, a.out + "/before.png", first(plain.output));
  write_png_output(outputs, a.out + "/ablated.png", first(ablated.output));
  write_png_output(outputs, a.out + "/amplified.png", first(amplified.output));
  write_png_output(outputs, a.out + "/latent_map.png", latent_map(z, choice.latent, batch.front()));
  report["elapsed_seconds"] = total.seconds();
  require_finite_json(report, "demo esrgan: report.json");
  write_text(outputs.file(a.out + "/report.json"), report.dump(2) + "\n");
  finish(outputs, report, total.seconds());
}

}  // namespace hilm::cli

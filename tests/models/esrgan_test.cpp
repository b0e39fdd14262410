// Tests of include/hilm/models/esrgan.hpp. Without the model: a tiny hand-written Keras model
// (conv, relu, concatenate, add, upsampling) checked against a direct computation, and loader
// errors. With the fetched model ([needs-esrgan]): parity with the package's own output on its
// own input (negative control: nearest and bilinear upscaling), and the InterventionModel
// contract (records, in-place edits, no-op edit bit-identical, determinism, batching).
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <hilm/io/png.hpp>
#include <hilm/models/esrgan.hpp>

#include "support/catch.hpp"
#include "support/temp_dir.hpp"

namespace {

using hilm::Index;
using hilm::RgbImage;
using hilm::RowMatrix;

const std::string kEsrgan = std::string(HILM_MODELS_DIR) + "/esrgan";

double mean_abs_diff(const RgbImage& a, const RgbImage& b) {
  REQUIRE(a.pixels.rows() == b.pixels.rows());
  return static_cast<double>((a.pixels - b.pixels).cwiseAbs().mean());
}

RgbImage nearest_upscale(const RgbImage& in, Index s) {
  RgbImage out{in.height * s, in.width * s, RowMatrix<float>(in.height * s * in.width * s, 3)};
  for (Index y = 0; y < out.height; ++y) {
    for (Index x = 0; x < out.width; ++x) {
      out.pixels.row(y * out.width + x) = in.pixels.row((y / s) * in.width + x / s);
    }
  }
  return out;
}

// Bilinear with half-pixel centres (OpenCV/PIL convention), edges clamped.
RgbImage bilinear_upscale(const RgbImage& in, Index s) {
  RgbImage out{in.height * s, in.width * s, RowMatrix<float>(in.height * s * in.width * s, 3)};
  const auto at = [&](Index y, Index x) {
    y = std::clamp<Index>(y, 0, in.height - 1);
    x = std::clamp<Index>(x, 0, in.width - 1);
    return in.pixels.row(y * in.width + x);
  };
  for (Index y = 0; y < out.height; ++y) {
    for (Index x = 0; x < out.width; ++x) {
      const double fy = (static_cast<double>(y) + 0.5) / static_cast<double>(s) - 0.5;
      const double fx = (static_cast<double>(x) + 0.5) / static_cast<double>(s) - 0.5;
      const auto y0 = static_cast<Index>(std::floor(fy));
      const auto x0 = static_cast<Index>(std::floor(fx));
      const auto wy = static_cast<float>(fy - static_cast<double>(y0));
      const auto wx = static_cast<float>(fx - static_cast<double>(x0));
      out.pixels.row(y * out.width + x) =
          (1 - wy) * ((1 - wx) * at(y0, x0) + wx * at(y0, x0 + 1)) +
          wy * ((1 - wx) * at(y0 + 1, x0) + wx * at(y0 + 1, x0 + 1));
    }
  }
  return out;
}

RgbImage rounded(const RgbImage& image) { return hilm::to_rgb_image(hilm::to_png_image(image)); }

// A tiny model: in(3) -> conv3x3 A(2, relu) ; concat(in, A) -> conv1x1 B(3) ; add(B, in) ->
// upsample x2 -> output. Weights: A[ky][kx][ci][co] = 0.01 * (ky*3+kx+1) * (ci+1) * (co ? -1 : 1),
// A bias (1, 2); B[c][co] = (c == co) - 0.5 * (c >= 3), B bias (0, 0, 0).
void write_tiny_model(const std::filesystem::path& dir, const std::string& extra_layer = "") {
  std::vector<float> a(3 * 3 * 3 * 2);
  for (int ky = 0; ky < 3; ++ky)
    for (int kx = 0; kx < 3; ++kx)
      for (int ci = 0; ci < 3; ++ci)
        for (int co = 0; co < 2; ++co)
          a[static_cast<std::size_t>(((ky * 3 + kx) * 3 + ci) * 2 + co)] =
              0.01F * static_cast<float>((ky * 3 + kx + 1) * (ci + 1)) * (co == 1 ? -1.0F : 1.0F);
  std::vector<float> b(5 * 3);
  for (int c = 0; c < 5; ++c)
    for (int co = 0; co < 3; ++co)
      b[static_cast<std::size_t>(c * 3 + co)] = (c == co ? 1.0F : 0.0F) - (c >= 3 ? 0.5F : 0.0F);
  std::vector<float> all = a;
  all.push_back(1.0F);
  all.push_back(2.0F);
  all.insert(all.end(), b.begin(), b.end());
  all.insert(all.end(), {0.0F, 0.0F, 0.0F});
  std::ofstream(dir / "w.bin", std::ios::binary)
      .write(reinterpret_cast<const char*>(all.data()),
             static_cast<std::streamsize>(4 * all.size()));
  std::ofstream(dir / "model.json")
      << R"({"modelTopology": {"model_config": {"class_name": "Functional",
 "config": {"layers": [
  {"class_name": "InputLayer", "name": "in", "config": {}, "inbound_nodes": []},
  {"class_name": "Conv2D", "name": "A", "config": {"filters": 2, "kernel_size": [3, 3],
    "strides": [1, 1], "padding": "same", "activation": "relu", "use_bias": true},
    "inbound_nodes": [[["in", 0, 0, {}]]]},
  {"class_name": "Concatenate", "name": "cat", "config": {"axis": -1},
    "inbound_nodes": [[["in", 0, 0, {}], ["A", 0, 0, {}]]]},
  {"class_name": "Conv2D", "name": "B", "config": {"filters": 3, "kernel_size": [1, 1],
    "padding": "valid", "activation": "linear", "use_bias": true},
    "inbound_nodes": [[["cat", 0, 0, {}]]]},
  {"class_name": "Add", "name": "sum", "config": {}, "inbound_nodes": [[["B", 0, 0, {}], ["in", 0, 0, {}]]]},
  )" << extra_layer
      << R"(
  {"class_name": "UpSampling2D", "name": "up", "config": {"size": [2, 2], "interpolation": "nearest"},
    "inbound_nodes": [[["sum", 0, 0, {}]]]}],
  "input_layers": [["in", 0, 0]], "output_layers": [["up", 0, 0]]}}},
 "weightsManifest": [{"paths": ["w.bin"], "weights": [
  {"name": "A/kernel", "shape": [3, 3, 3, 2], "dtype": "float32"},
  {"name": "A/bias", "shape": [2], "dtype": "float32"},
  {"name": "B/kernel", "shape": [1, 1, 5, 3], "dtype": "float32"},
  {"name": "B/bias", "shape": [3], "dtype": "float32"}]}]})";
}

}  // namespace

TEST_CASE("Esrgan runs a hand-written Keras graph exactly as written", "[models][esrgan]") {
  hilm::test::TempDir dir;
  write_tiny_model(dir.path());
  const hilm::Esrgan model(dir.file("model.json"));
  CHECK(model.layer_names() == std::vector<std::string>{"A", "cat", "B", "sum", "up"});
  CHECK(model.layer_width("cat") == 5);
  CHECK(model.scale() == 2);
  const Index h = 4;
  const Index w = 5;
  RgbImage image{h, w, RowMatrix<float>(h * w, 3)};
  for (Index i = 0; i < image.pixels.size(); ++i)
    image.pixels.data()[i] = static_cast<float>((i * 37) % 11) - 3.0F;
  const auto result =
      model.forward({image}, {.record = {"A", "sum"}, .edit_layer = "", .edit = {}});
  // Direct computation.
  RowMatrix<float> a(h * w, 2);
  for (Index y = 0; y < h; ++y) {
    for (Index x = 0; x < w; ++x) {
      for (Index co = 0; co < 2; ++co) {
        double acc = co == 0 ? 1.0 : 2.0;
        for (Index ky = 0; ky < 3; ++ky) {
          for (Index kx = 0; kx < 3; ++kx) {
            const Index sy = y + ky - 1;
            const Index sx = x + kx - 1;
            if (sy < 0 || sy >= h || sx < 0 || sx >= w) continue;
            for (Index ci = 0; ci < 3; ++ci) {
              acc += 0.01 * static_cast<double>((ky * 3 + kx + 1) * (ci + 1)) * (co == 1 ? -1 : 1) *
                     image.pixels(sy * w + sx, ci);
            }
          }
        }
        a(y * w + x, co) = static_cast<float>(std::max(acc, 0.0));
      }
    }
  }
  CHECK((result.layer("A") - a).cwiseAbs().maxCoeff() < 1e-5F);
  RowMatrix<float> sum = image.pixels * 2.0F;
  for (Index c = 0; c < 3; ++c) sum.col(c).array() -= 0.5F * (a.col(0) + a.col(1)).array();
  CHECK((result.layer("sum") - sum).cwiseAbs().maxCoeff() < 1e-5F);
  REQUIRE(result.output.rows() == 4 * h * w);
  for (Index y = 0; y < 2 * h; ++y) {
    for (Index x = 0; x < 2 * w; ++x) {
      CHECK(result.output.row(y * 2 * w + x) == result.layer("sum").row((y / 2) * w + x / 2));
    }
  }
}

TEST_CASE("Esrgan refuses unsupported layers and broken files, naming the file",
          "[models][esrgan]") {
  hilm::test::TempDir dir;
  CHECK_THROWS_AS(hilm::Esrgan(dir.file("model.json")), hilm::io_error);
  write_tiny_model(dir.path(), R"({"class_name": "Dense", "name": "d", "config": {},
    "inbound_nodes": [[["sum", 0, 0, {}]]]},)");
  try {
    const hilm::Esrgan model(dir.file("model.json"));
    FAIL("a Dense layer was accepted");
  } catch (const hilm::io_error& e) {
    CHECK_THAT(e.what(),
               Catch::Matchers::Contains("model.json") && Catch::Matchers::Contains("'d'"));
  }
  write_tiny_model(dir.path());
  std::filesystem::resize_file(dir.path() / "w.bin", 40);
  CHECK_THROWS_WITH(hilm::Esrgan(dir.file("model.json")), Catch::Matchers::Contains("too short"));
}

TEST_CASE("Esrgan x4 reproduces the package's own output on its fixture",
          "[models][esrgan][needs-esrgan]") {
  const hilm::Esrgan model(kEsrgan + "/models/x4/model.json");
  REQUIRE(model.scale() == 4);
  const RgbImage lr = hilm::to_rgb_image(hilm::read_png(kEsrgan + "/assets/fixture.png"));
  const RgbImage reference =
      hilm::to_rgb_image(hilm::read_png(kEsrgan + "/assets/samples/4x/result.png"));
  const RgbImage sr = model.upscale(lr);
  REQUIRE(sr.height == reference.height);
  REQUIRE(sr.width == reference.width);
  const double ours = mean_abs_diff(rounded(sr), reference);
  const double nearest = mean_abs_diff(nearest_upscale(lr, 4), reference);
  const double bilinear = mean_abs_diff(rounded(bilinear_upscale(lr, 4)), reference);
  INFO("mean |diff| on 0-255: esrgan " << ours << ", nearest " << nearest << ", bilinear "
                                       << bilinear);
  CHECK(ours <= 0.5);
  // Negative controls: plain upscaling is far from the network's output.
  CHECK(nearest > 2.0);
  CHECK(bilinear > 2.0);
}

TEST_CASE("Esrgan satisfies the InterventionModel contract", "[models][esrgan][needs-esrgan]") {
  const hilm::Esrgan model(kEsrgan + "/models/x4/model.json");
  const RgbImage full = hilm::to_rgb_image(hilm::read_png(kEsrgan + "/assets/fixture.png"));
  RgbImage a{24, 20, RowMatrix<float>(24 * 20, 3)};
  RgbImage b{16, 12, RowMatrix<float>(16 * 12, 3)};
  for (Index y = 0; y < 24; ++y)
    for (Index x = 0; x < 20; ++x)
      a.pixels.row(y * 20 + x) = full.pixels.row((y + 40) * 128 + x + 50);
  for (Index y = 0; y < 16; ++y)
    for (Index x = 0; x < 12; ++x)
      b.pixels.row(y * 12 + x) = full.pixels.row((y + 90) * 128 + x + 7);
  const hilm::Esrgan::Batch batch{a, b};
  REQUIRE(model.layer_width("FDF") == 64);
  const auto plain =
      model.forward(batch, {.record = {"FDF", "UPsample"}, .edit_layer = "", .edit = {}});
  CHECK(plain.layer("FDF").rows() == 24 * 20 + 16 * 12);
  CHECK(plain.layer("UPsample").rows() == 16 * (24 * 20 + 16 * 12));
  CHECK(plain.output.rows() == 16 * (24 * 20 + 16 * 12));

  SECTION("deterministic, and a batch equals its images run alone") {
    CHECK(model.forward(batch, {}).output == plain.output);
    const auto images = model.split_output(plain.output, batch);
    CHECK(model.upscale(a).pixels == images[0].pixels);
    CHECK(model.upscale(b).pixels == images[1].pixels);
  }
  SECTION("a no-op edit is bit-identical; a real edit changes the output and is recorded") {
    int calls = 0;
    const auto noop = model.forward(
        batch, {.record = {}, .edit_layer = "FDF", .edit = [&](Eigen::Ref<RowMatrix<float>>) {
                  ++calls;
                }});
    CHECK(calls == 1);
    CHECK(noop.output == plain.output);
    const auto edited = model.forward(
        batch, {.record = {"FDF"}, .edit_layer = "FDF", .edit = [](Eigen::Ref<RowMatrix<float>> x) {
                  x.col(5).array() += 10.0F;
                }});
    RowMatrix<float> expected = plain.layer("FDF");
    expected.col(5).array() += 10.0F;
    CHECK(edited.layer("FDF") == expected);
    CHECK((edited.output - plain.output).cwiseAbs().maxCoeff() > 0.1F);
  }
  SECTION("unknown layers are invalid_argument naming the layer") {
    CHECK_THROWS_WITH(model.forward(batch, {.record = {"nope"}, .edit_layer = "", .edit = {}}),
                      Catch::Matchers::Contains("nope"));
    CHECK_THROWS_AS(model.layer_width("nope"), hilm::invalid_argument);
  }
}

// Tests of include/hilm/synth/synth_sae_bench_io.hpp: save → load round-trips the truth exactly,
// the loaded model's sampler gives the same rows and codes, and damaged directories are refused
// with the file named.
#include <filesystem>
#include <fstream>
#include <string>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/io/npy.hpp>
#include <hilm/synth/synth_sae_bench.hpp>
#include <hilm/synth/synth_sae_bench_io.hpp>

#include "support/catch.hpp"
#include "support/temp_dir.hpp"

using hilm::Index;
using hilm::RowMatrix;

namespace {

hilm::SynthSaeBenchModel io_truth(std::uint64_t seed) {
  return hilm::make_synth_sae_bench({.features = 300,
                                     .hidden = 40,
                                     .hierarchy_roots = 4,
                                     .branching = 3,
                                     .hierarchy_depth = 2,
                                     .correlation_rank = 5,
                                     .orthogonalize_steps = 2,
                                     .seed = seed});
}

void write_text_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

// The message of the io_error `f` throws ("" if none).
template <class F>
std::string io_error_of(F&& f) {
  try {
    f();
  } catch (const hilm::io_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("synth: a saved SynthSAEBench truth loads back exactly and samples the same rows",
          "[synth]") {
  const auto model = io_truth(hilm::test::seed(11));
  hilm::test::TempDir dir;
  hilm::save_synth_sae_bench(model, dir.path().string());
  const auto loaded = hilm::load_synth_sae_bench(dir.path().string());
  CHECK(loaded.feature_vectors == model.feature_vectors);
  CHECK(loaded.bias == model.bias);
  CHECK(loaded.firing_probabilities == model.firing_probabilities);
  CHECK(loaded.sampling_probabilities == model.sampling_probabilities);
  CHECK(loaded.parents == model.parents);
  CHECK(loaded.mean_magnitudes == model.mean_magnitudes);
  CHECK(loaded.magnitude_stds == model.magnitude_stds);
  CHECK(loaded.correlation_factor == model.correlation_factor);
  CHECK(loaded.correlation_diag == model.correlation_diag);
  CHECK(loaded.options.seed == model.options.seed);
  CHECK(hilm::synth_sae_bench_options_json(loaded.options) ==
        hilm::synth_sae_bench_options_json(model.options));

  // Bit-identical rows and codes, read in different batch sizes from different positions.
  hilm::SynthSaeBenchSampler a(model, {.samples = 700}), b(loaded, {.samples = 700});
  RowMatrix<float> xa(700, 40), xb(256, 40);
  hilm::SparseRowMatrix<float> ca, cb;
  REQUIRE(a.read(xa, ca) == 700);
  const RowMatrix<float> dense_a = RowMatrix<float>(ca);
  Index row = 0;
  while (const Index r = b.read(xb, cb)) {
    const RowMatrix<float> dense_b = RowMatrix<float>(cb);
    CHECK(xb.topRows(r) == xa.middleRows(row, r));
    CHECK(dense_b == dense_a.middleRows(row, r));
    row += r;
  }
  CHECK(row == 700);
  CHECK(dense_a.nonZeros() > 0);
}

TEST_CASE("synth: a truth without correlations or hierarchy round-trips too", "[synth]") {
  const auto model = hilm::make_synth_sae_bench({.features = 50,
                                                 .hidden = 8,
                                                 .hierarchy_roots = 0,
                                                 .correlation_rank = 0,
                                                 .orthogonalize_steps = 0,
                                                 .seed = hilm::test::seed(12)});
  hilm::test::TempDir dir;
  hilm::save_synth_sae_bench(model, dir.path().string());
  const auto loaded = hilm::load_synth_sae_bench(dir.path().string());
  CHECK(loaded.correlation_factor.rows() == 50);
  CHECK(loaded.correlation_factor.cols() == 0);
  hilm::SynthSaeBenchSampler a(model, {.samples = 100}), b(loaded, {.samples = 100});
  RowMatrix<float> xa(100, 8), xb(100, 8);
  REQUIRE(a.read(xa) == 100);
  REQUIRE(b.read(xb) == 100);
  CHECK(xa == xb);
}

TEST_CASE("synth: loading a damaged SynthSAEBench truth names the file and the problem",
          "[synth]") {
  const auto model = io_truth(hilm::test::seed(13));
  hilm::test::TempDir dir;
  const std::string root = dir.path().string();
  CHECK(io_error_of([&] {
          (void)hilm::load_synth_sae_bench(root + "/missing");
        }).find("no such truth directory") != std::string::npos);
  hilm::save_synth_sae_bench(model, root);

  SECTION("missing array") {
    std::filesystem::remove(dir.file("parents.npy"));
    CHECK(io_error_of([&] { (void)hilm::load_synth_sae_bench(root); }).find("parents.npy") !=
          std::string::npos);
  }
  SECTION("malformed truth.json") {
    write_text_file(dir.file("truth.json"), "{\"options\": ");
    const std::string message = io_error_of([&] { (void)hilm::load_synth_sae_bench(root); });
    CHECK(message.find("truth.json") != std::string::npos);
    CHECK(message.find("malformed JSON") != std::string::npos);
  }
  SECTION("another kind") {
    write_text_file(dir.file("truth.json"), "{\"kind\": \"sparse-linear\", \"options\": {}}");
    CHECK(io_error_of([&] { (void)hilm::load_synth_sae_bench(root); }).find("sparse-linear") !=
          std::string::npos);
  }
  SECTION("options disagree with the arrays") {
    nlohmann::json truth = hilm::synth_sae_bench_truth_json(model, {}, 0);
    truth["options"]["hidden"] = 41;
    write_text_file(dir.file("truth.json"), truth.dump());
    const std::string message = io_error_of([&] { (void)hilm::load_synth_sae_bench(root); });
    CHECK(message.find("feature_vectors.npy") != std::string::npos);
    CHECK(message.find("disagrees") != std::string::npos);
  }
  SECTION("an option of the wrong type") {
    nlohmann::json truth = hilm::synth_sae_bench_truth_json(model, {}, 0);
    truth["options"]["seed"] = "forty-two";
    write_text_file(dir.file("truth.json"), truth.dump());
    CHECK(io_error_of([&] { (void)hilm::load_synth_sae_bench(root); }).find("options.seed") !=
          std::string::npos);
  }
  SECTION("a parent after its child") {
    Eigen::Matrix<std::int64_t, Eigen::Dynamic, 1> parents(300);
    for (Index i = 0; i < 300; ++i) parents(i) = model.parents[static_cast<std::size_t>(i)];
    parents(5) = 7;
    hilm::write_npy_vector(dir.file("parents.npy"), parents);
    CHECK(io_error_of([&] {
            (void)hilm::load_synth_sae_bench(root);
          }).find("parent of feature 5") != std::string::npos);
  }
  SECTION("a vector of the wrong length") {
    hilm::write_npy_vector(dir.file("mean_magnitudes.npy"), hilm::Vector<double>::Ones(299));
    CHECK(io_error_of([&] {
            (void)hilm::load_synth_sae_bench(root);
          }).find("mean_magnitudes.npy") != std::string::npos);
  }
}

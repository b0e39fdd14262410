// Tests of include/hilm/sae/saelens.hpp: SAELens / sparsify layouts.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>

#include <Eigen/Core>

#include <hilm/core/random.hpp>
#include <hilm/io/npy.hpp>
#include <hilm/io/safetensors.hpp>
#include <hilm/sae/saelens.hpp>
#include <hilm/sae/sparse_autoencoder.hpp>
#include <hilm/sources/matrix_source.hpp>

#include "support/catch.hpp"
#include "support/files.hpp"
#include "support/generators.hpp"
#include "support/temp_dir.hpp"

namespace {

using hilm::Index;
using hilm::RowMatrix;
using hilm::SaeArchitecture;

const std::string data_dir = std::string(HILM_TEST_DATA_DIR) + "/sae/";

using hilm::test::read_file;

using hilm::test::normal_matrix;

}  // namespace

TEST_CASE("sae: models written by Python in the SAELens and sparsify layouts encode as numpy",
          "[sae][io]") {
  const RowMatrix<float> x = hilm::read_npy<float>(data_dir + "x.npy");
  for (const std::string name :
       {"saelens_topk", "saelens_standard", "saelens_jumprelu", "sparsify_topk"}) {
    INFO(name);
    const auto w = hilm::load_sae<float>(data_dir + name);
    const RowMatrix<float> expected = hilm::read_npy<float>(data_dir + "codes_" + name + ".npy");
    const RowMatrix<float> z = hilm::sae_encode(w, x);
    REQUIRE(z.rows() == expected.rows());
    REQUIRE(z.cols() == expected.cols());
    CHECK((z - expected).cwiseAbs().maxCoeff() < 1e-5f);
    CHECK((expected.array() != 0).count() > 0);  // the fixture is not trivially zero
  }
  const auto topk = hilm::load_saelens<float>(data_dir + "saelens_topk");
  CHECK(topk.architecture == SaeArchitecture::TopK);
  CHECK(topk.k == 5);
  CHECK(topk.d_in() == 16);
  CHECK(topk.d_sae() == 40);
  // The same file read in double agrees.
  const auto topk_d = hilm::load_saelens<double>(data_dir + "saelens_topk");
  CHECK((topk_d.w_enc.cast<float>() - topk.w_enc).cwiseAbs().maxCoeff() == 0.0f);
}

TEST_CASE("sae: SAELens save -> load -> save is byte-identical and keeps the codes", "[sae][io]") {
  hilm::test::TempDir dir;
  const RowMatrix<float> x = normal_matrix<RowMatrix<float>>(600, 12, hilm::test::seed(31));
  hilm::MatrixSource source(x);
  for (auto arch : {SaeArchitecture::TopK, SaeArchitecture::BatchTopK, SaeArchitecture::ReLU,
                    SaeArchitecture::JumpReLU}) {
    INFO(hilm::to_string(arch));
    // ReLU and JumpReLU rescale inputs (mean norm √d): the scale must be folded at save.
    hilm::SparseAutoencoder<float> sae(
        {.architecture = arch, .latents = 20, .k = 3, .batch_size = 50, .steps = 30});
    (void)sae.fit(source);
    const std::string a = dir.file(std::string(hilm::to_string(arch)) + "_a");
    const std::string b = dir.file(std::string(hilm::to_string(arch)) + "_b");
    hilm::save_saelens(sae.weights(), a);
    const auto loaded = hilm::load_saelens<float>(a);
    CHECK(loaded.input_scale == 1.0f);
    hilm::save_saelens(loaded, b);
    CHECK(read_file(a + "/cfg.json") == read_file(b + "/cfg.json"));
    CHECK(read_file(a + "/sae_weights.safetensors") == read_file(b + "/sae_weights.safetensors"));
    const RowMatrix<float> z0 = sae.encode(x);
    const RowMatrix<float> z1 = hilm::sae_encode(loaded, x);
    const double scale = std::max(1.0, static_cast<double>(z0.cwiseAbs().maxCoeff()));
    CHECK((z0 - z1).cwiseAbs().maxCoeff() / scale < 1e-5);
    const RowMatrix<float> x0 = sae.decode(z0);
    const RowMatrix<float> x1 = hilm::sae_decode(loaded, z1);
    CHECK((x0 - x1).cwiseAbs().maxCoeff() < 1e-4f);
  }
}

TEST_CASE("sae: malformed model directories are io errors naming the file", "[sae][io]") {
  hilm::test::TempDir dir;
  CHECK_THROWS_AS(hilm::load_sae<float>(dir.file("nothing")), hilm::io_error);
  const std::string m = dir.file("model");
  std::filesystem::copy(data_dir + "saelens_topk", m);
  {
    std::ofstream(m + "/cfg.json")
        << R"({"architecture": "topk", "d_in": 16, "d_sae": 41, "k": 5})";
  }
  try {
    (void)hilm::load_saelens<float>(m);
    FAIL("a wrong d_sae was accepted");
  } catch (const hilm::io_error& e) {
    CHECK(std::string(e.what()).find("d_sae = 41") != std::string::npos);
  }
  { std::ofstream(m + "/cfg.json") << R"({"architecture": "topk", "d_in": 16})"; }
  CHECK_THROWS_AS(hilm::load_saelens<float>(m), hilm::io_error);  // no k
  { std::ofstream(m + "/cfg.json") << R"({"architecture": "gated", "k": 5})"; }
  CHECK_THROWS_AS(hilm::load_saelens<float>(m), hilm::io_error);
  { std::ofstream(m + "/cfg.json") << "{not json"; }
  CHECK_THROWS_AS(hilm::load_saelens<float>(m), hilm::io_error);
  {
    std::ofstream(m + "/cfg.json")
        << R"({"architecture": "topk", "k": 5, "normalize_activations": "expected_average_only_in"})";
  }
  CHECK_THROWS_AS(hilm::load_saelens<float>(m), hilm::io_error);
  { std::ofstream(m + "/cfg.json") << R"({"architecture": "topk", "k": 5})"; }
  CHECK_NOTHROW(hilm::load_saelens<float>(m));  // positive control
}

TEST_CASE("sae: a saved model directory carries a manifest that the loaders check", "[sae][io]") {
  hilm::test::TempDir dir;
  const RowMatrix<float> x = normal_matrix<RowMatrix<float>>(300, 8, hilm::test::seed(32));
  hilm::MatrixSource source(x);
  auto train = [&](std::uint64_t seed) {
    hilm::SparseAutoencoder<float> sae(
        {.latents = 12, .k = 2, .batch_size = 30, .steps = 10, .seed = seed});
    (void)sae.fit(source);
    return sae.weights();
  };
  const auto wa = train(1);
  const auto wb = train(2);
  const std::string a = dir.file("nested/a");  // parents are created
  const std::string b = dir.file("b");
  hilm::save_saelens(wa, a);
  hilm::save_saelens(wb, b);
  // No staging directory is left beside the new directories.
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    CHECK(entry.path().filename().string().rfind('.', 0) != 0);
  }
  const auto manifest = read_file(a + "/hilm_manifest.json");
  CHECK(manifest.find("\"sae_weights.safetensors\"") != std::string::npos);
  CHECK(manifest.find("\"cfg.json\"") != std::string::npos);
  const auto loaded = hilm::load_sae<float>(a);
  CHECK(loaded.w_dec == wa.w_dec);

  // Saving over an existing directory replaces the model and keeps unrelated files.
  { std::ofstream(a + "/README") << "notes\n"; }
  hilm::save_saelens(wb, a);
  CHECK(hilm::load_sae<float>(a).w_dec == wb.w_dec);
  CHECK(read_file(a + "/README") == "notes\n");

  // Files from two saves side by side (what a kill between two renames leaves) are refused.
  hilm::save_saelens(wa, a);
  std::filesystem::copy_file(b + "/sae_weights.safetensors", a + "/sae_weights.safetensors",
                             std::filesystem::copy_options::overwrite_existing);
  try {
    (void)hilm::load_sae<float>(a);
    FAIL("a directory mixing two saves was loaded");
  } catch (const hilm::io_error& e) {
    CHECK(std::string(e.what()).find("inconsistent model directory") != std::string::npos);
    CHECK(std::string(e.what()).find("sae_weights.safetensors") != std::string::npos);
  }
  // A malformed manifest is an error too; no manifest at all is accepted (Python-written).
  { std::ofstream(a + "/hilm_manifest.json") << "{\"files\": 3}"; }
  CHECK_THROWS_AS(hilm::load_sae<float>(a), hilm::io_error);
  std::filesystem::remove(a + "/hilm_manifest.json");
  CHECK(hilm::load_sae<float>(a).w_dec == wb.w_dec);
}

TEST_CASE("sae: non-finite weights in a model file are io errors naming the tensor", "[sae][io]") {
  hilm::test::TempDir dir;
  for (const char* tensor : {"W_enc", "b_enc", "W_dec", "b_dec"}) {
    INFO(tensor);
    const std::string m = dir.file(tensor);
    std::filesystem::copy(data_dir + "saelens_topk", m);
    const std::string file = m + "/sae_weights.safetensors";
    const auto st = hilm::SafetensorsFile::open(file);
    std::uint64_t header = 0;
    {
      std::ifstream in(file, std::ios::binary);
      in.read(reinterpret_cast<char*>(&header), 8);
    }
    {
      std::fstream io(file, std::ios::binary | std::ios::in | std::ios::out);
      io.seekp(static_cast<std::streamoff>(8 + header + st.info(tensor).begin + 4));
      const float inf = std::numeric_limits<float>::infinity();
      io.write(reinterpret_cast<const char*>(&inf), sizeof(inf));
    }
    try {
      (void)hilm::load_sae<float>(m);
      FAIL("a model with Inf in " << tensor << " was loaded");
    } catch (const hilm::io_error& e) {
      CHECK(std::string(e.what()).find(tensor) != std::string::npos);
      CHECK(std::string(e.what()).find("non-finite") != std::string::npos);
    }
  }
}

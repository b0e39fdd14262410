// `hilm extract`: the real USE-lite model run from the command line. The activations it writes
// for the parity-fixture sentences must match the tfjs runtime (tests/data/models/use_lite/) —
// which checks tokenizer, batching and file output end to end — and the flags must behave as
// documented. Cases that run the model are tagged [needs-use-lite] (skipped when it is absent).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <hilm/io/npy.hpp>

#include <nlohmann/json.hpp>

#include "cli/run_cli.hpp"
#include "support/catch.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

using hilm::Index;
using hilm::RowMatrix;
using hilm::test::read_file;
using hilm::test::run_hilm;

namespace {

std::string model_dir() { return std::string(HILM_MODELS_DIR) + "/use-lite"; }

nlohmann::json extract_fixture() {
  return nlohmann::json::parse(
      read_file(std::string(HILM_TEST_DATA_DIR) + "/models/use_lite/fixture.json"));
}

RowMatrix<float> rows_of(const nlohmann::json& rows) {
  RowMatrix<float> m(static_cast<Index>(rows.size()), static_cast<Index>(rows.at(0).size()));
  for (Index r = 0; r < m.rows(); ++r) {
    for (Index c = 0; c < m.cols(); ++c) m(r, c) = rows.at(r).at(c).get<float>();
  }
  return m;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("cli extract: the fixture sentences give the tfjs runtime's activations",
          "[cli][needs-use-lite]") {
  hilm::test::TempDir dir;
  const auto fx = extract_fixture();
  std::string text = "\n";  // empty lines are skipped
  Index kept = 0;
  for (std::size_t s = 0; s < fx.at("sentences").size(); ++s) {
    text += fx.at("sentences").at(s).get<std::string>() + "\n\n";
    kept += std::min<Index>(static_cast<Index>(fx.at("token_ids").at(s).size()), 128);
  }
  std::ofstream(dir.file("text.txt"), std::ios::binary) << text;
  const auto run = run_hilm({"extract", "--model", model_dir(), "--text", dir.file("text.txt"),
                             "--layers", "0,1", "--out", dir.file("out"), "--batch", "3"});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const auto j = nlohmann::json::parse(run.out);
  CHECK(j.at("tokens").get<Index>() == kept);
  CHECK(j.at("sentences").get<std::size_t>() == fx.at("sentences").size());
  CHECK(j.at("layers") == nlohmann::json::array({"layer0", "layer1"}));
  CHECK(j.contains("elapsed_seconds"));
  for (const std::string layer : {"layer0", "layer1"}) {
    INFO(layer);
    const auto x = hilm::read_npy<float>(dir.file("out/" + layer + ".npy"));
    REQUIRE(x.rows() == kept);
    REQUIRE(x.cols() == 512);
    const RowMatrix<float> ref = rows_of(fx.at(layer));
    const double rel = static_cast<double>((x.topRows(ref.rows()) - ref).cwiseAbs().maxCoeff()) /
                       static_cast<double>(ref.cwiseAbs().maxCoeff());
    CHECK(rel <= 1e-5);
  }
  const auto tsv = lines_of(read_file(dir.file("out/tokens.tsv")));
  REQUIRE(static_cast<Index>(tsv.size()) == kept + 1);
  CHECK(tsv[0] == "sentence\tposition\tpiece");
  CHECK(tsv[1] == "0\t0\t▁H");  // "Hello world." → ▁H ello ▁world .
  CHECK(tsv[2] == "0\t1\tello");
  CHECK(tsv.back().rfind("7\t", 0) == 0);
}

TEST_CASE("cli extract: --layers and --max-tokens choose what is written",
          "[cli][needs-use-lite]") {
  hilm::test::TempDir dir;
  std::ofstream(dir.file("text.txt"))
      << "Hello world.\nThe quick brown fox jumps over the lazy dog.\n";
  // "Hello world." has 4 tokens, the second sentence 12: 15 tokens keep the first one only.
  const auto run = run_hilm({"extract", "--model", model_dir(), "--text", dir.file("text.txt"),
                             "--layers", "1", "--out", dir.file("out"), "--max-tokens", "15"});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const auto j = nlohmann::json::parse(run.out);
  CHECK(j.at("tokens").get<Index>() == 4);
  CHECK(j.at("sentences").get<Index>() == 1);
  CHECK(std::filesystem::exists(dir.file("out/layer1.npy")));
  CHECK_FALSE(std::filesystem::exists(dir.file("out/layer0.npy")));
  CHECK(hilm::read_npy<float>(dir.file("out/layer1.npy")).rows() == 4);
  const auto all = run_hilm({"extract", "--model", model_dir(), "--text", dir.file("text.txt"),
                             "--layers", "1", "--out", dir.file("all"), "--max-tokens", "16"});
  REQUIRE(all.exit_code == 0);
  CHECK(nlohmann::json::parse(all.out).at("tokens").get<Index>() == 16);
  // The same sentence alone or in a batch of two: same activations (attention is per sentence).
  const auto one = hilm::read_npy<float>(dir.file("out/layer1.npy"));
  const auto two = hilm::read_npy<float>(dir.file("all/layer1.npy"));
  // Same up to float rounding (the GEMMs block differently): relative to the largest entry.
  CHECK(static_cast<double>((one - two.topRows(4)).cwiseAbs().maxCoeff()) <=
        1e-5 * static_cast<double>(one.cwiseAbs().maxCoeff()));
}

TEST_CASE("cli extract: bad flags exit 2, missing inputs exit 3 naming the file", "[cli]") {
  hilm::test::TempDir dir;
  std::ofstream(dir.file("text.txt")) << "Hello world.\n";
  const auto base = [&](const std::string& model, const std::string& text,
                        const std::string& layers) {
    return run_hilm({"extract", "--model", model, "--text", text, "--layers", layers, "--out",
                     dir.file("out")});
  };
  for (const std::string layers : {"2", "0,0", "a", "", "0,", "0,1,2"}) {
    INFO("--layers '" << layers << "'");
    const auto r = base(dir.file("no-model"), dir.file("text.txt"), layers);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--layers") != std::string::npos);
  }
  const auto no_model = base(dir.file("no-model"), dir.file("text.txt"), "0");
  CHECK(no_model.exit_code == 3);
  CHECK(no_model.err.find(dir.file("no-model")) != std::string::npos);
  const auto no_text = base(dir.path().string(), dir.file("absent.txt"), "0");
  CHECK(no_text.exit_code == 3);
  CHECK(no_text.err.find("absent.txt") != std::string::npos);
  std::filesystem::create_directories(dir.file("empty-model"));
  const auto no_json = base(dir.file("empty-model"), dir.file("text.txt"), "0");
  CHECK(no_json.exit_code == 3);
  CHECK(no_json.err.find("empty-model") != std::string::npos);
  std::ofstream(dir.file("blank.txt")) << "\n  \n";
  const auto blank = base(dir.path().string(), dir.file("blank.txt"), "0");
  CHECK(blank.exit_code == 3);
  CHECK(blank.err.find("blank.txt") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.file("out")));  // nothing written on failure
}

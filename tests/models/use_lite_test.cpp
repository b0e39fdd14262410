// Tests of include/hilm/models/use_lite.hpp and tfjs_graph.hpp. UlParity: hilm's block outputs and
// sentence embeddings against the real tfjs 4.22.0 runtime (tests/data/models/use_lite/, made by
// scripts/make-use-lite-fixture.mjs), with a perturbed weight as the negative control; the
// InterventionModel contract (determinism, no-op edits bit-identical, edits propagate).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <hilm/models/tfjs_graph.hpp>
#include <hilm/models/use_lite.hpp>

#include <nlohmann/json.hpp>

#include "support/catch.hpp"
#include "support/files.hpp"
#include "support/messages.hpp"
#include "support/temp_dir.hpp"

namespace {

using hilm::ForwardRequest;
using hilm::Index;
using hilm::RowMatrix;
using hilm::TfjsGraph;
using hilm::UseLite;
using hilm::test::contains;
using hilm::test::message_of;

std::string ul_model_dir() { return std::string(HILM_MODELS_DIR) + "/use-lite"; }

struct UlFixture {
  UseLite::Batch ids;
  Index layer_rows = 0;
  RowMatrix<float> layer0, layer1, embedding;
};

RowMatrix<float> ul_matrix_of(const nlohmann::json& rows) {
  RowMatrix<float> m(static_cast<Index>(rows.size()), static_cast<Index>(rows.at(0).size()));
  for (Index r = 0; r < m.rows(); ++r) {
    for (Index c = 0; c < m.cols(); ++c) m(r, c) = rows.at(r).at(c).get<float>();
  }
  return m;
}

const UlFixture& ul_fixture() {
  static const UlFixture f = [] {
    const auto j = nlohmann::json::parse(
        hilm::test::read_file(std::string(HILM_TEST_DATA_DIR) + "/models/use_lite/fixture.json"));
    UlFixture out;
    for (const auto& s : j.at("token_ids")) out.ids.push_back(s.get<std::vector<std::int32_t>>());
    out.layer0 = ul_matrix_of(j.at("layer0"));
    out.layer1 = ul_matrix_of(j.at("layer1"));
    out.embedding = ul_matrix_of(j.at("embedding"));
    const auto layer_sentences = j.at("layer_sentences").get<std::size_t>();
    const auto max_positions = j.at("max_positions").get<std::size_t>();
    for (std::size_t s = 0; s < layer_sentences; ++s) {
      out.layer_rows += static_cast<Index>(std::min(out.ids[s].size(), max_positions));
    }
    return out;
  }();
  return f;
}

// Relative difference: max |a − b| over the matrix / max |b| (the reference's largest entry).
double ul_relative_diff(const RowMatrix<float>& a, const RowMatrix<float>& b) {
  REQUIRE(a.rows() == b.rows());
  REQUIRE(a.cols() == b.cols());
  return static_cast<double>((a - b).cwiseAbs().maxCoeff()) /
         static_cast<double>(b.cwiseAbs().maxCoeff());
}

struct UlParity {
  double layer0, layer1, embedding;
};

UlParity ul_parity_of(const UseLite& model) {
  const UlFixture& f = ul_fixture();
  ForwardRequest request;
  request.record = {"layer0", "layer1"};
  const auto result = model.forward(f.ids, request);
  return {ul_relative_diff(result.layer("layer0").topRows(f.layer_rows), f.layer0),
          ul_relative_diff(result.layer("layer1").topRows(f.layer_rows), f.layer1),
          ul_relative_diff(result.output, f.embedding)};
}

const UseLite& ul_model() {
  static const UseLite m = UseLite::load(ul_model_dir());
  return m;
}

}  // namespace

TEST_CASE("UseLite matches the tfjs runtime on layer0, layer1 and the embedding",
          "[models][needs-use-lite]") {
  const UlParity p = ul_parity_of(ul_model());
  INFO("relative max-abs differences: layer0 " << p.layer0 << ", layer1 " << p.layer1
                                               << ", embedding " << p.embedding);
  CHECK(p.layer0 <= 1e-5);
  CHECK(p.layer1 <= 1e-5);
  CHECK(p.embedding <= 1e-5);
  CHECK(ul_fixture().layer_rows == 50);  // 4 + 12 + 34 kept tokens, per the fixture README
}

TEST_CASE("UseLite: a perturbed weight breaks parity (negative control)",
          "[models][needs-use-lite]") {
  TfjsGraph graph = TfjsGraph::load(UseLite::model_json_path(ul_model_dir()));
  SECTION("embedding row of the first token scaled by 1.001") {
    auto& emb = graph.mutable_tensor("module/Embeddings_en");
    const auto id = static_cast<std::size_t>(ul_fixture().ids[0][0]);
    for (std::size_t j = 0; j < 256; ++j) emb.f32[id * 256 + j] *= 1.001f;
    const UlParity p = ul_parity_of(UseLite::from_graph(graph));
    CHECK(p.layer0 > 1e-5);
    CHECK(p.embedding > 1e-5);
  }
  SECTION("one bias of block 1's FFN shifted by 0.01") {
    auto& bias = graph.mutable_tensor(
        "module_apply_default/Encoder_en/KonaTransformer/Encode/Layer_1/TransformerLayer/FFN/"
        "conv2/bias/ConcatPartitions/concat");
    bias.f32[7] += 0.01f;
    const UlParity p = ul_parity_of(UseLite::from_graph(graph));
    CHECK(p.layer0 <= 1e-5);  // upstream of the change
    CHECK(p.layer1 > 1e-5);
  }
}

TEST_CASE("UseLite: shapes, unit embeddings, determinism and batch independence",
          "[models][needs-use-lite]") {
  const UseLite& m = ul_model();
  CHECK(m.layer_names() == std::vector<std::string>{"embedding_input", "layer0", "layer1"});
  CHECK(m.layer_width("embedding_input") == 256);
  CHECK(m.layer_width("layer0") == 512);
  CHECK(m.layer_width("layer1") == 512);
  CHECK(m.max_tokens() == 128);
  CHECK(m.vocabulary_size() == 8002);
  const UseLite::Batch& ids = ul_fixture().ids;
  ForwardRequest request;
  request.record = {"layer1", "embedding_input"};
  const auto a = m.forward(ids, request);
  Index rows = 0;
  for (const auto& s : ids) rows += std::min<Index>(static_cast<Index>(s.size()), 128);
  CHECK(a.output.rows() == static_cast<Index>(ids.size()));
  CHECK(a.layer("layer1").rows() == rows);
  CHECK(a.layer("embedding_input").cols() == 256);
  for (Index s = 0; s < a.output.rows(); ++s)
    CHECK(std::abs(a.output.row(s).norm() - 1.0f) < 1e-5f);
  const auto b = m.forward(ids, request);
  CHECK(a.output == b.output);
  CHECK(a.layer("layer1") == b.layer("layer1"));
  // A sentence alone gives the same embedding as inside the batch (attention is per sentence).
  const RowMatrix<float> alone = m.embed({ids[2]});
  CHECK(static_cast<double>((alone.row(0) - a.output.row(2)).cwiseAbs().maxCoeff()) < 1e-6);
  // An empty sentence has no rows; its embedding is still a unit vector (tanh of the bias).
  const auto empty = m.forward({{}, ids[0]}, request);
  CHECK(empty.layer("layer1").rows() == static_cast<Index>(ids[0].size()));
  CHECK(std::abs(empty.output.row(0).norm() - 1.0f) < 1e-5f);
  CHECK(m.embed({}).rows() == 0);
}

TEST_CASE("UseLite: edits (no-op bit-identical, a real edit propagates downstream only)",
          "[models][needs-use-lite]") {
  const UseLite& m = ul_model();
  const UseLite::Batch batch(ul_fixture().ids.begin(), ul_fixture().ids.begin() + 3);
  ForwardRequest plain;
  plain.record = {"layer0", "layer1"};
  const auto base = m.forward(batch, plain);
  for (const std::string layer : {"embedding_input", "layer0", "layer1"}) {
    INFO("edited layer " << layer);
    ForwardRequest request = plain;
    request.edit_layer = layer;
    int calls = 0;
    request.edit = [&](Eigen::Ref<RowMatrix<float>> x) {
      ++calls;
      x.array() += 0.0f * x.array();  // steering at alpha = 0
    };
    const auto same = m.forward(batch, request);
    CHECK(calls == 1);
    CHECK(same.output == base.output);
    CHECK(same.layer("layer1") == base.layer("layer1"));
    request.edit = [](Eigen::Ref<RowMatrix<float>> x) { x.col(3).array() += 5.0f; };
    const auto edited = m.forward(batch, request);
    CHECK(edited.output != base.output);
    CHECK(edited.layer("layer1") != base.layer("layer1"));
    if (layer == "layer1") {
      CHECK(edited.layer("layer0") == base.layer("layer0"));  // upstream: untouched
      // The recorded layer is recorded after the edit.
      CHECK(edited.layer("layer1").col(3) == (base.layer("layer1").col(3).array() + 5.0f).matrix());
    }
  }
}

TEST_CASE("UseLite: bad token ids, unknown layers and a missing model are errors naming the cause",
          "[models][needs-use-lite]") {
  const UseLite& m = ul_model();
  CHECK(contains(message_of([&] { (void)m.embed({{5, 8002}}); }), "token id 8002"));
  CHECK(contains(message_of([&] { (void)m.embed({{-1}}); }), "token id -1"));
  ForwardRequest request;
  request.record = {"layer7"};
  CHECK(contains(message_of([&] { (void)m.forward({{5}}, request); }), "layer7"));
  CHECK(contains(message_of([&] { (void)m.layer_width("nope"); }), "nope"));
  request.record = {};
  request.edit_layer = "layer9";
  request.edit = [](Eigen::Ref<RowMatrix<float>>) {};
  CHECK(contains(message_of([&] { (void)m.forward({{5}}, request); }), "layer9"));
}

TEST_CASE("UseLite::load finds model.json in the package root, dist/ or as a file", "[models]") {
  hilm::test::TempDir dir;
  CHECK(contains(message_of<hilm::io_error>([&] { (void)UseLite::load(dir.file("absent")); }),
                 "no such file"));
  CHECK(contains(message_of<hilm::io_error>([&] { (void)UseLite::load(dir.path().string()); }),
                 "no model.json"));
  std::filesystem::create_directories(dir.path() / "dist");
  std::ofstream(dir.file("dist/model.json")) << R"({"weightsManifest": []})";
  CHECK(UseLite::model_json_path(dir.path().string()) == dir.file("dist/model.json"));
  CHECK(UseLite::model_json_path(dir.file("dist")) == dir.file("dist/model.json"));
  // A tfjs model that is not USE-lite: the first missing weight is named.
  CHECK(contains(message_of<hilm::io_error>([&] { (void)UseLite::load(dir.path().string()); }),
                 "no weight named"));
}

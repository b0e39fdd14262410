// Tests of include/hilm/models/tfjs_graph.hpp on small synthetic model.json files written here:
// values across shards (split inside a value), nodes, and every malformed case as an io_error
// naming the file and the problem.
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <hilm/models/tfjs_graph.hpp>

#include "support/catch.hpp"
#include "support/messages.hpp"
#include "support/temp_dir.hpp"

namespace {

using hilm::Index;
using hilm::TfjsGraph;
using hilm::test::contains;
using hilm::test::message_of;

// Writes model.json with one group of weights `entries` over shards holding `shard_bytes` each.
void tfjs_write_model(const hilm::test::TempDir& dir, const std::string& entries,
                      const std::vector<std::vector<unsigned char>>& shards,
                      const std::string& extra_paths = "") {
  std::string paths;
  for (std::size_t i = 0; i < shards.size(); ++i) {
    const std::string name = "shard" + std::to_string(i);
    paths += (i ? ",\"" : "\"") + name + "\"";
    std::ofstream out(dir.file(name), std::ios::binary);
    out.write(reinterpret_cast<const char*>(shards[i].data()),
              static_cast<std::streamsize>(shards[i].size()));
  }
  paths += extra_paths;
  std::ofstream(dir.file("model.json"))
      << R"({"modelTopology": {"node": [{"name": "x", "op": "Placeholder"},)"
      << R"({"name": "y", "op": "MatMul", "input": ["x", "w"]}]},)"
      << R"("weightsManifest": [{"paths": [)" << paths << R"(], "weights": [)" << entries << "]}]}";
}

std::vector<unsigned char> tfjs_le_bytes(const std::vector<float>& f,
                                         const std::vector<std::int32_t>& i) {
  std::vector<unsigned char> out;
  for (float v : f) {
    std::uint32_t u = 0;
    std::memcpy(&u, &v, 4);
    for (int b = 0; b < 4; ++b) out.push_back(static_cast<unsigned char>(u >> (8 * b)));
  }
  for (std::int32_t v : i) {
    const auto u = static_cast<std::uint32_t>(v);
    for (int b = 0; b < 4; ++b) out.push_back(static_cast<unsigned char>(u >> (8 * b)));
  }
  return out;
}

const std::string kTfjsEntries =
    R"({"name": "w", "shape": [2, 3], "dtype": "float32"}, {"name": "k", "shape": [], "dtype": "int32"})";

}  // namespace

TEST_CASE("TfjsGraph reads nodes and weights across shards", "[models]") {
  hilm::test::TempDir dir;
  auto bytes = tfjs_le_bytes({1.5f, -2.0f, 3.25f, 0.0f, 1e-7f, -0.5f}, {-42});
  // Split in the middle of a value: shards are one byte stream.
  const std::vector<unsigned char> a(bytes.begin(), bytes.begin() + 10),
      b(bytes.begin() + 10, bytes.end());
  tfjs_write_model(dir, kTfjsEntries, {a, b});
  const TfjsGraph g = TfjsGraph::load(dir.file("model.json"));
  REQUIRE(g.nodes().size() == 2);
  CHECK(g.nodes()[1].op == "MatMul");
  CHECK(g.nodes()[1].inputs == std::vector<std::string>{"x", "w"});
  REQUIRE(g.tensors().size() == 2);
  const auto& w = g.tensor("w");
  CHECK(w.shape == std::vector<Index>{2, 3});
  CHECK(w.f32 == std::vector<float>{1.5f, -2.0f, 3.25f, 0.0f, 1e-7f, -0.5f});
  CHECK(g.tensor("k").i32 == std::vector<std::int32_t>{-42});
  CHECK(g.tensor("k").size() == 1);
  CHECK(g.find("absent") == nullptr);
  CHECK(contains(message_of<hilm::io_error>([&] { (void)g.tensor("absent"); }), "absent"));
}

TEST_CASE("TfjsGraph: malformed models are io_errors naming the file and the problem", "[models]") {
  hilm::test::TempDir dir;
  const auto good = tfjs_le_bytes({1, 2, 3, 4, 5, 6}, {7});
  const auto load_error = [&] {
    return message_of<hilm::io_error>([&] { (void)TfjsGraph::load(dir.file("model.json")); });
  };
  SECTION("missing model.json") { CHECK(contains(load_error(), "model.json is missing")); }
  SECTION("missing shard") {
    tfjs_write_model(dir, kTfjsEntries, {good}, R"(, "absent-shard")");
    const std::string msg = load_error();
    CHECK(contains(msg, "absent-shard"));
    CHECK(contains(msg, "weight shard is missing"));
  }
  SECTION("truncated shard") {
    tfjs_write_model(dir, kTfjsEntries, {std::vector<unsigned char>(good.begin(), good.end() - 3)});
    const std::string msg = load_error();
    CHECK(contains(msg, "shard0"));
    CHECK(contains(msg, "too few for weight 'k'"));
  }
  SECTION("trailing bytes") {
    auto longer = good;
    longer.push_back(0);
    tfjs_write_model(dir, kTfjsEntries, {longer});
    CHECK(contains(load_error(), "29 bytes but the manifest describes 28"));
  }
  SECTION("unknown dtype") {
    tfjs_write_model(dir, R"({"name": "w", "shape": [7], "dtype": "float16"})", {good});
    const std::string msg = load_error();
    CHECK(contains(msg, "model.json"));
    CHECK(contains(msg, "unsupported dtype 'float16'"));
  }
  SECTION("quantised weights") {
    tfjs_write_model(
        dir,
        R"({"name": "w", "shape": [7], "dtype": "float32", "quantization": {"dtype": "uint8"}})",
        {good});
    CHECK(contains(load_error(), "quantised"));
  }
  SECTION("invalid JSON") {
    std::ofstream(dir.file("model.json")) << "{\"weightsManifest\": [";
    CHECK(contains(load_error(), "not valid JSON"));
  }
  SECTION("no manifest") {
    std::ofstream(dir.file("model.json")) << R"({"modelTopology": {}})";
    CHECK(contains(load_error(), "no 'weightsManifest'"));
  }
  SECTION("negative shape") {
    tfjs_write_model(dir, R"({"name": "w", "shape": [-7], "dtype": "float32"})", {good});
    CHECK(contains(load_error(), "invalid shape"));
  }
}

// `hilm concepts`: graph.json layout (ids 0…L−1 lower, L…L+U−1 upper, edges lower → upper),
// the JSON report of parents with effects, and the exit codes; the sparse search on TopK
// .safetensors and scipy .npz codes; `sae encode` writing sparse codes.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <hilm/io/npy.hpp>
#include <hilm/io/sparse_codes.hpp>
#include <hilm/synth/selection_hierarchy.hpp>

#include <nlohmann/json.hpp>

#include "cli/run_cli.hpp"
#include "hierarchy/sparse_planted.hpp"
#include "support/catch.hpp"
#include "support/files.hpp"

using hilm::Index;
using hilm::test::run_hilm;

namespace {

nlohmann::json read_json(const std::string& path) {
  return nlohmann::json::parse(hilm::test::read_file(path));
}

}  // namespace

TEST_CASE("cli: concepts recovers the planted parent sets and writes graph.json", "[cli]") {
  hilm::test::TempDir dir;
  const auto data = hilm::selection_hierarchy<double>(
      {.samples = 6000, .widths = {12, 4}, .seed = hilm::test::seed(400)});
  const auto lower = dir.file("z1.npy"), upper = dir.file("z2.npy"), out = dir.file("graph.json");
  hilm::write_npy(lower, data.levels[0].cast<float>().eval());
  hilm::write_npy(upper, data.levels[1]);
  const auto run = run_hilm({"concepts", "--lower", lower, "--upper", upper, "--out", out});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const auto report = nlohmann::json::parse(run.out);
  CHECK(report.contains("elapsed_seconds"));
  CHECK(report["lower"] == 12);
  CHECK(report["upper"] == 4);
  const auto graph = read_json(out);
  REQUIRE(graph["nodes"].size() == 16);
  CHECK(graph["nodes"][0]["level"] == 0);
  CHECK(graph["nodes"][12]["level"] == 1);
  CHECK(graph["nodes"][12]["cardinality"] == 2);
  // Edges of graph.json, the stdout report and the truth agree.
  Index tp = 0, fp = 0, fn = 0;
  for (Index u = 0; u < 4; ++u) {
    std::vector<Index> from_graph, from_report;
    for (const auto& e : graph["edges"]) {
      CHECK(e["mark"] == "->");
      CHECK(e["from"].get<Index>() < 12);
      if (e["to"].get<Index>() == 12 + u) from_graph.push_back(e["from"].get<Index>());
    }
    for (const auto& p : report["uppers"][static_cast<std::size_t>(u)]["parents"]) {
      from_report.push_back(p["lower"].get<Index>());
      CHECK(p["effect"].get<double>() > 0);
      CHECK(p["p_value"].get<double>() <= 0.01);
    }
    std::sort(from_graph.begin(), from_graph.end());
    CHECK(from_graph == from_report);
    const auto& truth = data.parents[0][static_cast<std::size_t>(u)];
    for (const Index p : from_graph) {
      (std::find(truth.begin(), truth.end(), p) != truth.end() ? tp : fp) += 1;
    }
    for (const Index p : truth) {
      if (std::find(from_graph.begin(), from_graph.end(), p) == from_graph.end()) ++fn;
    }
  }
  INFO("tp " << tp << " fp " << fp << " fn " << fn);
  CHECK(2 * tp >= static_cast<Index>(0.9 * static_cast<double>(2 * tp + fp + fn)));
}

TEST_CASE("cli: concepts exit codes", "[cli]") {
  hilm::test::TempDir dir;
  hilm::RowMatrix<double> a = hilm::RowMatrix<double>::Zero(50, 3), b(40, 2);
  a.col(0).setLinSpaced(0, 1);
  b.setOnes();
  const auto pa = dir.file("a.npy"), pb = dir.file("b.npy");
  hilm::write_npy(pa, a);
  hilm::write_npy(pb, b);
  const auto out = dir.file("g.json");
  // Row counts differ: bad input naming a file.
  auto run = run_hilm({"concepts", "--lower", pa, "--upper", pb, "--out", out});
  CHECK(run.exit_code == 3);
  CHECK(run.err.find("b.npy") != std::string::npos);
  // Missing file: bad input.
  CHECK(run_hilm({"concepts", "--lower", dir.file("none.npy"), "--upper", pb, "--out", out})
            .exit_code == 3);
  // Usage errors.
  CHECK(run_hilm({"concepts", "--lower", pa, "--upper", pb}).exit_code == 2);
  CHECK(run_hilm({"concepts", "--lower", pa, "--upper", pa, "--out", out, "--selection", "x"})
            .exit_code == 2);
  CHECK(run_hilm({"concepts", "--lower", pa, "--upper", pa, "--out", out, "--alpha", "2"})
            .exit_code == 2);
}

TEST_CASE("cli: concepts takes the sparse search for TopK .safetensors codes", "[cli]") {
  hilm::test::TempDir dir;
  hilm::test::PlantedSparseOptions o;
  o.rows = 3000;
  o.lower = 400;
  o.upper = 300;
  o.k_lower = 12;
  o.noise_rate = 0.03;
  o.seed = hilm::test::seed(1504);
  const auto data = hilm::test::planted_sparse_codes(o);
  const auto lower = dir.file("z1.safetensors"), upper = dir.file("z2.safetensors");
  const auto out = dir.file("graph.json");
  hilm::write_sparse_codes(lower, data.lower);
  hilm::write_sparse_codes(upper, data.upper);
  const auto run =
      run_hilm({"concepts", "--lower", lower, "--upper", upper, "--out", out, "--progress"});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(run.err.find("concepts parents") != std::string::npos);  // the progress bar
  const auto report = nlohmann::json::parse(run.out);
  CHECK(report["method"] == "sparse");
  CHECK(report["lower"] == 400);
  CHECK(report["upper"] == 300);
  CHECK(report["pairs_tested"].get<Index>() > 0);
  CHECK(report.contains("elapsed_seconds"));
  REQUIRE(report["uppers"].size() == 300);
  CHECK(report["uppers"][0].contains("candidates"));
  const auto graph = read_json(out);
  REQUIRE(graph["nodes"].size() == 700);
  CHECK(graph["nodes"][400]["level"] == 1);
  CHECK(graph["edges"].size() == report["edges"].get<std::size_t>());
  struct Found {
    Index lower, upper;
  };
  std::vector<Found> found;
  for (const auto& e : graph["edges"]) {
    CHECK(e["mark"] == "->");
    found.push_back({e["from"].get<Index>(), e["to"].get<Index>() - 400});
  }
  const auto score = hilm::test::score_edges(found, data.parents);
  INFO("tp " << score.tp << " fp " << score.fp << " fn " << score.fn);
  CHECK(score.f1() >= 0.9);
  // --method dense on the same files densifies them and runs the dense search.
  const auto dense = run_hilm({"concepts", "--lower", lower, "--upper", upper, "--out", out,
                               "--method", "dense", "--max-parents", "1", "--max-candidates", "2"});
  INFO(dense.err);
  CHECK(dense.exit_code == 0);
  CHECK(nlohmann::json::parse(dense.out)["method"] == "dense");
}

TEST_CASE("cli: concepts reads scipy.sparse .npz codes and refuses corrupt ones", "[cli]") {
  hilm::test::TempDir dir;
  const std::string npz = HILM_TEST_DATA_DIR "/npz/";
  const auto out = dir.file("graph.json");
  auto run = run_hilm({"concepts", "--lower", npz + "codes_csr.npz", "--upper",
                       npz + "codes_csc.npz", "--out", out});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(nlohmann::json::parse(run.out)["method"] == "sparse");
  CHECK(read_json(out)["nodes"].size() == 600);
  // A truncated archive: exit 3 naming the file, no graph written.
  std::string bytes = hilm::test::read_file(npz + "codes_csr.npz");
  bytes.resize(bytes.size() - 30);
  const auto bad = dir.file("bad.npz");
  {
    std::ofstream f(bad, std::ios::binary);
    f << bytes;
  }
  const auto out2 = dir.file("g2.json");
  run = run_hilm({"concepts", "--lower", bad, "--upper", npz + "codes_csc.npz", "--out", out2});
  CHECK(run.exit_code == 3);
  CHECK(run.err.find("bad.npz") != std::string::npos);
  CHECK(!std::filesystem::exists(out2));
  // Options the sparse search does not have: usage error.
  run = run_hilm({"concepts", "--lower", npz + "codes_csr.npz", "--upper", npz + "codes_csc.npz",
                  "--out", out2, "--selection", "pvalue"});
  CHECK(run.exit_code == 2);
  run = run_hilm({"concepts", "--lower", npz + "codes_csr.npz", "--upper", npz + "codes_csc.npz",
                  "--out", out2, "--method", "x"});
  CHECK(run.exit_code == 2);
}

TEST_CASE("cli: sae encode --out z.safetensors writes sparse codes equal to the dense ones",
          "[cli]") {
  const std::string data = HILM_TEST_DATA_DIR "/sae";
  hilm::test::TempDir dir;
  const auto npy = dir.file("z.npy"), st = dir.file("z.safetensors");
  auto run = run_hilm({"sae", "encode", "--model", data + "/saelens_topk", "--data",
                       data + "/x.npy", "--out", npy, "--batch", "7"});
  REQUIRE(run.exit_code == 0);
  run = run_hilm({"sae", "encode", "--model", data + "/saelens_topk", "--data", data + "/x.npy",
                  "--out", st, "--batch", "7"});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(nlohmann::json::parse(run.out)["format"] == "sparse");
  const auto dense = hilm::read_npy<float>(npy);
  const auto sparse = hilm::read_sparse_codes(st);
  REQUIRE(sparse.rows() == dense.rows());
  REQUIRE(sparse.cols() == dense.cols());
  CHECK(sparse.nonZeros() > 0);
  CHECK(hilm::RowMatrix<float>(sparse) == dense);  // same batches, so the same arithmetic
}

TEST_CASE("cli: concepts --method auto takes the sparse search beyond 2048 x 2048 pairs", "[cli]") {
  hilm::test::TempDir dir;
  const auto lower = dir.file("z1.npy"), upper = dir.file("z2.npy"), out = dir.file("g.json");
  for (const Index width : {2048, 2049}) {
    hilm::RowMatrix<float> z = hilm::RowMatrix<float>::Zero(30, width);
    for (Index i = 0; i < 30; ++i) z(i, (i * 37) % width) = 1.0F + static_cast<float>(i);
    hilm::write_npy(lower, z);
    hilm::write_npy(upper, z.leftCols(2048).eval());
    const auto run = run_hilm({"concepts", "--lower", lower, "--upper", upper, "--out", out,
                               "--max-candidates", "3", "--max-parents", "1"});
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    // 2048 · 2048 pairs is the largest dense problem; one more lower column is sparse.
    CHECK(nlohmann::json::parse(run.out)["method"] == (width == 2048 ? "dense" : "sparse"));
  }
}

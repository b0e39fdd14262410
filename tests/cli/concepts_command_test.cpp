// `hilm concepts`: graph.json layout (ids 0…L−1 lower, L…L+U−1 upper, edges lower → upper),
// the JSON report of parents with effects, and the exit codes.
#include <algorithm>
#include <string>
#include <vector>

#include <hilm/io/npy.hpp>
#include <hilm/synth/selection_hierarchy.hpp>

#include <nlohmann/json.hpp>

#include "cli/run_cli.hpp"
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

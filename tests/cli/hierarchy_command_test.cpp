// `hilm hierarchy`: the RLCD fixture gives its two latents in graph.json; discrete data give
// latents with cardinalities; bad input and usage errors map to exit codes 3 and 2.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <hilm/core/random.hpp>
#include <hilm/core/types.hpp>
#include <hilm/graph/json.hpp>
#include <hilm/synth/discrete.hpp>

#include <nlohmann/json.hpp>

#include "cli/run_cli.hpp"
#include "support/catch.hpp"
#include "support/files.hpp"

using hilm::Index;
using hilm::test::run_hilm;
using hilm::test::write_exact_csv;

namespace {

std::string fixture() {
  return std::string(HILM_TEST_DATA_DIR) + "/peer/causallearn_rlcd_two_latents_2000x6.csv";
}

std::set<std::vector<Index>> clusters_of(const hilm::Graph& g) {
  std::set<std::vector<Index>> out;
  for (Index v = 0; v < g.size(); ++v)
    if (!g.node(v).observed) out.insert(g.children(v));
  return out;
}

}  // namespace

TEST_CASE("cli: hierarchy --method rank finds the RLCD fixture's two latents", "[cli][hierarchy]") {
  hilm::test::TempDir dir;
  const auto out = dir.file("graph.json");
  const auto run = run_hilm({"hierarchy", "--data", fixture(), "--method", "rank", "--out", out});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const auto printed = nlohmann::json::parse(run.out);
  CHECK(printed.contains("elapsed_seconds"));
  CHECK(printed["latents"].size() == 2);
  CHECK(printed["nodes"] == 8);
  const auto g = hilm::read_json(out);
  REQUIRE(g.size() == 8);
  CHECK(g.node(0).name == "X1");  // header names kept
  CHECK_FALSE(g.node(6).observed);
  CHECK(g.node(6).level == 1);
  CHECK(clusters_of(g) == std::set<std::vector<Index>>{{0, 1, 2}, {3, 4, 5}});
}

TEST_CASE("cli: hierarchy --method discrete reports cardinalities", "[cli][hierarchy]") {
  // Two binary latents, three ternary children each, n = 5000, written as integer CSV.
  hilm::SynthGraph truth;
  truth.nodes = 8;
  truth.observed = {true, true, true, true, true, true, false, false};
  truth.level = {0, 0, 0, 0, 0, 0, 1, 1};
  truth.cardinality = {3, 3, 3, 3, 3, 3, 2, 2};
  for (Index c = 0; c < 3; ++c) truth.edges.emplace_back(6, c);
  for (Index c = 3; c < 6; ++c) truth.edges.emplace_back(7, c);
  const auto model = hilm::random_cpts(
      truth, {.min_singular_ratio = 0.4, .min_probability = 0.05, .seed = hilm::test::seed(31)});
  const auto values = model.sample(5000, hilm::test::seed(32));
  hilm::test::TempDir dir;
  const auto data = dir.file("d.csv");
  {
    std::ofstream f(data);
    for (Index i = 0; i < values.rows(); ++i)
      for (Index j = 0; j < 6; ++j) f << values(i, j) << (j == 5 ? '\n' : ',');
  }
  const auto out = dir.file("g.json");
  const auto run = run_hilm(
      {"hierarchy", "--data", data, "--method", "discrete", "--alpha", "0.01", "--out", out});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const auto g = hilm::read_json(out);
  REQUIRE(g.size() == 8);
  CHECK(g.node(6).cardinality == 2);
  CHECK(g.node(7).cardinality == 2);
  CHECK(clusters_of(g) == std::set<std::vector<Index>>{{0, 1, 2}, {3, 4, 5}});
  // The continuous method on the same file reads no cardinality.
  const auto run2 = run_hilm({"hierarchy", "--data", data, "--method", "rank", "--out", out});
  REQUIRE(run2.exit_code == 0);
  // Keep the parsed document alive: iterating `parse(...)["latents"]` directly would range over
  // a member of a destroyed temporary.
  const auto printed = nlohmann::json::parse(run2.out);
  REQUIRE(printed["latents"].size() == 2);
  for (const auto& l : printed["latents"]) CHECK(l["cardinality"].is_null());
}

TEST_CASE("cli: hierarchy errors map to exit codes", "[cli][hierarchy]") {
  hilm::test::TempDir dir;
  const auto out = dir.file("g.json");
  CHECK(run_hilm({"hierarchy", "--data", dir.file("missing.csv"), "--out", out}).exit_code == 3);
  CHECK(run_hilm({"hierarchy", "--data", fixture(), "--method", "pc", "--out", out}).exit_code ==
        2);
  CHECK(run_hilm({"hierarchy", "--data", fixture(), "--alpha", "0", "--out", out}).exit_code == 2);
  CHECK(run_hilm({"hierarchy", "--data", fixture(), "--method", "rank"}).exit_code == 2);
  // Non-integer data for the discrete method are bad input, and the message names the file.
  const auto run =
      run_hilm({"hierarchy", "--data", fixture(), "--method", "discrete", "--out", out});
  CHECK(run.exit_code == 3);
  CHECK(run.err.find("causallearn_rlcd_two_latents_2000x6.csv") != std::string::npos);
}

// Data the CCA rank test cannot use — a duplicated column, a column that is a sum of two others,
// two rows — fail with exit 3 (bad input, naming the file) or 4 (numerical failure), never with a
// signal: the rank tests run in an OpenMP parallel region, and before issue 13 their exception
// left it and aborted the process (exit 134).
TEST_CASE("cli: hierarchy --method rank on collinear data exits 3 or 4 and never aborts",
          "[cli][hierarchy]") {
  hilm::Random rng(hilm::test::seed(33));
  const Index n = 300;
  hilm::Matrix<double> base(n, 6);
  for (Index i = 0; i < n; ++i) {
    const double l1 = rng.normal(), l2 = rng.normal();
    for (Index j = 0; j < 3; ++j) base(i, j) = l1 + 0.5 * rng.normal();
    for (Index j = 3; j < 6; ++j) base(i, j) = l2 + 0.5 * rng.normal();
  }
  hilm::Matrix<double> duplicated(n, 7), collinear(n, 7);
  duplicated << base, base.col(2);
  collinear << base, base.col(0) + base.col(4);
  const hilm::Matrix<double> two_rows = base.topRows(2);
  hilm::test::TempDir dir;
  const auto out = dir.file("g.json");
  // The positive twin: the same samples without redundancy run to the end.
  {
    const auto ok =
        run_hilm({"hierarchy", "--data", write_exact_csv(dir, "base.csv", base), "--out", out});
    INFO(ok.err);
    REQUIRE(ok.exit_code == 0);
    std::filesystem::remove(out);
  }
  for (const auto& [name, x] : std::vector<std::pair<std::string, hilm::Matrix<double>>>{
           {"duplicated_column.csv", duplicated},
           {"collinear_columns.csv", collinear},
           {"two_rows.csv", two_rows}}) {
    const auto data = write_exact_csv(dir, name, x);
    const auto run = run_hilm({"hierarchy", "--data", data, "--method", "rank", "--out", out});
    CAPTURE(name, run.exit_code, run.err);
    CHECK((run.exit_code == 3 || run.exit_code == 4));
    if (run.exit_code == 3) CHECK(run.err.find(name) != std::string::npos);
    CHECK(std::count(run.err.begin(), run.err.end(), '\n') == 1);  // one line
    CHECK(run.out.empty());
    CHECK_FALSE(std::filesystem::exists(out));  // no half-written result
  }
}

// `hilm pc`: graph.json identical to causal-learn's result matrices, JSON fields, DOT output,
// exit codes.
#include <fstream>
#include <sstream>
#include <string>

#include <hilm/graph/endpoint_matrix.hpp>
#include <hilm/graph/json.hpp>
#include <hilm/io/delimited.hpp>

#include <nlohmann/json.hpp>

#include "cli/run_cli.hpp"
#include "support/catch.hpp"

using hilm::test::run_hilm;

namespace {

std::string peer(const std::string& file) {
  return std::string(HILM_TEST_DATA_DIR) + "/peer/causallearn/" + file;
}

hilm::EndpointMatrix expected_matrix(const std::string& file) {
  return hilm::read_delimited<double>(peer("benchmark_returned_results/" + file)).data.cast<int>();
}

}  // namespace

TEST_CASE("cli pc: fisherz graph.json equals causal-learn's result", "[cli][graph]") {
  hilm::test::TempDir dir;
  const std::string out = dir.file("graph.json");
  const std::string dot = dir.file("graph.dot");
  const auto run =
      run_hilm({"pc", "--data", peer("data_linear_10.txt"), "--test", "fisherz", "--alpha", "0.05",
                "--stable", "--uc-rule", "0", "--uc-priority", "2", "--out", out, "--dot", dot});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const auto j = nlohmann::json::parse(run.out);
  CHECK(j["nodes"] == 20);
  CHECK(j["status"] == "converged");
  CHECK(j["tests_run"].get<long>() > 0);
  CHECK(j["elapsed_seconds"].get<double>() >= 0.0);
  CHECK(j["edges"] ==
        j["directed"].get<long>() + j["undirected"].get<long>() + j["bidirected"].get<long>());
  CHECK(j["svg"].is_null());
  const hilm::Graph g = hilm::read_json(out);
  CHECK(g.node(0).name == "X1");  // from the data header
  CHECK(hilm::to_causal_learn_matrix(g) ==
        expected_matrix("linear_10_pc_fisherz_0.05_stable_0_2.txt"));
  std::ifstream dot_in(dot);
  std::stringstream text;
  text << dot_in.rdbuf();
  CHECK(text.str().rfind("digraph", 0) == 0);
}

TEST_CASE("cli pc: max-p with causal-learn rounding and chisq reproduce causal-learn",
          "[cli][graph]") {
  hilm::test::TempDir dir;
  const std::string out = dir.file("graph.json");
  auto run = run_hilm({"pc", "--data", peer("data_linear_10.txt"), "--test", "fisherz", "--uc-rule",
                       "1", "--uc-priority", "-1", "--causal-learn-rounding", "--out", out});
  REQUIRE(run.exit_code == 0);
  CHECK(hilm::to_causal_learn_matrix(hilm::read_json(out)) ==
        expected_matrix("linear_10_pc_fisherz_0.05_stable_1_-1.txt"));
  run = run_hilm({"pc", "--data", peer("data_discrete_10.txt"), "--test", "chisq", "--uc-priority",
                  "-1", "--out", out});
  REQUIRE(run.exit_code == 0);
  CHECK(hilm::to_causal_learn_matrix(hilm::read_json(out)) ==
        expected_matrix("discrete_10_pc_chisq_0.05_stable_0_-1.txt"));
}

TEST_CASE("cli pc: usage and input errors", "[cli][graph]") {
  hilm::test::TempDir dir;
  const std::string out = dir.file("graph.json");
  const std::string data = peer("data_discrete_10.txt");
  CHECK(run_hilm({"pc", "--data", data, "--test", "chisq", "--uc-priority", "7", "--out", out})
            .exit_code == 2);
  CHECK(run_hilm({"pc", "--data", data, "--test", "chisq", "--uc-rule", "2", "--uc-priority", "1",
                  "--out", out})
            .exit_code == 2);
  CHECK(run_hilm({"pc", "--data", data, "--test", "chisq", "--causal-learn-rounding", "--out", out})
            .exit_code == 2);
  CHECK(run_hilm({"pc", "--data", data, "--test", "chisq", "--forbid", "0-1", "--out", out})
            .exit_code == 2);
  CHECK(run_hilm({"pc", "--data", data, "--test", "chisq", "--require", "0>99", "--out", out})
            .exit_code == 2);
  CHECK(run_hilm({"pc", "--data", data, "--test", "chisq"}).exit_code == 2);  // no --out
  const auto missing =
      run_hilm({"pc", "--data", dir.file("nope.csv"), "--test", "fisherz", "--out", out});
  CHECK(missing.exit_code == 3);
  CHECK(missing.err.find("nope.csv") != std::string::npos);
  // Background knowledge through the CLI: forbid both directions of an edge PC finds.
  auto plain = run_hilm({"pc", "--data", data, "--test", "chisq", "--out", out});
  REQUIRE(plain.exit_code == 0);
  const auto g = hilm::read_json(out);
  REQUIRE(!g.edges().empty());
  const auto e = g.edges().front();
  const std::string pair = std::to_string(e.from) + ">" + std::to_string(e.to) + "," +
                           std::to_string(e.to) + ">" + std::to_string(e.from);
  REQUIRE(run_hilm({"pc", "--data", data, "--test", "chisq", "--forbid", pair, "--out", out})
              .exit_code == 0);
  CHECK_FALSE(hilm::read_json(out).adjacent(e.from, e.to));
}

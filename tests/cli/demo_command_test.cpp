// `hilm demo`: the whole pipeline on the default seed meets issue 8's acceptance lines (MCC ≥ 0.9
// on both layers, concept-graph F1 ≥ 0.9, the steering edit removes its concepts and leaves the
// others), writes every promised file, and is reproducible.
#include <filesystem>

#include <nlohmann/json.hpp>

#include "cli/run_cli.hpp"
#include "support/catch.hpp"
#include "support/files.hpp"

using hilm::test::read_file;
using hilm::test::run_hilm;

TEST_CASE("cli: demo recovers concepts, their graph and steers on the default seed",
          "[cli][demo]") {
  hilm::test::TempDir dir;
  const auto out = dir.file("demo");
  auto run = run_hilm({"demo", "--out", out});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const auto printed = nlohmann::json::parse(run.out);
  CHECK(printed.contains("elapsed_seconds"));
  const auto report = nlohmann::json::parse(read_file(out + "/report.json"));
  CHECK(report["identifiability"]["layer1"]["mcc"].get<double>() >= 0.9);
  CHECK(report["identifiability"]["layer2"]["mcc"].get<double>() >= 0.9);
  CHECK(report["concept_graph"]["f1"].get<double>() >= 0.9);
  CHECK(report["steering"]["min_energy_removed_on_edited"].get<double>() >= 0.95);
  CHECK(report["steering"]["max_relative_change_on_others"].get<double>() < 0.05);
  const std::string dot = read_file(out + "/concept_graph.dot");
  CHECK(dot.find("digraph") != std::string::npos);
  CHECK(dot.find("->") != std::string::npos);
  const std::string curves = read_file(out + "/training_curves.svg");
  CHECK(curves.find("<svg") != std::string::npos);
  CHECK(curves.find("<polyline") != std::string::npos);
  if (report["concept_graph"]["svg"].get<bool>()) {
    CHECK(read_file(out + "/concept_graph.svg").find("<svg") != std::string::npos);
  }
  // Same seed → same report (timings aside).
  auto again = run_hilm({"demo", "--out", dir.file("again")});
  REQUIRE(again.exit_code == 0);
  const auto second = nlohmann::json::parse(read_file(dir.file("again") + "/report.json"));
  CHECK(second["identifiability"]["layer1"]["mcc"] == report["identifiability"]["layer1"]["mcc"]);
  CHECK(second["concept_graph"]["edges"] == report["concept_graph"]["edges"]);
}

TEST_CASE("cli: demo rejects bad options", "[cli][demo]") {
  CHECK(run_hilm({"demo", "--samples", "10"}).exit_code == 2);
  CHECK(run_hilm({"demo", "--epochs", "0"}).exit_code == 2);
}

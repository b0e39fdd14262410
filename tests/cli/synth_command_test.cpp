// `hilm synth`: every kind writes loadable arrays and a truth.json that names them; same seed →
// same bytes; bad options are usage errors.
#include <filesystem>
#include <fstream>

#include <hilm/io/npy.hpp>

#include <nlohmann/json.hpp>

#include "cli/run_cli.hpp"
#include "support/catch.hpp"
#include "support/files.hpp"

using hilm::test::read_file;
using hilm::test::run_hilm;

TEST_CASE("cli: synth writes every kind with a truth file", "[cli]") {
  hilm::test::TempDir dir;
  const std::vector<std::string> kinds = {"sparse-linear", "selection-hierarchy",
                                          "discrete-hierarchy", "linear-latent-hierarchy"};
  for (const auto& kind : kinds) {
    const auto out = dir.file(kind);
    auto run = run_hilm({"synth", kind, "--out", out, "--seed", "3", "--samples", "500"});
    INFO(kind << ": " << run.err);
    REQUIRE(run.exit_code == 0);
    const auto printed = nlohmann::json::parse(run.out);
    CHECK(printed["kind"] == kind);
    CHECK(printed.contains("elapsed_seconds"));
    std::ifstream truth_file(out + "/truth.json");
    REQUIRE(truth_file.good());
    const auto truth = nlohmann::json::parse(truth_file);
    CHECK(truth["kind"] == kind);
    REQUIRE(truth["files"].size() >= 1);
    for (const auto& f : truth["files"]) {
      const std::string name = f.get<std::string>();
      const auto path = out + "/" + name;
      REQUIRE(std::filesystem::exists(path));
      if (name.ends_with(".npy")) {
        const auto header = hilm::read_npy_header(path);
        // Sample arrays have one row per sample.
        if (name == "x.npy" || name == "data.npy") CHECK(header.shape.front() == 500);
      }
    }
    // Every kind writes its samples: x.npy, or data.npy for discrete variables.
    CHECK((std::filesystem::exists(out + "/x.npy") || std::filesystem::exists(out + "/data.npy")));
  }
}

TEST_CASE("cli: synth is reproducible and rejects bad options", "[cli]") {
  hilm::test::TempDir dir;
  for (const char* name : {"a", "b", "c"}) {
    const std::string seed = std::string(name) == "c" ? "2" : "1";
    REQUIRE(run_hilm({"synth", "sparse-linear", "--out", dir.file(name), "--seed", seed,
                      "--samples", "300"})
                .exit_code == 0);
  }
  const auto a = read_file(dir.path() / "a" / "x.npy");
  CHECK(a == read_file(dir.path() / "b" / "x.npy"));
  CHECK(a != read_file(dir.path() / "c" / "x.npy"));

  CHECK(run_hilm({"synth", "no-such-kind", "--out", dir.file("d")}).exit_code == 2);
  CHECK(run_hilm({"synth", "sparse-linear"}).exit_code == 2);  // --out missing
  CHECK(run_hilm(
            {"synth", "sparse-linear", "--out", dir.file("e"), "--active", "99", "--latents", "4"})
            .exit_code == 2);
}

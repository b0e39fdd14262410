// `hilm synth`: every kind writes loadable arrays and a truth.json that names them; same seed →
// same bytes; bad options are usage errors.
#include <filesystem>
#include <fstream>

#include <hilm/io/npy.hpp>
#include <hilm/synth/synth_sae_bench.hpp>

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

TEST_CASE("cli: synth synth-sae-bench writes the truth and the streamed samples", "[cli]") {
  hilm::test::TempDir dir;
  const std::vector<std::string> args = {
      "--features", "300", "--hidden", "32", "--seed", "5", "--orthogonalize-steps", "2"};
  auto command = [&](const std::string& out, const std::string& samples) {
    std::vector<std::string> all = {"synth", "synth-sae-bench", "--out", out};
    all.insert(all.end(), args.begin(), args.end());
    if (!samples.empty()) {
      all.push_back("--samples");
      all.push_back(samples);
    }
    return run_hilm(all);
  };
  const auto out = dir.file("bench");
  auto run = command(out, "700");
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  std::ifstream truth_file(out + "/truth.json");
  REQUIRE(truth_file.good());
  const auto truth = nlohmann::json::parse(truth_file);
  CHECK(truth["kind"] == "synth-sae-bench");
  CHECK(truth["seed"] == 5);
  CHECK(truth["options"]["features"] == 300);
  CHECK(truth["options"]["hidden"] == 32);
  CHECK(truth["options"]["p_max"] == 0.4);
  CHECK(truth["expected_l0"].get<double>() > 0);
  for (const auto& f : truth["files"]) {
    REQUIRE(std::filesystem::exists(out + "/" + f.get<std::string>()));
  }
  CHECK(hilm::read_npy_header(out + "/feature_vectors.npy").shape ==
        std::vector<hilm::Index>{300, 32});
  CHECK(hilm::read_npy_header(out + "/parents.npy").shape == std::vector<hilm::Index>{300});
  CHECK(hilm::read_npy_header(out + "/x.npy").shape == std::vector<hilm::Index>{700, 32});

  // The files are the library's truth and samples for the same options.
  hilm::SynthSaeBenchOptions options{.features = 300, .hidden = 32, .orthogonalize_steps = 2};
  options.seed = 5;
  const auto model = hilm::make_synth_sae_bench(options);
  // Equal up to float rounding: the compiler may contract a·b + c into an FMA differently in the
  // tool and in this test, so bit equality holds only within one program.
  const auto vectors = hilm::read_npy<float>(out + "/feature_vectors.npy");
  REQUIRE(vectors.rows() == 300);
  CHECK((vectors - model.feature_vectors).cwiseAbs().maxCoeff() < 1e-5f);
  const auto parents = hilm::read_npy<double>(out + "/parents.npy");
  for (hilm::Index i = 0; i < 300; ++i) {
    REQUIRE(parents(i) == static_cast<double>(model.parents[static_cast<std::size_t>(i)]));
  }
  hilm::SynthSaeBenchSampler sampler(model, {.samples = 700});
  hilm::RowMatrix<float> x(700, 32);
  REQUIRE(sampler.read(x) == 700);
  const auto samples = hilm::read_npy<float>(out + "/x.npy");
  REQUIRE(samples.rows() == 700);
  CHECK((samples - x).cwiseAbs().maxCoeff() < 1e-3f);

  // Without --samples only the truth is written; the same seed gives the same bytes.
  REQUIRE(command(dir.file("again"), "700").exit_code == 0);
  CHECK(read_file(dir.path() / "again" / "x.npy") == read_file(dir.path() / "bench" / "x.npy"));
  const auto truth_only = dir.file("truth-only");
  REQUIRE(command(truth_only, "").exit_code == 0);
  CHECK_FALSE(std::filesystem::exists(truth_only + "/x.npy"));
  CHECK(read_file(dir.path() / "truth-only" / "feature_vectors.npy") ==
        read_file(dir.path() / "bench" / "feature_vectors.npy"));
  CHECK(run_hilm({"synth", "synth-sae-bench", "--out", dir.file("bad"), "--features", "10",
                  "--hidden", "0"})
            .exit_code == 2);
}

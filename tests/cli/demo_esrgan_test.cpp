// `hilm demo --case esrgan`: with the fetched model, the demo writes its report and pictures and
// the edits it reports act where the chosen latent fires more than elsewhere; without a usable
// model directory it fails with exit 3 naming the directory.
#include <string>

#include <hilm/io/png.hpp>

#include <nlohmann/json.hpp>

#include "cli/run_cli.hpp"
#include "support/catch.hpp"
#include "support/files.hpp"

using hilm::test::read_file;
using hilm::test::run_hilm;

TEST_CASE("cli: demo --case esrgan steers the generated image where the latent fires",
          "[cli][demo][needs-esrgan]") {
  hilm::test::TempDir dir;
  const auto out = dir.file("esrgan");
  // The package's own 128 x 128 fixture alone keeps the run short (also under the sanitizers);
  // `make run` runs the demo on the photos.
  const std::string model = std::string(HILM_MODELS_DIR) + "/esrgan";
  auto run = run_hilm({"demo", "--case", "esrgan", "--model", model, "--image",
                       model + "/assets/fixture.png", "--out", out});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(nlohmann::json::parse(run.out).contains("elapsed_seconds"));
  const auto report = nlohmann::json::parse(read_file(out + "/report.json"));
  CHECK(report["pixels"].get<int>() == 128 * 128);
  CHECK(report["images"].back().get<std::string>().find("fixture.png") != std::string::npos);
  CHECK(report["sae"]["explained_variance"].get<double>() > 0.8);
  const double fraction = report["latent"]["firing_fraction"].get<double>();
  CHECK(fraction >= 0.01);
  CHECK(fraction <= 0.25);
  for (const char* edit : {"ablate", "amplify"}) {
    for (const char* channel : {"r", "g", "b"}) {
      const auto& e = report[edit]["energy_change"][channel];
      INFO(edit << " " << channel << " " << e.dump());
      // The edit changes the output (not a no-op) and changes it more inside the region.
      CHECK(e["mean_sq_change_in_region"].get<double>() > 0.1);
      CHECK(e["ratio"].get<double>() > 1.5);
    }
  }
  const auto input = hilm::read_png(out + "/input.png");
  const auto before = hilm::read_png(out + "/before.png");
  const auto after = hilm::read_png(out + "/amplified.png");
  CHECK(before.width == 4 * input.width);
  CHECK(before.height == 4 * input.height);
  CHECK(before.samples != after.samples);
  CHECK(hilm::read_png(out + "/latent_map.png").width == input.width);
}

TEST_CASE("cli: demo --case esrgan without a model directory is bad input (exit 3)",
          "[cli][demo]") {
  hilm::test::TempDir dir;
  auto run = run_hilm(
      {"demo", "--case", "esrgan", "--model", dir.file("nowhere"), "--out", dir.file("out")});
  CHECK(run.exit_code == 3);
  CHECK(run.err.find("nowhere") != std::string::npos);
  auto usage = run_hilm({"demo", "--case", "esrgan", "--out", dir.file("out")});
  CHECK(usage.exit_code == 2);
}

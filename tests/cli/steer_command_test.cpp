// `hilm steer`: exit codes, JSON fields, and the steered data differ from the input only along
// the edited latent's decoder direction, by the amount the Python-computed codes predict.
#include <string>

#include <Eigen/Core>

#include <hilm/io/npy.hpp>
#include <hilm/sae/saelens.hpp>

#include <nlohmann/json.hpp>

#include "cli/run_cli.hpp"
#include "support/catch.hpp"

using hilm::Index;
using hilm::RowMatrix;
using hilm::test::run_hilm;

namespace {

const std::string sae_fixture_dir = HILM_TEST_DATA_DIR "/sae";

// The latent that fires on the most rows of the numpy reference codes.
Index busiest_latent(const RowMatrix<double>& codes) {
  Index best = 0;
  for (Index j = 1; j < codes.cols(); ++j) {
    if ((codes.col(j).array() != 0).count() > (codes.col(best).array() != 0).count()) best = j;
  }
  return best;
}

}  // namespace

TEST_CASE("cli: steer moves the data only along the edited decoder direction", "[cli]") {
  hilm::test::TempDir dir;
  const std::string model = sae_fixture_dir + "/saelens_topk";
  const std::string data = sae_fixture_dir + "/x.npy";
  const auto x = hilm::read_npy<double>(data);
  const auto codes = hilm::read_npy<double>(sae_fixture_dir + "/codes_saelens_topk.npy");
  const auto weights = hilm::load_sae<double>(model);
  const Index j = busiest_latent(codes);
  const Eigen::RowVectorXd direction = weights.w_dec.row(j) / weights.input_scale;
  REQUIRE((codes.col(j).array() != 0).count() > 0);

  struct Case {
    std::string mode, value;
    double factor;  // expected x' − x = factor · z_j · direction
  };
  for (const Case& c : {Case{"ablate", "", -1.0}, Case{"scale", "2.5", 1.5}}) {
    INFO("mode " << c.mode);
    const std::string out = dir.file(c.mode + ".npy");
    std::vector<std::string> args = {"steer",    "--model",         model,    "--data", data,
                                     "--latent", std::to_string(j), "--mode", c.mode,   "--out",
                                     out};
    if (!c.value.empty()) {
      args.push_back("--value");
      args.push_back(c.value);
    }
    const auto run = run_hilm(args);
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    const auto json = nlohmann::json::parse(run.out);
    for (const char* key : {"rows", "latent", "mode", "value", "edited_mean_change",
                            "others_mean_change", "side_effects", "elapsed_seconds"}) {
      CHECK(json.contains(key));
    }
    CHECK(json["rows"] == x.rows());
    CHECK(json["latent"] == j);
    CHECK(json["mode"] == c.mode);
    const double mean_code = codes.col(j).cwiseAbs().mean();
    CHECK_THAT(json["intended_change"].get<double>(),
               Catch::Matchers::WithinRel(std::abs(c.factor) * mean_code, 1e-4));

    const auto steered = hilm::read_npy<double>(out);
    REQUIRE(steered.rows() == x.rows());
    REQUIRE(steered.cols() == x.cols());
    const RowMatrix<double> expected =
        x + c.factor * codes.col(j) * direction;  // the definition, with numpy's codes
    const double err = (steered - expected).cwiseAbs().maxCoeff();
    INFO("largest deviation from x + factor * z_j * W_dec,j: " << err);
    CHECK(err <= 1e-4 * (1.0 + x.cwiseAbs().maxCoeff()));
    for (Index r = 0; r < x.rows(); ++r) {
      // Rows where the latent is silent are untouched (float32 round trip of x).
      if (codes(r, j) == 0) REQUIRE((steered.row(r) - x.row(r)).cwiseAbs().maxCoeff() < 1e-6);
    }
    CHECK((steered - x).cwiseAbs().maxCoeff() > 1e-2);  // something did change
  }
}

TEST_CASE("cli: steer exit codes", "[cli]") {
  hilm::test::TempDir dir;
  const std::string model = sae_fixture_dir + "/saelens_topk";
  const std::string data = sae_fixture_dir + "/x.npy";
  const std::string out = dir.file("x2.npy");
  auto steer = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"steer", "--model", model, "--data", data, "--out", out};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_hilm(args);
  };
  // The model has 40 latents: 40 is out of range (usage error, naming the size).
  auto run = steer({"--latent", "40", "--mode", "ablate"});
  CHECK(run.exit_code == 2);
  CHECK(run.err.find("40") != std::string::npos);
  CHECK(steer({"--latent", "3", "--mode", "remove"}).exit_code == 2);
  CHECK(steer({"--latent", "3", "--mode", "scale"}).exit_code == 2);  // scale needs --value
  CHECK(steer({"--mode", "ablate"}).exit_code == 2);                  // --latent is required
  // Missing files are bad input (exit 3), named on stderr.
  const std::string missing = dir.file("missing.npy");
  run = run_hilm({"steer", "--model", model, "--data", missing, "--latent", "3", "--mode", "ablate",
                  "--out", out});
  CHECK(run.exit_code == 3);
  CHECK(run.err.find("missing.npy") != std::string::npos);
  run = run_hilm({"steer", "--model", dir.file("no_model"), "--data", data, "--latent", "3",
                  "--mode", "ablate", "--out", out});
  CHECK(run.exit_code == 3);
  // Data whose width differs from the model's d_in are bad input too.
  RowMatrix<float> narrow = RowMatrix<float>::Ones(4, 3);
  const std::string narrow_path = dir.file("narrow.npy");
  hilm::write_npy(narrow_path, narrow);
  run = run_hilm({"steer", "--model", model, "--data", narrow_path, "--latent", "3", "--mode",
                  "ablate", "--out", out});
  CHECK(run.exit_code == 3);
  // Nothing was written by the failed runs.
  CHECK_FALSE(std::filesystem::exists(out));
  CHECK(steer({"--latent", "3", "--mode", "clamp", "--value", "0.5"}).exit_code == 0);
  CHECK(std::filesystem::exists(out));
}

// Every numeric option of every subcommand, attacked with values a hostile or careless user
// passes: NaN, ±Inf, -1, 1e39 (beyond float32), text and the empty string. Whatever the value,
// the tool must answer with one of its exit codes (0, 2, 3, 4) within the timeout — never a
// signal or a hang — and a success must not carry a non-finite or null number in its JSON or its
// .npy output (issue 13: "no command exits 0 with a non-finite number in its output").
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <hilm/io/npy.hpp>

#include <nlohmann/json.hpp>

#include "cli/run_cli.hpp"
#include "support/catch.hpp"
#include "support/files.hpp"
#include "support/generators.hpp"

namespace fs = std::filesystem;
using hilm::Index;
using hilm::RowMatrix;
using hilm::test::run_hilm;

namespace {

const std::string sae_data = HILM_TEST_DATA_DIR "/sae";

// Keys whose value may legitimately be null (optional outputs, not numbers).
const std::set<std::string> nullable = {"svg", "cardinality", "value"};

// Empty when every number is finite and every null is allowed; else the offending path.
std::string bad_value(const nlohmann::json& j, const std::string& path, const std::string& key) {
  if (j.is_null()) return nullable.count(key) ? "" : path;
  if (j.is_number_float() && !std::isfinite(j.get<double>())) return path;
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (auto bad = bad_value(it.value(), path + "." + it.key(), it.key()); !bad.empty())
        return bad;
    }
  }
  if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i) {
      if (auto bad = bad_value(j[i], path + "[" + std::to_string(i) + "]", key); !bad.empty())
        return bad;
    }
  }
  return "";
}

using hilm::test::write_csv;

struct Target {
  std::vector<std::string> args;     // a valid invocation
  std::vector<std::string> options;  // numeric options to attack
  std::string out;                   // output path to clear between runs ("" if none)
  std::string npy;                   // .npy result to check after a success ("" if none)
};

}  // namespace

TEST_CASE("cli hostile: numeric options never crash, hang or yield non-finite results", "[cli]") {
  hilm::test::TempDir dir;
  RowMatrix<double> x = hilm::test::grid_data(120, 4);
  const std::string csv = write_csv(dir, "x.csv", x);
  RowMatrix<double> nonneg = x.cwiseAbs();
  const std::string nn = write_csv(dir, "nn.csv", nonneg);
  RowMatrix<double> binary = (x.array() > 0).cast<double>();
  const std::string bin = write_csv(dir, "bin.csv", binary);
  const std::string model = sae_data + "/saelens_topk";
  const std::string acts = sae_data + "/x.npy";
  const std::string out = dir.file("out");
  const std::string npy = dir.file("out.npy");

  const std::vector<Target> targets = {
      {{"rank", "--data", csv, "--a", "0,1", "--b", "2,3"}, {"--alpha"}, "", ""},
      {{"ci", "--data", csv, "--test", "fisherz", "--x", "0", "--y", "1", "--z", "2"},
       {"--x", "--y"},
       "",
       ""},
      {{"ci", "--data", csv, "--test", "kci", "--x", "0", "--y", "1", "--null", "spectral"},
       {"--kernel-width", "--degree", "--null-samples", "--seed"},
       "",
       ""},
      {{"pc", "--data", csv, "--test", "fisherz", "--out", out},
       {"--alpha", "--uc-rule", "--uc-priority", "--depth"},
       out,
       ""},
      {{"hierarchy", "--data", csv, "--out", out}, {"--alpha", "--max-rank"}, out, ""},
      {{"concepts", "--lower", bin, "--upper", bin, "--out", out},
       {"--alpha", "--fdr", "--epsilon", "--max-parents"},
       out,
       ""},
      {{"nmf", "--data", nn, "--rank", "2", "--out", out},
       {"--rank", "--max-iter", "--tol", "--seed"},
       out,
       ""},
      {{"spa", "--data", nn, "--rank", "2"}, {"--rank"}, "", ""},
      {{"sae", "train", "--data", acts, "--latents", "8", "--k", "2", "--steps", "4", "--batch",
        "8", "--out", out},
       {"--latents", "--k", "--l1", "--epochs", "--steps", "--batch", "--lr", "--seed", "--auxk",
        "--dead-after", "--shuffle-buffer", "--checkpoint-every"},
       out,
       ""},
      {{"sae", "encode", "--model", model, "--data", acts, "--out", npy}, {"--batch"}, npy, npy},
      {{"sae", "eval", "--model", model, "--data", acts}, {"--batch"}, "", ""},
      {{"steer", "--model", model, "--data", acts, "--latent", "1", "--mode", "scale", "--value",
        "2", "--out", npy},
       {"--latent", "--value", "--report-rows", "--batch"},
       npy,
       npy},
      {{"synth", "sparse-linear", "--samples", "200", "--out", out},
       {"--samples", "--features", "--latents", "--active", "--rate", "--value-min", "--value-max",
        "--noise", "--max-coherence", "--seed"},
       out,
       ""},
      {{"synth", "selection-hierarchy", "--samples", "200", "--out", out},
       {"--concept-rate", "--fan-in-min", "--fan-in-max", "--selection-min-active",
        "--selection-strength"},
       out,
       ""},
      {{"synth", "discrete-hierarchy", "--samples", "200", "--continuous", "--out", out},
       {"--latent-cardinality", "--observed-cardinality", "--dirichlet-alpha",
        "--min-singular-ratio", "--observed-per-leaf", "--max-parents", "--skip-probability",
        "--exogenous", "--separation"},
       out,
       ""},
      {{"synth", "linear-latent-hierarchy", "--samples", "200", "--out", out},
       {"--weight-low", "--weight-high", "--noise"},
       out,
       ""},
      {{"demo", "--out", out}, {"--samples", "--epochs"}, out, ""},
  };
  const std::vector<std::string> values = {"nan", "inf", "-inf", "-1", "1e39", "abc", ""};
  int probes = 0;
  for (const auto& t : targets) {
    for (const auto& option : t.options) {
      for (const auto& value : values) {
        if (!t.out.empty()) fs::remove_all(t.out);
        std::vector<std::string> args = t.args;
        args.push_back(option);
        args.push_back(value);
        const auto run = run_hilm(args);
        ++probes;
        INFO(args[0] << " " << args[1] << " " << option << " '" << value << "': exit "
                     << run.exit_code << ", " << run.err);
        CHECK(
            (run.exit_code == 0 || run.exit_code == 2 || run.exit_code == 3 || run.exit_code == 4));
        if (run.exit_code != 0) {
          CHECK(!run.err.empty());
          continue;
        }
        nlohmann::json j;
        REQUIRE_NOTHROW(j = nlohmann::json::parse(run.out));
        CHECK(bad_value(j, "", "") == "");
        if (!t.npy.empty()) CHECK(hilm::read_npy<double>(t.npy).allFinite());
      }
    }
  }
  CHECK(probes > 400);
}

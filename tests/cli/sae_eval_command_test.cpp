// `hilm sae eval`: SAEBench core sections on any data; with --truth, ground-truth scores that
// equal an independent recomputation from the saved decoder and truth (issue 17's acceptance
// line), and exit-3 errors naming the file for a bad truth directory.
#include <filesystem>
#include <string>
#include <vector>

#include <hilm/io/npy.hpp>
#include <hilm/sae/saelens.hpp>
#include <hilm/synth/synth_sae_bench.hpp>
#include <hilm/synth/synth_sae_bench_io.hpp>

#include <nlohmann/json.hpp>

#include "cli/run_cli.hpp"
#include "support/catch.hpp"
#include "support/sae_truth_reference.hpp"

using hilm::test::run_hilm;

namespace {

// A small SynthSAEBench truth with 3,000 samples and a TopK SAE trained on them, made once.
struct EvalFixture {
  hilm::test::TempDir dir;
  std::string truth, model, x;
  bool ok = false;
  std::string log;
  EvalFixture() {
    truth = dir.file("truth");
    model = dir.file("model");
    x = truth + "/x.npy";
    auto synth =
        run_hilm({"synth", "synth-sae-bench", "--out", truth, "--features", "256", "--hidden", "64",
                  "--orthogonalize-steps", "2", "--samples", "3000", "--seed", "3"});
    log = synth.err;
    if (synth.exit_code != 0) return;
    auto train =
        run_hilm({"sae", "train", "--data", x, "--arch", "topk", "--latents", "96", "--k", "12",
                  "--steps", "300", "--batch", "256", "--seed", "1", "--out", model});
    log += train.err;
    ok = train.exit_code == 0;
  }
};

EvalFixture& fixture() {
  static EvalFixture f;
  return f;
}

}  // namespace

TEST_CASE("cli: sae eval --truth equals an independent recomputation to 1e-6", "[cli][sae]") {
  EvalFixture& f = fixture();
  INFO(f.log);
  REQUIRE(f.ok);
  auto run = run_hilm(
      {"sae", "eval", "--model", f.model, "--truth", f.truth, "--data", f.x, "--batch", "700"});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const auto j = nlohmann::json::parse(run.out);
  // The DESIGN.md §3 fields stay at the top level; the SAEBench sections are present.
  for (const char* key : {"mse", "explained_variance", "l0", "dead_fraction", "elapsed_seconds"}) {
    CHECK(j.contains(key));
  }
  CHECK(j["eval_type_id"] == "core");
  const auto& sections = j["eval_result_metrics"];
  CHECK(sections["reconstruction_quality"].contains("cossim"));
  CHECK(sections["shrinkage"].contains("l2_ratio"));
  CHECK(sections["sparsity"].contains("l1"));
  CHECK(sections["misc_metrics"].contains("frac_alive"));
  CHECK(j["density_histogram"]["counts"].size() == 16);
  const auto& t = j["truth"];
  CHECK(t["rows"] == 3000);
  CHECK(t["latents"] == 96);
  CHECK(t["features"] == 256);
  CHECK(t["source"] == "data");

  // Independent recomputation from the saved files.
  const auto weights = hilm::load_sae<float>(f.model);
  const auto model = hilm::load_synth_sae_bench(f.truth);
  const hilm::RowMatrix<float> x = hilm::read_npy<float>(f.x);
  hilm::SynthSaeBenchSampler sampler(model, {.samples = 3000});
  hilm::RowMatrix<float> regenerated(3000, 64);
  hilm::SparseRowMatrix<float> codes;
  REQUIRE(sampler.read(regenerated, codes) == 3000);
  const hilm::test::SaeTruthReference ref = hilm::test::sae_truth_reference(
      weights, x, hilm::RowMatrix<float>(codes), model.feature_vectors, model.parents);
  const double tol = 1e-6;
  using Catch::Matchers::WithinAbs;
  CHECK_THAT(t["mcc"].get<double>(), WithinAbs(ref.mcc, tol));
  CHECK_THAT(t["uniqueness"].get<double>(), WithinAbs(ref.uniqueness, tol));
  CHECK_THAT(t["precision"].get<double>(), WithinAbs(ref.precision, tol));
  CHECK_THAT(t["recall"].get<double>(), WithinAbs(ref.recall, tol));
  CHECK_THAT(t["f1"].get<double>(), WithinAbs(ref.f1, tol));
  CHECK_THAT(t["accuracy"].get<double>(), WithinAbs(ref.accuracy, tol));
  CHECK_THAT(t["explained_variance"].get<double>(), WithinAbs(ref.explained_variance, tol));
  CHECK_THAT(t["l0"].get<double>(), WithinAbs(ref.l0, tol));
  CHECK_THAT(t["true_l0"].get<double>(), WithinAbs(ref.true_l0, tol));
  CHECK_THAT(t["shrinkage"].get<double>(), WithinAbs(ref.shrinkage, tol));
  CHECK(t["dead_latents"].get<hilm::Index>() == ref.dead_latents);
  CHECK_THAT(t["absorption"].get<double>(), WithinAbs(ref.absorption, tol));
  CHECK(t["absorption_pairs"].get<hilm::Index>() == ref.absorption_pairs);
  CHECK_THAT(t["hierarchy_consistency"].get<double>(), WithinAbs(ref.hierarchy_consistency, tol));
  CHECK(t["hierarchy_pairs"].get<hilm::Index>() == ref.hierarchy_pairs);
  CHECK_THAT(j["mse"].get<double>(), WithinAbs(ref.mse, tol));
  CHECK_THAT(sections["reconstruction_quality"]["cossim"].get<double>(),
             WithinAbs(ref.cossim, tol));
  CHECK_THAT(sections["shrinkage"]["l2_ratio"].get<double>(), WithinAbs(ref.l2_ratio, tol));
  CHECK_THAT(sections["sparsity"]["l1"].get<double>(), WithinAbs(ref.l1, tol));
  // A trained model is informative: far above a random dictionary's MCC.
  CHECK(ref.mcc > 0.5);
  CHECK(ref.absorption_pairs > 0);

  // Streaming fresh rows from the truth (no --data) reports the same fields.
  auto streamed =
      run_hilm({"sae", "eval", "--model", f.model, "--truth", f.truth, "--samples", "2000"});
  INFO(streamed.err);
  REQUIRE(streamed.exit_code == 0);
  const auto s = nlohmann::json::parse(streamed.out);
  CHECK(s["truth"]["rows"] == 2000);
  CHECK(s["truth"]["source"] == "sampler");
  CHECK(s["truth"]["mcc"] == t["mcc"]);  // decoder-only: the same whatever the rows

  // Without --truth: the core metrics alone.
  auto plain = run_hilm({"sae", "eval", "--model", f.model, "--data", f.x});
  REQUIRE(plain.exit_code == 0);
  const auto p = nlohmann::json::parse(plain.out);
  CHECK_FALSE(p.contains("truth"));
  CHECK(p["eval_result_metrics"]["sparsity"]["l0"] == p["l0"]);
  CHECK_THAT(p["mse"].get<double>(), WithinAbs(ref.mse, tol));
}

TEST_CASE("cli: sae eval --truth refuses a bad truth directory or mismatched data", "[cli][sae]") {
  EvalFixture& f = fixture();
  INFO(f.log);
  REQUIRE(f.ok);
  hilm::test::TempDir dir;
  auto eval = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"sae", "eval", "--model", f.model};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_hilm(args);
  };
  auto run = eval({"--truth", dir.file("nowhere")});
  CHECK(run.exit_code == 3);
  CHECK(run.err.find("nowhere") != std::string::npos);

  // A copy of the truth without parents.npy.
  const std::string broken = dir.file("broken");
  std::filesystem::copy(f.truth, broken);
  std::filesystem::remove(broken + "/parents.npy");
  run = eval({"--truth", broken, "--samples", "100"});
  CHECK(run.exit_code == 3);
  CHECK(run.err.find("parents.npy") != std::string::npos);

  // Data of the wrong width, and data that are not the truth's samples.
  hilm::write_npy(dir.file("narrow.npy"), hilm::RowMatrix<float>::Ones(10, 63));
  run = eval({"--truth", f.truth, "--data", dir.file("narrow.npy")});
  CHECK(run.exit_code == 3);
  CHECK(run.err.find("narrow.npy") != std::string::npos);
  hilm::write_npy(dir.file("other.npy"), hilm::RowMatrix<float>::Ones(10, 64));
  run = eval({"--truth", f.truth, "--data", dir.file("other.npy")});
  CHECK(run.exit_code == 3);
  CHECK(run.err.find("is not row 0") != std::string::npos);

  // Usage errors.
  CHECK(eval({}).exit_code == 2);
  CHECK(eval({"--truth", f.truth, "--data", f.x, "--samples", "10"}).exit_code == 2);
  CHECK(eval({"--data", f.x, "--samples", "10"}).exit_code == 2);
}

// `hilm sae encode` on models written by Python (SAELens and sparsify layouts) reproduces the
// numpy reference codes; `hilm sae eval` reports the contract's fields.
#include <cmath>
#include <filesystem>
#include <signal.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <hilm/io/npy.hpp>

#include <nlohmann/json.hpp>

#include "cli/run_cli.hpp"
#include "support/catch.hpp"
#include "support/files.hpp"
#include "support/generators.hpp"

using hilm::test::read_file;
using hilm::test::run_hilm;

TEST_CASE("cli: sae encode of Python-written models matches numpy", "[cli]") {
  const std::string data = HILM_TEST_DATA_DIR "/sae";
  hilm::test::TempDir dir;
  for (const char* model :
       {"saelens_topk", "saelens_standard", "saelens_jumprelu", "sparsify_topk"}) {
    const auto out = dir.file(std::string(model) + ".npy");
    auto run = run_hilm(
        {"sae", "encode", "--model", data + "/" + model, "--data", data + "/x.npy", "--out", out});
    INFO(model << ": " << run.err);
    REQUIRE(run.exit_code == 0);
    const auto codes = hilm::read_npy<double>(out);
    const auto expected = hilm::read_npy<double>(data + "/codes_" + model + ".npy");
    REQUIRE(codes.rows() == expected.rows());
    REQUIRE(codes.cols() == expected.cols());
    CHECK((codes - expected).cwiseAbs().maxCoeff() <=
          1e-5 * (1.0 + expected.cwiseAbs().maxCoeff()));
  }
  auto run =
      run_hilm({"sae", "eval", "--model", data + "/saelens_topk", "--data", data + "/x.npy"});
  REQUIRE(run.exit_code == 0);
  const auto j = nlohmann::json::parse(run.out);
  for (const char* key : {"mse", "explained_variance", "l0", "dead_fraction", "elapsed_seconds"}) {
    CHECK(j.contains(key));
  }
  // A model whose d_in differs from the data's is bad input (exit 3), naming both sizes.
  hilm::RowMatrix<float> narrow(5, 3);
  narrow.setOnes();
  const auto narrow_path = dir.file("narrow.npy");
  hilm::write_npy(narrow_path, narrow);
  run = run_hilm({"sae", "encode", "--model", data + "/saelens_topk", "--data", narrow_path,
                  "--out", dir.file("bad.npy")});
  CHECK(run.exit_code == 3);
  CHECK(run.err.find("16") != std::string::npos);
  CHECK(run.err.find('3') != std::string::npos);
}

TEST_CASE("cli: sae train reports completed passes, rows seen and a readable status", "[cli]") {
  hilm::test::TempDir dir;
  hilm::RowMatrix<float> x(1000, 6);
  for (hilm::Index i = 0; i < x.rows(); ++i)
    for (hilm::Index j = 0; j < x.cols(); ++j)
      x(i, j) = static_cast<float>(std::sin(0.1 * static_cast<double>(i * (j + 1))));
  const std::string data = dir.file("x.npy");
  hilm::write_npy(data, x);
  const auto run = run_hilm({"sae", "train", "--data", data, "--latents", "12", "--k", "2",
                             "--epochs", "2", "--batch", "100", "--out", dir.file("m")});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const auto j = nlohmann::json::parse(run.out);
  CHECK(j["status"] == "completed");
  CHECK(j["epochs"] == 2);
  CHECK(j["rows_seen"] == 2000);
  CHECK(j["rows_per_pass"] == 1000);
  CHECK(j["passes"].get<double>() == 2.0);
  CHECK(j["steps"] == 20);
  CHECK(j["resumed"] == false);
}

TEST_CASE("cli: a training run killed with SIGKILL resumes to byte-identical weights", "[cli]") {
  hilm::test::TempDir dir;
  const hilm::RowMatrix<float> x = hilm::test::grid_data(20000, 32).cast<float>();
  const std::string data = dir.file("x.npy");
  hilm::write_npy(data, x);
  // The kill must land mid-run: start with a run long enough to catch, lengthen it if the
  // machine finished before the first checkpoint could be seen.
  for (int steps = 3000;; steps *= 2) {
    INFO("steps " << steps);
    REQUIRE(steps <= 48000);
    const std::vector<std::string> args = {"sae",
                                           "train",
                                           "--data",
                                           data,
                                           "--latents",
                                           "96",
                                           "--k",
                                           "4",
                                           "--steps",
                                           std::to_string(steps),
                                           "--batch",
                                           "64",
                                           "--shuffle-buffer",
                                           "4096",
                                           "--seed",
                                           "7",
                                           "--checkpoint-every",
                                           "25"};
    const std::string whole = dir.file("whole" + std::to_string(steps));
    const std::string killed = dir.file("killed" + std::to_string(steps));
    std::vector<std::string> killed_args = args;
    killed_args.insert(killed_args.end(), {"--out", killed});
    const pid_t pid = hilm::test::spawn_hilm(killed_args);
    REQUIRE(pid > 0);
    const std::string checkpoint = killed + "/checkpoint.hilm";
    while (!std::filesystem::exists(checkpoint)) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) break;  // finished (or failed) first
      ::usleep(1000);
    }
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)) {
      REQUIRE(WIFEXITED(status));
      REQUIRE(WEXITSTATUS(status) == 0);
      continue;  // too fast to interrupt: try a longer run
    }
    REQUIRE(std::filesystem::exists(checkpoint));
    CHECK_FALSE(std::filesystem::exists(killed + "/sae_weights.safetensors"));

    std::vector<std::string> whole_args = args;
    whole_args.insert(whole_args.end(), {"--out", whole});
    const auto uninterrupted = run_hilm(whole_args);
    INFO(uninterrupted.err);
    REQUIRE(uninterrupted.exit_code == 0);
    // A flag that contradicts the checkpoint is refused, and the checkpoint survives it.
    const auto contradicting = run_hilm({"sae", "train", "--resume", killed, "--k", "5"});
    CHECK(contradicting.exit_code == 2);
    CHECK(contradicting.err.find("--k") != std::string::npos);
    REQUIRE(std::filesystem::exists(checkpoint));
    // Resume with the directory alone: the flags come from its checkpoint.json.
    const auto resumed = run_hilm({"sae", "train", "--resume", killed});
    INFO(resumed.err);
    REQUIRE(resumed.exit_code == 0);
    const auto j = nlohmann::json::parse(resumed.out);
    CHECK(j["resumed"] == true);
    CHECK(j["status"] == "completed");
    CHECK(j["steps"] == steps);
    const std::string weights_whole = read_file(whole + "/sae_weights.safetensors");
    REQUIRE(!weights_whole.empty());
    CHECK(read_file(killed + "/sae_weights.safetensors") == weights_whole);
    CHECK(read_file(killed + "/cfg.json") == read_file(whole + "/cfg.json"));
    // A completed run leaves no checkpoint behind.
    CHECK_FALSE(std::filesystem::exists(checkpoint));
    CHECK_FALSE(std::filesystem::exists(whole + "/checkpoint.hilm"));
    // Nothing is left to resume.
    const auto again = run_hilm({"sae", "train", "--resume", killed});
    CHECK(again.exit_code == 3);
    break;
  }
}

TEST_CASE("cli: --resume needs a directory holding a checkpoint", "[cli]") {
  hilm::test::TempDir dir;
  const std::string data = HILM_TEST_DATA_DIR "/sae/x.npy";
  const auto first =
      run_hilm({"sae", "train", "--data", data, "--latents", "8", "--k", "2", "--steps", "10",
                "--batch", "5", "--checkpoint-every", "3", "--out", dir.file("done")});
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  // The completed run removed its checkpoint: nothing to resume.
  CHECK_FALSE(std::filesystem::exists(dir.file("done") + "/checkpoint.hilm"));
  const auto no_checkpoint = run_hilm({"sae", "train", "--resume", dir.file("done")});
  CHECK(no_checkpoint.exit_code == 3);
  CHECK(no_checkpoint.err.find("checkpoint.hilm") != std::string::npos);
  const auto missing = run_hilm({"sae", "train", "--resume", dir.file("nowhere")});
  CHECK(missing.exit_code == 3);
  CHECK(missing.err.find("nowhere") != std::string::npos);
  // Without --resume, --data, --latents and --out are required.
  const auto bare = run_hilm({"sae", "train", "--latents", "8", "--out", dir.file("x")});
  CHECK(bare.exit_code == 2);
  CHECK(bare.err.find("--data") != std::string::npos);
}

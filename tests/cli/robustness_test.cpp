// Hostile input (issue 13): FIFOs, non-finite parameters and models, out-of-range options,
// degenerate data, failing outputs, mixed model directories and .safetensors data. Each case
// failed before the fix it guards: a hang, a signal, exit 0 with NaN/Inf in the result, a silently
// replaced value, a wrong exit code, or a file left behind.
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <sys/stat.h>
#include <vector>

#include <hilm/io/npy.hpp>
#include <hilm/io/safetensors.hpp>
#include <hilm/sae/saelens.hpp>

#include <nlohmann/json.hpp>

#include "cli/run_cli.hpp"
#include "support/catch.hpp"
#include "support/files.hpp"
#include "support/generators.hpp"

namespace fs = std::filesystem;
using hilm::Index;
using hilm::RowMatrix;
using hilm::test::CliRun;
using hilm::test::run_hilm;

namespace {

const std::string sae_fixtures = HILM_TEST_DATA_DIR "/sae";

bool mentions(const CliRun& run, const std::string& what) {
  return run.err.find(what) != std::string::npos;
}

using hilm::test::grid_data;
using hilm::test::write_exact_csv;

// A copy of the Python-written SAELens TopK fixture (16 → 40, k 5) that a test may modify.
std::string copy_model(const hilm::test::TempDir& dir, const std::string& name) {
  const std::string to = dir.file(name);
  fs::copy(sae_fixtures + "/saelens_topk", to, fs::copy_options::recursive);
  return to;
}

// Overwrites the first float32 of tensor `tensor` in a .safetensors file with `value`.
void poke_float(const std::string& file, const std::string& tensor, float value) {
  const auto st = hilm::SafetensorsFile::open(file);
  const auto& info = st.info(tensor);
  std::ifstream in(file, std::ios::binary);
  std::uint64_t header = 0;
  in.read(reinterpret_cast<char*>(&header), 8);
  in.close();
  std::fstream io(file, std::ios::binary | std::ios::in | std::ios::out);
  io.seekp(static_cast<std::streamoff>(8 + header + info.begin));
  io.write(reinterpret_cast<const char*>(&value), sizeof(value));
}

}  // namespace

TEST_CASE("cli robustness: a FIFO as input is refused at once, never read", "[cli]") {
  hilm::test::TempDir dir;
  const std::string fifo_csv = dir.file("fifo.csv");
  const std::string fifo_npy = dir.file("fifo.npy");
  REQUIRE(::mkfifo(fifo_csv.c_str(), 0600) == 0);
  REQUIRE(::mkfifo(fifo_npy.c_str(), 0600) == 0);
  const std::string csv = write_exact_csv(dir, "ok.csv", grid_data(50, 3));
  const std::vector<std::vector<std::string>> probes = {
      {"info", fifo_csv},
      {"info", fifo_npy},
      {"ci", "--data", fifo_csv, "--test", "fisherz", "--x", "0", "--y", "1"},
      {"ci", "--data", csv, "--test", "fisherz", "--queries", fifo_csv},
      {"sae", "train", "--data", fifo_npy, "--latents", "4", "--out", dir.file("m")},
      {"sae", "eval", "--model", sae_fixtures + "/saelens_topk", "--data", fifo_npy},
      {"nmf", "--data", fifo_csv, "--rank", "2", "--out", dir.file("nmf")},
      {"pc", "--data", fifo_csv, "--test", "fisherz", "--out", dir.file("g.json")},
  };
  for (const auto& args : probes) {
    const CliRun run = run_hilm(args);
    INFO(args[0] << " " << args[1] << ": " << run.err);
    CHECK(run.exit_code == 3);
    CHECK(mentions(run, "fifo."));
  }
  CHECK_FALSE(fs::exists(dir.file("m")));
  CHECK_FALSE(fs::exists(dir.file("nmf")));
}

TEST_CASE("cli robustness: non-finite and out-of-range parameters are usage errors", "[cli]") {
  hilm::test::TempDir dir;
  const std::string csv = write_exact_csv(dir, "d.csv", grid_data(200, 4));
  const std::string model = sae_fixtures + "/saelens_topk";
  const std::string x = sae_fixtures + "/x.npy";
  struct Probe {
    std::vector<std::string> args;
    std::string flag;  // named in the message
  };
  const std::vector<Probe> probes = {
      {{"rank", "--data", csv, "--a", "0", "--b", "1", "--alpha", "nan"}, "--alpha"},
      {{"rank", "--data", csv, "--a", "0", "--b", "1", "--alpha", "inf"}, "--alpha"},
      {{"rank", "--data", csv, "--a", "0", "--b", "1", "--alpha", "1.5"}, "--alpha"},
      {{"pc", "--data", csv, "--test", "fisherz", "--alpha", "nan", "--out", dir.file("g")},
       "--alpha"},
      {{"hierarchy", "--data", csv, "--alpha", "-0.1", "--out", dir.file("h")}, "--alpha"},
      {{"concepts", "--lower", csv, "--upper", csv, "--fdr", "nan", "--out", dir.file("c")},
       "--fdr"},
      {{"sae", "train", "--data", x, "--latents", "8", "--l1", "-1", "--out", dir.file("m1")},
       "--l1"},
      {{"sae", "train", "--data", x, "--latents", "8", "--l1", "nan", "--out", dir.file("m2")},
       "--l1"},
      {{"sae", "train", "--data", x, "--latents", "8", "--lr", "inf", "--out", dir.file("m3")},
       "--lr"},
      {{"sae", "train", "--data", x, "--latents", "0", "--out", dir.file("m4")}, "--latents"},
      {{"sae", "train", "--data", x, "--latents", "8", "--batch", "0", "--out", dir.file("m5")},
       "--batch"},
      {{"sae", "encode", "--model", model, "--data", x, "--batch", "0", "--out", dir.file("z")},
       "--batch"},
      {{"synth", "sparse-linear", "--samples", "-1", "--out", dir.file("s1")}, "--samples"},
      {{"synth", "sparse-linear", "--noise", "nan", "--out", dir.file("s2")}, "--noise"},
      {{"synth", "selection-hierarchy", "--concept-rate", "1.5", "--out", dir.file("s3")},
       "--concept-rate"},
      {{"nmf", "--data", csv, "--rank", "0", "--out", dir.file("n")}, "--rank"},
      {{"nmf", "--data", csv, "--rank", "2", "--tol", "nan", "--out", dir.file("n")}, "--tol"},
      {{"steer", "--model", model, "--data", x, "--latent", "0", "--mode", "add", "--value", "nan",
        "--out", dir.file("st.npy")},
       "--value"},
      {{"steer", "--model", model, "--data", x, "--latent", "0", "--mode", "add", "--value", "1e39",
        "--out", dir.file("st.npy")},
       "--value"},
      {{"ci", "--data", csv, "--test", "kci", "--x", "0", "--y", "1", "--null-samples", "0"},
       "--null-samples"},
      {{"ci", "--data", csv, "--test", "kci", "--x", "0", "--y", "1", "--degree", "-2"},
       "--degree"},
  };
  for (const auto& p : probes) {
    const CliRun run = run_hilm(p.args);
    INFO(p.args[0] << " " << p.flag << ": exit " << run.exit_code << ", " << run.err);
    CHECK(run.exit_code == 2);
    CHECK(mentions(run, p.flag));
    CHECK(run.out.empty());
  }
  // Nothing was created by a refused command.
  for (const char* name :
       {"g", "h", "c", "m1", "m2", "m3", "m4", "m5", "z", "s1", "s2", "s3", "n", "st.npy"}) {
    INFO(name);
    CHECK_FALSE(fs::exists(dir.file(name)));
  }
}

TEST_CASE("cli robustness: steering that overflows float32 is a numerical failure", "[cli]") {
  hilm::test::TempDir dir;
  // A large (finite) decoder weight times a large (finite) clamped code overflows float32.
  const std::string model = copy_model(dir, "large");
  poke_float(model + "/sae_weights.safetensors", "W_dec", 1e30f);
  const std::string out = dir.file("steered.npy");
  const CliRun run =
      run_hilm({"steer", "--model", model, "--data", sae_fixtures + "/x.npy", "--latent", "0",
                "--mode", "clamp", "--value", "1e20", "--out", out});
  INFO(run.err);
  CHECK(run.exit_code == 4);
  CHECK(mentions(run, "non-finite"));
  CHECK(run.out.empty());
  CHECK_FALSE(fs::exists(out));
  // The largest finite float32 value itself is accepted: the result stays finite here.
  const CliRun edge = run_hilm({"steer", "--model", sae_fixtures + "/saelens_topk", "--data",
                                sae_fixtures + "/x.npy", "--latent", "0", "--mode", "add",
                                "--value", "3.4e38", "--out", out});
  INFO(edge.err);
  CHECK(edge.exit_code == 0);
  CHECK(hilm::read_npy<double>(out).allFinite());
}

TEST_CASE("cli robustness: a model holding NaN or Inf is bad input", "[cli]") {
  hilm::test::TempDir dir;
  const std::string x = sae_fixtures + "/x.npy";
  for (const char* tensor : {"W_dec", "b_enc"}) {
    const std::string model = copy_model(dir, std::string("nan_") + tensor);
    poke_float(model + "/sae_weights.safetensors", tensor, std::numeric_limits<float>::quiet_NaN());
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"sae", "eval", "--model", model, "--data", x},
             {"sae", "encode", "--model", model, "--data", x, "--out", dir.file("z.npy")},
             {"steer", "--model", model, "--data", x, "--latent", "1", "--mode", "ablate", "--out",
              dir.file("s.npy")}}) {
      const CliRun run = run_hilm(args);
      INFO(tensor << " " << args[0] << " " << args[1] << ": " << run.err);
      CHECK(run.exit_code == 3);
      CHECK(mentions(run, "sae_weights.safetensors"));
      CHECK(mentions(run, tensor));
      CHECK(run.out.empty());
    }
  }
  CHECK_FALSE(fs::exists(dir.file("z.npy")));
  CHECK_FALSE(fs::exists(dir.file("s.npy")));
}

TEST_CASE("cli robustness: degenerate data are bad input naming the file", "[cli]") {
  hilm::test::TempDir dir;
  const std::string empty = dir.file("empty.npy");
  hilm::write_npy(empty, RowMatrix<float>(0, 16));
  const std::string two_rows = write_exact_csv(dir, "two.csv", grid_data(2, 3));
  const std::string queries_dir = dir.file("queries");
  fs::create_directory(queries_dir);
  const std::string csv = write_exact_csv(dir, "ok.csv", grid_data(100, 3));
  const std::vector<std::pair<std::vector<std::string>, std::string>> probes = {
      {{"sae", "train", "--data", empty, "--latents", "8", "--out", dir.file("m")}, empty},
      {{"sae", "eval", "--model", sae_fixtures + "/saelens_topk", "--data", empty}, empty},
      {{"ci", "--data", two_rows, "--test", "fisherz", "--x", "0", "--y", "1"}, two_rows},
      {{"ci", "--data", two_rows, "--test", "fisherz", "--x", "0", "--y", "1", "--z", "2"},
       two_rows},
      {{"ci", "--data", csv, "--test", "fisherz", "--queries", queries_dir}, queries_dir},
  };
  for (const auto& [args, file] : probes) {
    const CliRun run = run_hilm(args);
    INFO(args[0] << " " << args[1] << ": exit " << run.exit_code << ", " << run.err);
    CHECK(run.exit_code == 3);
    CHECK(mentions(run, file));
    CHECK(run.out.empty());
  }
  CHECK_FALSE(fs::exists(dir.file("m")));
}

TEST_CASE("cli robustness: a failing command leaves nothing new behind", "[cli]") {
  hilm::test::TempDir dir;
  // synth: the library refuses value_min > value_max after the output directory was planned.
  const std::string synth_out = dir.file("synth/deeper");
  CliRun run = run_hilm({"synth", "sparse-linear", "--samples", "100", "--value-min", "2",
                         "--value-max", "1", "--out", synth_out});
  INFO(run.err);
  CHECK(run.exit_code == 2);
  CHECK_FALSE(fs::exists(dir.file("synth")));
  // pc: an unwritable --dot or --svg fails the command before graph.json appears.
  const std::string csv = write_exact_csv(dir, "d.csv", grid_data(300, 4));
  for (const char* flag : {"--dot", "--svg"}) {
    const std::string graph = dir.file(std::string("graph") + flag + ".json");
    run = run_hilm({"pc", "--data", csv, "--test", "fisherz", "--out", graph, flag,
                    dir.file("missing-dir/graph.out")});
    INFO(flag << ": " << run.err);
    CHECK(run.exit_code == 3);
    CHECK(mentions(run, "missing-dir"));
    CHECK_FALSE(fs::exists(graph));
  }
  // nmf: negative data are refused after nothing was written.
  RowMatrix<double> negative = grid_data(20, 5);
  const std::string neg = write_exact_csv(dir, "neg.csv", negative);
  run = run_hilm({"nmf", "--data", neg, "--rank", "2", "--out", dir.file("nmf_out")});
  CHECK(run.exit_code == 3);
  CHECK_FALSE(fs::exists(dir.file("nmf_out")));
  // No temporary file is left in the working directories either.
  for (const auto& entry : fs::recursive_directory_iterator(dir.path())) {
    INFO(entry.path());
    CHECK(entry.path().filename().string().find("tmp") == std::string::npos);
  }
}

TEST_CASE("cli robustness: a model directory mixing two saves is refused", "[cli]") {
  hilm::test::TempDir dir;
  const std::string x = sae_fixtures + "/x.npy";
  auto train = [&](const std::string& out, const std::string& seed) {
    return run_hilm({"sae", "train", "--data", x, "--latents", "24", "--k", "4", "--steps", "20",
                     "--batch", "8", "--seed", seed, "--out", out});
  };
  const std::string a = dir.file("a");
  const std::string b = dir.file("b");
  REQUIRE(train(a, "1").exit_code == 0);
  REQUIRE(train(b, "2").exit_code == 0);
  REQUIRE(fs::exists(a + "/hilm_manifest.json"));
  CHECK(run_hilm({"sae", "eval", "--model", a, "--data", x}).exit_code == 0);

  // Retraining into an existing directory replaces the model and keeps unrelated files.
  {
    std::ofstream note(a + "/notes.txt");
    note << "mine\n";
  }
  REQUIRE(train(a, "3").exit_code == 0);
  CHECK(fs::exists(a + "/notes.txt"));
  CHECK(run_hilm({"sae", "eval", "--model", a, "--data", x}).exit_code == 0);

  // The state a kill between two renames leaves: b's weights beside a's cfg.json and manifest.
  fs::copy_file(b + "/sae_weights.safetensors", a + "/sae_weights.safetensors",
                fs::copy_options::overwrite_existing);
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"sae", "eval", "--model", a, "--data", x},
           {"sae", "encode", "--model", a, "--data", x, "--out", dir.file("z.npy")},
           {"steer", "--model", a, "--data", x, "--latent", "0", "--mode", "ablate", "--out",
            dir.file("s.npy")}}) {
    const CliRun run = run_hilm(args);
    INFO(args[1] << ": " << run.err);
    CHECK(run.exit_code == 3);
    CHECK(mentions(run, "inconsistent model directory"));
  }
  // With b's manifest too, the directory is model b again (cfg.json is the same for two models
  // of the same shape), and loads.
  fs::copy_file(b + "/hilm_manifest.json", a + "/hilm_manifest.json",
                fs::copy_options::overwrite_existing);
  CliRun run = run_hilm({"sae", "eval", "--model", a, "--data", x});
  REQUIRE(run.exit_code == 0);
  const CliRun eval_b = run_hilm({"sae", "eval", "--model", b, "--data", x});
  REQUIRE(eval_b.exit_code == 0);
  CHECK(nlohmann::json::parse(run.out)["mse"] == nlohmann::json::parse(eval_b.out)["mse"]);
  // A cfg.json edited by hand no longer matches the manifest:
  {
    std::ofstream cfg(a + "/cfg.json", std::ios::app);
    cfg << " ";
  }
  run = run_hilm({"sae", "eval", "--model", a, "--data", x});
  CHECK(run.exit_code == 3);
  CHECK(mentions(run, "cfg.json"));
  // Deleting the manifest accepts the files as they are (as for a directory written by Python).
  fs::remove(a + "/hilm_manifest.json");
  CHECK(run_hilm({"sae", "eval", "--model", a, "--data", x}).exit_code == 0);
}

TEST_CASE("cli robustness: .safetensors data are read, and --tensor picks one", "[cli]") {
  hilm::test::TempDir dir;
  const RowMatrix<double> x = grid_data(300, 4);
  const std::string csv = write_exact_csv(dir, "d.csv", x);
  const std::string one = dir.file("one.safetensors");
  {
    hilm::SafetensorsWriter w;
    w.add("acts", x);
    w.write(one);
  }
  const std::string many = dir.file("many.safetensors");
  {
    hilm::SafetensorsWriter w;
    w.add("layer0", x);
    w.add("layer1", RowMatrix<double>(x * 2.0));
    w.add_vector("bias", Eigen::VectorXd::Ones(4));
    w.write(many);
  }
  const std::vector<std::string> rank = {"rank", "--a", "0,1", "--b", "2,3"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = rank;
    args.insert(args.end(), extra.begin(), extra.end());
    return run_hilm(args);
  };
  const CliRun from_csv = with({"--data", csv});
  REQUIRE(from_csv.exit_code == 0);
  const auto expected = nlohmann::json::parse(from_csv.out);
  // One tensor: used directly.
  CliRun run = with({"--data", one});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(nlohmann::json::parse(run.out)["p_values"] == expected["p_values"]);
  // Several: --tensor is required, and the names are listed.
  run = with({"--data", many});
  CHECK(run.exit_code == 2);
  CHECK(mentions(run, "--tensor"));
  CHECK(mentions(run, "layer0"));
  CHECK(mentions(run, "layer1"));
  run = with({"--data", many, "--tensor", "layer0"});
  REQUIRE(run.exit_code == 0);
  CHECK(nlohmann::json::parse(run.out)["p_values"] == expected["p_values"]);
  run = with({"--data", many, "--tensor", "nope"});
  CHECK(run.exit_code == 2);
  CHECK(mentions(run, "layer1"));
  // A 1-d tensor is not a data matrix; --tensor on a CSV is a usage error.
  run = with({"--data", many, "--tensor", "bias"});
  CHECK(run.exit_code == 3);
  CHECK(mentions(run, "2 dimensions"));
  run = with({"--data", csv, "--tensor", "acts"});
  CHECK(run.exit_code == 2);
  // sae train streams it like any other data.
  run = run_hilm({"sae", "train", "--data", many, "--tensor", "layer1", "--latents", "8", "--k",
                  "2", "--steps", "5", "--batch", "32", "--out", dir.file("m")});
  INFO(run.err);
  CHECK(run.exit_code == 0);
  CHECK(fs::exists(dir.file("m") + "/sae_weights.safetensors"));
}

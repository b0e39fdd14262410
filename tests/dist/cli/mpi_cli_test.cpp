// `hilm nmf` and `hilm pc` under mpirun (tools/hilm/cli_mpi.hpp), against the same tool on one
// process: built only when the tool is built with HILM_WITH_MPI (tests/dist/dist.cmake). This
// executable is not an MPI program; it starts `mpirun -np N hilm …` and compares the outputs.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <hilm/core/random.hpp>
#include <hilm/io/npy.hpp>

#include <nlohmann/json.hpp>

#include "cli/run_cli.hpp"
#include "support/catch.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

namespace {

using hilm::Index;
using hilm::test::CliRun;

// `mpirun -np ranks hilm args…` (ranks 0: the tool alone), with a 120 s timeout: a hang is 124.
CliRun run_ranks(int ranks, const std::vector<std::string>& args) {
  std::vector<std::string> all;
  std::string prefix = "timeout 120 ";
  if (ranks > 0)
    prefix += hilm::test::shell_quote(HILM_MPIEXEC) + " -np " + std::to_string(ranks) +
              " --oversubscribe ";
  std::string cmd = prefix + hilm::test::shell_quote(HILM_CLI_PATH);
  for (const auto& a : args) cmd += " " + hilm::test::shell_quote(a);
  static hilm::test::TempDir scratch;
  static int counter = 0;
  const std::string err_file = scratch.file("stderr" + std::to_string(counter++));
  cmd += " 2>" + hilm::test::shell_quote(err_file);
  CliRun run;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) return run;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) run.out.append(buffer, n);
  const int status = ::pclose(pipe);
  if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  run.err = hilm::test::read_file(err_file);
  return run;
}

double relative_difference(const hilm::RowMatrix<double>& x, const hilm::RowMatrix<double>& y) {
  return (x - y).norm() / y.norm();
}

}  // namespace

TEST_CASE("mpi-cli: hilm nmf under mpirun writes the single-process factors", "[dist-cli]") {
  const hilm::test::TempDir dir;
  hilm::Random rng(hilm::test::seed(91));
  hilm::RowMatrix<double> w(57, 4), h(4, 43);
  for (Index i = 0; i < w.size(); ++i) w.data()[i] = rng.uniform() < 0.4 ? 0.0 : rng.uniform();
  for (Index i = 0; i < h.size(); ++i) h.data()[i] = rng.uniform() < 0.4 ? 0.0 : rng.uniform();
  hilm::RowMatrix<double> a = w * h;
  for (Index i = 0; i < a.size(); ++i) a.data()[i] += 0.01 * rng.uniform();
  const std::string data = dir.file("a.npy");
  hilm::write_npy(data, a);
  const std::vector<std::string> flags = {"nmf",    "--data",     data, "--rank", "4", "--init",
                                          "random", "--max-iter", "50", "--tol",  "0"};
  auto with_out = [&](const std::string& out) {
    std::vector<std::string> args = flags;
    args.insert(args.end(), {"--out", out});
    return args;
  };
  const CliRun single = run_ranks(0, with_out(dir.file("one")));
  REQUIRE(single.exit_code == 0);
  const auto w1 = hilm::read_npy<double>(dir.file("one") + "/W.npy");
  const auto h1 = hilm::read_npy<double>(dir.file("one") + "/H.npy");
  for (const int ranks : {2, 3, 4}) {
    INFO("ranks " << ranks << ": " << single.err);
    const std::string out = dir.file("ranks" + std::to_string(ranks));
    const CliRun run = run_ranks(ranks, with_out(out));
    REQUIRE(run.exit_code == 0);
    const auto j = nlohmann::json::parse(run.out);  // one JSON object: only rank 0 printed
    CHECK(j["ranks"] == ranks);
    CHECK(j["grid"][0].get<int>() * j["grid"][1].get<int>() == ranks);
    CHECK(std::abs(j["rel_error"].get<double>() -
                   nlohmann::json::parse(single.out)["rel_error"].get<double>()) < 1e-8);
    CHECK(relative_difference(hilm::read_npy<double>(out + "/W.npy"), w1) < 1e-8);
    CHECK(relative_difference(hilm::read_npy<double>(out + "/H.npy"), h1) < 1e-8);
  }
  // NNDSVD needs the whole matrix: a usage error on every rank, reported once.
  std::vector<std::string> nndsvd = with_out(dir.file("x"));
  nndsvd[6] = "nndsvda";
  const CliRun refused = run_ranks(2, nndsvd);
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("--init must be random") != std::string::npos);
  // A missing file: exit 3 on every rank, no hang.
  std::vector<std::string> missing = with_out(dir.file("y"));
  missing[2] = dir.file("missing.npy");
  const CliRun lost = run_ranks(3, missing);
  CHECK(lost.exit_code == 3);
  CHECK(lost.err.find("missing.npy") != std::string::npos);
}

TEST_CASE("mpi-cli: hilm pc under mpirun finds the single-process graph", "[dist-cli]") {
  const hilm::test::TempDir dir;
  hilm::Random rng(hilm::test::seed(92));
  const Index n = 2001;
  hilm::RowMatrix<double> gauss(n, 5), discrete(n, 5);
  for (Index i = 0; i < n; ++i) {
    const double x0 = rng.normal(), x1 = 0.8 * x0 + rng.normal(), x2 = rng.normal();
    gauss.row(i) << x0, x1, x2, 0.7 * x1 - 0.6 * x2 + rng.normal(), rng.normal();
    const int d0 = rng.uniform() < 0.5 ? 1 : 0;
    const int d1 = rng.uniform() < (d0 == 1 ? 0.85 : 0.15) ? 1 : 0;
    const int d2 = rng.uniform() < 0.5 ? 1 : 0;
    const int d3 = rng.uniform() < (d1 == 1 && d2 == 1 ? 0.9 : 0.1) ? 1 : 0;
    discrete.row(i) << d0, d1, d2, d3, static_cast<int>(rng.uniform() * 3.0);
  }
  hilm::write_npy(dir.file("gauss.npy"), gauss);
  hilm::write_npy(dir.file("discrete.npy"), discrete);
  for (const auto& [test, file] : {std::pair<std::string, std::string>{"fisherz", "gauss.npy"},
                                   {"gsq", "discrete.npy"},
                                   {"chisq", "discrete.npy"}}) {
    const std::string one = dir.file(test + "_one.json");
    const CliRun single =
        run_ranks(0, {"pc", "--data", dir.file(file), "--test", test, "--out", one});
    REQUIRE(single.exit_code == 0);
    const std::string expected = hilm::test::read_file(one);
    CHECK(nlohmann::json::parse(single.out)["edges"].get<int>() >= 3);  // not an empty graph
    for (const int ranks : {2, 4}) {
      INFO(test << " on " << ranks << " ranks");
      const std::string out = dir.file(test + "_" + std::to_string(ranks) + ".json");
      const CliRun run =
          run_ranks(ranks, {"pc", "--data", dir.file(file), "--test", test, "--out", out});
      REQUIRE(run.exit_code == 0);
      CHECK(hilm::test::read_file(out) == expected);
      const auto j = nlohmann::json::parse(run.out);
      CHECK(j["ranks"] == ranks);
      CHECK(j["tests_run"] == nlohmann::json::parse(single.out)["tests_run"]);
    }
  }
  // Commands that do not run distributed refuse more than one rank.
  const CliRun info = run_ranks(2, {"info", dir.file("gauss.npy")});
  CHECK(info.exit_code == 2);
  CHECK(info.err.find("runs on one process") != std::string::npos);
  const CliRun kci =
      run_ranks(2, {"pc", "--data", dir.file("gauss.npy"), "--test", "kci", "--out", "k.json"});
  CHECK(kci.exit_code == 2);
}

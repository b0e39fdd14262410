// `hilm sae encode` on models written by Python (SAELens and sparsify layouts) reproduces the
// numpy reference codes; `hilm sae eval` reports the contract's fields.
#include <hilm/io/npy.hpp>

#include <nlohmann/json.hpp>

#include "cli/run_cli.hpp"
#include "support/catch.hpp"

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
    const auto codes = hilm::io::read_npy<double>(out);
    const auto expected = hilm::io::read_npy<double>(data + "/codes_" + model + ".npy");
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
  hilm::io::write_npy(narrow_path, narrow);
  run = run_hilm({"sae", "encode", "--model", data + "/saelens_topk", "--data", narrow_path,
                  "--out", dir.file("bad.npy")});
  CHECK(run.exit_code == 3);
  CHECK(run.err.find("16") != std::string::npos);
  CHECK(run.err.find('3') != std::string::npos);
}

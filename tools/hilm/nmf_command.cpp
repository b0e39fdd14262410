// `hilm nmf --data X --rank R [--solver hals|anls|mu] [--loss frobenius|kl] [--max-iter N]
//           [--tol T] [--init nndsvda|nndsvd|random] [--seed N] --out DIR`
// Non-negative matrix factorisation X ≈ W diag(d) H (hilm::nmf, canonical form). Writes W.npy
// (m × k), d.npy (k) and H.npy (k × n) to DIR. JSON: rel_error, iterations, status, loss, solver,
// loss_name, rank. A negative entry exits 3 naming the first one (row-major order); a rank above
// min(m, n) exits 2. --loss kl selects the multiplicative updates unless --solver says otherwise
// (and --solver hals|anls with --loss kl is a usage error).
#include <filesystem>
#include <memory>
#include <string>

#include <hilm/io/npy.hpp>
#include <hilm/nmf/nmf.hpp>

#include "cli_common.hpp"

namespace hilm::cli {
namespace {

struct NmfArgs {
  DataInput data;
  Index rank = 0;
  std::string solver;
  std::string loss = "frobenius";
  int max_iter = 200;
  double tol = 1e-4;
  std::string init = "nndsvda";
  std::uint64_t seed = 0;
  std::string out;
};

/// Exit 3 naming the first negative entry, scanning samples (rows) in order.
void require_nonnegative_data(const RowMatrix<double>& x, const std::string& file) {
  for (Index i = 0; i < x.rows(); ++i) {
    for (Index j = 0; j < x.cols(); ++j) {
      if (x(i, j) < 0) {
        throw bad_input(file, "negative value " + std::to_string(x(i, j)) + " at row " +
                                  std::to_string(i) + ", column " + std::to_string(j) +
                                  " (NMF needs non-negative data)");
      }
    }
  }
}

void setup_nmf(CLI::App& root) {
  auto* cmd = root.add_subcommand("nmf", "Non-negative matrix factorisation X ≈ W diag(d) H");
  auto args = std::make_shared<NmfArgs>();
  add_data_option(cmd, args->data,
                  "data file (.npy, .safetensors or delimited text), non-negative");
  cmd->add_option("--rank", args->rank, "number of components k (1 ≤ k ≤ min(rows, columns))")
      ->required()
      ->check(integer_from(1));
  cmd->add_option("--solver", args->solver,
                  "hals (default for frobenius), anls (exact alternating NNLS), mu "
                  "(multiplicative updates; default for kl)")
      ->check(CLI::IsMember({"hals", "anls", "mu"}));
  cmd->add_option("--loss", args->loss, "frobenius (default) or kl (Kullback-Leibler)")
      ->check(CLI::IsMember({"frobenius", "kl"}));
  cmd->add_option("--max-iter", args->max_iter, "maximum outer iterations")
      ->check(integer_in(1, 100'000'000))
      ->capture_default_str();
  cmd->add_option("--tol", args->tol,
                  "stop when the relative decrease of the loss falls below this (default 1e-4; "
                  "0 runs all iterations)")
      ->check(real_in(0.0, 1.0, false, true));
  cmd->add_option("--init", args->init, "nndsvda (default), nndsvd or random")
      ->check(CLI::IsMember({"nndsvda", "nndsvd", "random"}));
  cmd->add_option("--seed", args->seed, "seed of the initialisation (default 0)");
  cmd->add_option("--out", args->out, "output directory for W.npy, d.npy, H.npy")->required();
  cmd->callback([args] {
    NmfOptions options;
    options.rank = args->rank;
    options.max_iterations = args->max_iter;
    options.tolerance = args->tol;
    options.seed = args->seed;
    options.init = args->init == "nndsvd"   ? NmfInit::Nndsvd
                   : args->init == "random" ? NmfInit::Random
                                            : NmfInit::Nndsvda;
    const bool kl = args->loss == "kl";
    std::string solver = args->solver.empty() ? (kl ? "mu" : "hals") : args->solver;
    if (kl && solver != "mu") {
      throw usage_error(
          "nmf: --loss kl needs --solver mu (hals and anls minimise the Frobenius "
          "loss)");
    }
    options.solver = solver == "mu"     ? NmfSolver::MultiplicativeUpdate
                     : solver == "anls" ? NmfSolver::AlternatingNnls
                                        : NmfSolver::Hals;
    options.beta = kl ? 1.0 : 2.0;
    options.progress = progress_bar("nmf");

    const RowMatrix<double> x = load_matrix(args->data);
    if (x.rows() == 0 || x.cols() == 0) {
      throw bad_input(args->data.path, "the data matrix is empty");
    }
    require_nonnegative_data(x, args->data.path);
    const Index limit = std::min(x.rows(), x.cols());
    if (args->rank < 1 || args->rank > limit) {
      throw usage_error("nmf: --rank must be between 1 and min(rows, columns) = " +
                        std::to_string(limit) + ", got " + std::to_string(args->rank));
    }
    OutputSet outputs;
    outputs.directory(args->out);
    const std::filesystem::path dir(args->out);
    const std::string w_path = outputs.file((dir / "W.npy").string());
    const std::string d_path = outputs.file((dir / "d.npy").string());
    const std::string h_path = outputs.file((dir / "H.npy").string());

    Stopwatch clock;
    const NmfResult<double> fit = nmf(x, options);
    const double elapsed = clock.seconds();
    if (!fit.usable()) throw numerical_failure("nmf: " + fit.message);

    write_result_npy(w_path, "nmf: W", fit.w);
    if (!fit.d.allFinite()) throw numerical_failure("nmf: the scales d are not finite");
    hilm::write_npy_vector(d_path, fit.d);
    write_result_npy(h_path, "nmf: H", fit.h);
    nlohmann::json j;
    j["rel_error"] = fit.relative_error;
    j["iterations"] = fit.iterations;
    j["status"] = std::string(to_string(fit.status));
    j["loss"] = fit.loss;
    j["loss_name"] = args->loss;
    j["solver"] = solver;
    j["rank"] = args->rank;
    j["shape"] = {x.rows(), x.cols()};
    finish(outputs, std::move(j), elapsed);
  });
}

[[maybe_unused]] const bool registered_nmf = register_command("nmf", &setup_nmf);

}  // namespace
}  // namespace hilm::cli

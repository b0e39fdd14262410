// `hilm nmf --data X --rank R [--solver hals|anls|mu] [--loss frobenius|kl] [--max-iter N]
//           [--tol T] [--init nndsvda|nndsvd|random] [--seed N] --out DIR`
// Non-negative matrix factorisation X ≈ W diag(d) H (hilm::nmf, canonical form). Writes W.npy
// (m × k), d.npy (k) and H.npy (k × n) to DIR. JSON: rel_error, iterations, status, loss, solver,
// loss_name, rank. A negative entry exits 3 naming the first one (row-major order); a rank above
// min(m, n) exits 2. --loss kl selects the multiplicative updates unless --solver says otherwise
// (and --solver hals|anls with --loss kl is a usage error).
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include <hilm/io/npy.hpp>
#include <hilm/nmf/nmf.hpp>

#include "cli_common.hpp"
#include "cli_mpi.hpp"

#if defined(HILM_CLI_MPI)
#include <hilm/dist/distributed_nmf.hpp>
#endif

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

#if defined(HILM_CLI_MPI)
/// `hilm nmf` under mpirun: distributed_nmf on the grid of ranks (docs/scale.md). Each rank reads
/// its block of the .npy; rank 0 gathers W and H and writes them.
void run_nmf_distributed(const NmfArgs& args, NmfOptions options, const std::string& solver) {
  const Communicator& comm = world();
  const std::string& path = args.data.path;
  if (options.solver == NmfSolver::MultiplicativeUpdate)
    throw usage_error(
        "nmf: under mpirun --solver is hals or anls (multiplicative updates are "
        "not distributed)");
  if (options.init != NmfInit::Random)
    throw usage_error(
        "nmf: under mpirun --init must be random (NNDSVD needs an SVD of the whole "
        "matrix)");
  if (std::filesystem::path(path).extension() != ".npy")
    throw usage_error("nmf: under mpirun --data must be a .npy file (each rank reads its block)");
  Index m = 0, n = 0;
  collective(comm, [&] {
    const NpyFileSource<double> file(path);
    m = file.size();
    n = file.dim();
  });
  if (m == 0 || n == 0) throw bad_input(path, "the data matrix is empty");
  const Index limit = std::min(m, n);
  if (args.rank > limit) {
    throw usage_error("nmf: --rank must be between 1 and min(rows, columns) = " +
                      std::to_string(limit) + ", got " + std::to_string(args.rank));
  }
  const NmfGrid grid = nmf_grid(comm, m, n);
  const Matrix<double> block = read_npy_block<double>(path, grid, comm);
  collective(comm, [&] {
    for (Index i = 0; i < block.rows(); ++i)
      for (Index j = 0; j < block.cols(); ++j)
        if (!(block(i, j) >= 0) || !std::isfinite(block(i, j)))
          throw io_error(path, "value " + std::to_string(block(i, j)) + " at row " +
                                   std::to_string(grid.a_rows.begin + i) + ", column " +
                                   std::to_string(grid.a_cols.begin + j) +
                                   " (NMF needs finite non-negative data)");
  });
  options.progress = {};
  Stopwatch clock;
  const DistributedNmfResult<double> fit = distributed_nmf(comm, grid, block, options);
  const double elapsed = comm.all_reduce_max(clock.seconds());
  const double communication = comm.all_reduce_max(fit.communication_seconds);
  if (fit.status == FitStatus::NumericalIssue) throw numerical_failure("nmf: " + fit.message);
  // Rows of W are owned in rank order; columns of H are put back in their global order.
  const RowMatrix<double> w = comm.all_gather_rows(RowMatrix<double>(fit.w));
  const Matrix<double> h_by_rank = comm.all_gather_columns(fit.h);
  RowMatrix<std::int64_t> mine(1, 2);
  mine << grid.h_cols.begin, grid.h_cols.size();
  const RowMatrix<std::int64_t> pieces = comm.all_gather_rows(mine);
  Matrix<double> h(h_by_rank.rows(), n);
  for (Index r = 0, offset = 0; r < pieces.rows(); offset += pieces(r, 1), ++r)
    h.middleCols(pieces(r, 0), pieces(r, 1)) = h_by_rank.middleCols(offset, pieces(r, 1));
  if (comm.rank() != 0) return;

  OutputSet outputs;
  outputs.directory(args.out);
  const std::filesystem::path dir(args.out);
  const std::string w_path = outputs.file((dir / "W.npy").string());
  const std::string d_path = outputs.file((dir / "d.npy").string());
  const std::string h_path = outputs.file((dir / "H.npy").string());
  write_result_npy(w_path, "nmf: W", w);
  if (!fit.d.allFinite()) throw numerical_failure("nmf: the scales d are not finite");
  hilm::write_npy_vector(d_path, fit.d);
  write_result_npy(h_path, "nmf: H", h);
  nlohmann::json j;
  j["rel_error"] = fit.relative_error;
  j["iterations"] = fit.iterations;
  j["status"] = std::string(to_string(fit.status));
  j["loss"] = fit.loss;
  j["loss_name"] = args.loss;
  j["solver"] = solver;
  j["rank"] = args.rank;
  j["shape"] = {m, n};
  j["ranks"] = comm.size();
  j["grid"] = {grid.rows, grid.cols};
  j["communication_seconds"] = communication;
  finish(outputs, std::move(j), elapsed);
}
#endif

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
#if defined(HILM_CLI_MPI)
    if (distributed()) {
      run_nmf_distributed(*args, options, solver);
      return;
    }
#endif

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

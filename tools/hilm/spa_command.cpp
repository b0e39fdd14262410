// `hilm spa --data X --rank R [--method spa|snpa] [--precondition]`
// Separable NMF: the R anchor columns of X (0-based, in selection order) by the successive
// projection algorithm (or SNPA), and how far X is from separable with respect to them.
// JSON: anchors, relative_residual (‖X − X(:,K) H‖_F / ‖X‖_F with H ≥ 0), max_column_residual,
// method. A negative entry exits 3 naming the first one; a rank above min(m, n) (SPA) or n (SNPA)
// exits 2.
#include <memory>
#include <string>

#include <hilm/nmf/separable.hpp>

#include "cli_common.hpp"

namespace hilm::cli {
namespace {

struct SpaArgs {
  DataInput data;
  Index rank = 0;
  std::string method = "spa";
  bool precondition = false;
};

void setup_spa(CLI::App& root) {
  auto* cmd = root.add_subcommand("spa", "Separable NMF: anchor columns by SPA or SNPA");
  auto args = std::make_shared<SpaArgs>();
  add_data_option(cmd, args->data,
                  "data file (.npy, .safetensors or delimited text), non-negative");
  cmd->add_option("--rank", args->rank, "number of anchors")->required()->check(integer_from(1));
  cmd->add_option("--method", args->method, "spa (default) or snpa (more robust to noise)")
      ->check(CLI::IsMember({"spa", "snpa"}));
  cmd->add_flag("--precondition", args->precondition,
                "whiten by the rank-R truncated SVD first (robust to ill-conditioning)");
  cmd->callback([args] {
    const RowMatrix<double> x = load_matrix(args->data);
    if (x.rows() == 0 || x.cols() == 0) {
      throw bad_input(args->data.path, "the data matrix is empty");
    }
    for (Index i = 0; i < x.rows(); ++i) {
      for (Index j = 0; j < x.cols(); ++j) {
        if (x(i, j) < 0) {
          throw bad_input(args->data.path, "negative value " + std::to_string(x(i, j)) +
                                               " at row " + std::to_string(i) + ", column " +
                                               std::to_string(j) +
                                               " (separable NMF needs non-negative data)");
        }
      }
    }
    const bool snpa = args->method == "snpa";
    const Index limit = snpa ? x.cols() : std::min(x.rows(), x.cols());
    if (args->rank < 1 || args->rank > limit) {
      throw usage_error(std::string("spa: --rank must be between 1 and ") +
                        (snpa ? "the number of columns = " : "min(rows, columns) = ") +
                        std::to_string(limit) + ", got " + std::to_string(args->rank));
    }
    Stopwatch clock;
    const auto fit = separable_nmf(
        x, SeparableOptions{.rank = args->rank,
                            .method = snpa ? SeparableMethod::Snpa : SeparableMethod::Spa,
                            .precondition = args->precondition});
    const double elapsed = clock.seconds();
    nlohmann::json j;
    j["anchors"] = fit.anchors;
    j["relative_residual"] = fit.report.relative_residual;
    j["max_column_residual"] = fit.report.max_column_residual;
    j["method"] = args->method;
    print_json(j, elapsed);
  });
}

[[maybe_unused]] const bool registered_spa = register_command("spa", &setup_spa);

}  // namespace
}  // namespace hilm::cli

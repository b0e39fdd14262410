// `hilm rank --data D --a I,J,... --b K,L,... [--discrete | --nonnegative] [--alpha A]`:
// canonical-correlation (Bartlett) test of the rank of Σ_AB, with --discrete the rank of the
// probability table P(A, B) through one-hot codes, with --nonnegative the non-negative rank of
// P(A, B) by latent-class likelihood-ratio tests (canonical_correlations is then empty). JSON: rank
// (estimated at level alpha), tested_ranks, p_values, statistics, dof (one entry per tested rank r:
// H0 "rank ≤ r"), canonical_correlations.
#include <memory>
#include <string>
#include <vector>

#include <hilm/stats/cca_rank.hpp>
#include <hilm/stats/nonnegative_rank.hpp>

#include "cli_common.hpp"

namespace hilm::cli {
namespace {

struct RankArgs {
  DataInput data;
  std::string a;
  std::string b;
  bool discrete = false;
  bool nonnegative = false;
  double alpha = 0.05;
};

void setup_rank(CLI::App& root) {
  auto* cmd = root.add_subcommand("rank", "Rank test of Σ_AB (CCA) or of P(A, B) (--discrete)");
  auto args = std::make_shared<RankArgs>();
  add_data_option(cmd, args->data,
                  "data file (.npy, .safetensors or delimited text; rows = samples)");
  cmd->add_option("--a", args->a, "columns of A, comma-separated (0-based)")->required();
  cmd->add_option("--b", args->b, "columns of B, comma-separated (0-based)")->required();
  auto* discrete =
      cmd->add_flag("--discrete", args->discrete, "test the rank of the probability table P(A, B)");
  cmd->add_flag("--nonnegative", args->nonnegative,
                "test the non-negative rank of P(A, B) (discrete data; latent-class LR tests)")
      ->excludes(discrete);
  cmd->add_option("--alpha", args->alpha, "level of the sequential tests")
      ->check(real_in(0.0, 1.0, true, true))
      ->capture_default_str();
  cmd->callback([args] {
    const RowMatrix<double> x = load_matrix(args->data);
    const auto a = parse_index_list(args->a, "--a", x.cols());
    const auto b = parse_index_list(args->b, "--b", x.cols());
    if (a.empty() || b.empty()) throw usage_error("rank: --a and --b must list columns");
    for (Index i : a)
      for (Index j : b)
        if (i == j)
          throw usage_error("rank: column " + std::to_string(i) + " is in both --a and --b");
    hilm::RankTestResult result;
    Stopwatch clock;
    try {
      if (args->nonnegative) {
        const hilm::NonnegativeRankTest test(x);
        clock = Stopwatch();
        result = test.test(a, b);
      } else if (args->discrete) {
        const hilm::DiscreteRankTest test(x);
        clock = Stopwatch();
        result = test.test(a, b);
      } else {
        const hilm::CcaRankTest test(x);
        clock = Stopwatch();
        result = test.test(a, b);
      }
    } catch (const hilm::invalid_argument& e) {
      throw bad_input(args->data.path, e.what());
    }
    const double elapsed = clock.seconds();
    nlohmann::json j;
    j["rank"] = result.estimated_rank(args->alpha);
    std::vector<Index> ranks;
    std::vector<double> p, stat, dof;
    for (const auto& h : result.hypotheses) {
      ranks.push_back(h.rank + result.rank_offset);
      p.push_back(h.p_value);
      stat.push_back(h.statistic);
      dof.push_back(h.dof);
    }
    j["tested_ranks"] = ranks;
    j["p_values"] = p;
    j["statistics"] = stat;
    j["dof"] = dof;
    j["canonical_correlations"] = std::vector<double>(
        result.canonical_correlations.data(),
        result.canonical_correlations.data() + result.canonical_correlations.size());
    j["alpha"] = args->alpha;
    j["discrete"] = args->discrete || args->nonnegative;
    j["nonnegative"] = args->nonnegative;
    print_json(std::move(j), elapsed);
  });
}

[[maybe_unused]] const bool registered_rank = register_command("rank", &setup_rank);

}  // namespace
}  // namespace hilm::cli

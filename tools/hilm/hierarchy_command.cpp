// `hilm hierarchy --data D --method rank|discrete [--alpha A] [--max-rank K] --out graph.json`:
// rank-based latent-hierarchy search (Huang et al. 2022 / RLCD). `rank` runs the CCA rank test
// on continuous data; `discrete` the probability-table rank test (one-hot codes) on
// integer-coded data. Writes graph.json (DESIGN.md §3); stdout JSON: latents (each with its
// children, rank, cardinality, level), rank_tests, nodes, edges, elapsed_seconds.
#include <memory>
#include <string>
#include <vector>

#include <hilm/graph/json.hpp>
#include <hilm/hierarchy/rank_search.hpp>

#include "cli_common.hpp"

namespace hilm::cli {
namespace {

struct HierarchyArgs {
  DataInput data;
  std::string method = "rank";
  std::string out;
  double alpha = 0.01;
  Index max_rank = 3;
};

void setup_hierarchy(CLI::App& root) {
  auto* cmd = root.add_subcommand(
      "hierarchy", "Latent-hierarchy search from rank deficiencies (Huang et al. 2022, RLCD)");
  auto args = std::make_shared<HierarchyArgs>();
  add_data_option(cmd, args->data,
                  "data file (.npy, .safetensors or delimited text; rows = samples)");
  cmd->add_option("--method", args->method,
                  "rank: CCA rank test (continuous); discrete: probability-table rank test")
      ->check(CLI::IsMember({"rank", "discrete"}));
  cmd->add_option("--alpha", args->alpha, "level of the rank tests")
      ->check(real_in(0.0, 1.0, true, true))
      ->capture_default_str();
  cmd->add_option("--max-rank", args->max_rank, "largest latent-cover dimension searched")
      ->check(integer_in(1, 16))
      ->capture_default_str();
  cmd->add_option("--out", args->out, "output graph.json")->required();
  cmd->callback([args] {
    std::vector<std::string> names;
    const RowMatrix<double> x = load_matrix(args->data, false, &names);
    if (x.cols() < 2) throw bad_input(args->data.path, "need at least 2 columns");
    OutputSet outputs;
    const std::string out_path = outputs.file(args->out);
    hilm::RankSearchOptions options;
    options.alpha = args->alpha;
    options.max_rank = args->max_rank;
    if (static_cast<Index>(names.size()) == x.cols()) options.names = names;
    options.progress = progress_bar("hierarchy");
    hilm::RankSearchResult result;
    double elapsed = 0;
    try {
      if (args->method == "discrete") {
        const auto oracle = hilm::CcaRankOracle::one_hot(x, args->alpha);
        Stopwatch clock;
        result = hilm::rank_search(oracle, options);
        elapsed = clock.seconds();
      } else {
        const auto oracle = hilm::CcaRankOracle::continuous(x, args->alpha);
        Stopwatch clock;
        result = hilm::rank_search(oracle, options);
        elapsed = clock.seconds();
      }
    } catch (const hilm::invalid_argument& e) {
      throw bad_input(args->data.path, e.what());
    } catch (const hilm::numerical_error& e) {
      throw numerical_failure(std::string("hierarchy: ") + e.what());
    }
    try {
      hilm::write_json(result.graph, out_path);
    } catch (const hilm::io_error& e) {
      throw bad_input(args->out, e.what());
    }
    nlohmann::json j;
    j["method"] = args->method;
    j["alpha"] = args->alpha;
    j["nodes"] = result.graph.size();
    j["observed"] = x.cols();
    j["edges"] = result.graph.num_edges();
    j["rank_tests"] = result.rank_tests;
    j["status"] = to_string(result.status);
    nlohmann::json latents = nlohmann::json::array();
    for (const auto& c : result.covers) {
      for (Index l : c.latents) {
        const auto& node = result.graph.node(l);
        nlohmann::json e;
        e["id"] = l;
        e["name"] = node.name;
        e["level"] = node.level;
        e["cardinality"] =
            node.cardinality > 0 ? nlohmann::json(node.cardinality) : nlohmann::json();
        e["children"] = c.children;
        e["cover_rank"] = c.rank;
        e["root"] = c.root;
        latents.push_back(std::move(e));
      }
    }
    j["latents"] = std::move(latents);
    j["out"] = args->out;
    finish(outputs, std::move(j), elapsed);
  });
}

[[maybe_unused]] const bool registered_hierarchy = register_command("hierarchy", &setup_hierarchy);

}  // namespace
}  // namespace hilm::cli

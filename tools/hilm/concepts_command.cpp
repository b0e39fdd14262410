// `hilm concepts --lower Z1.npy --upper Z2.npy [--alpha A] --out graph.json`: the concept graph
// between two levels of codes (include/hilm/hierarchy/concept_graph.hpp). graph.json: ids
// 0…L−1 the lower columns, L…L+U−1 the upper columns, an edge lower → upper per parent.
// JSON on stdout: per upper concept its parents with effect sizes and p-values, the fit of the
// chosen set and of the best set, the number of screened candidates.
#include <memory>
#include <string>
#include <vector>

#include <hilm/graph/json.hpp>
#include <hilm/hierarchy/concept_graph.hpp>

#include "cli_common.hpp"

namespace hilm::cli {
namespace {

struct ConceptsArgs {
  DataInput lower;
  DataInput upper;
  std::string out;
  double alpha = 0.01;
  double fdr = 0.05;
  double epsilon = 0.05;
  Index max_parents = 3;
  std::string selection = "epsilon";
  std::string fit = "cells";
};

void setup_concepts(CLI::App& root) {
  auto* cmd = root.add_subcommand(
      "concepts", "Parent sets of each upper column among lower columns (concept graph)");
  auto args = std::make_shared<ConceptsArgs>();
  cmd->add_option("--lower", args->lower.path,
                  "lower-level codes Z1 (n × L; .npy, .safetensors or delimited text)")
      ->required();
  cmd->add_option("--upper", args->upper.path, "upper-level codes Z2 (n × U, same rows)")
      ->required();
  cmd->add_option("--lower-tensor", args->lower.tensor,
                  "tensor of --lower when it is a .safetensors file holding several");
  cmd->add_option("--upper-tensor", args->upper.tensor,
                  "tensor of --upper when it is a .safetensors file holding several");
  cmd->add_option("--out", args->out, "output graph.json")->required();
  cmd->add_option("--alpha", args->alpha, "level of the confirmation CI tests")
      ->check(real_in(0.0, 1.0, true, true))
      ->capture_default_str();
  cmd->add_option("--fdr", args->fdr, "Benjamini–Hochberg level of the dependence screen")
      ->check(real_in(0.0, 1.0, true, false))
      ->capture_default_str();
  cmd->add_option("--epsilon", args->epsilon, "fit tolerance of minimality of effect")
      ->check(real_in(0.0, 1.0, false, true))
      ->capture_default_str();
  cmd->add_option("--max-parents", args->max_parents, "largest parent set searched")
      ->check(integer_in(1, 8))
      ->capture_default_str();
  cmd->add_option("--selection", args->selection, "epsilon | bic | pvalue")
      ->check(CLI::IsMember({"epsilon", "bic", "pvalue"}))
      ->capture_default_str();
  cmd->add_option("--fit", args->fit, "cells | linear")
      ->check(CLI::IsMember({"cells", "linear"}))
      ->capture_default_str();
  cmd->callback([args] {
    const RowMatrix<double> lower = load_matrix(args->lower);
    const RowMatrix<double> upper = load_matrix(args->upper);
    if (lower.rows() != upper.rows()) {
      throw bad_input(args->upper.path, "has " + std::to_string(upper.rows()) + " rows but " +
                                            args->lower.path + " has " +
                                            std::to_string(lower.rows()));
    }
    hilm::ConceptGraphOptions options;
    options.alpha = args->alpha;
    options.fdr = args->fdr;
    options.epsilon = args->epsilon;
    options.max_parents = args->max_parents;
    options.max_candidates = std::max<Index>(options.max_candidates, args->max_parents);
    options.selection = args->selection == "bic"      ? hilm::ParentSelection::Bic
                        : args->selection == "pvalue" ? hilm::ParentSelection::PValue
                                                      : hilm::ParentSelection::Epsilon;
    options.fit = args->fit == "linear" ? hilm::ParentFit::Linear : hilm::ParentFit::Cells;
    if (auto problem = options.validate()) throw usage_error(*problem);
    if (lower.rows() < std::max<Index>(10, options.max_candidates + 4)) {
      throw bad_input(args->lower.path,
                      "too few rows (" + std::to_string(lower.rows()) + ") for a concept graph");
    }
    OutputSet outputs;
    const std::string out_path = outputs.file(args->out);
    Stopwatch clock;
    hilm::ConceptGraphResult result;
    try {
      result = hilm::concept_graph(lower, upper, options);
    } catch (const hilm::invalid_argument& e) {
      throw bad_input(args->lower.path, e.what());  // codes the graph cannot use
    }
    const double elapsed = clock.seconds();
    try {
      hilm::write_json(result.graph, out_path);
    } catch (const hilm::io_error& e) {
      throw bad_input("", e.what());
    }
    nlohmann::json uppers = nlohmann::json::array();
    for (Index u = 0; u < result.upper; ++u) {
      const auto& r = result.uppers[static_cast<std::size_t>(u)];
      nlohmann::json parents = nlohmann::json::array();
      for (std::size_t t = 0; t < r.parents.size(); ++t) {
        parents.push_back({{"lower", r.parents[t]},
                           {"id", r.parents[t]},
                           {"effect", r.effects[t]},
                           {"p_value", r.p_values[t]}});
      }
      uppers.push_back({{"upper", u},
                        {"id", result.lower + u},
                        {"parents", parents},
                        {"fit", r.fit},
                        {"best_fit", r.best_fit},
                        {"screened", r.screened.size()}});
    }
    nlohmann::json j;
    j["lower"] = result.lower;
    j["upper"] = result.upper;
    j["edges"] = result.graph.num_edges();
    j["uppers"] = uppers;
    j["alpha"] = args->alpha;
    j["fdr"] = args->fdr;
    j["epsilon"] = args->epsilon;
    j["selection"] = args->selection;
    j["fit"] = args->fit;
    j["out"] = args->out;
    finish(outputs, std::move(j), elapsed);
  });
}

[[maybe_unused]] const bool registered = register_command("concepts", &setup_concepts);

}  // namespace
}  // namespace hilm::cli

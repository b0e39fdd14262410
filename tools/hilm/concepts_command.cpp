// `hilm concepts --lower Z1 --upper Z2 [--alpha A] --out graph.json`: the concept graph between
// two levels of codes. Two searches: the dense one (include/hilm/hierarchy/concept_graph.hpp,
// L × U tests on dense matrices) and the sparse one (hierarchy/sparse_concept_graph.hpp, only
// co-firing pairs, for SAE codes at real widths). `--method auto` takes the sparse search when an
// input is stored sparse (.npz, TopK .safetensors with indices/values) or when L·U exceeds
// 4,194,304 pairs (2048 × 2048: beyond it the dense screen's L × U and (L+U)² matrices and its
// O(n (L+U)²) time are impractical). graph.json: ids 0…L−1 the lower columns, L…L+U−1 the upper
// columns, an edge lower → upper per parent. JSON on stdout: per upper concept its parents with
// effect sizes and p-values, the fit of the chosen set and of the best set, the number of
// screened candidates; the sparse search adds its candidates and screen statistics.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <hilm/core/sparse_types.hpp>
#include <hilm/graph/json.hpp>
#include <hilm/hierarchy/concept_graph.hpp>
#include <hilm/hierarchy/sparse_concept_graph.hpp>
#include <hilm/io/safetensors.hpp>
#include <hilm/io/sparse_codes.hpp>

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
  Index max_candidates = 0;
  std::string selection = "epsilon";
  std::string fit = "cells";
  std::string method = "auto";
};

/// Pairs above which `--method auto` takes the sparse search for dense inputs.
constexpr Index dense_pair_limit = 2048 * 2048;

/// Codes of one level: dense (`.npy`, `.csv`, a named or single dense tensor) or sparse.
struct Codes {
  RowMatrix<double> dense;
  SparseRowMatrix<float> sparse;
  bool is_sparse = false;
  [[nodiscard]] Index rows() const { return is_sparse ? sparse.rows() : dense.rows(); }
  [[nodiscard]] Index cols() const { return is_sparse ? sparse.cols() : dense.cols(); }
};

bool ends_with(const std::string& s, const std::string& ext) {
  return s.size() >= ext.size() && s.compare(s.size() - ext.size(), ext.size(), ext) == 0;
}

Codes load_codes(const DataInput& input) {
  Codes c;
  try {
    bool sparse_file = ends_with(input.path, ".npz");
    if (!sparse_file && ends_with(input.path, ".safetensors") && input.tensor.empty()) {
      require_regular_file(input.path);
      const auto file = hilm::SafetensorsFile::open(input.path);
      sparse_file = file.contains("indices") && file.contains("values");
    }
    if (sparse_file) {
      require_regular_file(input.path);
      c.sparse = hilm::read_sparse_codes(input.path);
      c.is_sparse = true;
      return c;
    }
  } catch (const hilm::io_error& e) {
    throw bad_input("", e.what());
  }
  c.dense = load_matrix(input);
  return c;
}

void to_sparse(Codes& c) {
  if (c.is_sparse) return;
  c.sparse = c.dense.cast<float>().sparseView();
  c.dense.resize(0, 0);
  c.is_sparse = true;
}

void to_dense(Codes& c) {
  if (!c.is_sparse) return;
  c.dense = RowMatrix<double>(c.sparse.cast<double>());
  c.sparse = {};
  c.is_sparse = false;
}

nlohmann::json parent_json(Index lower, double effect, double p_value) {
  return {{"lower", lower}, {"id", lower}, {"effect", effect}, {"p_value", p_value}};
}

// The "uppers" array of the JSON: per upper concept its id, parents (with effect and p-value),
// fit and screen counts — the same for the dense and the sparse result (the sparse one also
// counts its candidates).
template <class Result>
nlohmann::json uppers_json(const Result& result, bool with_candidates) {
  nlohmann::json uppers = nlohmann::json::array();
  for (Index u = 0; u < result.upper; ++u) {
    const auto& r = result.uppers[static_cast<std::size_t>(u)];
    nlohmann::json parents = nlohmann::json::array();
    for (std::size_t t = 0; t < r.parents.size(); ++t) {
      parents.push_back(parent_json(r.parents[t], r.effects[t], r.p_values[t]));
    }
    nlohmann::json entry = {
        {"upper", u},   {"id", result.lower + u}, {"parents", parents},
        {"fit", r.fit}, {"best_fit", r.best_fit}, {"screened", r.screened.size()}};
    if (with_candidates) entry["candidates"] = r.candidates.size();
    uppers.push_back(std::move(entry));
  }
  return uppers;
}

nlohmann::json run_dense(const ConceptsArgs& args, const Codes& lower, const Codes& upper,
                         const std::string& out_path) {
  hilm::ConceptGraphOptions options;
  options.alpha = args.alpha;
  options.fdr = args.fdr;
  options.epsilon = args.epsilon;
  options.max_parents = args.max_parents;
  if (args.max_candidates > 0) options.max_candidates = args.max_candidates;
  options.max_candidates = std::max<Index>(options.max_candidates, args.max_parents);
  options.selection = args.selection == "bic"      ? hilm::ParentSelection::Bic
                      : args.selection == "pvalue" ? hilm::ParentSelection::PValue
                                                   : hilm::ParentSelection::Epsilon;
  options.fit = args.fit == "linear" ? hilm::ParentFit::Linear : hilm::ParentFit::Cells;
  if (auto problem = options.validate()) throw usage_error(*problem);
  if (lower.rows() < std::max<Index>(10, options.max_candidates + 4)) {
    throw bad_input(args.lower.path,
                    "too few rows (" + std::to_string(lower.rows()) + ") for a concept graph");
  }
  hilm::ConceptGraphResult result;
  try {
    result = hilm::concept_graph(lower.dense, upper.dense, options);
  } catch (const hilm::invalid_argument& e) {
    throw bad_input(args.lower.path, e.what());  // codes the graph cannot use
  }
  try {
    hilm::write_json(result.graph, out_path);
  } catch (const hilm::io_error& e) {
    throw bad_input("", e.what());
  }
  nlohmann::json j;
  j["lower"] = result.lower;
  j["upper"] = result.upper;
  j["edges"] = result.graph.num_edges();
  j["uppers"] = uppers_json(result, false);
  return j;
}

nlohmann::json run_sparse(const ConceptsArgs& args, const Codes& lower, const Codes& upper,
                          const std::string& out_path) {
  hilm::SparseConceptGraphOptions options;
  options.alpha = args.alpha;
  options.fdr = args.fdr;
  options.epsilon = args.epsilon;
  options.max_parents = args.max_parents;
  if (args.max_candidates > 0) options.max_candidates = args.max_candidates;
  options.max_candidates = std::max<Index>(options.max_candidates, args.max_parents);
  options.selection =
      args.selection == "bic" ? hilm::ParentSelection::Bic : hilm::ParentSelection::Epsilon;
  if (args.selection == "pvalue" || args.fit == "linear") {
    throw usage_error("--selection pvalue and --fit linear need the dense search (--method dense)");
  }
  if (auto problem = options.validate()) throw usage_error(*problem);
  auto screen_bar = progress_bar("concepts screen");
  auto parents_bar = progress_bar("concepts parents");
  if (screen_bar) {
    options.progress = [screen_bar, parents_bar](const hilm::Progress& p) {
      return p.stage == "screen" ? screen_bar(p) : parents_bar(p);
    };
  }
  hilm::SparseConceptGraphResult result;
  try {
    result = hilm::sparse_concept_graph(lower.sparse, upper.sparse, options);
  } catch (const hilm::invalid_argument& e) {
    throw bad_input(args.lower.path, e.what());
  }
  try {
    hilm::write_json(result, out_path);
  } catch (const hilm::io_error& e) {
    throw bad_input("", e.what());
  }
  nlohmann::json j;
  j["lower"] = result.lower;
  j["upper"] = result.upper;
  j["edges"] = result.edges.size();
  j["uppers"] = uppers_json(result, true);
  j["nonzeros_lower"] = lower.sparse.nonZeros();
  j["nonzeros_upper"] = upper.sparse.nonZeros();
  j["pairs_tested"] = result.pairs_tested;
  j["pairs_screened"] = result.pairs_screened;
  j["screen_threshold"] = result.screen_threshold;
  j["max_candidates"] = options.max_candidates;
  if (result.status == hilm::FitStatus::Cancelled) throw numerical_failure("concepts: cancelled");
  return j;
}

void setup_concepts(CLI::App& root) {
  auto* cmd = root.add_subcommand(
      "concepts", "Parent sets of each upper column among lower columns (concept graph)");
  auto args = std::make_shared<ConceptsArgs>();
  cmd->add_option("--lower", args->lower.path,
                  "lower-level codes Z1 (n × L; .npy, .npz (scipy.sparse), .safetensors (dense, "
                  "or TopK indices/values) or delimited text)")
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
  cmd->add_option("--max-parents", args->max_parents,
                  "largest parent set searched (sparse search: at most 6)")
      ->check(integer_in(1, 8))
      ->capture_default_str();
  cmd->add_option("--max-candidates", args->max_candidates,
                  "candidates per upper concept (0 = default: 20 dense, 12 sparse)")
      ->check(integer_in(0, 64))
      ->capture_default_str();
  cmd->add_option("--selection", args->selection, "epsilon | bic | pvalue (pvalue: dense only)")
      ->check(CLI::IsMember({"epsilon", "bic", "pvalue"}))
      ->capture_default_str();
  cmd->add_option("--fit", args->fit, "cells | linear (linear: dense only)")
      ->check(CLI::IsMember({"cells", "linear"}))
      ->capture_default_str();
  cmd->add_option("--method", args->method,
                  "auto | dense | sparse (auto: sparse for .npz / TopK inputs or L·U > 2048²)")
      ->check(CLI::IsMember({"auto", "dense", "sparse"}))
      ->capture_default_str();
  cmd->callback([args] {
    Codes lower = load_codes(args->lower);
    Codes upper = load_codes(args->upper);
    if (lower.rows() != upper.rows()) {
      throw bad_input(args->upper.path, "has " + std::to_string(upper.rows()) + " rows but " +
                                            args->lower.path + " has " +
                                            std::to_string(lower.rows()));
    }
    bool sparse = args->method == "sparse";
    if (args->method == "auto") {
      sparse = lower.is_sparse || upper.is_sparse || lower.cols() * upper.cols() > dense_pair_limit;
    }
    if (sparse) {
      to_sparse(lower);
      to_sparse(upper);
    } else {
      to_dense(lower);
      to_dense(upper);
    }
    OutputSet outputs;
    const std::string out_path = outputs.file(args->out);
    Stopwatch clock;
    nlohmann::json j = sparse ? run_sparse(*args, lower, upper, out_path)
                              : run_dense(*args, lower, upper, out_path);
    const double elapsed = clock.seconds();
    j["method"] = sparse ? "sparse" : "dense";
    j["alpha"] = args->alpha;
    j["fdr"] = args->fdr;
    j["epsilon"] = args->epsilon;
    j["selection"] = args->selection;
    j["fit"] = args->fit;
    j["out"] = args->out;
    finish(outputs, std::move(j), elapsed);
  });
}

[[maybe_unused]] const bool registered_concepts = register_command("concepts", &setup_concepts);

}  // namespace
}  // namespace hilm::cli

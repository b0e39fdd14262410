// `hilm pc`: the PC algorithm over a conditional-independence test (docs/graph.md).
//   hilm pc --data D --test fisherz|chisq|gsq|kci --alpha A [--stable|--original]
//           [--uc-rule 0|1|2] [--uc-priority -1..4] [--depth K] [--forbid a>b,...]
//           [--require a>b,...] [--causal-learn-rounding] --out graph.json [--dot F] [--svg F]
// Writes graph.json (DESIGN.md §3; nodes named after the data header when there is one) and
// prints one JSON object: nodes, edges, directed, undirected, bidirected, tests_run,
// depth_reached, status, out (+ dot, svg), elapsed_seconds (the search only).
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <hilm/graph/dot.hpp>
#include <hilm/graph/json.hpp>
#include <hilm/graph/pc.hpp>
#include <hilm/stats/causal_learn_rounding.hpp>
#include <hilm/stats/discrete.hpp>
#include <hilm/stats/fisher_z.hpp>
#include <hilm/stats/kci.hpp>

#include "cli_common.hpp"
#include "cli_mpi.hpp"
#include "render_svg.hpp"

#if defined(HILM_CLI_MPI)
#include <optional>

#include <hilm/dist/row_shard.hpp>
#include <hilm/dist/sharded_discrete.hpp>
#include <hilm/dist/sharded_stats.hpp>
#endif

namespace hilm::cli {
namespace {

struct PcArgs {
  DataInput data;
  std::string test;
  double alpha = 0.05;
  bool stable = true;
  int uc_rule = 0;      // causal-learn's code, converted to hilm::UcRule
  int uc_priority = 2;  // causal-learn's code, converted to hilm::UcPriority
  int depth = -1;
  std::string forbid;
  std::string require;
  bool rounding = false;
  std::string out;
  std::string dot;
  std::string svg;
};

// "0>3,2>1" → {(0, 3), (2, 1)}.
std::vector<std::pair<Index, Index>> parse_edges(const std::string& text, const std::string& flag,
                                                 Index p) {
  std::vector<std::pair<Index, Index>> out;
  std::stringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    if (item.empty()) continue;
    const auto gt = item.find('>');
    if (gt == std::string::npos) {
      throw usage_error(flag + ": expected pairs \"from>to\", got \"" + item + "\"");
    }
    const auto from = parse_index_list(item.substr(0, gt), flag, p);
    const auto to = parse_index_list(item.substr(gt + 1), flag, p);
    if (from.size() != 1 || to.size() != 1) {
      throw usage_error(flag + ": expected pairs \"from>to\", got \"" + item + "\"");
    }
    out.emplace_back(from[0], to[0]);
  }
  return out;
}

template <class Test>
hilm::PcResult run_pc(Test& test, const hilm::PcOptions& options) {
  // The options were validated before; what the search throws comes from the data.
  return hilm::pc(test, options);
}

#if defined(HILM_CLI_MPI)
using PcShard = ShardSource<NpyFileSource<double>>;

/// Under mpirun: this rank's rows of the .npy (hilm/dist/row_shard.hpp).
PcShard open_pc_shard(const PcArgs& a) {
  if (a.test == "kci")
    throw usage_error("pc: under mpirun --test is fisherz, chisq or gsq (KCI is not distributed)");
  if (std::filesystem::path(a.data.path).extension() != ".npy")
    throw usage_error("pc: under mpirun --data must be a .npy file (each rank reads its rows)");
  return open_npy_shard<double>(a.data.path, world());
}

/// Under mpirun: PC on the sufficient statistics of all ranks' rows — the correlation matrix
/// (Fisher-z) or contingency tables (χ², G²) reduced over the ranks; the same graph on every rank.
hilm::PcResult run_pc_distributed(const PcArgs& a, PcShard& shard, const hilm::PcOptions& o,
                                  Stopwatch& clock) {
  const Communicator& comm = world();
  if (a.test == "fisherz") {
    const CorrelationStats stats = distributed_correlation(comm, shard);
    hilm::FisherZTest test(stats.correlation, stats.sample_size);
    clock = Stopwatch();
    if (a.rounding) {
      hilm::CausalLearnRounding rounded(test);
      return run_pc(rounded, o);
    }
    return run_pc(test, o);
  }
  RowMatrix<double> rows(shard.size(), shard.dim());
  shard.rewind();
  for (Index done = 0; done < rows.rows();) {
    const Index got = shard.read(rows.bottomRows(rows.rows() - done));
    if (got <= 0) throw io_error(a.data.path, "ended before this rank's last row");
    done += got;
  }
  hilm::ShardedDiscreteCiTest test(comm, rows,
                                   {.statistic = a.test == "chisq" ? DiscreteStatistic::PearsonChi2
                                                                   : DiscreteStatistic::GSquare});
  clock = Stopwatch();
  return run_pc(test, o);
}
#endif

void setup_pc(CLI::App& root) {
  auto* cmd = root.add_subcommand("pc", "PC causal discovery; writes graph.json");
  auto a = std::make_shared<PcArgs>();
  add_data_option(cmd, a->data, "data file (.npy, .safetensors or delimited text; rows = samples)");
  cmd->add_option("--test", a->test, "fisherz, chisq, gsq or kci")
      ->required()
      ->check(CLI::IsMember({"fisherz", "chisq", "gsq", "kci"}));
  cmd->add_option("--alpha", a->alpha, "significance level")
      ->check(real_in(0.0, 1.0, true, true))
      ->capture_default_str();
  cmd->add_flag("--stable,!--original", a->stable,
                "order-independent skeleton (default) or PC's original one");
  cmd->add_option("--uc-rule", a->uc_rule,
                  "collider rule: 0 separating sets, 1 max-p, 2 definite max-p (default 0)")
      ->check(integer_in(0, 2));
  cmd->add_option("--uc-priority", a->uc_priority,
                  "conflicts: 0 overwrite, 1 bidirected, 2 keep existing, 3 stronger, 4 "
                  "stronger*, -1 rule default (default 2)")
      ->check(integer_in(-1, 4));
  cmd->add_option("--depth", a->depth, "largest conditioning-set size, -1 unlimited")
      ->check(integer_in(-1, 1000));
  cmd->add_option("--forbid", a->forbid, "forbidden edges \"from>to,...\" (0-based)");
  cmd->add_option("--require", a->require, "required edges \"from>to,...\" (0-based)");
  cmd->add_flag("--causal-learn-rounding", a->rounding,
                "fisherz: round p-values as causal-learn does (identical graphs with uc-rule 1/2)");
  cmd->add_option("--out", a->out, "output graph.json")->required();
  cmd->add_option("--dot", a->dot, "also write Graphviz DOT to this file");
  cmd->add_option("--svg", a->svg, "also render SVG with Graphviz `dot` when it is installed");
  cmd->callback([a] {
    if (a->rounding && a->test != "fisherz") {
      throw usage_error("pc: --causal-learn-rounding applies to --test fisherz only");
    }
    std::vector<std::string> names;
    RowMatrix<double> x;
    Index p = 0;
#if defined(HILM_CLI_MPI)
    std::optional<PcShard> shard;
    if (distributed()) {
      shard.emplace(open_pc_shard(*a));
      p = shard->dim();
    }
#endif
    if (!distributed()) {
      x = load_matrix(a->data, false, &names);
      p = x.cols();
    }
    hilm::PcOptions o;
    o.alpha = a->alpha;
    o.stable = a->stable;
    // The enumerators' values are the codes the flags take (checked to 0..2 and -1..4 above).
    o.uc_rule = static_cast<hilm::UcRule>(a->uc_rule);
    o.uc_priority = static_cast<hilm::UcPriority>(a->uc_priority);
    o.depth = a->depth;
    o.background.forbidden = parse_edges(a->forbid, "--forbid", p);
    o.background.required = parse_edges(a->require, "--require", p);
    if (auto problem = o.validate()) throw usage_error("pc: " + *problem);
    if (globals().progress) o.progress = progress_bar("pc");
    // Every output is staged (and its directory checked) before the search and moved into place
    // together at the end, so a failing --dot or --svg leaves no graph.json behind either.
    // Under mpirun rank 0 alone writes (and stages) the outputs.
    const bool writer = globals().rank == 0;
    OutputSet outputs;
    const std::string json_path = writer ? outputs.file(a->out) : std::string();
    const std::string dot_path = !writer || a->dot.empty() ? std::string() : outputs.file(a->dot);
    const std::string svg_path = !writer || a->svg.empty() ? std::string() : outputs.file(a->svg);

    hilm::PcResult result;
    Stopwatch clock;
    try {
      if (distributed()) {
#if defined(HILM_CLI_MPI)
        result = run_pc_distributed(*a, *shard, o, clock);
#endif
      } else if (a->test == "fisherz") {
        hilm::FisherZTest test(x);
        clock = Stopwatch();
        if (a->rounding) {
          hilm::CausalLearnRounding rounded(test);
          result = run_pc(rounded, o);
        } else {
          result = run_pc(test, o);
        }
      } else if (a->test == "chisq" || a->test == "gsq") {
        hilm::DiscreteCiTest test =
            a->test == "chisq" ? hilm::chi_square_test(x) : hilm::g_square_test(x);
        clock = Stopwatch();
        result = run_pc(test, o);
      } else {
        hilm::KciTest test(x, hilm::KciOptions{});
        clock = Stopwatch();
        result = run_pc(test, o);
      }
    } catch (const hilm::invalid_argument& e) {
      throw bad_input(a->data.path, e.what());  // data the test cannot use (constant column, ...)
    } catch (const hilm::numerical_error& e) {
      throw numerical_failure(std::string("pc: ") + e.what());
    }
    const double elapsed = clock.seconds();
    if (!writer) return;

    if (!names.empty() && static_cast<Index>(names.size()) == p) {
      for (Index i = 0; i < p; ++i) result.graph.node(i).name = names[static_cast<std::size_t>(i)];
    }
    bool svg_written = false;
    try {
      hilm::write_json(result.graph, json_path);
      if (!dot_path.empty()) hilm::write_dot(result.graph, dot_path);
      if (!svg_path.empty()) {
        // The SVG is rendered from a scratch DOT file when --dot is not given.
        std::string source = dot_path;
        std::string scratch;
        if (source.empty()) {
          scratch = outputs.file(a->svg + ".dot");
          hilm::write_dot(result.graph, scratch);
          source = scratch;
        }
        svg_written = render_svg(source, svg_path);
        if (!scratch.empty()) std::filesystem::remove(scratch);
      }
    } catch (const hilm::io_error& e) {
      throw bad_input("", e.what());
    }

    nlohmann::json j;
    j["nodes"] = p;
    Index directed = 0, undirected = 0, bidirected = 0;
    for (const auto& e : result.graph.edges()) {
      directed += e.mark == hilm::Mark::Directed ? 1 : 0;
      undirected += e.mark == hilm::Mark::Undirected ? 1 : 0;
      bidirected += e.mark == hilm::Mark::Bidirected ? 1 : 0;
    }
    j["edges"] = directed + undirected + bidirected;
    j["directed"] = directed;
    j["undirected"] = undirected;
    j["bidirected"] = bidirected;
    j["tests_run"] = result.tests_run;
    j["depth_reached"] = result.depth_reached;
    j["status"] = std::string(to_string(result.status));
    if (distributed()) j["ranks"] = globals().ranks;
    j["out"] = a->out;
    if (!a->dot.empty()) j["dot"] = a->dot;
    // Rendering needs Graphviz; without it the SVG is reported as null rather than failing.
    j["svg"] = svg_written ? nlohmann::json(a->svg) : nlohmann::json(nullptr);
    finish(outputs, std::move(j), elapsed);
  });
}

[[maybe_unused]] const bool registered_pc = register_command("pc", &setup_pc);

}  // namespace
}  // namespace hilm::cli

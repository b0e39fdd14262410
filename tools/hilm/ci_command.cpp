// `hilm ci`: one conditional-independence test, or many with --queries (one JSON line each).
//   hilm ci --data D --test fisherz|chisq|gsq|kci --x I --y J [--z K,L,...]
//   hilm ci --data D --test T --queries FILE      (lines "x y z1,z2,..."; '#' starts a comment)
// JSON: statistic, dof, p_value (plus x, y, z for --queries). docs/stats.md describes the tests.
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include <hilm/io/detail/npy_file.hpp>
#include <hilm/stats/discrete.hpp>
#include <hilm/stats/fisher_z.hpp>
#include <hilm/stats/kci.hpp>

#include "cli_common.hpp"

namespace hilm::cli {
namespace {

struct CiArgs {
  DataInput data;
  std::string test;
  Index x = -1;
  Index y = -1;
  std::string z;
  std::string queries;
  std::string dof = "adjusted";
  std::string kernel = "gaussian";
  std::string width = "empirical";
  double kernel_width = 0;
  int degree = 2;
  std::string null = "gamma";
  Index null_samples = 5000;
  std::uint64_t seed = 0;
};

using AnyTest = std::variant<hilm::FisherZTest, hilm::DiscreteCiTest, hilm::KciTest>;

AnyTest make_test(const CiArgs& a, const RowMatrix<double>& x) {
  try {
    if (a.test == "fisherz") return hilm::FisherZTest(x);
    if (a.test == "chisq" || a.test == "gsq") {
      hilm::DiscreteTestOptions o;
      o.statistic = a.test == "chisq" ? hilm::DiscreteStatistic::PearsonChi2
                                      : hilm::DiscreteStatistic::GSquare;
      o.dof = a.dof == "classic" ? hilm::DofConvention::Classic
              : a.dof == "pcalg" ? hilm::DofConvention::PcalgAdaptDf
                                 : hilm::DofConvention::Adjusted;
      return hilm::DiscreteCiTest(x, o);
    }
    hilm::KciOptions o;
    const auto kernel = a.kernel == "polynomial" ? hilm::KernelKind::Polynomial
                        : a.kernel == "linear"   ? hilm::KernelKind::Linear
                                                 : hilm::KernelKind::Gaussian;
    o.kernel_x = o.kernel_y = o.kernel_z = kernel;
    o.width = a.width == "median"   ? hilm::KciWidth::Median
              : a.width == "manual" ? hilm::KciWidth::Manual
                                    : hilm::KciWidth::Empirical;
    o.width_x = o.width_y = o.width_z = a.kernel_width;
    o.polynomial_degree = a.degree;
    o.null = a.null == "spectral" ? hilm::KciNull::Spectral : hilm::KciNull::Gamma;
    o.null_samples = a.null_samples;
    o.seed = a.seed;
    if (auto problem = o.validate()) throw usage_error(*problem);
    return hilm::KciTest(x, o);
  } catch (const hilm::invalid_argument& e) {
    // Data the test cannot use (constant column, non-integer value for a discrete test, ...).
    throw bad_input(a.data.path, e.what());
  }
}

CiResult run(const AnyTest& test, Index x, Index y, const std::vector<Index>& z,
             const std::string& data) {
  try {
    return std::visit([&](const auto& t) { return t.test(x, y, z); }, test);
  } catch (const hilm::invalid_argument& e) {
    // The test cannot use these data (too few rows for the conditioning set, ...): bad input.
    throw bad_input(data, e.what());
  }
}

nlohmann::json to_json(const CiResult& r) {
  nlohmann::json j;
  j["statistic"] = std::isfinite(r.statistic) ? nlohmann::json(r.statistic) : nlohmann::json("inf");
  j["dof"] = r.dof;
  j["p_value"] = r.p_value;
  return j;
}

void check_query(Index x, Index y, const std::vector<Index>& z, Index p, const std::string& where) {
  auto fail = [&](const std::string& what) { throw usage_error(where + what); };
  if (x < 0 || x >= p)
    fail("x = " + std::to_string(x) + " is out of range [0, " + std::to_string(p) + ")");
  if (y < 0 || y >= p)
    fail("y = " + std::to_string(y) + " is out of range [0, " + std::to_string(p) + ")");
  if (x == y) fail("x and y must differ");
  for (Index k : z)
    if (k == x || k == y) fail("the conditioning set contains x or y");
}

void setup_ci(CLI::App& root) {
  auto* cmd = root.add_subcommand(
      "ci", "Conditional-independence test X ⫫ Y | Z (JSON: statistic, dof, p_value)");
  auto a = std::make_shared<CiArgs>();
  add_data_option(cmd, a->data, "data file (.npy, .safetensors or delimited text; rows = samples)");
  cmd->add_option("--test", a->test, "fisherz, chisq, gsq or kci")
      ->required()
      ->check(CLI::IsMember({"fisherz", "chisq", "gsq", "kci"}));
  auto* ox = cmd->add_option("--x", a->x, "column of X (0-based)")->check(integer_from(0));
  auto* oy = cmd->add_option("--y", a->y, "column of Y (0-based)")->check(integer_from(0));
  cmd->add_option("--z", a->z, "conditioning columns, comma-separated");
  auto* oq = cmd->add_option("--queries", a->queries,
                             "file with one query a line: \"x y z1,z2,...\"; prints JSON lines");
  oq->excludes(ox)->excludes(oy);
  cmd->add_option("--dof", a->dof,
                  "chisq/gsq degrees of freedom: adjusted (causal-learn), classic (bnlearn), pcalg "
                  "(adaptDF)")
      ->check(CLI::IsMember({"adjusted", "classic", "pcalg"}));
  cmd->add_option("--kernel", a->kernel, "kci kernel: gaussian, polynomial, linear")
      ->check(CLI::IsMember({"gaussian", "polynomial", "linear"}));
  cmd->add_option("--width", a->width, "kci Gaussian width: empirical, median, manual")
      ->check(CLI::IsMember({"empirical", "median", "manual"}));
  cmd->add_option("--kernel-width", a->kernel_width, "kci σ for --width manual")
      ->check(positive_real());
  cmd->add_option("--degree", a->degree, "kci polynomial degree")
      ->check(integer_in(1, 32))
      ->capture_default_str();
  cmd->add_option("--null", a->null, "kci null: gamma (approximation) or spectral (simulated)")
      ->check(CLI::IsMember({"gamma", "spectral"}));
  cmd->add_option("--null-samples", a->null_samples, "kci draws of the simulated null (spectral)")
      ->check(integer_in(1, 100'000'000))
      ->capture_default_str();
  cmd->add_option("--seed", a->seed, "seed (kci spectral null, median subsample)");
  cmd->callback([a] {
    if (a->queries.empty() && (a->x < 0 || a->y < 0))
      throw usage_error("ci: give --x and --y, or --queries FILE");
    std::vector<std::string> names;
    const RowMatrix<double> x = load_matrix(a->data, false, &names);
    const Index p = x.cols();
    if (a->queries.empty()) {
      const auto z = parse_index_list(a->z, "--z", p);
      check_query(a->x, a->y, z, p, "ci: ");
      const AnyTest test = make_test(*a, x);
      Stopwatch clock;
      const CiResult r = run(test, a->x, a->y, z, a->data.path);
      print_json(to_json(r), clock.seconds());
      return;
    }
    require_regular_file(a->queries);
    std::istringstream in(hilm::detail::read_text_file(a->queries));
    struct Query {
      Index x, y;
      std::vector<Index> z;
    };
    std::vector<Query> queries;
    std::string line;
    for (std::size_t number = 1; std::getline(in, line); ++number) {
      if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
      std::istringstream fields(line);
      std::string sx, sy, sz, extra;
      if (!(fields >> sx)) continue;  // blank line
      const std::string where = a->queries + ": line " + std::to_string(number) + ": ";
      if (!(fields >> sy) || (fields >> sz && fields >> extra))
        throw bad_input(a->queries,
                        "line " + std::to_string(number) + ": expected \"x y [z1,z2,...]\"");
      Query q{};
      try {
        std::size_t used = 0;
        q.x = std::stol(sx, &used);
        if (used != sx.size()) throw std::invalid_argument(sx);
        q.y = std::stol(sy, &used);
        if (used != sy.size()) throw std::invalid_argument(sy);
      } catch (const std::logic_error&) {
        throw bad_input(a->queries,
                        "line " + std::to_string(number) + ": x and y must be integers");
      }
      try {
        q.z = parse_index_list(sz, "--queries", p);
      } catch (const usage_error& e) {
        throw usage_error(where + e.what());
      }
      check_query(q.x, q.y, q.z, p, where);
      queries.push_back(std::move(q));
    }
    if (queries.empty()) throw bad_input(a->queries, "holds no query (lines \"x y [z1,z2,...]\")");
    const AnyTest test = make_test(*a, x);
    for (const auto& q : queries) {
      Stopwatch clock;
      const CiResult r = run(test, q.x, q.y, q.z, a->data.path);
      nlohmann::json j = to_json(r);
      j["x"] = q.x;
      j["y"] = q.y;
      j["z"] = q.z;
      print_json(std::move(j), clock.seconds());
    }
  });
}

[[maybe_unused]] const bool registered_ci = register_command("ci", &setup_ci);

}  // namespace
}  // namespace hilm::cli

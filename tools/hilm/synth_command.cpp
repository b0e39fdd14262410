// `hilm synth KIND --out DIR [--seed N] [...]`: draws a synthetic data set with planted truth and
// writes its arrays as .npy files and the truth as truth.json into DIR (docs/synth.md lists every
// file and field). KIND: sparse-linear, selection-hierarchy, discrete-hierarchy,
// linear-latent-hierarchy, synth-sae-bench.
#include <bit>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <hilm/io/npy.hpp>
#include <hilm/io/npy_header.hpp>
#include <hilm/synth/discrete.hpp>
#include <hilm/synth/graph.hpp>
#include <hilm/synth/linear_sem.hpp>
#include <hilm/synth/selection_hierarchy.hpp>
#include <hilm/synth/sparse_linear.hpp>
#include <hilm/synth/synth_sae_bench.hpp>
#include <hilm/synth/synth_sae_bench_io.hpp>

#include "cli_common.hpp"

namespace hilm::cli {
namespace {

struct SynthArgs {
  std::string kind;
  std::string out;
  std::uint64_t seed = 0;
  Index samples = -1;  // -1: the kind's default
  std::string dtype = "float32";
  // sparse-linear
  Index features = -1;
  Index latents = 32;
  Index active = 3;
  double rate = 0;
  double value_min = 0.5, value_max = 1.5;
  double noise = 0;
  double max_coherence = 1;
  bool dense = false, gaussian_dense = false;
  // hierarchies
  std::string widths;
  Index fan_in_min = 2, fan_in_max = 3;
  bool disjoint = false;
  std::string function = "mixed", selection = "keep", observation = "linear";
  Index selection_min_active = 1;
  double selection_strength = 2;
  double concept_rate = 0.25;
  Index observed_per_leaf = -1;
  Index max_parents = 1;
  double skip_probability = 0;
  int latent_cardinality = 2, observed_cardinality = 3;
  double dirichlet_alpha = 1, min_singular_ratio = 0.05;
  bool continuous = false;
  Index exogenous = 2;
  double separation = 3;
  double weight_low = -10, weight_high = 10;
  bool random_sign = false;
  std::string noise_distribution = "gaussian";
  // synth-sae-bench
  Index hidden = 768;
  int orthogonalize_steps = 100;
  CLI::Option* seed_option = nullptr;  // to tell an explicit --seed from the default
  OutputSet* outputs = nullptr;        // where the files are staged (set by the callback)
};

std::vector<Index> parse_widths(const std::string& text, std::vector<Index> fallback) {
  if (text.empty()) return fallback;
  auto list = parse_index_list(text, "--widths");
  for (const Index w : list) {
    if (w < 1) throw usage_error("--widths: every level needs at least one node");
  }
  return list;
}

/// The staged (temporary) path of output file `name` in --out.
std::string path_in(const SynthArgs& a, const std::string& name) {
  return a.outputs->file(a.out + "/" + name);
}

/// Writes a real matrix as float32 or float64 according to --dtype.
template <class Derived>
void write_real(const SynthArgs& a, const std::string& name, const Eigen::MatrixBase<Derived>& m,
                nlohmann::json& files) {
  const std::string path = path_in(a, name);
  if (a.dtype == "float64") {
    write_result_npy(path, "synth: " + name, RowMatrix<double>(m.template cast<double>()));
  } else {
    write_result_npy(path, "synth: " + name, RowMatrix<float>(m.template cast<float>()));
  }
  files.push_back(name);
}

template <class Derived>
void write_exact(const SynthArgs& a, const std::string& name, const Eigen::MatrixBase<Derived>& m,
                 nlohmann::json& files) {
  hilm::write_npy(path_in(a, name), m);
  files.push_back(name);
}

/// graph.json layout of DESIGN.md §3 (observed nodes named X1…, latents L1…), written by the
/// library's one graph.json writer and embedded in truth.json.
nlohmann::json graph_json(const hilm::SynthGraph& g) {
  return nlohmann::json::parse(hilm::to_json(g));
}

nlohmann::json matrix_json(const Matrix<double>& m) {
  nlohmann::json rows = nlohmann::json::array();
  for (Index i = 0; i < m.rows(); ++i) {
    nlohmann::json row = nlohmann::json::array();
    for (Index j = 0; j < m.cols(); ++j) row.push_back(m(i, j));
    rows.push_back(row);
  }
  return rows;
}

void write_mlp(const SynthArgs& a, const hilm::InjectiveMlp& g, nlohmann::json& truth,
               nlohmann::json& files) {
  nlohmann::json layers = nlohmann::json::array();
  for (std::size_t l = 0; l < g.weights.size(); ++l) {
    const std::string w = "mlp_w" + std::to_string(l) + ".npy";
    const std::string b = "mlp_b" + std::to_string(l) + ".npy";
    write_exact(a, w, RowMatrix<double>(g.weights[l]), files);
    write_exact(a, b, RowMatrix<double>(g.biases[l]), files);
    layers.push_back({{"weight", w}, {"bias", b}});
  }
  truth["mlp"] = {{"layers", layers}, {"slope", g.slope}, {"activation_after_last", false}};
}

double run_sparse_linear(const SynthArgs& a, nlohmann::json& truth, nlohmann::json& files) {
  hilm::SparseLinearOptions o{.samples = a.samples < 0 ? 50000 : a.samples,
                              .features = a.features < 0 ? 64 : a.features,
                              .latents = a.latents,
                              .active = a.active,
                              .rate = a.rate,
                              .value_min = a.value_min,
                              .value_max = a.value_max,
                              .noise = a.noise,
                              .max_coherence = a.max_coherence,
                              .dense = a.dense,
                              .gaussian_dense = a.gaussian_dense,
                              .seed = a.seed};
  Stopwatch clock;
  const auto data = hilm::sparse_linear<double>(o);
  const double elapsed = clock.seconds();
  write_real(a, "x.npy", data.x, files);
  write_real(a, "codes.npy", data.codes, files);
  write_real(a, "atoms.npy", data.atoms, files);
  truth["options"] = {{"samples", o.samples},
                      {"features", o.features},
                      {"latents", o.latents},
                      {"active", o.active},
                      {"rate", o.rate},
                      {"value_min", o.value_min},
                      {"value_max", o.value_max},
                      {"noise", o.noise},
                      {"max_coherence", o.max_coherence},
                      {"dense", o.dense},
                      {"gaussian_dense", o.gaussian_dense}};
  truth["coherence"] = data.coherence;
  return elapsed;
}

double run_selection(const SynthArgs& a, nlohmann::json& truth, nlohmann::json& files) {
  hilm::SelectionHierarchyOptions o;
  o.samples = a.samples < 0 ? 10000 : a.samples;
  o.widths = parse_widths(a.widths, {20, 6});
  o.fan_in_min = a.fan_in_min;
  o.fan_in_max = a.fan_in_max;
  o.disjoint_parents = a.disjoint;
  o.function = a.function == "and"         ? hilm::ConceptFunction::And
               : a.function == "or"        ? hilm::ConceptFunction::Or
               : a.function == "threshold" ? hilm::ConceptFunction::Threshold
                                           : hilm::ConceptFunction::Mixed;
  o.rate = a.concept_rate;
  o.value_min = a.value_min;
  o.value_max = a.value_max;
  o.selection = a.selection == "none"     ? hilm::Selection::None
                : a.selection == "weight" ? hilm::Selection::Weight
                                          : hilm::Selection::Keep;
  o.selection_min_active = a.selection_min_active;
  o.selection_strength = a.selection_strength;
  o.observation = a.observation == "mlp" ? hilm::Observation::Mlp : hilm::Observation::Linear;
  o.features = a.features < 0 ? 64 : a.features;
  o.noise = a.noise;
  o.seed = a.seed;
  Stopwatch clock;
  const auto data = hilm::selection_hierarchy<double>(o);
  const double elapsed = clock.seconds();
  write_real(a, "x.npy", data.x, files);
  nlohmann::json levels = nlohmann::json::array();
  for (std::size_t l = 0; l < data.levels.size(); ++l) {
    const std::string name = "level" + std::to_string(l + 1) + ".npy";
    write_real(a, name, data.levels[l], files);
    levels.push_back(name);
  }
  truth["levels"] = levels;
  nlohmann::json parents = nlohmann::json::array(), functions = nlohmann::json::array(),
                 thresholds = nlohmann::json::array();
  for (std::size_t l = 0; l < data.parents.size(); ++l) {
    parents.push_back(data.parents[l]);
    nlohmann::json f = nlohmann::json::array();
    for (const auto fn : data.functions[l]) {
      f.push_back(fn == hilm::ConceptFunction::And  ? "and"
                  : fn == hilm::ConceptFunction::Or ? "or"
                                                    : "threshold");
    }
    functions.push_back(f);
    thresholds.push_back(data.thresholds[l]);
  }
  truth["parents"] = parents;
  truth["functions"] = functions;
  truth["thresholds"] = thresholds;
  truth["draws"] = data.draws;
  if (o.observation == hilm::Observation::Linear) {
    write_real(a, "atoms.npy", data.atoms, files);
  } else {
    write_mlp(a, data.g, truth, files);
  }
  truth["options"] = {{"samples", o.samples},
                      {"widths", o.widths},
                      {"fan_in_min", o.fan_in_min},
                      {"fan_in_max", o.fan_in_max},
                      {"disjoint_parents", o.disjoint_parents},
                      {"function", a.function},
                      {"rate", o.rate},
                      {"value_min", o.value_min},
                      {"value_max", o.value_max},
                      {"selection", a.selection},
                      {"selection_min_active", o.selection_min_active},
                      {"selection_strength", o.selection_strength},
                      {"observation", a.observation},
                      {"features", o.features},
                      {"noise", o.noise}};
  return elapsed;
}

hilm::HierarchyGraphOptions graph_options(const SynthArgs& a, std::vector<Index> widths,
                                          Index per_leaf) {
  return {.widths = parse_widths(a.widths, std::move(widths)),
          .observed_per_leaf = a.observed_per_leaf < 0 ? per_leaf : a.observed_per_leaf,
          .max_parents = a.max_parents,
          .skip_probability = a.skip_probability,
          .latent_cardinality = a.latent_cardinality,
          .observed_cardinality = a.observed_cardinality};
}

nlohmann::json graph_options_json(const hilm::HierarchyGraphOptions& g) {
  return {{"widths", g.widths},
          {"observed_per_leaf", g.observed_per_leaf},
          {"max_parents", g.max_parents},
          {"skip_probability", g.skip_probability}};
}

double run_discrete(const SynthArgs& a, nlohmann::json& truth, nlohmann::json& files) {
  hilm::DiscreteHierarchyOptions o;
  o.samples = a.samples < 0 ? 10000 : a.samples;
  o.graph = graph_options(a, {2, 6}, 2);
  o.cpts.dirichlet_alpha = a.dirichlet_alpha;
  o.cpts.min_singular_ratio = a.min_singular_ratio;
  o.observation.enabled = a.continuous;
  o.observation.features = a.features < 0 ? 10 : a.features;
  o.observation.exogenous = a.exogenous;
  o.observation.separation = a.separation;
  o.observation.noise = a.noise;
  o.seed = a.seed;
  Stopwatch clock;
  const auto data = hilm::discrete_hierarchy<double>(o);
  const double elapsed = clock.seconds();
  const auto& g = data.model.graph;
  const auto p = static_cast<Index>(g.observed_nodes().size());
  write_exact(a, "data.npy", RowMatrix<std::int32_t>(data.values.leftCols(p)), files);
  write_exact(a, "values.npy", RowMatrix<std::int32_t>(data.values), files);
  if (a.continuous) {
    write_real(a, "x.npy", data.x, files);
    write_real(a, "c.npy", data.exogenous, files);
    write_mlp(a, data.g, truth, files);
    truth["separation"] = o.observation.separation;
  }
  truth["graph"] = graph_json(g);
  nlohmann::json cpts = nlohmann::json::array();
  for (Index v = 0; v < g.nodes; ++v) {
    cpts.push_back({{"node", v},
                    {"parents", g.parents(v)},
                    {"table", matrix_json(data.model.cpt[static_cast<std::size_t>(v)])}});
  }
  truth["cpts"] = cpts;
  truth["options"] = graph_options_json(o.graph);
  truth["options"]["samples"] = o.samples;
  truth["options"]["latent_cardinality"] = o.graph.latent_cardinality;
  truth["options"]["observed_cardinality"] = o.graph.observed_cardinality;
  truth["options"]["dirichlet_alpha"] = o.cpts.dirichlet_alpha;
  truth["options"]["min_singular_ratio"] = o.cpts.min_singular_ratio;
  truth["options"]["continuous"] = a.continuous;
  return elapsed;
}

double run_linear(const SynthArgs& a, nlohmann::json& truth, nlohmann::json& files) {
  hilm::LinearLatentHierarchyOptions o;
  o.graph = graph_options(a, {2, 4}, 3);
  o.sem.samples = a.samples < 0 ? 5000 : a.samples;
  o.sem.weight_low = a.weight_low;
  o.sem.weight_high = a.weight_high;
  o.sem.random_sign = a.random_sign;
  o.sem.noise = a.noise_distribution == "uniform"       ? hilm::NoiseDistribution::Uniform
                : a.noise_distribution == "laplace"     ? hilm::NoiseDistribution::Laplace
                : a.noise_distribution == "exponential" ? hilm::NoiseDistribution::Exponential
                                                        : hilm::NoiseDistribution::Gaussian;
  o.sem.noise_scale = a.noise > 0 ? a.noise : 1.0;
  o.seed = a.seed;
  Stopwatch clock;
  const auto data = hilm::linear_latent_hierarchy<double>(o);
  const double elapsed = clock.seconds();
  write_real(a, "x.npy", data.x, files);
  write_real(a, "values.npy", data.values, files);
  write_exact(a, "weights.npy", RowMatrix<double>(data.weights), files);
  write_exact(a, "covariance.npy", RowMatrix<double>(data.covariance), files);
  truth["graph"] = graph_json(data.graph);
  truth["options"] = graph_options_json(o.graph);
  truth["options"]["samples"] = o.sem.samples;
  truth["options"]["weight_low"] = o.sem.weight_low;
  truth["options"]["weight_high"] = o.sem.weight_high;
  truth["options"]["random_sign"] = o.sem.random_sign;
  truth["options"]["noise_distribution"] = a.noise_distribution;
  truth["options"]["noise_scale"] = o.sem.noise_scale;
  return elapsed;
}

/// Streams `samples` rows of the sampler into `path` as a float32 .npy, `chunk` rows at a time,
/// so that the samples are never held in memory together. Rows are checked to be finite.
void write_samples_npy(const std::string& path, hilm::SynthSaeBenchSampler& sampler,
                       Index samples) {
  static_assert(std::endian::native == std::endian::little,
                "synth-sae-bench writes x.npy as little-endian float32 from memory");
  const Index shape[2] = {samples, sampler.dim()};
  const std::string header = hilm::make_npy_header(hilm::DType::Float32, shape);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw hilm::io_error(path, "cannot open for writing");
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  RowMatrix<float> chunk(std::min<Index>(std::max<Index>(samples, 1), 4096), sampler.dim());
  while (const Index rows = sampler.read(chunk)) {
    if (!chunk.topRows(rows).allFinite()) {
      throw numerical_failure("synth: x.npy: a sample is not finite");
    }
    out.write(reinterpret_cast<const char*>(chunk.data()),
              static_cast<std::streamsize>(rows * chunk.cols() * Index{sizeof(float)}));
  }
  out.flush();
  if (!out) throw hilm::io_error(path, "write failed");
}

double run_synth_sae_bench(const SynthArgs& a, nlohmann::json& truth, nlohmann::json& files) {
  hilm::SynthSaeBenchOptions o;
  if (a.features > 0) o.features = a.features;
  o.hidden = a.hidden;
  o.orthogonalize_steps = a.orthogonalize_steps;
  o.seed = a.seed_option != nullptr && a.seed_option->count() > 0 ? a.seed : 42;
  const Index samples = a.samples < 0 ? 0 : a.samples;
  Stopwatch clock;
  const auto model = hilm::make_synth_sae_bench(o);
  // The truth files and truth.json come from the library's writer, so that
  // hilm::load_synth_sae_bench (and hilm sae eval --truth) reads exactly what is written here.
  for (const std::string& name : hilm::save_synth_sae_bench_arrays(
           model, [&](const std::string& n) { return path_in(a, n); })) {
    files.push_back(name);
  }
  if (samples > 0) {
    hilm::SynthSaeBenchSampler sampler(model, {.samples = samples});
    write_samples_npy(path_in(a, "x.npy"), sampler, samples);
    files.push_back("x.npy");
  }
  const double elapsed = clock.seconds();
  truth.update(hilm::synth_sae_bench_truth_json(model, {}, samples));
  return elapsed;
}

void setup_synth(CLI::App& root) {
  auto* cmd = root.add_subcommand("synth", "Draw a synthetic data set with planted ground truth");
  auto a = std::make_shared<SynthArgs>();
  cmd->add_option("kind", a->kind,
                  "sparse-linear | selection-hierarchy | discrete-hierarchy | "
                  "linear-latent-hierarchy | synth-sae-bench")
      ->required()
      ->check(CLI::IsMember({"sparse-linear", "selection-hierarchy", "discrete-hierarchy",
                             "linear-latent-hierarchy", "synth-sae-bench"}));
  cmd->add_option("--out", a->out, "Output directory (created if missing)")->required();
  a->seed_option =
      cmd->add_option("--seed", a->seed, "Random seed (default 0; synth-sae-bench 42)");
  cmd->add_option("--samples", a->samples,
                  "Rows (defaults: 50000 sparse-linear, 10000 selection/discrete, 5000 linear, "
                  "0 synth-sae-bench = truth only)")
      ->check(integer_from(0));
  cmd->add_option("--dtype", a->dtype, "Real arrays as float32 (default) or float64")
      ->check(CLI::IsMember({"float32", "float64"}));
  cmd->add_option("--features", a->features,
                  "Width of x (defaults: 64 sparse-linear/selection, 10 discrete --continuous); "
                  "synth-sae-bench: ground-truth features (16384)")
      ->check(integer_from(1));
  cmd->add_option("--hidden", a->hidden, "synth-sae-bench: width of x (768)")
      ->check(integer_from(1));
  cmd->add_option("--orthogonalize-steps", a->orthogonalize_steps,
                  "synth-sae-bench: Adam steps separating the feature vectors (100; each costs "
                  "about 4 features^2 hidden flops)")
      ->check(integer_from(0));
  cmd->add_option("--latents", a->latents, "sparse-linear: latents m (default 32)")
      ->check(integer_from(1));
  cmd->add_option("--active", a->active, "sparse-linear: active latents per sample (default 3)")
      ->check(integer_from(1));
  cmd->add_option("--rate", a->rate, "sparse-linear: Bernoulli activity rate instead of --active")
      ->check(real_in(0.0, 1.0));
  cmd->add_option("--value-min", a->value_min, "Lower end of active values (default 0.5)")
      ->check(finite_real());
  cmd->add_option("--value-max", a->value_max, "Upper end of active values (default 1.5)")
      ->check(finite_real());
  cmd->add_option("--noise", a->noise,
                  "Noise sd on x (linear-latent-hierarchy: node noise sd, default 1)")
      ->check(nonnegative_real());
  cmd->add_option("--max-coherence", a->max_coherence, "sparse-linear: max |cos| between atoms")
      ->check(real_in(0.0, 1.0, true, false));
  cmd->add_flag("--dense", a->dense, "sparse-linear: dense codes (negative control)");
  cmd->add_flag("--gaussian-dense", a->gaussian_dense, "sparse-linear: dense N(0,1) codes");
  cmd->add_option("--widths", a->widths,
                  "Nodes per level, comma-separated: selection-hierarchy bottom first (default "
                  "20,6); discrete/linear hierarchies latents top first (default 2,6 / 2,4)");
  cmd->add_option("--fan-in-min", a->fan_in_min, "selection: min parents per concept (2)")
      ->check(integer_from(1));
  cmd->add_option("--fan-in-max", a->fan_in_max, "selection: max parents per concept (3)")
      ->check(integer_from(1));
  cmd->add_flag("--disjoint", a->disjoint, "selection: disjoint parent sets per level");
  cmd->add_option("--function", a->function, "selection: and | or | threshold | mixed")
      ->check(CLI::IsMember({"and", "or", "threshold", "mixed"}));
  cmd->add_option("--selection", a->selection, "selection: none | keep | weight")
      ->check(CLI::IsMember({"none", "keep", "weight"}));
  cmd->add_option("--selection-min-active", a->selection_min_active,
                  "selection keep: min active top concepts (1)")
      ->check(integer_from(0));
  cmd->add_option("--selection-strength", a->selection_strength, "selection weight: strength (2)")
      ->check(nonnegative_real());
  cmd->add_option("--concept-rate", a->concept_rate, "selection: level-1 activity rate (0.25)")
      ->check(real_in(0.0, 1.0, true, true));
  cmd->add_option("--observation", a->observation, "selection: linear | mlp")
      ->check(CLI::IsMember({"linear", "mlp"}));
  cmd->add_option("--observed-per-leaf", a->observed_per_leaf,
                  "hierarchies: observed children per bottom latent (2 discrete, 3 linear)")
      ->check(integer_from(1));
  cmd->add_option("--max-parents", a->max_parents, "hierarchies: parents per latent (1 = tree)")
      ->check(integer_from(1));
  cmd->add_option("--skip-probability", a->skip_probability,
                  "hierarchies: chance of an extra parent two levels up")
      ->check(real_in(0.0, 1.0));
  cmd->add_option("--latent-cardinality", a->latent_cardinality, "discrete: latent states (2)")
      ->check(integer_in(2, 64));
  cmd->add_option("--observed-cardinality", a->observed_cardinality,
                  "discrete: observed states (3)")
      ->check(integer_in(2, 64));
  cmd->add_option("--dirichlet-alpha", a->dirichlet_alpha, "discrete: CPT concentration (1)")
      ->check(positive_real());
  cmd->add_option("--min-singular-ratio", a->min_singular_ratio,
                  "discrete: full-rank check sigma_min/sigma_max (0.05)")
      ->check(real_in(0.0, 1.0, false, true));
  cmd->add_flag("--continuous", a->continuous, "discrete: also write x = g(d, c)");
  cmd->add_option("--exogenous", a->exogenous, "discrete --continuous: width of c (2)")
      ->check(integer_from(1));
  cmd->add_option("--separation", a->separation, "discrete --continuous: one-hot scale (3)")
      ->check(nonnegative_real());
  cmd->add_option("--weight-low", a->weight_low, "linear: lower weight bound (-10)")
      ->check(finite_real());
  cmd->add_option("--weight-high", a->weight_high, "linear: upper weight bound (10)")
      ->check(finite_real());
  cmd->add_flag("--random-sign", a->random_sign,
                "linear: multiply weights by a random sign (use with 0.5..1.5)");
  cmd->add_option("--noise-distribution", a->noise_distribution,
                  "linear: gaussian | uniform | laplace | exponential")
      ->check(CLI::IsMember({"gaussian", "uniform", "laplace", "exponential"}));
  cmd->callback([a] {
    OutputSet outputs;
    outputs.directory(a->out);
    a->outputs = &outputs;
    nlohmann::json truth{{"kind", a->kind}, {"seed", a->seed}, {"dtype", a->dtype}};
    nlohmann::json files = nlohmann::json::array();
    double elapsed = 0;
    if (a->samples == 0 && a->kind != "synth-sae-bench") {
      throw usage_error("--samples: " + a->kind + " needs at least 1 sample");
    }
    if (a->kind == "synth-sae-bench") {
      elapsed = run_synth_sae_bench(*a, truth, files);
    } else if (a->kind == "sparse-linear") {
      elapsed = run_sparse_linear(*a, truth, files);
    } else if (a->kind == "selection-hierarchy") {
      elapsed = run_selection(*a, truth, files);
    } else if (a->kind == "discrete-hierarchy") {
      elapsed = run_discrete(*a, truth, files);
    } else {
      elapsed = run_linear(*a, truth, files);
    }
    truth["files"] = files;
    require_finite_json(truth, "synth: truth.json");
    write_text(path_in(*a, "truth.json"), truth.dump(2) + "\n");
    files.push_back("truth.json");
    finish(outputs, {{"kind", a->kind}, {"out", a->out}, {"files", files}}, elapsed);
  });
}

[[maybe_unused]] const bool registered_synth = register_command("synth", &setup_synth);

}  // namespace
}  // namespace hilm::cli

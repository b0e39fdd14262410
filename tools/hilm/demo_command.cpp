// `hilm demo [--out DIR] [--seed N]`: the whole pipeline on a synthetic hierarchical selection
// model (Kong et al. 2025), with the truth known so every stage is scored:
//   1. draw 20 sparse level-1 concepts and 6 level-2 concepts (each a logical/threshold function
//      of 2–3 level-1 ones), selected on level 2; observe level 1 through a 64-d linear mixing
//      ("layer 1") and level 2 through a 32-d one ("layer 2");
//   2. train one sparse autoencoder per layer (BatchTopK, 2× overcomplete) and score
//      identifiability: MCC against the true concepts, cosine of the matched decoder atoms;
//   3. recover the concept graph between the two levels of codes (hierarchy/concept_graph.hpp)
//      and score it (F1 against the true parent sets, after matching latents to concepts);
//   4. steer: ablate one recovered level-1 concept and report the effect on it versus the others;
//   5. write report.json, concept_graph.dot (+ .svg when Graphviz's `dot` is installed) and
//      training_curves.svg, and print a short summary on stderr and the JSON result on stdout.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include <hilm/graph/dot.hpp>
#include <hilm/graph/graph.hpp>
#include <hilm/hierarchy/concept_graph.hpp>
#include <hilm/io/npy.hpp>
#include <hilm/metrics/dictionary.hpp>
#include <hilm/metrics/mcc.hpp>
#include <hilm/metrics/parent_sets.hpp>
#include <hilm/sae/duplicates.hpp>
#include <hilm/sae/sparse_autoencoder.hpp>
#include <hilm/sources/matrix_source.hpp>
#include <hilm/steer/concept_graph_links.hpp>
#include <hilm/steer/hierarchical.hpp>
#include <hilm/steer/side_effects.hpp>
#include <hilm/synth/selection_hierarchy.hpp>

#include "cli_common.hpp"
#include "demo_esrgan.hpp"
#include "demo_use_lite.hpp"
#include "render_svg.hpp"
#include "svg_plot.hpp"

namespace hilm::cli {
namespace {

struct DemoArgs {
  std::string out = "hilm-demo";
  std::uint64_t seed = 0;
  Index samples = 20000;
  Index epochs = 20;
};

struct LevelFit {
  RowMatrix<float> codes;  // n × m learned codes
  hilm::MccResult mcc;     // truth columns matched to learned latents
  hilm::DictionaryRecovery atoms;
  std::vector<SaeHistoryEntry> history;
  SaeMetrics final_metrics;
  double seconds = 0;
  SaeWeights<float> weights;
};

// One SAE per layer: BatchTopK (per-sample active counts vary in a selection model; BatchTopK
// keeps k active on average over the batch, Bussmann et al. 2024), 2× overcomplete, k the mean
// number of active concepts rounded up (what a user reads off a sweep of L0 against explained
// variance; rounding down starves the rarer concepts).
LevelFit fit_level(const RowMatrix<float>& x, const RowMatrix<float>& truth,
                   const RowMatrix<float>& true_atoms, Index k, std::uint64_t seed, Index epochs,
                   const std::string& label) {
  LevelFit fit;
  MatrixSource source(x);
  SaeOptions options;
  options.architecture = SaeArchitecture::BatchTopK;
  options.latents = 2 * truth.cols();
  options.k = k;
  options.batch_size = 256;
  options.epochs = epochs;
  options.learning_rate = 0.003;
  options.dead_after_rows = 20000;
  options.seed = seed;
  options.progress = progress_bar(label);
  SparseAutoencoder<float> sae(options);
  const Stopwatch watch;
  const SaeResult result = sae.fit(source);
  fit.seconds = watch.seconds();
  if (!usable(result.status)) {
    throw numerical_failure(label + ": training stopped with status " +
                            std::string(to_string(result.status)));
  }
  fit.codes = sae.encode(x);
  fit.mcc = hilm::mcc(truth, fit.codes);
  fit.atoms = hilm::dictionary_recovery(true_atoms, sae.weights().w_dec);
  fit.history = result.history;
  fit.final_metrics = result.metrics;
  fit.weights = sae.weights();
  return fit;
}

Index mean_active(const RowMatrix<float>& codes) {
  const double active = static_cast<double>((codes.array() != 0.0f).count());
  return std::max<Index>(1,
                         static_cast<Index>(std::ceil(active / static_cast<double>(codes.rows()))));
}

// Step 1: the synthetic hierarchy (layer 1 observes level 1) and layer 2, which observes the
// level-2 concepts through its own unit-norm atoms.
struct DemoData {
  hilm::SelectionHierarchyOptions model;
  hilm::SelectionHierarchyData<float> data;
  RowMatrix<float> atoms2;  // level-2 concepts × 32
  RowMatrix<float> x2;      // layer-2 observations
};

DemoData make_data(const DemoArgs& a) {
  DemoData d;
  hilm::SelectionHierarchyOptions& model = d.model;
  model.samples = a.samples;
  model.widths = {20, 6};
  model.features = 64;
  model.noise = 0.01;
  model.seed = a.seed;
  // Disjoint parent sets and threshold concepts ("a weighted half of the parents on"): every
  // level-2 concept then varies on its own often enough to be identifiable from layer 2 (with
  // And/Or mixtures some level-2 concepts nearly imply others and an SAE may merge them).
  model.disjoint_parents = true;
  model.function = hilm::ConceptFunction::Threshold;
  d.data = hilm::selection_hierarchy<float>(model);
  Random rng = Random(a.seed).stream(7);
  d.atoms2.resize(model.widths[1], 32);
  for (Index i = 0; i < d.atoms2.rows(); ++i) {
    for (Index j = 0; j < d.atoms2.cols(); ++j) d.atoms2(i, j) = static_cast<float>(rng.normal());
    d.atoms2.row(i).normalize();
  }
  d.x2 = d.data.levels[1] * d.atoms2;
  for (Index i = 0; i < d.x2.rows(); ++i) {
    for (Index j = 0; j < d.x2.cols(); ++j) d.x2(i, j) += static_cast<float>(0.01 * rng.normal());
  }
  std::fprintf(stderr,
               "  data: %lld × %lld (layer 1), %lld × %lld (layer 2); selection kept %.1f%%\n",
               static_cast<long long>(d.data.x.rows()), static_cast<long long>(d.data.x.cols()),
               static_cast<long long>(d.x2.rows()), static_cast<long long>(d.x2.cols()),
               100.0 * static_cast<double>(d.data.x.rows()) / static_cast<double>(d.data.draws));
  return d;
}

nlohmann::json level_json(const LevelFit& f, Index truth_width) {
  return nlohmann::json{{"true_concepts", truth_width},
                        {"latents", f.codes.cols()},
                        {"mcc", f.mcc.mean},
                        {"mcc_per_concept", std::vector<double>(f.mcc.per_component.data(),
                                                                f.mcc.per_component.data() +
                                                                    f.mcc.per_component.size())},
                        {"median_atom_cosine", f.atoms.median},
                        {"explained_variance", f.final_metrics.explained_variance},
                        {"l0", f.final_metrics.l0},
                        {"train_seconds", f.seconds}};
}

// The demo has always reported precision 0 when no edge was found (`PrecisionRecall` says 1).
double reported_precision(const hilm::ParentSetScore& s) {
  return s.edges.empty() ? 0.0 : s.accuracy.precision;
}

// Step 3: the concept graph between the two levels of learned codes. Latents that never fire
// carry no information, and an overcomplete SAE may learn the same concept twice (codes with
// |correlation| ≥ 0.95): such duplicates are merged into their most active copy before the graph
// is searched, as one would do by hand when reading a dictionary. A learned latent stands for the
// true concept it was matched to by the MCC step; edges touching a latent matched to no concept
// count as wrong.
struct GraphStage {
  hilm::LatentMerge merged1, merged2;
  std::vector<Index> truth1, truth2;  // per kept latent: matched true concept or -1
  hilm::ConceptGraphResult concepts;
  hilm::ParentSetScore score;
  double seconds = 0;
};

GraphStage recover_graph(const LevelFit& level1, const LevelFit& level2, const DemoData& d) {
  GraphStage g;
  g.merged1 = hilm::merge_duplicate_latents(level1.codes);
  g.merged2 = hilm::merge_duplicate_latents(level2.codes);
  const Matrix<double> z1 = hilm::kept_codes(level1.codes, g.merged1);
  const Matrix<double> z2 = hilm::kept_codes(level2.codes, g.merged2);
  const Stopwatch watch;
  g.concepts = hilm::concept_graph(z1, z2);
  g.seconds = watch.seconds();
  g.truth1 = hilm::matched_concepts(level1.mcc, g.merged1);
  g.truth2 = hilm::matched_concepts(level2.mcc, g.merged2);
  g.score = hilm::score_parent_sets(hilm::concept_links(g.concepts).parents_of_upper, g.truth1,
                                    g.truth2, d.data.parents[0]);
  const auto& s = g.score;
  std::fprintf(
      stderr,
      "  concept graph: %lld edges found, %lld true; precision %.3f, recall %.3f, F1 %.3f\n",
      static_cast<long long>(s.edges.size()), static_cast<long long>(s.true_edges),
      reported_precision(s), s.accuracy.recall, s.accuracy.f1);
  return g;
}

nlohmann::json graph_json(const GraphStage& g, bool svg) {
  const auto& live1 = g.merged1.kept;
  const auto& live2 = g.merged2.kept;
  nlohmann::json edge_list = nlohmann::json::array();
  for (const auto& e : g.score.edges) {
    const auto& up_entry = g.concepts.uppers[static_cast<std::size_t>(e.upper)];
    const auto q = static_cast<std::size_t>(e.position);
    edge_list.push_back({{"from_latent", live1[static_cast<std::size_t>(e.lower)]},
                         {"to_latent", live2[static_cast<std::size_t>(e.upper)]},
                         {"concepts", e.matched() ? "A" + std::to_string(e.true_lower) + " -> B" +
                                                        std::to_string(e.true_upper)
                                                  : "?"},
                         {"effect", up_entry.effects[q]},
                         {"p_value", up_entry.p_values[q]},
                         {"true_edge", e.correct}});
  }
  nlohmann::json missed = nlohmann::json::array();
  for (const auto& [lo, up] : g.score.missed) {
    missed.push_back("A" + std::to_string(lo) + " -> B" + std::to_string(up));
  }
  return {{"edges_found", static_cast<double>(g.score.edges.size())},
          {"edges_true", static_cast<std::size_t>(g.score.true_edges)},
          {"precision", reported_precision(g.score)},
          {"recall", g.score.accuracy.recall},
          {"f1", g.score.accuracy.f1},
          {"edges_on_unmatched_latents", g.score.unmatched},
          {"edges", edge_list},
          {"missed_true_edges", missed},
          {"latents_used", {live1.size(), live2.size()}},
          {"duplicate_latents_merged", {g.merged1.duplicates, g.merged2.duplicates}},
          {"seconds", g.seconds},
          {"svg", svg}};
}

// Draws the concept graph: nodes named after the SAE latent and the concept it was matched to,
// the truth in the same node ids (a true concept is the latent matched to it, or a node of its
// own, "A3 (no latent)", when no latent was), so the picture draws true, false and missed edges
// in their own styles, with the same counts as the score. Writes concept_graph.dot and, when
// Graphviz is installed, concept_graph.svg; returns whether the SVG was written.
bool draw_graph(const GraphStage& g, const DemoData& d, std::uint64_t seed,
                const std::function<std::string(const std::string&)>& out_file) {
  const auto& live1 = g.merged1.kept;
  const auto& live2 = g.merged2.kept;
  hilm::Graph full = g.concepts.graph;
  const Index found_nodes = full.size();
  for (std::size_t j = 0; j < live1.size(); ++j) {
    auto& node = full.node(static_cast<Index>(j));
    node.name = "z1[" + std::to_string(live1[j]) + "]";
    if (g.truth1[j] >= 0) node.name += " = A" + std::to_string(g.truth1[j]);
  }
  for (std::size_t j = 0; j < live2.size(); ++j) {
    auto& node = full.node(static_cast<Index>(live1.size() + j));
    node.name = "z2[" + std::to_string(live2[j]) + "]";
    if (g.truth2[j] >= 0) node.name += " = B" + std::to_string(g.truth2[j]);
  }
  auto concept_node = [&](const std::vector<Index>& matched, Index offset, Index concept_id,
                          const std::string& prefix, int level) {
    for (std::size_t j = 0; j < matched.size(); ++j) {
      if (matched[j] == concept_id) return offset + static_cast<Index>(j);
    }
    const std::string name = prefix + std::to_string(concept_id) + " (no latent)";
    for (Index v = found_nodes; v < full.size(); ++v) {
      if (full.node(v).name == name) return v;
    }
    return full.add_node({name, true, level, 0});
  };
  std::vector<hilm::Edge> truth_drawn;
  for (std::size_t u = 0; u < d.data.parents[0].size(); ++u) {
    for (const Index lo : d.data.parents[0][u]) {
      const Index from = concept_node(g.truth1, 0, lo, "A", 0);
      const Index to =
          concept_node(g.truth2, static_cast<Index>(live1.size()), static_cast<Index>(u), "B", 1);
      truth_drawn.push_back({from, to, hilm::Mark::Directed});
    }
  }
  // Only concepts on some found or true edge are drawn; isolated latents would clutter it.
  hilm::Graph drawn, drawn_truth;
  {
    std::vector<hilm::Edge> found_drawn = full.edges();
    std::vector<Index> id(static_cast<std::size_t>(full.size()), -1);
    for (const auto* edges : {&found_drawn, &truth_drawn}) {
      for (const auto& e : *edges) {
        id[static_cast<std::size_t>(e.from)] = 0;
        id[static_cast<std::size_t>(e.to)] = 0;
      }
    }
    for (Index v = 0; v < full.size(); ++v) {
      if (id[static_cast<std::size_t>(v)] < 0) continue;
      id[static_cast<std::size_t>(v)] = drawn.add_node(full.node(v));
      drawn_truth.add_node(full.node(v));
    }
    auto at = [&](Index v) { return id[static_cast<std::size_t>(v)]; };
    for (const auto& e : found_drawn) drawn.add_edge(at(e.from), at(e.to), e.mark);
    for (const auto& e : truth_drawn) drawn_truth.add_edge(at(e.from), at(e.to), e.mark);
  }
  std::vector<std::string> notes = {
      "z1[j] = Ai: latent j of the layer-1 SAE, matched to true level-1 concept Ai",
      "z2[j] = Bi: latent j of the layer-2 SAE, matched to true level-2 concept Bi",
      "Ai -> Bj: Ai is a parent of Bj (Bj is a function of its parents)"};
  bool unmatched = false, absent = false;
  for (const auto& n : drawn.nodes()) {
    unmatched = unmatched || (n.name.rfind('z', 0) == 0 && n.name.find('=') == std::string::npos);
    absent = absent || n.name.find("(no latent)") != std::string::npos;
  }
  if (unmatched) {
    notes.emplace_back("z1[j] or z2[j] without \"= ...\": a latent matched to no true concept");
  }
  if (absent) notes.emplace_back("Ai (no latent): a true concept no latent was matched to");
  const std::string dot_path = out_file("concept_graph.dot");
  write_text(dot_path,
             hilm::to_dot(drawn, {.name = "concept_graph",
                                  .title = "hilm demo: concept graph between the two SAE layers "
                                           "(seed " +
                                           std::to_string(seed) + ")",
                                  .legend = true,
                                  .legend_notes = notes,
                                  .components_per_row = 3,
                                  .truth = &drawn_truth}));
  const bool svg = render_svg(dot_path, out_file("concept_graph.svg"));
  if (!svg) {
    std::fprintf(stderr, "  (Graphviz's dot not found: concept_graph.svg not written)\n");
  }
  return svg;
}

// Step 4: steering along the concept graph: ablate the learned level-2 concept matched to B0 by
// ablating its parents among the level-1 latents (error-preserving), then measure, with the TRUE
// level-1 atoms, how much of each true concept's energy is left.
nlohmann::json steer_b0(const GraphStage& g, const LevelFit& level1, const DemoData& d) {
  const auto& live1 = g.merged1.kept;
  const hilm::ConceptLinks links = hilm::concept_links(g.concepts, live1);
  Index upper = -1;
  for (std::size_t u = 0; u < g.truth2.size(); ++u) {
    if (g.truth2[u] == 0) upper = static_cast<Index>(u);
  }
  if (upper < 0 || links.parents_of_upper[static_cast<std::size_t>(upper)].empty()) {
    return {{"skipped", "concept B0 has no learned latent with parents"}};
  }
  const hilm::Edit edit{upper, hilm::EditMode::Ablate, 0.0};
  const auto steered = hilm::intervene_upper(level1.weights, d.data.x, links, edit);
  const auto energy = hilm::atom_energy(d.data.atoms, d.data.x, steered.x);
  const std::vector<Index> edited = links.parents_of_upper[static_cast<std::size_t>(upper)];
  std::vector<Index> targets;  // true concepts the edit is meant to remove
  for (const Index j : edited) {
    const auto it = std::find(live1.begin(), live1.end(), j);
    const Index t = g.truth1[static_cast<std::size_t>(it - live1.begin())];
    if (t >= 0) targets.push_back(t);
  }
  double removed_min = 1, others_max = 0;
  nlohmann::json per_concept = nlohmann::json::array();
  for (Index i = 0; i < d.data.atoms.rows(); ++i) {
    const bool target = std::find(targets.begin(), targets.end(), i) != targets.end();
    const double removed = energy.removed_fraction(i), moved = energy.relative_change(i);
    if (target) removed_min = std::min(removed_min, removed);
    if (!target) others_max = std::max(others_max, moved);
    per_concept.push_back({{"concept", "A" + std::to_string(i)},
                           {"edited", target},
                           {"energy_removed", removed},
                           {"relative_change", moved}});
  }
  std::fprintf(stderr,
               "  steering: ablating B0 through %zu level-1 latents removes >= %.1f%% of their "
               "concepts' energy; other concepts move <= %.2f%%\n",
               // Rounded toward the bound the sentence states: a lower bound down, an upper one up
               // (99.96% removed is "at least 99.9%", never "at least 100.0%").
               edited.size(), std::floor(1000 * removed_min) / 10,
               std::ceil(10000 * others_max) / 100);
  const std::vector<Index> true_parents = d.data.parents[0][0];
  return {{"edit", "ablate level-2 concept B0 through its learned parents"},
          {"upper_latent", g.merged2.kept[static_cast<std::size_t>(upper)]},
          {"lower_latents_edited", edited},
          {"true_concepts_edited", targets},
          {"true_parents_of_B0", true_parents},
          {"min_energy_removed_on_edited", removed_min},
          {"max_relative_change_on_others", others_max},
          {"changed_rows", steered.changed_rows},
          {"per_concept", per_concept}};
}

// Step 5: unexplained variance along training, one curve per layer.
std::string training_curves(const LevelFit& level1, const LevelFit& level2) {
  std::vector<PlotSeries> curves;
  for (const auto* f : {&level1, &level2}) {
    PlotSeries s;
    s.label = f == &level1 ? "layer 1 (64-d)" : "layer 2 (32-d)";
    for (const auto& h : f->history) {
      s.x.push_back(static_cast<double>(h.step));
      s.y.push_back(1.0 - h.metrics.explained_variance);
    }
    curves.push_back(std::move(s));
  }
  return line_plot_svg(curves, {.title = "SAE training: unexplained variance",
                                .x_label = "step",
                                .y_label = "1 − explained variance",
                                .log_y = true});
}

void run(const DemoArgs& a) {
  // Every file is staged and moved into --out only when the whole demo succeeded.
  OutputSet outputs;
  outputs.directory(a.out);
  const std::function<std::string(const std::string&)> out_file = [&](const std::string& name) {
    return outputs.file(a.out + "/" + name);
  };
  const Stopwatch total;
  std::fprintf(stderr, "hilm demo: seed %llu, %lld samples, output in %s\n",
               static_cast<unsigned long long>(a.seed), static_cast<long long>(a.samples),
               a.out.c_str());

  // 1. Data.
  const DemoData d = make_data(a);

  // 2. One SAE per layer.
  const LevelFit level1 =
      fit_level(d.data.x, d.data.levels[0], d.data.atoms, mean_active(d.data.levels[0]), a.seed + 1,
                a.epochs, "SAE layer 1");
  const LevelFit level2 = fit_level(d.x2, d.data.levels[1], d.atoms2, mean_active(d.data.levels[1]),
                                    a.seed + 2, a.epochs, "SAE layer 2");
  std::fprintf(stderr,
               "  identifiability: layer 1 MCC %.3f, median atom cosine %.3f; layer 2 MCC %.3f, "
               "median atom cosine %.3f\n",
               level1.mcc.mean, level1.atoms.median, level2.mcc.mean, level2.atoms.median);
  nlohmann::json report;
  report["seed"] = a.seed;
  report["samples"] = d.data.x.rows();
  report["identifiability"] = {{"layer1", level_json(level1, d.model.widths[0])},
                               {"layer2", level_json(level2, d.model.widths[1])}};
  write_result_npy(out_file("codes_layer1.npy"), "demo: codes_layer1", level1.codes);
  write_result_npy(out_file("codes_layer2.npy"), "demo: codes_layer2", level2.codes);
  write_result_npy(out_file("true_level1.npy"), "demo: true_level1", d.data.levels[0]);
  write_result_npy(out_file("true_level2.npy"), "demo: true_level2", d.data.levels[1]);

  // 3. Concept graph, scored and drawn.
  const GraphStage graph = recover_graph(level1, level2, d);
  const bool svg = draw_graph(graph, d, a.seed, out_file);

  // 4. Steering.
  const nlohmann::json steering = steer_b0(graph, level1, d);

  // 5. Report and pictures.
  report["concept_graph"] = graph_json(graph, svg);
  report["steering"] = steering;
  report["truth"] = {{"parents_of_level2", d.data.parents[0]}};
  write_text(out_file("training_curves.svg"), training_curves(level1, level2));
  report["elapsed_seconds_total"] = total.seconds();
  require_finite_json(report, "demo: report.json");
  write_text(out_file("report.json"), report.dump(2) + "\n");
  finish(outputs, report, total.seconds());
}

void setup(CLI::App& root) {
  auto args = std::make_shared<DemoArgs>();
  CLI::App* cmd = root.add_subcommand(
      "demo",
      "Run the whole pipeline on a synthetic hierarchy: SAEs per level, identifiability, "
      "concept graph, steering; writes report.json and pictures into --out");
  cmd->add_option("--out", args->out, "Output directory (created)")->capture_default_str();
  cmd->add_option("--seed", args->seed, "Seed of data and training")->capture_default_str();
  cmd->add_option("--samples", args->samples, "Samples drawn (after selection)")
      ->check(CLI::Range(Index{2000}, Index{10'000'000}))
      ->capture_default_str();
  CLI::Option* epochs = cmd->add_option("--epochs", args->epochs,
                                        "SAE training epochs (--case use-lite: per candidate "
                                        "size and seed, default 3)")
                            ->check(CLI::Range(Index{1}, Index{1000}))
                            ->capture_default_str();
  // The real networks (issue 15): `--case use-lite --model DIR` runs the same pipeline on the
  // USE-lite sentence encoder (demo_use_lite.cpp), `--case esrgan --model DIR` steers the
  // ESRGAN-slim image generator (demo_esrgan.cpp); the synthetic case stays the default.
  auto demo_case = std::make_shared<std::string>("synthetic");
  auto real = std::make_shared<UseLiteDemoArgs>();
  auto esrgan = std::make_shared<EsrganDemoArgs>();
  cmd->add_option("--case", *demo_case,
                  "synthetic (default), use-lite (a real text transformer) or esrgan (a real "
                  "image generator)")
      ->check(CLI::IsMember({"synthetic", "use-lite", "esrgan"}))
      ->capture_default_str();
  auto model = std::make_shared<std::string>();
  cmd->add_option("--model", *model,
                  "use-lite, esrgan: the fetched package directory (scripts/fetch-models.sh)");
  cmd->add_option("--text", real->text,
                  "use-lite: sentences, one per line (default: the pinned corpus)");
  cmd->add_option("--tokens", real->tokens, "use-lite: tokens of activations")
      ->check(CLI::Range(Index{2000}, Index{10'000'000}))
      ->capture_default_str();
  cmd->add_option(
      "--image", esrgan->images,
      "esrgan: PNG/JPEG images (default: Debian's sklearn photos + the package fixture)");
  cmd->callback([args, demo_case, real, esrgan, model, epochs] {
    if (*demo_case == "esrgan") {
      if (model->empty()) throw usage_error("demo --case esrgan needs --model DIR");
      esrgan->model = *model;
      esrgan->out = args->out == "hilm-demo" ? "hilm-demo-esrgan" : args->out;
      esrgan->seed = args->seed;
      run_demo_esrgan(*esrgan);
    } else if (*demo_case == "use-lite") {
      UseLiteDemoArgs a = *real;
      a.model = *model;
      a.out = args->out == "hilm-demo" ? "hilm-demo-use-lite" : args->out;
      a.seed = args->seed;
      if (epochs->count() > 0) a.epochs = args->epochs;
      run_use_lite_demo(a);
    } else {
      run(*args);
    }
  });
}

[[maybe_unused]] const bool registered_demo = register_command("demo", &setup);

}  // namespace
}  // namespace hilm::cli

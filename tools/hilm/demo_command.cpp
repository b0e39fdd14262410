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
#include <string>
#include <vector>

#include <hilm/graph/dot.hpp>
#include <hilm/graph/graph.hpp>
#include <hilm/hierarchy/concept_graph.hpp>
#include <hilm/io/npy.hpp>
#include <hilm/metrics/dictionary.hpp>
#include <hilm/metrics/graph_metrics.hpp>
#include <hilm/metrics/mcc.hpp>
#include <hilm/sae/sparse_autoencoder.hpp>
#include <hilm/sources/matrix_source.hpp>
#include <hilm/steer/hierarchical.hpp>
#include <hilm/steer/side_effects.hpp>
#include <hilm/synth/selection_hierarchy.hpp>

#include "cli_common.hpp"
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

void run(const DemoArgs& a) {
  // Every file is staged and moved into --out only when the whole demo succeeded.
  OutputSet outputs;
  outputs.directory(a.out);
  auto out_file = [&](const std::string& name) { return outputs.file(a.out + "/" + name); };
  const Stopwatch total;
  std::fprintf(stderr, "hilm demo: seed %llu, %lld samples, output in %s\n",
               static_cast<unsigned long long>(a.seed), static_cast<long long>(a.samples),
               a.out.c_str());

  // 1. Data.
  hilm::SelectionHierarchyOptions model;
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
  const auto data = hilm::selection_hierarchy<float>(model);
  // Layer 2 observes the level-2 concepts through its own unit-norm atoms.
  Random rng = Random(a.seed).stream(7);
  RowMatrix<float> atoms2(model.widths[1], 32);
  for (Index i = 0; i < atoms2.rows(); ++i) {
    for (Index j = 0; j < atoms2.cols(); ++j) atoms2(i, j) = static_cast<float>(rng.normal());
    atoms2.row(i).normalize();
  }
  RowMatrix<float> x2 = data.levels[1] * atoms2;
  for (Index i = 0; i < x2.rows(); ++i) {
    for (Index j = 0; j < x2.cols(); ++j) x2(i, j) += static_cast<float>(0.01 * rng.normal());
  }
  std::fprintf(stderr,
               "  data: %lld × %lld (layer 1), %lld × %lld (layer 2); selection kept %.1f%%\n",
               static_cast<long long>(data.x.rows()), static_cast<long long>(data.x.cols()),
               static_cast<long long>(x2.rows()), static_cast<long long>(x2.cols()),
               100.0 * static_cast<double>(data.x.rows()) / static_cast<double>(data.draws));

  // 2. One SAE per layer.
  const LevelFit level1 = fit_level(data.x, data.levels[0], data.atoms, mean_active(data.levels[0]),
                                    a.seed + 1, a.epochs, "SAE layer 1");
  const LevelFit level2 = fit_level(x2, data.levels[1], atoms2, mean_active(data.levels[1]),
                                    a.seed + 2, a.epochs, "SAE layer 2");
  std::fprintf(stderr,
               "  identifiability: layer 1 MCC %.3f, median atom cosine %.3f; layer 2 MCC %.3f, "
               "median atom cosine %.3f\n",
               level1.mcc.mean, level1.atoms.median, level2.mcc.mean, level2.atoms.median);

  nlohmann::json report;
  report["seed"] = a.seed;
  report["samples"] = data.x.rows();
  auto level_json = [](const LevelFit& f, Index truth_width) {
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
  };
  report["identifiability"] = {{"layer1", level_json(level1, model.widths[0])},
                               {"layer2", level_json(level2, model.widths[1])}};

  write_result_npy(out_file("codes_layer1.npy"), "demo: codes_layer1", level1.codes);
  write_result_npy(out_file("codes_layer2.npy"), "demo: codes_layer2", level2.codes);
  write_result_npy(out_file("true_level1.npy"), "demo: true_level1", data.levels[0]);
  write_result_npy(out_file("true_level2.npy"), "demo: true_level2", data.levels[1]);

  // 3. Concept graph between the two levels of learned codes. Latents that never fire carry no
  // information, and an overcomplete SAE may learn the same concept twice (codes with
  // |correlation| ≥ 0.95): such duplicates are merged into their most active copy before the
  // graph is searched, as one would do by hand when reading a dictionary.
  struct Merged {
    std::vector<Index> kept;   // SAE latent indices kept, in order
    std::vector<Index> group;  // per SAE latent: position in `kept`, or -1 (dead)
    Index duplicates = 0;
  };
  auto merge_latents = [](const RowMatrix<float>& z) {
    Merged m;
    const Index cols = z.cols();
    m.group.assign(static_cast<std::size_t>(cols), -1);
    Matrix<double> centred = z.cast<double>();
    centred.rowwise() -= centred.colwise().mean();
    const Vector<double> norms = centred.colwise().norm();
    std::vector<Index> order;
    for (Index j = 0; j < cols; ++j) {
      if (norms(j) > 0) order.push_back(j);
    }
    std::vector<Index> activity(static_cast<std::size_t>(cols));
    for (Index j = 0; j < cols; ++j) {
      activity[static_cast<std::size_t>(j)] = (z.col(j).array() != 0.0f).count();
    }
    std::stable_sort(order.begin(), order.end(), [&](Index x, Index y) {
      return activity[static_cast<std::size_t>(x)] > activity[static_cast<std::size_t>(y)];
    });
    for (const Index j : order) {
      Index twin = -1;
      for (std::size_t g = 0; g < m.kept.size() && twin < 0; ++g) {
        const Index k = m.kept[g];
        const double r = centred.col(j).dot(centred.col(k)) / (norms(j) * norms(k));
        if (std::abs(r) >= 0.95) twin = static_cast<Index>(g);
      }
      if (twin < 0) {
        m.group[static_cast<std::size_t>(j)] = static_cast<Index>(m.kept.size());
        m.kept.push_back(j);
      } else {
        m.group[static_cast<std::size_t>(j)] = twin;
        ++m.duplicates;
      }
    }
    return m;
  };
  const Merged merged1 = merge_latents(level1.codes), merged2 = merge_latents(level2.codes);
  const std::vector<Index>& live1 = merged1.kept;
  const std::vector<Index>& live2 = merged2.kept;
  Matrix<double> z1(level1.codes.rows(), static_cast<Index>(live1.size()));
  Matrix<double> z2(level2.codes.rows(), static_cast<Index>(live2.size()));
  for (std::size_t j = 0; j < live1.size(); ++j) {
    z1.col(static_cast<Index>(j)) = level1.codes.col(live1[j]).cast<double>();
  }
  for (std::size_t j = 0; j < live2.size(); ++j) {
    z2.col(static_cast<Index>(j)) = level2.codes.col(live2[j]).cast<double>();
  }
  const Stopwatch graph_watch;
  hilm::ConceptGraphResult concepts = hilm::concept_graph(z1, z2);
  const double graph_seconds = graph_watch.seconds();

  // Score: a learned latent stands for the true concept it was matched to by the MCC step;
  // edges touching a latent matched to no concept count as wrong.
  auto truth_of = [](const hilm::MccResult& m, const Merged& merged) {
    std::vector<Index> out(merged.kept.size(), -1);
    for (Index i = 0; i < m.assignment.size(); ++i) {
      const Index j = m.assignment(i);
      if (j < 0) continue;
      const Index g = merged.group[static_cast<std::size_t>(j)];
      if (g >= 0 && out[static_cast<std::size_t>(g)] < 0) out[static_cast<std::size_t>(g)] = i;
    }
    return out;
  };
  const std::vector<Index> truth1 = truth_of(level1.mcc, merged1),
                           truth2 = truth_of(level2.mcc, merged2);
  std::vector<std::pair<Index, Index>> true_edges,
      found_edges;  // (level-1 concept, level-2 concept)
  for (std::size_t u = 0; u < data.parents[0].size(); ++u) {
    for (const Index p : data.parents[0][u]) true_edges.emplace_back(p, static_cast<Index>(u));
  }
  Index wrong = 0;
  nlohmann::json edge_list = nlohmann::json::array();
  for (std::size_t u = 0; u < concepts.uppers.size(); ++u) {
    const auto& up_entry = concepts.uppers[u];
    for (std::size_t q = 0; q < up_entry.parents.size(); ++q) {
      const Index p = up_entry.parents[q];
      const Index lo = truth1[static_cast<std::size_t>(p)], up = truth2[u];
      const bool matched = lo >= 0 && up >= 0;
      if (!matched) {
        ++wrong;
      } else {
        found_edges.emplace_back(lo, up);
      }
      const bool correct =
          matched && std::count(true_edges.begin(), true_edges.end(), std::pair{lo, up}) > 0;
      edge_list.push_back(
          {{"from_latent", live1[static_cast<std::size_t>(p)]},
           {"to_latent", live2[u]},
           {"concepts", matched ? "A" + std::to_string(lo) + " -> B" + std::to_string(up) : "?"},
           {"effect", up_entry.effects[q]},
           {"p_value", up_entry.p_values[q]},
           {"true_edge", correct}});
    }
  }
  nlohmann::json missed = nlohmann::json::array();
  for (const auto& e : true_edges) {
    if (std::find(found_edges.begin(), found_edges.end(), e) == found_edges.end()) {
      missed.push_back("A" + std::to_string(e.first) + " -> B" + std::to_string(e.second));
    }
  }
  Index hits = 0;
  for (const auto& e : found_edges) {
    hits += std::count(true_edges.begin(), true_edges.end(), e) > 0 ? 1 : 0;
  }
  const double found_total = static_cast<double>(found_edges.size()) + static_cast<double>(wrong);
  const double precision = found_total > 0 ? static_cast<double>(hits) / found_total : 0.0;
  const double recall = static_cast<double>(hits) / static_cast<double>(true_edges.size());
  const double f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
  std::fprintf(
      stderr,
      "  concept graph: %lld edges found, %lld true; precision %.3f, recall %.3f, F1 %.3f\n",
      static_cast<long long>(found_total), static_cast<long long>(true_edges.size()), precision,
      recall, f1);

  // Name the nodes after the SAE latent and the concept it was matched to, then write DOT/SVG.
  for (std::size_t j = 0; j < live1.size(); ++j) {
    auto& node = concepts.graph.node(static_cast<Index>(j));
    node.name = "z1[" + std::to_string(live1[j]) + "]";
    if (truth1[j] >= 0) node.name += " = A" + std::to_string(truth1[j]);
  }
  for (std::size_t j = 0; j < live2.size(); ++j) {
    auto& node = concepts.graph.node(static_cast<Index>(live1.size() + j));
    node.name = "z2[" + std::to_string(live2[j]) + "]";
    if (truth2[j] >= 0) node.name += " = B" + std::to_string(truth2[j]);
  }
  // The truth in the same node ids: a true concept is the latent matched to it, or a node of its
  // own ("A3 (no latent)") when no latent was. The picture then draws true, false and missed
  // edges in their own styles, with the same counts as the score above.
  hilm::Graph full = concepts.graph;
  auto concept_node = [&](const std::vector<Index>& matched, Index offset, Index concept_id,
                          const std::string& prefix, int level) {
    for (std::size_t j = 0; j < matched.size(); ++j) {
      if (matched[j] == concept_id) return offset + static_cast<Index>(j);
    }
    const std::string name = prefix + std::to_string(concept_id) + " (no latent)";
    for (Index v = concepts.graph.size(); v < full.size(); ++v) {
      if (full.node(v).name == name) return v;
    }
    return full.add_node({name, true, level, 0});
  };
  std::vector<hilm::Edge> truth_drawn;
  for (const auto& [lo, up] : true_edges) {
    const Index from = concept_node(truth1, 0, lo, "A", 0);
    const Index to = concept_node(truth2, static_cast<Index>(live1.size()), up, "B", 1);
    truth_drawn.push_back({from, to, hilm::Mark::Directed});
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
                                           std::to_string(a.seed) + ")",
                                  .legend = true,
                                  .legend_notes = notes,
                                  .components_per_row = 3,
                                  .truth = &drawn_truth}));
  const bool svg = render_svg(dot_path, out_file("concept_graph.svg"));
  if (!svg) {
    std::fprintf(stderr, "  (Graphviz's dot not found: concept_graph.svg not written)\n");
  }

  // 4. Steering along the concept graph: ablate the learned level-2 concept matched to B0 by
  // ablating its parents among the level-1 latents (error-preserving), then measure, with the
  // TRUE level-1 atoms, how much of each true concept's energy is left.
  nlohmann::json steering;
  {
    hilm::ConceptLinks links;
    links.parents_of_upper.resize(live2.size());
    for (std::size_t u = 0; u < concepts.uppers.size(); ++u) {
      for (const Index p : concepts.uppers[u].parents) {
        links.parents_of_upper[u].push_back(live1[static_cast<std::size_t>(p)]);
      }
    }
    Index upper = -1;
    for (std::size_t u = 0; u < truth2.size(); ++u) {
      if (truth2[u] == 0) upper = static_cast<Index>(u);
    }
    if (upper < 0 || links.parents_of_upper[static_cast<std::size_t>(upper)].empty()) {
      steering["skipped"] = "concept B0 has no learned latent with parents";
    } else {
      const hilm::Edit edit{upper, hilm::EditMode::Ablate, 0.0};
      const auto steered = hilm::intervene_upper(level1.weights, data.x, links, edit);
      const auto energy = hilm::atom_energy(data.atoms, data.x, steered.x);
      const std::vector<Index> edited = links.parents_of_upper[static_cast<std::size_t>(upper)];
      std::vector<Index> targets;  // true concepts the edit is meant to remove
      for (const Index j : edited) {
        const auto it = std::find(live1.begin(), live1.end(), j);
        const Index t = truth1[static_cast<std::size_t>(it - live1.begin())];
        if (t >= 0) targets.push_back(t);
      }
      double removed_min = 1, others_max = 0;
      nlohmann::json per_concept = nlohmann::json::array();
      for (Index i = 0; i < data.atoms.rows(); ++i) {
        const bool target = std::find(targets.begin(), targets.end(), i) != targets.end();
        const double removed = energy.removed_fraction(i), moved = energy.relative_change(i);
        if (target) removed_min = std::min(removed_min, removed);
        if (!target) others_max = std::max(others_max, moved);
        per_concept.push_back({{"concept", "A" + std::to_string(i)},
                               {"edited", target},
                               {"energy_removed", removed},
                               {"relative_change", moved}});
      }
      std::vector<Index> true_parents = data.parents[0][0];
      steering = {{"edit", "ablate level-2 concept B0 through its learned parents"},
                  {"upper_latent", live2[static_cast<std::size_t>(upper)]},
                  {"lower_latents_edited", edited},
                  {"true_concepts_edited", targets},
                  {"true_parents_of_B0", true_parents},
                  {"min_energy_removed_on_edited", removed_min},
                  {"max_relative_change_on_others", others_max},
                  {"changed_rows", steered.changed_rows},
                  {"per_concept", per_concept}};
      std::fprintf(stderr,
                   "  steering: ablating B0 through %zu level-1 latents removes >= %.1f%% of their "
                   "concepts' energy; other concepts move <= %.2f%%\n",
                   edited.size(), 100 * removed_min, 100 * others_max);
    }
  }

  report["concept_graph"] = {{"edges_found", found_total},
                             {"edges_true", true_edges.size()},
                             {"precision", precision},
                             {"recall", recall},
                             {"f1", f1},
                             {"edges_on_unmatched_latents", wrong},
                             {"edges", edge_list},
                             {"missed_true_edges", missed},
                             {"latents_used", {live1.size(), live2.size()}},
                             {"duplicate_latents_merged", {merged1.duplicates, merged2.duplicates}},
                             {"seconds", graph_seconds},
                             {"svg", svg}};
  report["steering"] = steering;
  report["truth"] = {{"parents_of_level2", data.parents[0]}};

  // Training curves.
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
  write_text(out_file("training_curves.svg"),
             line_plot_svg(curves, {.title = "SAE training: unexplained variance",
                                    .x_label = "step",
                                    .y_label = "1 − explained variance",
                                    .log_y = true}));

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
  cmd->add_option("--epochs", args->epochs, "SAE training epochs")
      ->check(CLI::Range(Index{1}, Index{1000}))
      ->capture_default_str();
  cmd->callback([args] { run(*args); });
}

[[maybe_unused]] const bool registered = register_command("demo", &setup);

}  // namespace
}  // namespace hilm::cli

// The stages of `hilm demo --case use-lite`: forward pass, SAE per layer, labels, the choice of
// the labelled latents, the concept graph and the steering (see demo_use_lite.cpp).
#include "demo_use_lite_parts.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <hilm/core/random.hpp>
#include <hilm/graph/dot.hpp>
#include <hilm/hierarchy/concept_graph.hpp>
#include <hilm/sources/matrix_source.hpp>
#include <hilm/steer/model_steering.hpp>

#include "cli_common.hpp"
#include "render_svg.hpp"
#include "svg_plot.hpp"

namespace hilm::cli::demo_use_lite {

namespace {

// Rule for the labelled latents (fixed before any steering is run): firing on 0.1 %–2 % of the
// tokens (rarer latents have too few examples to name, denser ones are not one concept —
// REAL-MODELS.md §A saw clean concepts in that band); label = its most frequent pieces (≤ 3, each
// on ≥ 10 % of its firing tokens) that are whole-word pieces (a leading "▁" and at least 3 more
// characters: sub-word fragments and short function words name no concept) occurring in at most
// 10 % of the corpus sentences (common pieces such as "▁the" name no concept, and a random
// neighbourhood must be off-concept); label purity (share of its firing tokens on a label piece)
// ≥ 0.2; the label's pieces together in 1 %–10 % of the sentences (at least ~18 of the default
// 1,760, so that 10 nearest neighbours can all be on-concept); cohesion ≥ 0.3 in the UNSTEERED
// model's output space (mean share of on-concept sentences among the 10 nearest corpus sentences
// of the label's own sentences: the nearest-neighbour read-out can only see a concept that is a
// neighbourhood of the output space — a function word such as "▁when" is not); ranked by purity,
// one latent per leading piece. Nothing here looks at a steered output. The rest of the pool is
// steered too and reported beside the ten (steering.pool), so the choice of ten hides nothing:
// re-ranking the pool by cohesion put 5 risers in seed 0's ten but 3 in seed 1's and seed 2's
// (docs/real-networks.md), so the ranking stays fixed.
constexpr double kMinRate = 0.001, kMaxRate = 0.02, kMinPurity = 0.2, kMaxSentenceShare = 0.1,
                 kMinSentenceShare = 0.01, kMinCohesion = 0.3;
constexpr std::size_t kLabelled = 10, kLowerConcepts = 30, kProbes = 3, kAblated = 10,
                      kMinWordChars = 3, kPool = 40;
constexpr Index kNeighbours = 10, kTrainRows = 20000;
const std::vector<double> kAlphas = {0, 1, 2, 4, 8};

bool contains_any(const std::vector<std::int32_t>& ids, const std::set<std::int32_t>& wanted) {
  return std::any_of(ids.begin(), ids.end(), [&](std::int32_t t) { return wanted.count(t) > 0; });
}

// A whole-word piece: sentencepiece's word-start marker "▁" (U+2581, 3 bytes of UTF-8) followed by
// at least kMinWordChars characters (counted as UTF-8 lead bytes).
bool whole_word(const std::string& piece) {
  const std::string marker = "\u2581";
  if (piece.rfind(marker, 0) != 0) return false;
  std::size_t chars = 0;
  for (std::size_t i = marker.size(); i < piece.size(); ++i) {
    if ((static_cast<unsigned char>(piece[i]) & 0xC0) != 0x80) ++chars;
  }
  return chars >= kMinWordChars;
}

std::vector<bool> sentence_flags(const Corpus& c, const std::set<std::int32_t>& wanted) {
  std::vector<bool> flags;
  flags.reserve(c.ids.size());
  for (const auto& s : c.ids) flags.push_back(contains_any(s, wanted));
  return flags;
}

std::string pieces_text(const std::vector<std::pair<std::string, std::int64_t>>& pieces) {
  std::string out;
  for (const auto& [p, n] : pieces) out += (out.empty() ? "" : " ") + p + ":" + std::to_string(n);
  return out;
}

// Columns `cols` of the SAE codes of `x`, encoded in batches (the full n × m code matrix is not
// needed).
RowMatrix<float> code_columns(const SaeWeights<float>& w, const RowMatrix<float>& x,
                              const std::vector<Index>& cols) {
  RowMatrix<float> out(x.rows(), static_cast<Index>(cols.size()));
  constexpr Index batch = 4096;
  for (Index start = 0; start < x.rows(); start += batch) {
    const Index rows = std::min(batch, x.rows() - start);
    const RowMatrix<float> z = sae_encode(w, x.middleRows(start, rows));
    for (std::size_t j = 0; j < cols.size(); ++j) {
      out.block(start, static_cast<Index>(j), rows, 1) = z.col(cols[j]);
    }
  }
  return out;
}

// The kNeighbours nearest corpus sentences (cosine of the unit output embeddings) of every corpus
// sentence, itself excluded.
std::vector<std::vector<Index>> nearest_sentences(const Corpus& c) {
  const Index n = c.embeddings.rows();
  std::vector<std::vector<Index>> out(static_cast<std::size_t>(n));
  std::vector<Index> order(static_cast<std::size_t>(n));
  constexpr Index batch = 256;
  for (Index start = 0; start < n; start += batch) {
    const Index rows = std::min(batch, n - start);
    const RowMatrix<float> sim = c.embeddings.middleRows(start, rows) * c.embeddings.transpose();
    for (Index r = 0; r < rows; ++r) {
      const Index self = start + r;
      for (Index j = 0; j < n; ++j) order[static_cast<std::size_t>(j)] = j;
      const auto k = static_cast<std::ptrdiff_t>(std::min(kNeighbours + 1, n));
      std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](Index a, Index b) {
        return sim(r, a) > sim(r, b) || (sim(r, a) == sim(r, b) && a < b);
      });
      auto& list = out[static_cast<std::size_t>(self)];
      for (std::ptrdiff_t j = 0; j < k && static_cast<Index>(list.size()) < kNeighbours; ++j) {
        if (order[static_cast<std::size_t>(j)] != self)
          list.push_back(order[static_cast<std::size_t>(j)]);
      }
    }
  }
  return out;
}

// Mean share of flagged sentences among the nearest neighbours of the flagged sentences.
double cohesion(const std::vector<std::vector<Index>>& nearest, const std::vector<bool>& flags) {
  double total = 0;
  std::size_t count = 0;
  for (std::size_t i = 0; i < flags.size(); ++i) {
    if (!flags[i]) continue;
    std::size_t on = 0;
    for (const Index j : nearest[i]) on += flags[static_cast<std::size_t>(j)] ? 1 : 0;
    total +=
        static_cast<double>(on) / static_cast<double>(std::max<std::size_t>(nearest[i].size(), 1));
    ++count;
  }
  return count == 0 ? 0 : total / static_cast<double>(count);
}

std::vector<Labelled> choose(const LayerStage& layer, const Corpus& corpus,
                             const std::map<std::string, std::int32_t>& id_of,
                             const std::vector<std::vector<Index>>& nearest, std::size_t count) {
  // Share of the corpus sentences that contain each piece (cached per piece id).
  std::map<std::int32_t, double> share;
  auto share_of = [&](std::int32_t id) {
    auto it = share.find(id);
    if (it != share.end()) return it->second;
    const auto flags = sentence_flags(corpus, {id});
    const double v = static_cast<double>(std::count(flags.begin(), flags.end(), true)) /
                     static_cast<double>(flags.size());
    share.emplace(id, v);
    return v;
  };
  std::vector<Labelled> pool;
  for (const ConceptLabel& l : layer.labels) {
    if (l.firing_rate < kMinRate || l.firing_rate > kMaxRate || l.top_pieces.empty()) continue;
    Labelled c;
    c.latent = l.latent;
    c.firing_rate = l.firing_rate;
    std::int64_t covered = 0;
    for (std::size_t p = 0; p < l.top_pieces.size() && c.pieces.size() < 3; ++p) {
      const auto& [piece, n] = l.top_pieces[p];
      if (static_cast<double>(n) < 0.1 * static_cast<double>(l.fires)) break;
      if (!whole_word(piece)) continue;
      const std::int32_t id = id_of.at(piece);
      if (share_of(id) > kMaxSentenceShare) continue;  // too common to name a concept
      c.pieces.push_back(piece);
      c.ids.insert(id);
      covered += n;
    }
    if (c.pieces.empty()) continue;
    c.purity = static_cast<double>(covered) / static_cast<double>(l.fires);
    if (c.purity < kMinPurity) continue;
    const auto flags = sentence_flags(corpus, c.ids);
    c.sentence_share = static_cast<double>(std::count(flags.begin(), flags.end(), true)) /
                       static_cast<double>(flags.size());
    if (c.sentence_share > kMaxSentenceShare || c.sentence_share < kMinSentenceShare) continue;
    c.cohesion = cohesion(nearest, flags);
    if (c.cohesion < kMinCohesion) continue;
    pool.push_back(std::move(c));
  }
  std::stable_sort(pool.begin(), pool.end(),
                   [](const Labelled& a, const Labelled& b) { return a.purity > b.purity; });
  std::vector<Labelled> out;
  std::set<std::string> leading;
  for (auto& c : pool) {
    if (out.size() == count) break;
    if (!leading.insert(c.pieces.front()).second) continue;
    out.push_back(std::move(c));
  }
  return out;
}

nlohmann::json labelled_json(const std::vector<Labelled>& list, const std::string& layer) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : list) {
    out.push_back({{"latent", c.latent},
                   {"name", c.name(layer)},
                   {"pieces", c.pieces},
                   {"purity", c.purity},
                   {"firing_rate", c.firing_rate},
                   {"sentence_share", c.sentence_share},
                   {"cohesion", c.cohesion}});
  }
  return out;
}

// Neutral probe sentences for a latent: starting at ⌊t·N/3⌋ (t = 0, 1, 2), the first sentence of
// at least 5 tokens that contains none of the latent's pieces and none of whose 10 nearest corpus
// sentences (unsteered) does — so that a rise measures the steering, not a probe already near the
// concept (REAL-MODELS.md §A steered "neutral probe sentences"); when no such sentence exists the
// neighbour condition is dropped.
std::vector<std::size_t> probes_for(const Corpus& c, const Labelled& latent,
                                    const std::vector<bool>& flags,
                                    const std::vector<std::vector<Index>>& nearest) {
  std::vector<std::size_t> out;
  const std::size_t n = c.ids.size();
  auto neutral = [&](std::size_t i) {
    return std::none_of(nearest[i].begin(), nearest[i].end(),
                        [&](Index j) { return flags[static_cast<std::size_t>(j)]; });
  };
  for (const bool strict : {true, false}) {
    for (std::size_t t = 0; t < kProbes && out.size() < kProbes; ++t) {
      for (std::size_t i = t * n / kProbes; i < n; ++i) {
        if (c.ids[i].size() < 5 || contains_any(c.ids[i], latent.ids)) continue;
        if (strict && !neutral(i)) continue;
        if (std::find(out.begin(), out.end(), i) != out.end()) continue;
        out.push_back(i);
        break;
      }
    }
    if (out.size() == kProbes) break;
  }
  return out;
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (const double x : v) s += x;
  return v.empty() ? 0 : s / static_cast<double>(v.size());
}

UseLite::Batch batch_of(const Corpus& c, const std::vector<std::size_t>& rows) {
  UseLite::Batch b;
  for (const std::size_t i : rows) b.push_back(c.ids[i]);
  return b;
}

std::vector<Index> as_index(const std::vector<std::size_t>& rows) {
  return {rows.begin(), rows.end()};
}

// The on-concept fraction (mean over the probes) at every α of kAlphas, steering `direction`.
std::vector<double> concept_curve(const UseLite& model, const LayerStage& layer, const Corpus& c,
                                  const std::vector<std::size_t>& probes,
                                  const std::vector<bool>& flags,
                                  const Eigen::Ref<const Vector<float>>& direction,
                                  bool* identical = nullptr) {
  const SteeringCurve steered =
      steering_curve(model, batch_of(c, probes), direction,
                     {.layer = "layer1", .alphas = kAlphas, .scale = layer.mean_norm});
  if (identical != nullptr) *identical = steered.zero_alpha_identical;
  std::vector<double> curve;
  for (const auto& y : steered.outputs) {
    curve.push_back(
        mean(on_concept_fraction(y, c.embeddings, flags, kNeighbours, as_index(probes))));
  }
  return curve;
}

// The acceptance's rise: ≤ 0.1 at α = 0 and ≥ 0.8 at some α.
bool rises(const std::vector<double>& curve) {
  return curve.front() <= 0.1 && *std::max_element(curve.begin(), curve.end()) >= 0.8;
}

// The label's difference-of-means direction at layer 1: mean activation of the tokens that are
// one of its pieces minus the mean activation of all tokens (the supervised baseline that
// steering benchmarks compare SAE latents with: Marks & Tegmark 2023, "The Geometry of Truth";
// Wu et al. 2025, "AxBench").
Vector<float> difference_of_means(const Corpus& c, const std::set<std::int32_t>& ids) {
  Vector<double> on = Vector<double>::Zero(c.layer1.cols());
  Index count = 0, row = 0;
  for (const auto& sentence : c.ids) {
    for (const std::int32_t id : sentence) {
      if (ids.count(id) > 0) {
        on += c.layer1.row(row).transpose().cast<double>();
        ++count;
      }
      ++row;
    }
  }
  return (on / static_cast<double>(std::max<Index>(count, 1)) - c.layer1_mean).cast<float>();
}

double cosine(const Vector<float>& a, const Vector<float>& b) {
  const double den = static_cast<double>(a.norm()) * static_cast<double>(b.norm());
  return den > 0 ? static_cast<double>(a.dot(b)) / den : 0.0;
}

// Steering curve and ablation of one latent of layer 1, beside two baselines on the same probes:
// the label's difference-of-means direction and a random direction (seeded by the latent).
nlohmann::json steer_one(const UseLite& model, const LayerStage& layer, const Labelled& latent,
                         const Corpus& c, const std::vector<std::vector<Index>>& nearest,
                         std::vector<double>& curve, bool& identical) {
  const auto& w = layer.selection.models.front();
  const Vector<float> direction = w.w_dec.row(latent.latent).transpose();
  const std::vector<bool> flags = sentence_flags(c, latent.ids);
  const std::vector<std::size_t> probes = probes_for(c, latent, flags, nearest);
  curve = concept_curve(model, layer, c, probes, flags, direction, &identical);
  const Vector<float> mean_difference = difference_of_means(c, latent.ids);
  const std::vector<double> dm_curve =
      concept_curve(model, layer, c, probes, flags, mean_difference);
  Random rng(0x5eedULL + static_cast<std::uint64_t>(latent.latent));
  Vector<float> random(direction.size());
  for (Index i = 0; i < random.size(); ++i) random(i) = static_cast<float>(rng.normal());
  const std::vector<double> random_curve = concept_curve(model, layer, c, probes, flags, random);
  // Ablation on the first sentences that contain the pieces.
  std::vector<std::size_t> on;
  for (std::size_t i = 0; i < c.ids.size() && on.size() < kAblated; ++i) {
    if (flags[i]) on.push_back(i);
  }
  RowMatrix<float> before(static_cast<Index>(on.size()), c.embeddings.cols());
  for (std::size_t r = 0; r < on.size(); ++r) {
    before.row(static_cast<Index>(r)) = c.embeddings.row(static_cast<Index>(on[r]));
  }
  ForwardRequest ablate;
  ablate.edit_layer = "layer1";
  ablate.edit = ablation_edit(w, latent.latent);
  const RowMatrix<float> after = model.forward(batch_of(c, on), ablate).output;
  const double f_before =
      mean(on_concept_fraction(before, c.embeddings, flags, kNeighbours, as_index(on)));
  const double f_after =
      mean(on_concept_fraction(after, c.embeddings, flags, kNeighbours, as_index(on)));
  std::vector<std::string> probe_text;
  for (const std::size_t i : probes) probe_text.push_back(c.sentences[i]);
  return {{"latent", latent.latent},
          {"name", latent.name("L1")},
          {"pieces", latent.pieces},
          {"probe_sentences", probe_text},
          {"alphas", kAlphas},
          {"on_concept_fraction", curve},
          {"alpha0_bit_identical", identical},
          {"rises", rises(curve)},
          {"baselines",
           {{"difference_of_means",
             {{"on_concept_fraction", dm_curve},
              {"rises", rises(dm_curve)},
              {"cosine_with_decoder", cosine(direction, mean_difference)}}},
            {"random_direction",
             {{"on_concept_fraction", random_curve}, {"rises", rises(random_curve)}}}}},
          {"ablation",
           {{"sentences", on.size()},
            {"fraction_before", f_before},
            {"fraction_after", f_after},
            {"drop", f_before - f_after}}}};
}

}  // namespace

std::string Labelled::name(const std::string& layer) const {
  std::string n = layer + ":" + std::to_string(latent);
  for (const auto& p : pieces) n += " " + p;
  return n;
}

void run_model(const UseLite& model, Corpus& c) {
  const Stopwatch watch;
  const auto width = model.layer_width("layer0");
  c.layer0.resize(c.tokens, width);
  c.layer1.resize(c.tokens, model.layer_width("layer1"));
  c.embeddings.resize(static_cast<Index>(c.ids.size()), model.output_width());
  ForwardRequest request;
  request.record = {"layer0", "layer1"};
  constexpr std::size_t batch = 64;
  Index row = 0;
  for (std::size_t s = 0; s < c.ids.size(); s += batch) {
    const std::size_t e = std::min(c.ids.size(), s + batch);
    const UseLite::Batch b(c.ids.begin() + static_cast<std::ptrdiff_t>(s),
                           c.ids.begin() + static_cast<std::ptrdiff_t>(e));
    const ForwardResult r = model.forward(b, request);
    const Index rows = r.layer("layer0").rows();
    c.layer0.middleRows(row, rows) = r.layer("layer0");
    c.layer1.middleRows(row, rows) = r.layer("layer1");
    c.embeddings.middleRows(static_cast<Index>(s), static_cast<Index>(e - s)) = r.output;
    row += rows;
  }
  if (row != c.tokens) {
    throw numerical_failure("demo: the model returned " + std::to_string(row) + " rows for " +
                            std::to_string(c.tokens) + " tokens");
  }
  require_finite(c.layer1, "demo: layer1 activations");
  c.layer1_mean = c.layer1.cast<double>().colwise().mean().transpose();
  c.seconds = watch.seconds();
}

LayerStage fit_layer(const std::string& name, const Corpus& corpus, const UseLiteDemoArgs& a) {
  const Stopwatch watch;
  LayerStage s;
  s.name = name;
  s.x = name == "layer0" ? &corpus.layer0 : &corpus.layer1;
  s.mean_norm = mean_row_norm(*s.x);
  // Candidates around what REAL-MODELS.md §A found useful (2,048 latents, k 32 on layer 1),
  // scaled to the demo's budget; minimality picks among them.
  // Layer 1 is steered, so it gets the larger dictionaries (REAL-MODELS.md §A: 2,048 latents,
  // k 32); layer 0 only feeds the concept graph.
  if (name == "layer0") {
    s.options.candidates = {{512, 32}, {1024, 32}};
  } else {
    s.options.candidates = {{1024, 32}, {2048, 32}};
  }
  s.options.seeds = {a.seed, a.seed + 1, a.seed + 2};
  s.options.epsilon = 0.02;
  // Batches of 128 give 2x the optimiser steps of 512 for the same arithmetic (the SAEs were
  // under-trained at 78 steps per run).
  s.options.base.batch_size = 256;
  s.options.base.epochs = a.epochs;
  s.options.base.learning_rate = 2e-3;
  s.options.base.dead_after_rows = 20000;
  s.options.base.init_sample_rows = 8192;
  s.options.base.geometric_median_iterations = 20;
  s.options.base.progress = progress_bar("SAE " + name);
  // SAEs train (and are scored) on at most kTrainRows rows spread evenly over the corpus, so the
  // default run fits its time budget; labels use every row.
  RowMatrix<float> train = *s.x;
  if (s.x->rows() > kTrainRows) {
    train.resize(kTrainRows, s.x->cols());
    for (Index i = 0; i < kTrainRows; ++i) train.row(i) = s.x->row(i * s.x->rows() / kTrainRows);
  }
  s.train_rows = train.rows();
  MatrixSource source(train);
  s.selection = select_sae_size<float>(source, s.options);
  s.labels = concept_labels(s.selection.models.front(), *s.x, corpus.pieces, {.top_pieces = 5});
  s.seconds = watch.seconds();
  return s;
}

nlohmann::json layer_json(const LayerStage& s) {
  nlohmann::json candidates = nlohmann::json::array();
  for (const auto& c : s.selection.candidates) {
    candidates.push_back({{"latents", c.size.latents},
                          {"k", c.size.k},
                          {"explained_variance", c.explained_variance},
                          {"explained_variance_min", c.explained_variance_min},
                          {"explained_variance_max", c.explained_variance_max},
                          {"l0", c.l0},
                          {"dead_fraction", c.dead_fraction},
                          {"stable_fraction", c.stable_fraction},
                          {"mean_match_cosine", c.mean_match_cosine},
                          {"acceptable", c.acceptable},
                          {"seconds", c.seconds}});
  }
  const auto& chosen = s.selection.candidates[static_cast<std::size_t>(s.selection.chosen)];
  return {{"mean_activation_norm", s.mean_norm},
          {"train_rows", s.train_rows},
          {"seeds", s.options.seeds},
          {"epsilon", s.options.epsilon},
          {"rule",
           "smallest code (k, then latents) whose mean explained variance over the seeds "
           "is within epsilon of the best candidate's"},
          {"candidates", candidates},
          {"chosen", {{"latents", chosen.size.latents}, {"k", chosen.size.k}}},
          {"identifiability",
           {{"stable_fraction", chosen.stable_fraction},
            {"match_threshold", s.options.match_threshold},
            {"mean_match_cosine", chosen.mean_match_cosine},
            {"explained_variance", chosen.explained_variance},
            {"l0", chosen.l0},
            {"dead_fraction", chosen.dead_fraction}}},
          {"seconds", s.seconds}};
}

std::string concepts_tsv(const std::vector<LayerStage>& layers) {
  std::ostringstream out;
  out << "layer\tlatent\tfiring_rate\tfires\tpurity\ttop_pieces\n";
  for (const auto& s : layers) {
    for (const auto& l : s.labels) {
      out << s.name << '\t' << l.latent << '\t' << l.firing_rate << '\t' << l.fires << '\t'
          << l.purity << '\t' << pieces_text(l.top_pieces) << '\n';
    }
  }
  return out.str();
}

Selection select_latents(const std::vector<LayerStage>& layers, const Corpus& corpus) {
  std::map<std::string, std::int32_t> id_of;
  for (std::size_t s = 0, row = 0; s < corpus.ids.size(); ++s) {
    for (const std::int32_t id : corpus.ids[s]) id_of.emplace(corpus.pieces[row++], id);
  }
  Selection out;
  out.nearest = nearest_sentences(corpus);
  out.layer0 = choose(layers[0], corpus, id_of, out.nearest, kLowerConcepts);
  out.layer1 = choose(layers[1], corpus, id_of, out.nearest, kLabelled + kPool);
  if (out.layer1.size() > kLabelled) {
    out.pool.assign(std::make_move_iterator(out.layer1.begin() + kLabelled),
                    std::make_move_iterator(out.layer1.end()));
    out.layer1.resize(kLabelled);
  }
  out.json = {{"rule",
               "fixed before steering: firing rate in [0.1 %, 2 %] of tokens; label = its most "
               "frequent pieces (<= 3, each on >= 10 % of its firing tokens) that are whole-word "
               "pieces (leading U+2581 and >= 3 more characters) occurring in <= 10 % of the "
               "corpus sentences; purity (share of firing tokens on a label piece) >= 0.2; the "
               "label's pieces together in 1 %-10 % of the sentences; cohesion >= 0.3 (mean share "
               "of on-concept sentences among the 10 nearest corpus sentences of the label's own "
               "sentences, UNSTEERED model); ranked by purity, one latent per leading piece; the "
               "first 10 layer-1 latents are the labelled ones and the first of them is the "
               "demo's chosen latent; the rest of the pool (up to 40 more) is steered the same "
               "way and reported under steering.pool; probes: per latent 3 sentences (from 0, 1/3 "
               "and 2/3 of the corpus) without its pieces and without on-concept sentences among "
               "their 10 nearest (unsteered)"},
              {"min_firing_rate", kMinRate},
              {"max_firing_rate", kMaxRate},
              {"min_purity", kMinPurity},
              {"max_piece_sentence_share", kMaxSentenceShare},
              {"min_label_sentence_share", kMinSentenceShare},
              {"min_cohesion", kMinCohesion},
              {"layer0", labelled_json(out.layer0, "L0")},
              {"layer1", labelled_json(out.layer1, "L1")},
              {"layer1_pool", labelled_json(out.pool, "L1")}};
  return out;
}

nlohmann::json concept_graph_stage(const std::vector<LayerStage>& layers, const Selection& chosen,
                                   const Corpus& corpus, const OutFile& out_file) {
  (void)corpus;
  const Stopwatch watch;
  std::vector<Index> lo, up;
  for (const auto& c : chosen.layer0) lo.push_back(c.latent);
  for (const auto& c : chosen.layer1) up.push_back(c.latent);
  if (lo.empty()) return {{"skipped", "no layer-0 latent passes the labelling rule"}};
  const RowMatrix<float> lower = code_columns(layers[0].selection.models.front(), *layers[0].x, lo);
  const RowMatrix<float> upper = code_columns(layers[1].selection.models.front(), *layers[1].x, up);
  ConceptGraphOptions options;
  options.max_parents = 3;
  const ConceptGraphResult found = concept_graph(lower, upper, options);
  Graph g = found.graph;
  for (std::size_t j = 0; j < lo.size(); ++j)
    g.node(static_cast<Index>(j)).name = chosen.layer0[j].name("L0");
  for (std::size_t j = 0; j < up.size(); ++j) {
    g.node(static_cast<Index>(lo.size() + j)).name = chosen.layer1[j].name("L1");
  }
  nlohmann::json edges = nlohmann::json::array();
  for (const auto& e : g.edges()) {
    edges.push_back({{"from", g.node(e.from).name}, {"to", g.node(e.to).name}});
  }
  const std::string dot = out_file("concept_graph.dot");
  write_text(dot, to_dot(g, {.name = "concept_graph",
                             .title = "hilm demo --case use-lite: layer-0 concepts -> layer-1 "
                                      "concepts (USE-lite)",
                             .legend = true,
                             .legend_notes = {"L0:j p q: latent j of the layer-0 SAE, labelled by "
                                              "the pieces it fires on",
                                              "L0:i -> L1:j: L1:j is a function of its parents"}}));
  const bool svg = render_svg(dot, out_file("concept_graph.svg"));
  if (!svg) std::fprintf(stderr, "  (Graphviz's dot not found: concept_graph.svg not written)\n");
  return {{"lower_latents", lo}, {"upper_latents", up}, {"rows", lower.rows()},
          {"edges", edges},      {"svg", svg},          {"seconds", watch.seconds()}};
}

nlohmann::json steering_stage(const UseLite& model, const LayerStage& layer1,
                              const Selection& chosen, const Corpus& corpus,
                              const OutFile& out_file) {
  const Stopwatch watch;
  bool all_identical = true;
  // Steers each latent of `list` (steer_one: curve, both baselines, ablation) and counts risers.
  struct Steered {
    nlohmann::json latents = nlohmann::json::array();
    int rising = 0, rising_dm = 0, rising_random = 0;
  };
  auto steer_all = [&](const std::vector<Labelled>& list, std::vector<PlotSeries>* series) {
    Steered out;
    for (const auto& latent : list) {
      std::vector<double> curve;
      bool identical = false;
      out.latents.push_back(
          steer_one(model, layer1, latent, corpus, chosen.nearest, curve, identical));
      const auto& last = out.latents.back();
      out.rising += last["rises"].get<bool>() ? 1 : 0;
      out.rising_dm += last["baselines"]["difference_of_means"]["rises"].get<bool>() ? 1 : 0;
      out.rising_random += last["baselines"]["random_direction"]["rises"].get<bool>() ? 1 : 0;
      all_identical = all_identical && identical;
      if (series != nullptr) series->push_back({latent.name("L1"), kAlphas, curve});
    }
    return out;
  };
  std::vector<PlotSeries> series;
  const Steered ten = steer_all(chosen.layer1, &series);
  // The rest of the candidate pool, steered the same way: how the ten compare with every latent
  // the rule admits.
  const Steered pool = steer_all(chosen.pool, nullptr);
  const nlohmann::json& latents = ten.latents;
  const int rising = ten.rising, rising_dm = ten.rising_dm, rising_random = ten.rising_random;
  write_text(out_file("steering_curve.svg"),
             line_plot_svg(series, {.title = "USE-lite: steering layer-1 latents",
                                    .x_label = "α (× mean activation norm of layer 1)",
                                    .y_label = "on-concept fraction of the 10 nearest sentences"}));
  const nlohmann::json& first = latents.front();
  return {
      {"layer", "layer1"},
      {"scale", layer1.mean_norm},
      {"neighbours", kNeighbours},
      {"chosen", first},
      {"latents", latents},
      {"rising", rising},
      {"labelled", latents.size()},
      {"baselines",
       {{"rule",
         "the same probes and alphas; difference_of_means: mean layer-1 activation of the "
         "tokens that are one of the label's pieces minus the mean over all tokens; "
         "random_direction: a standard normal direction seeded by the latent index"},
        {"rising_difference_of_means", rising_dm},
        {"rising_random_direction", rising_random}}},
      {"pool",
       {{"rule", "every other latent the labelling rule admits, beyond the ten, steered alike"},
        {"latents", pool.latents},
        {"size", pool.latents.size()},
        {"rising", pool.rising},
        {"rising_difference_of_means", pool.rising_dm},
        {"rising_random_direction", pool.rising_random}}},
      {"alpha0_bit_identical", all_identical},
      {"acceptance", {{"chosen_rises", first["rises"]}, {"at_least_5_of_10_rise", rising >= 5}}},
      {"seconds", watch.seconds()}};
}

void print_summary(const nlohmann::json& r) {
  for (const char* name : {"layer0", "layer1"}) {
    const auto& l = r["layers"][name];
    std::fprintf(stderr,
                 "  %s: SAE %d latents, k %d (by minimality); EV %.3f, L0 %.1f, dead %.3f, "
                 "stable across seeds %.3f\n",
                 name, l["chosen"]["latents"].get<int>(), l["chosen"]["k"].get<int>(),
                 l["identifiability"]["explained_variance"].get<double>(),
                 l["identifiability"]["l0"].get<double>(),
                 l["identifiability"]["dead_fraction"].get<double>(),
                 l["identifiability"]["stable_fraction"].get<double>());
  }
  const auto& s = r["steering"];
  const auto& c = s["chosen"];
  std::string curve;
  for (const auto& v : c["on_concept_fraction"])
    curve += " " + std::to_string(v.get<double>()).substr(0, 4);
  std::fprintf(stderr, "  steering %s: on-concept fraction at alpha 0 1 2 4 8:%s\n",
               c["name"].get<std::string>().c_str(), curve.c_str());
  std::fprintf(stderr, "  %d of %d labelled latents rise from <= 0.1 to >= 0.8; alpha 0 %s\n",
               s["rising"].get<int>(), s["labelled"].get<int>(),
               s["alpha0_bit_identical"].get<bool>() ? "bit-identical" : "NOT bit-identical");
  std::fprintf(stderr,
               "  baselines on the same probes: the labels' difference-of-means directions rise "
               "for %d, random directions for %d\n",
               s["baselines"]["rising_difference_of_means"].get<int>(),
               s["baselines"]["rising_random_direction"].get<int>());
  std::fprintf(stderr,
               "  the other %d latents the rule admits: %d rise (difference of means: %d)\n",
               s["pool"]["size"].get<int>(), s["pool"]["rising"].get<int>(),
               s["pool"]["rising_difference_of_means"].get<int>());
  std::fprintf(stderr, "  ablation of %s: on-concept fraction %.2f -> %.2f\n",
               c["name"].get<std::string>().c_str(), c["ablation"]["fraction_before"].get<double>(),
               c["ablation"]["fraction_after"].get<double>());
}

}  // namespace hilm::cli::demo_use_lite

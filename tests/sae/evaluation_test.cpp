// Tests of include/hilm/sae/evaluation.hpp: the ground-truth scores (planted decoders, a random
// negative control, an absorption plant, an independent naive recomputation) and the SAEBench
// core metrics.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/random.hpp>
#include <hilm/sae/evaluation.hpp>
#include <hilm/sources/matrix_source.hpp>
#include <hilm/synth/synth_sae_bench.hpp>

#include "support/catch.hpp"
#include "support/sae_truth_reference.hpp"

using hilm::Index;
using hilm::RowMatrix;

namespace {

// A small SynthSAEBench truth: 32 features in 48 dimensions, two trees of depth 2 (14 features,
// 12 parent–child pairs), firing probabilities high enough that every feature fires in a few
// thousand rows.
hilm::SynthSaeBenchModel small_truth(std::uint64_t seed, hilm::Index correlation_rank = 0) {
  return hilm::make_synth_sae_bench({.features = 32,
                                     .hidden = 48,
                                     .p_max = 0.4,
                                     .p_min = 0.05,
                                     .hierarchy_roots = 2,
                                     .branching = 2,
                                     .hierarchy_depth = 2,
                                     .correlation_rank = correlation_rank,
                                     .orthogonalize_steps = 0,
                                     .seed = seed});
}

// The decoder IS the truth and the encoder inverts it exactly: W_dec = F, b_dec = bias,
// W_enc = (F Fᵀ)⁻¹ F, so (x − bias)·W_encᵀ = the true codes; a JumpReLU threshold of 0.01 keeps
// the active ones (magnitudes are around 4–5).
hilm::SaeWeights<float> planted_weights(const hilm::SynthSaeBenchModel& model) {
  hilm::SaeWeights<float> w;
  const Index m = model.features();
  w.architecture = hilm::SaeArchitecture::JumpReLU;
  const hilm::Matrix<double> f = model.feature_vectors.cast<double>();
  const hilm::Matrix<double> gram = f * f.transpose();
  const hilm::Matrix<double> enc = gram.ldlt().solve(f);
  w.w_enc = enc.cast<float>();
  w.w_dec = model.feature_vectors;
  w.b_enc = hilm::Vector<float>::Zero(m);
  w.b_dec = model.bias.transpose();
  w.threshold = hilm::Vector<float>::Constant(m, 0.01f);
  return w;
}

hilm::SaeTruthMetrics score(const hilm::SaeWeights<float>& w, const hilm::SynthSaeBenchModel& model,
                            Index rows, hilm::SaeCoreMetrics* core = nullptr) {
  hilm::SynthSaeBenchSampler sampler(model, {.samples = rows});
  return hilm::evaluate_sae_truth(w, model.feature_vectors, model.parents, sampler, 500, {}, core);
}

std::vector<Index> children_of(const hilm::SynthSaeBenchModel& model, Index parent) {
  std::vector<Index> out;
  for (Index i = 0; i < model.features(); ++i) {
    if (model.parents[static_cast<std::size_t>(i)] == parent) out.push_back(i);
  }
  return out;
}

}  // namespace

TEST_CASE("sae: a decoder equal to the truth scores MCC, uniqueness and F1 of 1", "[sae]") {
  const auto model = small_truth(hilm::test::seed(1));
  const hilm::SaeWeights<float> w = planted_weights(model);
  hilm::SaeCoreMetrics core;
  const hilm::SaeTruthMetrics t = score(w, model, 4000, &core);
  REQUIRE(t.rows == 4000);
  REQUIRE(t.dead_latents == 0);  // every feature fired, so every latent can be scored
  CHECK(t.matched_pairs == 32);
  CHECK(t.mcc > 1 - 1e-5);
  CHECK(t.uniqueness == 1.0);
  CHECK(t.f1 > 0.999);
  CHECK(t.precision > 0.999);
  CHECK(t.recall > 0.999);
  CHECK(t.explained_variance > 0.9999);
  CHECK(std::abs(t.shrinkage - 1) < 1e-4);
  CHECK(std::abs(t.l0 - t.true_l0) < 1e-2);
  for (Index j = 0; j < t.latents; ++j) {
    CHECK(t.matched_feature(j) == j);
    CHECK(t.best_feature(j) == j);
  }
  // The hierarchy is respected: 12 parent–child pairs, no absorption, children imply parents.
  CHECK(t.absorption_pairs == 12);
  CHECK(t.absorption == 0.0);
  CHECK(t.hierarchy_pairs == 12);
  CHECK(t.hierarchy_consistency == 1.0);
  CHECK(core.cossim > 0.9999);
  CHECK(core.frac_alive == 1.0);

  // Permuting the latents changes nothing.
  std::vector<Index> order(static_cast<std::size_t>(w.d_sae()));
  std::iota(order.begin(), order.end(), Index{0});
  std::reverse(order.begin(), order.end());
  std::rotate(order.begin(), order.begin() + 5, order.end());
  hilm::SaeWeights<float> shuffled = w;
  for (Index j = 0; j < w.d_sae(); ++j) {
    const Index from = order[static_cast<std::size_t>(j)];
    shuffled.w_enc.row(j) = w.w_enc.row(from);
    shuffled.w_dec.row(j) = w.w_dec.row(from);
  }
  const hilm::SaeTruthMetrics s = score(shuffled, model, 4000);
  CHECK_THAT(s.mcc, Catch::Matchers::WithinAbs(t.mcc, 1e-12));
  CHECK_THAT(s.f1, Catch::Matchers::WithinAbs(t.f1, 1e-12));
  CHECK(s.uniqueness == t.uniqueness);
  CHECK(s.absorption == t.absorption);
  CHECK(s.hierarchy_consistency == t.hierarchy_consistency);
  CHECK(s.matched_feature(0) == order[0]);
}

TEST_CASE("sae: a random decoder scores low MCC and F1 (negative control)", "[sae]") {
  const auto model = small_truth(hilm::test::seed(2));
  hilm::Random rng(hilm::test::seed(3));
  hilm::SaeWeights<float> w;
  w.architecture = hilm::SaeArchitecture::TopK;
  w.k = 4;
  w.w_dec.resize(32, 48);
  for (Index j = 0; j < 32; ++j) {
    for (Index k = 0; k < 48; ++k) w.w_dec(j, k) = static_cast<float>(rng.normal());
  }
  w.w_dec.rowwise().normalize();
  w.w_enc = w.w_dec;
  w.b_enc = hilm::Vector<float>::Zero(32);
  w.b_dec = model.bias.transpose();
  const hilm::SaeTruthMetrics t = score(w, model, 3000);
  CHECK(t.mcc < 0.5);
  CHECK(t.f1 < 0.5);
  CHECK(t.uniqueness < 1.0);
  const hilm::SaeTruthMetrics planted = score(planted_weights(model), model, 3000);
  CHECK(planted.mcc - t.mcc > 0.5);
}

TEST_CASE("sae: a parent latent that stops firing under its children scores absorption 1",
          "[sae]") {
  const auto model = small_truth(hilm::test::seed(4));
  hilm::SaeWeights<float> w = planted_weights(model);
  const Index parent = 0;
  const std::vector<Index> children = children_of(model, parent);
  REQUIRE(children.size() == 2);
  // pre_P = c_P − 100·Σ c_children: negative, so silent, whenever a child is active.
  for (const Index c : children) w.w_enc.row(parent) -= 100.0f * w.w_enc.row(c);
  const hilm::SaeTruthMetrics t = score(w, model, 4000);
  REQUIRE(t.absorption_pairs == 12);
  Index absorbed_pairs = 0;
  for (const hilm::SaeAbsorptionPair& a : t.absorption_by_pair) {
    REQUIRE(a.rows > 0);
    if (a.parent == parent) {
      CHECK(a.absorption() == 1.0);
      ++absorbed_pairs;
    } else {
      CHECK(a.absorption() == 0.0);  // the other parents still fire with their children
    }
  }
  CHECK(absorbed_pairs == 2);
  CHECK_THAT(t.absorption, Catch::Matchers::WithinAbs(2.0 / 12.0, 1e-12));
  for (const hilm::SaeHierarchyPair& h : t.hierarchy_by_pair) {
    CHECK(h.consistency() == (h.parent == parent ? 0.0 : 1.0));
  }
  // The parent latent still detects its feature on the rows without an active child.
  CHECK_THAT(t.latent_precision(parent), Catch::Matchers::WithinAbs(1.0, 1e-12));
  CHECK(t.latent_recall(parent) < 0.9);
}

TEST_CASE("sae: ground-truth scores equal a naive recomputation", "[sae]") {
  // 8 features (two roots with three children each), correlated firing, and an SAE with fewer
  // (6) or more (10) latents than features: noisy copies of some true directions, TopK k = 3.
  const Index latents = GENERATE(Index{6}, Index{10});
  const auto model = hilm::make_synth_sae_bench({.features = 8,
                                                 .hidden = 16,
                                                 .p_max = 0.5,
                                                 .p_min = 0.1,
                                                 .hierarchy_roots = 2,
                                                 .branching = 3,
                                                 .hierarchy_depth = 1,
                                                 .correlation_rank = 2,
                                                 .correlation_scale = 0.3,
                                                 .orthogonalize_steps = 0,
                                                 .seed = hilm::test::seed(5)});
  hilm::Random rng(hilm::test::seed(6 + static_cast<std::uint64_t>(latents)));
  hilm::SaeWeights<float> w;
  w.architecture = hilm::SaeArchitecture::TopK;
  w.k = 3;
  w.w_dec.resize(latents, 16);
  for (Index j = 0; j < latents; ++j) {
    for (Index k = 0; k < 16; ++k) {
      w.w_dec(j, k) =
          model.feature_vectors((j * 5) % 8, k) + static_cast<float>(0.4 * rng.normal());
    }
  }
  w.w_enc = w.w_dec;
  w.b_enc = hilm::Vector<float>::Constant(latents, -1.0f);
  w.b_dec = model.bias.transpose();
  const Index n = 1500;
  hilm::SynthSaeBenchSampler sampler(model, {.samples = n});
  hilm::SaeCoreMetrics core;
  const hilm::SaeTruthMetrics t =
      hilm::evaluate_sae_truth(w, model.feature_vectors, model.parents, sampler, 256, {}, &core);

  // The same rows, held densely.
  RowMatrix<float> x(n, 16);
  hilm::SparseRowMatrix<float> sparse;
  REQUIRE(sampler.read(x, sparse) == n);
  const RowMatrix<float> codes = RowMatrix<float>(sparse);
  const hilm::test::SaeTruthReference ref =
      hilm::test::sae_truth_reference(w, x, codes, model.feature_vectors, model.parents);
  const double tol = 1e-6;
  CHECK_THAT(t.mcc, Catch::Matchers::WithinAbs(ref.mcc, tol));
  CHECK_THAT(t.uniqueness, Catch::Matchers::WithinAbs(ref.uniqueness, tol));
  CHECK_THAT(t.precision, Catch::Matchers::WithinAbs(ref.precision, tol));
  CHECK_THAT(t.recall, Catch::Matchers::WithinAbs(ref.recall, tol));
  CHECK_THAT(t.f1, Catch::Matchers::WithinAbs(ref.f1, tol));
  CHECK_THAT(t.accuracy, Catch::Matchers::WithinAbs(ref.accuracy, tol));
  CHECK_THAT(t.explained_variance, Catch::Matchers::WithinAbs(ref.explained_variance, tol));
  CHECK_THAT(t.l0, Catch::Matchers::WithinAbs(ref.l0, tol));
  CHECK_THAT(t.true_l0, Catch::Matchers::WithinAbs(ref.true_l0, tol));
  CHECK_THAT(t.shrinkage, Catch::Matchers::WithinAbs(ref.shrinkage, tol));
  CHECK(t.dead_latents == ref.dead_latents);
  CHECK_THAT(t.absorption, Catch::Matchers::WithinAbs(ref.absorption, tol));
  CHECK(t.absorption_pairs == ref.absorption_pairs);
  CHECK_THAT(t.hierarchy_consistency, Catch::Matchers::WithinAbs(ref.hierarchy_consistency, tol));
  CHECK(t.hierarchy_pairs == ref.hierarchy_pairs);
  // The scores are not degenerate: the recomputation is checked on informative values.
  CHECK(t.mcc > 0.5);
  CHECK(t.f1 > 0.1);
  CHECK(t.absorption_pairs > 0);
  CHECK(t.hierarchy_pairs > 0);
  // Core metrics of the same rows, from the evaluator and from evaluate_sae_core.
  hilm::MatrixSource<float> source(x);
  const hilm::SaeCoreMetrics direct = hilm::evaluate_sae_core(w, source, 200);
  for (const hilm::SaeCoreMetrics* c : std::vector<const hilm::SaeCoreMetrics*>{&core, &direct}) {
    CHECK(c->basic.rows == n);
    CHECK_THAT(c->basic.mse, Catch::Matchers::WithinAbs(ref.mse, tol));
    CHECK_THAT(c->basic.explained_variance,
               Catch::Matchers::WithinAbs(ref.explained_variance, tol));
    CHECK_THAT(c->cossim, Catch::Matchers::WithinAbs(ref.cossim, tol));
    CHECK_THAT(c->l2_ratio, Catch::Matchers::WithinAbs(ref.l2_ratio, tol));
    CHECK_THAT(c->l1, Catch::Matchers::WithinAbs(ref.l1, tol));
    CHECK_THAT(c->l0, Catch::Matchers::WithinAbs(ref.l0, tol));
    CHECK_THAT(c->frac_alive, Catch::Matchers::WithinAbs(ref.frac_alive, tol));
    CHECK_THAT(c->relative_reconstruction_bias, Catch::Matchers::WithinAbs(ref.rrb, tol));
  }
}

TEST_CASE("sae: evaluate_sae_core matches evaluate_sae and counts densities", "[sae]") {
  hilm::Random rng(hilm::test::seed(7));
  const Index n = 800, d = 12, m = 20;
  RowMatrix<float> x(n, d);
  for (Index i = 0; i < n; ++i) {
    for (Index k = 0; k < d; ++k) x(i, k) = static_cast<float>(rng.normal());
  }
  hilm::SaeWeights<float> w;
  w.architecture = hilm::SaeArchitecture::ReLU;
  w.w_dec.resize(m, d);
  for (Index j = 0; j < m; ++j) {
    for (Index k = 0; k < d; ++k) w.w_dec(j, k) = static_cast<float>(rng.normal());
  }
  w.w_enc = w.w_dec;
  // Biases from 0 down to −19: firing rates from about a half to never.
  w.b_enc.resize(m);
  for (Index j = 0; j < m; ++j) w.b_enc(j) = -static_cast<float>(j);
  w.b_dec = hilm::Vector<float>::Zero(d);
  hilm::MatrixSource<float> source(x);
  const hilm::SaeCoreMetrics c = hilm::evaluate_sae_core(w, source, 64);
  const hilm::SaeMetrics basic = hilm::evaluate_sae(w, source, 64);
  CHECK_THAT(c.basic.mse, Catch::Matchers::WithinRel(basic.mse, 1e-6));
  CHECK_THAT(c.basic.explained_variance,
             Catch::Matchers::WithinRel(basic.explained_variance, 1e-6));
  CHECK_THAT(c.basic.l0, Catch::Matchers::WithinRel(basic.l0, 1e-12));
  CHECK(c.basic.dead_fraction == basic.dead_fraction);
  CHECK(c.basic.dense_fraction == basic.dense_fraction);
  // Densities: the histogram holds every live latent once, in the bin of its log10 density.
  const hilm::SaeDensityHistogram& h = c.density_histogram;
  REQUIRE(h.log10_edges.size() == 17);
  REQUIRE(h.counts.size() == 16);
  std::int64_t live = 0;
  std::vector<std::int64_t> expected(16, 0);
  Index over1 = 0;
  for (Index j = 0; j < m; ++j) {
    const double density = c.feature_density(j);
    if (density == 0) continue;
    ++live;
    over1 += density > 0.01 ? 1 : 0;
    for (std::size_t b = 0; b < 16; ++b) {
      const double lg = std::log10(density);
      if (lg >= h.log10_edges[b] && (lg < h.log10_edges[b + 1] || b == 15)) ++expected[b];
    }
  }
  CHECK(h.counts == expected);
  CHECK(live + h.dead == m);
  CHECK(h.dead > 0);
  CHECK(live > 5);
  CHECK_THAT(c.frac_alive, Catch::Matchers::WithinAbs(double(live) / m, 1e-12));
  CHECK_THAT(c.freq_over_1_percent, Catch::Matchers::WithinAbs(double(over1) / m, 1e-12));
  CHECK(c.normalized_freq_over_1_percent <= 1.0);
  // Max decoder cosine against a direct computation.
  double total = 0;
  for (Index j = 0; j < m; ++j) {
    double best = -2;
    for (Index l = 0; l < m; ++l) {
      if (l == j) continue;
      const double cs = w.w_dec.row(j).cast<double>().normalized().dot(
          w.w_dec.row(l).cast<double>().normalized());
      best = std::max(best, cs);
    }
    total += best;
  }
  CHECK_THAT(c.average_max_decoder_cosine_sim, Catch::Matchers::WithinAbs(total / m, 1e-6));
  CHECK_THAT(c.average_max_encoder_cosine_sim, Catch::Matchers::WithinAbs(total / m, 1e-6));
}

TEST_CASE("sae: the ground-truth evaluator refuses inconsistent inputs", "[sae]") {
  const auto model = small_truth(hilm::test::seed(8));
  const hilm::SaeWeights<float> w = planted_weights(model);
  using Evaluator = hilm::SaeTruthEvaluator<float>;
  const RowMatrix<float> wrong_d = RowMatrix<float>::Zero(32, 47);
  CHECK_THROWS_AS(Evaluator(w, wrong_d, model.parents), hilm::invalid_argument);
  std::vector<Index> short_parents(31, -1);
  CHECK_THROWS_AS(Evaluator(w, model.feature_vectors, short_parents), hilm::invalid_argument);
  std::vector<Index> bad_parents(32, -1);
  bad_parents[3] = 32;
  CHECK_THROWS_AS(Evaluator(w, model.feature_vectors, bad_parents), hilm::invalid_argument);
  CHECK_THROWS_AS(Evaluator(w, model.feature_vectors, model.parents, {.min_match_cosine = 2}),
                  hilm::invalid_argument);
  Evaluator evaluator(w, model.feature_vectors, model.parents);
  CHECK_THROWS_AS(evaluator.truth(), hilm::invalid_argument);
  const RowMatrix<float> x = RowMatrix<float>::Zero(4, 48);
  hilm::SparseRowMatrix<float> codes(4, 31);
  CHECK_THROWS_AS(evaluator.add_batch(x, codes), hilm::invalid_argument);
  hilm::SynthSaeBenchSampler sampler(model, {.samples = 10});
  CHECK_THROWS_AS(hilm::evaluate_sae_truth(w, model.feature_vectors, model.parents, sampler, 0),
                  hilm::invalid_argument);
}

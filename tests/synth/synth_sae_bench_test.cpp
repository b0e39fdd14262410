// SynthSAEBench generator (hilm/synth/synth_sae_bench.hpp): the 16k defaults give the published
// L0; firing rates, the hierarchy's structure, the correlation rank, the orthogonalisation and
// determinism are checked on reduced sizes (2,048 features × 256 dims) so the file stays fast.
#include <cmath>
#include <cstdint>
#include <vector>

#include <Eigen/QR>

#include <hilm/core/threads.hpp>
#include <hilm/synth/synth_sae_bench.hpp>
#include <hilm/testing/source_conformance.hpp>

#include "support/catch.hpp"

using hilm::Index;
using hilm::make_synth_sae_bench;
using hilm::RowMatrix;
using hilm::SynthSaeBenchModel;
using hilm::SynthSaeBenchOptions;
using hilm::SynthSaeBenchSampler;

namespace {

/// Empirical statistics of `n` samples: firing count per feature, L0 per sample, and the number
/// of violations of the hierarchy (an active child with an inactive parent; two active siblings).
struct SaeBenchCounts {
  Eigen::VectorXd fired;
  std::vector<double> l0;
  Index orphans = 0;
  Index coactive_siblings = 0;
};

SaeBenchCounts count_firing(const SynthSaeBenchModel& model, Index n) {
  SynthSaeBenchSampler sampler(model, {.samples = n});
  RowMatrix<float> x(512, model.hidden());
  hilm::SparseRowMatrix<float> codes;
  SaeBenchCounts counts{Eigen::VectorXd::Zero(model.features()), {}, 0, 0};
  std::vector<char> on(static_cast<std::size_t>(model.features()), 0);
  std::vector<Index> active;
  std::vector<Index> children_on(static_cast<std::size_t>(model.features()), 0);
  while (const Index rows = sampler.read(x, codes)) {
    for (Index r = 0; r < rows; ++r) {
      active.clear();
      for (hilm::SparseRowMatrix<float>::InnerIterator it(codes, r); it; ++it) {
        if (it.value() > 0) active.push_back(it.col());
      }
      for (const Index i : active) on[static_cast<std::size_t>(i)] = 1;
      for (const Index i : active) {
        counts.fired(i) += 1;
        const Index p = model.parents[static_cast<std::size_t>(i)];
        if (p < 0) continue;
        if (!on[static_cast<std::size_t>(p)]) ++counts.orphans;
        if (++children_on[static_cast<std::size_t>(p)] == 2) ++counts.coactive_siblings;
      }
      for (const Index i : active) {
        on[static_cast<std::size_t>(i)] = 0;
        const Index p = model.parents[static_cast<std::size_t>(i)];
        if (p >= 0) children_on[static_cast<std::size_t>(p)] = 0;
      }
      counts.l0.push_back(static_cast<double>(active.size()));
    }
  }
  return counts;
}

/// Largest |empirical − expected| rate in binomial standard errors over all features.
double worst_rate_sigma(const Eigen::VectorXd& fired, const Eigen::VectorXd& rates, Index n) {
  double worst = 0;
  for (Index i = 0; i < rates.size(); ++i) {
    const double p = rates(i);
    const double se = std::sqrt(std::max(p * (1 - p), 1e-12) / static_cast<double>(n));
    worst = std::max(worst, std::abs(fired(i) / static_cast<double>(n) - p) / se);
  }
  return worst;
}

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (const double x : v) s += x;
  return s / static_cast<double>(v.size());
}

double sd_of(const std::vector<double>& v) {
  const double mu = mean_of(v);
  double s = 0;
  for (const double x : v) s += (x - mu) * (x - mu);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}

double mean_abs_cosine(const RowMatrix<float>& v) {
  const RowMatrix<double> vd = v.cast<double>();
  const Eigen::MatrixXd g = vd * vd.transpose();
  const double n = static_cast<double>(v.rows());
  return (g.cwiseAbs().sum() - g.diagonal().cwiseAbs().sum()) / (n * (n - 1));
}

constexpr SynthSaeBenchOptions reduced{.features = 2048, .hidden = 256, .orthogonalize_steps = 0};

}  // namespace

TEST_CASE("synth-sae-bench: the 16k defaults have the published shape and L0 34 / 25",
          "[synth][synth-sae-bench]") {
  SynthSaeBenchOptions options;  // SynthSAEBench-16k, without the (minutes-long) orthogonalisation
  options.orthogonalize_steps = 0;
  const auto model = make_synth_sae_bench(options);
  REQUIRE(model.features() == 16384);
  REQUIRE(model.hidden() == 768);
  REQUIRE(model.bias.size() == 768);
  CHECK_THAT(static_cast<double>(model.bias.norm()), Catch::Matchers::WithinAbs(0.5, 1e-5));
  REQUIRE(model.correlation_factor.rows() == 16384);
  REQUIRE(model.correlation_factor.cols() == 25);
  CHECK(model.correlation_diag.minCoeff() >= 0.01 - 1e-12);
  CHECK(model.firing_probabilities(0) == 0.4);
  CHECK_THAT(model.firing_probabilities(16383), Catch::Matchers::WithinAbs(5e-4, 1e-15));
  CHECK_THAT(model.mean_magnitudes(0), Catch::Matchers::WithinAbs(5.0, 1e-12));
  CHECK_THAT(model.mean_magnitudes(16383), Catch::Matchers::WithinAbs(4.0, 1e-12));
  CHECK(model.magnitude_stds.minCoeff() >= 0);
  // 128 trees of 1 + 4 + 16 + 64 features: 10,752 features have a parent.
  Index with_parent = 0;
  for (const Index p : model.parents) with_parent += p >= 0 ? 1 : 0;
  CHECK(with_parent == 128 * (4 + 16 + 64));
  CHECK(model.parents[128] == 0);
  CHECK(model.parents[10879] == 128 + 512 + 2048 - 1);
  CHECK(model.parents[10880] == -1);
  CHECK(model.sampling_probabilities.maxCoeff() <= 1.0);
  // The Zipf probabilities sum to 59.1; after SAELens' approximate compensation the rates give
  // the published average L0 ≈ 34 and ≈ 25 over the 4,096 most frequent features.
  CHECK_THAT(model.firing_probabilities.sum(), Catch::Matchers::WithinAbs(59.14, 0.01));
  const double l0 = hilm::synth_sae_bench_expected_l0(model);
  const double l0_top = hilm::synth_sae_bench_expected_l0(model, 4096);
  INFO("expected L0 " << l0 << ", over the top 4096 " << l0_top);
  CHECK(l0 > 33.5);
  CHECK(l0 < 35.0);
  CHECK(l0_top > 24.5);
  CHECK(l0_top < 25.8);
  for (Index i = 0; i < 16384; i += 997) {
    CHECK_THAT(static_cast<double>(model.feature_vectors.row(i).norm()),
               Catch::Matchers::WithinAbs(1.0, 1e-5));
  }
}

TEST_CASE("synth-sae-bench: without hierarchy the correlated copula keeps every marginal rate",
          "[synth][synth-sae-bench]") {
  auto options = reduced;
  options.hierarchy_roots = 0;
  options.seed = hilm::test::seed(1);
  const auto model = make_synth_sae_bench(options);
  REQUIRE(model.correlation_factor.cols() == 25);
  const Eigen::VectorXd rates = hilm::synth_sae_bench_firing_rates(model);
  // No hierarchy: the rate is the Zipf probability times P(magnitude > 0), which is ≈ 1.
  for (Index i = 0; i < model.features(); ++i) {
    REQUIRE(rates(i) <= model.firing_probabilities(i));
    REQUIRE(rates(i) >= 0.9 * model.firing_probabilities(i));
  }
  const Index n = 20000;
  const auto counts = count_firing(model, n);
  CHECK(worst_rate_sigma(counts.fired, rates, n) < 5.0);
  CHECK(counts.orphans == 0);
  CHECK(counts.coactive_siblings == 0);
}

TEST_CASE("synth-sae-bench: hierarchy rates, exclusion and gating hold in the samples",
          "[synth][synth-sae-bench]") {
  auto options = reduced;
  options.correlation_scale = 0;  // the analytic rates are exact for independent firing
  options.seed = hilm::test::seed(2);
  const auto model = make_synth_sae_bench(options);
  REQUIRE(model.correlation_factor.cols() == 0);
  const Eigen::VectorXd rates = hilm::synth_sae_bench_firing_rates(model);
  const Index n = 20000;
  const auto counts = count_firing(model, n);
  const double worst = worst_rate_sigma(counts.fired, rates, n);
  INFO("worst rate deviation " << worst << " sigma");
  CHECK(worst < 5.0);
  CHECK(counts.orphans == 0);
  CHECK(counts.coactive_siblings == 0);
  const double expected_l0 = rates.sum(), l0 = mean_of(counts.l0);
  INFO("L0 " << l0 << " vs expected " << expected_l0);
  CHECK(std::abs(l0 - expected_l0) < 5 * sd_of(counts.l0) / std::sqrt(static_cast<double>(n)));

  // Negative control: without exclusion, siblings do fire together (and children still never
  // fire without their parent).
  auto free_options = options;
  free_options.mutually_exclusive = false;
  const auto free_model = make_synth_sae_bench(free_options);
  const auto free_counts = count_firing(free_model, 5000);
  CHECK(free_counts.coactive_siblings > 100);
  CHECK(free_counts.orphans == 0);
  // The rates of the non-exclusive model are still the analytic ones.
  CHECK(worst_rate_sigma(free_counts.fired, hilm::synth_sae_bench_firing_rates(free_model), 5000) <
        5.0);
}

TEST_CASE("synth-sae-bench: with correlations the L0 stays near the analytic value",
          "[synth][synth-sae-bench]") {
  auto options = reduced;
  options.seed = hilm::test::seed(3);
  const auto model = make_synth_sae_bench(options);
  const Eigen::VectorXd rates = hilm::synth_sae_bench_firing_rates(model);
  const Index n = 10000;
  const auto counts = count_firing(model, n);
  CHECK(counts.orphans == 0);
  CHECK(counts.coactive_siblings == 0);
  const double l0 = mean_of(counts.l0);
  INFO("L0 " << l0 << " vs independent-firing value " << rates.sum());
  CHECK(std::abs(l0 - rates.sum()) < 0.05 * rates.sum());
  // Roots are not touched by the hierarchy: their marginal rates are exact under the copula.
  Eigen::VectorXd root_fired = counts.fired.head(128), root_rates = rates.head(128);
  CHECK(worst_rate_sigma(root_fired, root_rates, n) < 5.0);
}

TEST_CASE("synth-sae-bench: the correlation factor has the configured rank",
          "[synth][synth-sae-bench]") {
  for (const Index rank : {1, 7, 25}) {
    auto options = reduced;
    options.correlation_rank = rank;
    options.seed = hilm::test::seed(4);
    const auto model = make_synth_sae_bench(options);
    REQUIRE(model.correlation_factor.rows() == 2048);
    REQUIRE(model.correlation_factor.cols() == rank);
    Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(model.correlation_factor);
    CHECK(qr.rank() == rank);
    // Every latent Gaussian has unit variance: ‖F_i‖² + diag_i = 1.
    const Eigen::VectorXd total =
        model.correlation_factor.rowwise().squaredNorm() + model.correlation_diag;
    CHECK((total.array() - 1.0).abs().maxCoeff() < 1e-12);
  }
  auto off = reduced;
  off.correlation_scale = 0;
  CHECK(make_synth_sae_bench(off).correlation_factor.cols() == 0);
  off = reduced;
  off.correlation_rank = 0;
  CHECK(make_synth_sae_bench(off).correlation_factor.cols() == 0);
}

TEST_CASE("synth-sae-bench: orthogonalisation keeps unit vectors and lowers their mean |cosine|",
          "[synth][synth-sae-bench]") {
  const hilm::ScopedThreads one_thread(1);  // products this small only lose to threading
  SynthSaeBenchOptions options{.features = 512, .hidden = 64, .orthogonalize_steps = 0};
  options.seed = hilm::test::seed(5);
  const auto random_model = make_synth_sae_bench(options);
  options.orthogonalize_steps = 100;  // the benchmark's steps and learning rate
  const auto default_model = make_synth_sae_bench(options);
  options.orthogonalize_lr = 1e-2;
  const auto strong_model = make_synth_sae_bench(options);
  for (const auto* model : {&random_model, &default_model, &strong_model}) {
    const Eigen::VectorXd norms = model->feature_vectors.cast<double>().rowwise().norm();
    CHECK((norms.array() - 1.0).abs().maxCoeff() < 1e-5);
  }
  const double before = mean_abs_cosine(random_model.feature_vectors);
  const double after = mean_abs_cosine(default_model.feature_vectors);
  const double strong = mean_abs_cosine(strong_model.feature_vectors);
  INFO("mean |cos|: random " << before << ", 100 steps lr 3e-4 " << after << ", lr 1e-2 "
                             << strong);
  CHECK(after < before - 1e-3);
  CHECK(strong < after);
}

TEST_CASE("synth-sae-bench: the same seed gives the same truth and samples",
          "[synth][synth-sae-bench]") {
  SynthSaeBenchOptions options{.features = 300, .hidden = 32, .orthogonalize_steps = 3};
  options.hierarchy_roots = 8;
  options.seed = 11;
  const auto a = make_synth_sae_bench(options);
  const auto b = make_synth_sae_bench(options);
  CHECK(a.feature_vectors == b.feature_vectors);
  CHECK(a.bias == b.bias);
  CHECK(a.magnitude_stds == b.magnitude_stds);
  CHECK(a.correlation_factor == b.correlation_factor);
  {
    // The thread count does not change the truth (the orthogonalisation sums in a fixed order).
    const hilm::ScopedThreads one_thread(1);
    CHECK(make_synth_sae_bench(options).feature_vectors == a.feature_vectors);
  }
  options.seed = 12;
  const auto c = make_synth_sae_bench(options);
  CHECK(a.feature_vectors != c.feature_vectors);

  auto draw = [](const SynthSaeBenchModel& model, Index batch, std::uint64_t seed) {
    SynthSaeBenchSampler sampler(model, {.samples = 333, .seed = seed});
    RowMatrix<float> all(333, model.hidden()), buffer(batch, model.hidden());
    Index at = 0;
    while (const Index rows = sampler.read(buffer)) {
      all.middleRows(at, rows) = buffer.topRows(rows);
      at += rows;
    }
    REQUIRE(at == 333);
    return all;
  };
  const RowMatrix<float> x = draw(a, 64, 1);
  CHECK(x == draw(b, 64, 1));
  CHECK(x == draw(a, 17, 1));  // the batch size does not change the rows
  CHECK(x != draw(a, 64, 2));
  CHECK(x != draw(c, 64, 1));

  SynthSaeBenchSampler sampler(a, {.samples = 333, .seed = 1});
  sampler.seek(200);
  RowMatrix<float> tail(10, a.hidden());
  REQUIRE(sampler.read(tail) == 10);
  CHECK(tail == x.middleRows(200, 10));
  // x is codes · feature vectors + bias.
  sampler.seek(5);
  RowMatrix<float> one(1, a.hidden());
  hilm::SparseRowMatrix<float> codes;
  REQUIRE(sampler.read(one, codes) == 1);
  const RowMatrix<float> rebuilt = RowMatrix<float>(codes * a.feature_vectors).rowwise() + a.bias;
  CHECK((rebuilt - one).cwiseAbs().maxCoeff() < 1e-4f);

  SynthSaeBenchSampler contract(a, {.samples = 40});
  const auto report = hilm::testing::check_source_contract(contract, 6, 3);
  INFO(report.message());
  CHECK(report.ok);
}

TEST_CASE("synth-sae-bench: bad options and buffers throw invalid_argument",
          "[synth][synth-sae-bench]") {
  using hilm::invalid_argument;
  CHECK_THROWS_AS(make_synth_sae_bench({.features = 0}), invalid_argument);
  CHECK_THROWS_AS(make_synth_sae_bench({.p_max = 0.01, .p_min = 0.02}), invalid_argument);
  CHECK_THROWS_AS(make_synth_sae_bench({.zipf_exponent = 0}), invalid_argument);
  CHECK_THROWS_AS(make_synth_sae_bench({.correlation_scale = -1}), invalid_argument);
  CHECK_THROWS_AS(make_synth_sae_bench({.magnitude_mean_end = 0}), invalid_argument);
  const auto model = make_synth_sae_bench(
      {.features = 50, .hidden = 8, .hierarchy_roots = 2, .orthogonalize_steps = 0});
  CHECK_THROWS_AS(SynthSaeBenchSampler(model, {.samples = -1}), invalid_argument);
  SynthSaeBenchSampler sampler(model, {.samples = 10});
  RowMatrix<float> wrong(4, 7);
  CHECK_THROWS_AS(sampler.read(wrong), invalid_argument);
  CHECK_THROWS_AS(sampler.seek(11), invalid_argument);
  CHECK_THROWS_AS(hilm::synth_sae_bench_expected_l0(model, -2), invalid_argument);
}

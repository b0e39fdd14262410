#include <string>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/random.hpp>
#include <hilm/core/types.hpp>
#include <hilm/hierarchy/bottom_level.hpp>
#include <hilm/metrics/clustering.hpp>
#include <hilm/synth/mlp.hpp>

#include "support/catch.hpp"
#include "support/messages.hpp"

using hilm::BottomLevelOptions;
using hilm::Index;
using hilm::IndexVector;
using hilm::Random;
using hilm::RowMatrix;
using hilm::SelectComponentsOptions;

namespace {

/// DESIGN.md check T6: d = two independent uniform 3-state concepts (9 joint states),
/// c ~ U[−1, 1]², x = g(separation · [onehot(d₁), onehot(d₂)], c) + noise in R^10 with g an
/// injective leaky-ReLU MLP (two layers, slope 0.2; synth/mlp.hpp). Truth: joint state 3 d₁ + d₂.
///
/// Noise (σ = 0.2 per coordinate, about half the spread that c induces along its two directions)
/// makes each state's image full-dimensional: without it every state is a bent 2-D sheet in R^10
/// and no Gaussian mixture with one component per state is the BIC choice (see
/// docs/bottom-level.md). `separation` 6 keeps each state's image away from the MLP's kinks.
struct T6Data {
  RowMatrix<double> x;
  IndexVector states;
};

T6Data t6_data(Index n, double separation, std::uint64_t seed) {
  Random rng(seed);
  const auto g = hilm::random_injective_mlp(8, 10, 2, 0.2, rng);
  RowMatrix<double> z = RowMatrix<double>::Zero(n, 8);
  T6Data data;
  data.states.resize(n);
  for (Index i = 0; i < n; ++i) {
    const auto a = static_cast<Index>(rng.uniform_index(3)),
               b = static_cast<Index>(rng.uniform_index(3));
    z(i, a) = separation;
    z(i, 3 + b) = separation;
    z(i, 6) = rng.uniform(-1, 1);
    z(i, 7) = rng.uniform(-1, 1);
    data.states(i) = 3 * a + b;
  }
  data.x = g.apply(z);
  for (Index i = 0; i < data.x.size(); ++i) data.x.data()[i] += 0.2 * rng.normal();
  return data;
}

/// The selection used by the T6 checks: full covariances, k-means init with 4 restarts.
SelectComponentsOptions t6_selection(Index min_k, Index max_k, std::uint64_t seed) {
  SelectComponentsOptions o{.min_components = min_k, .max_components = max_k};
  o.gmm.init_restarts = 4;
  o.gmm.seed = seed;
  return o;
}

double matched(const IndexVector& truth, const IndexVector& estimate) {
  return hilm::matched_accuracy(truth, estimate).accuracy;
}

using hilm::test::message_of;

}  // namespace

TEST_CASE("bottom_level: T6 BIC picks 9 joint states among 7..11 and recovers them",
          "[hierarchy][bottom_level]") {
  const T6Data data = t6_data(20000, 6.0, hilm::test::seed(301));
  const auto r = hilm::recover_bottom_level(
      data.x, BottomLevelOptions{t6_selection(7, 11, hilm::test::seed(302))});
  REQUIRE(r.usable());
  CHECK(r.num_states == 9);
  CHECK(matched(data.states, r.states) >= 0.95);
  // Canonical labelling: states by decreasing probability, posterior rows sum to 1, states are
  // the posterior argmax.
  REQUIRE(r.state_probabilities.size() == r.num_states);
  for (Index k = 1; k < r.num_states; ++k)
    CHECK(r.state_probabilities(k) <= r.state_probabilities(k - 1));
  CHECK((r.posterior.rowwise().sum().array() - 1).abs().maxCoeff() < 1e-12);
  for (Index i = 0; i < 50; ++i) {
    Index arg = 0;
    r.posterior.row(i).maxCoeff(&arg);
    CHECK(arg == r.states(i));
  }
  // The criterion curve has one entry per candidate and its minimum is the choice.
  REQUIRE(r.selection.criterion.size() == 5);
  for (const double value : r.selection.criterion) CHECK(value >= r.selection.best.bic);
}

TEST_CASE("bottom_level: T6 full sweep K = 1..12", "[hierarchy][bottom_level][slow]") {
  const T6Data data = t6_data(20000, 6.0, hilm::test::seed(303));
  const auto r = hilm::recover_bottom_level(
      data.x, BottomLevelOptions{t6_selection(1, 12, hilm::test::seed(304))});
  REQUIRE(r.usable());
  CHECK(r.num_states == 9);
  CHECK(matched(data.states, r.states) >= 0.95);
}

TEST_CASE("bottom_level: T6 negative control, overlapping states are not recovered",
          "[hierarchy][bottom_level]") {
  // Means shrunk together (separation 6 → 0.5): the states' images overlap. Even told K = 9,
  // the mixture cannot sort the samples into their states.
  const T6Data data = t6_data(20000, 0.5, hilm::test::seed(305));
  SelectComponentsOptions forced = t6_selection(1, 1, hilm::test::seed(306));
  forced.candidates = {9};
  const auto r = hilm::recover_bottom_level(data.x, BottomLevelOptions{forced});
  REQUIRE(r.usable());
  CHECK(matched(data.states, r.states) < 0.8);
}

TEST_CASE("bottom_level: T6 negative control, BIC no longer picks 9",
          "[hierarchy][bottom_level][slow]") {
  const T6Data data = t6_data(20000, 0.5, hilm::test::seed(307));
  const auto r = hilm::recover_bottom_level(
      data.x, BottomLevelOptions{t6_selection(1, 12, hilm::test::seed(308))});
  REQUIRE(r.usable());
  CHECK(r.num_states != 9);
  CHECK(matched(data.states, r.states) < 0.8);
}

TEST_CASE("bottom_level: select_components bad arguments name the parameter",
          "[hierarchy][bottom_level]") {
  const RowMatrix<double> x = RowMatrix<double>::Random(30, 2);
  auto run = [&](const SelectComponentsOptions& o) {
    return [&x, o] { (void)hilm::select_components(x, o); };
  };
  CHECK_THAT(message_of(run(SelectComponentsOptions{.min_components = 0})),
             Catch::Matchers::Contains("min_components"));
  CHECK_THAT(message_of(run(SelectComponentsOptions{.min_components = 4, .max_components = 3})),
             Catch::Matchers::Contains("max_components"));
  SelectComponentsOptions zero;
  zero.candidates = {2, 0};
  CHECK_THAT(message_of(run(zero)), Catch::Matchers::Contains("candidates"));
  SelectComponentsOptions ridge;
  ridge.gmm.reg_covar = -1;
  CHECK_THAT(message_of(run(ridge)), Catch::Matchers::Contains("reg_covar"));
  CHECK_THAT(message_of(run(SelectComponentsOptions{.max_components = 31})),
             Catch::Matchers::Contains("rows"));
}

TEST_CASE("bottom_level: select_components on planted blobs picks their number",
          "[hierarchy][bottom_level]") {
  // Four unit-variance blobs 8 apart in 2-D; BIC over 1..6 must pick 4, AIC at least 4.
  Random rng(hilm::test::seed(309));
  RowMatrix<double> x(2000, 2);
  for (Index i = 0; i < x.rows(); ++i) {
    const auto j = static_cast<double>(i % 4);
    x.row(i) << 8 * (j < 2 ? 0 : 1) + rng.normal(), 8 * std::fmod(j, 2.0) + rng.normal();
  }
  SelectComponentsOptions o{.min_components = 1, .max_components = 6};
  o.gmm.seed = hilm::test::seed(310);
  const auto bic = hilm::select_components(x, o);
  REQUIRE(bic.usable());
  CHECK(bic.best_components == 4);
  CHECK(bic.status == hilm::FitStatus::Converged);
  o.criterion = hilm::ComponentCriterion::Aic;
  CHECK(hilm::select_components(x, o).best_components >= 4);
}

TEST_CASE("bottom_level: option messages use the one format, the GMM's fields under gmm.",
          "[hierarchy][bottom_level]") {
  CHECK(SelectComponentsOptions{.min_components = 0}.validate() ==
        "SelectComponentsOptions::min_components must be >= 1, got 0");
  CHECK(SelectComponentsOptions{.min_components = 4, .max_components = 3}.validate() ==
        "SelectComponentsOptions::max_components must be >= min_components (4), got 3");
  SelectComponentsOptions zero;
  zero.candidates = {2, 0};
  CHECK(zero.validate() == "SelectComponentsOptions::candidates must all be >= 1, got 0");
  SelectComponentsOptions ridge;
  ridge.gmm.reg_covar = -1;
  CHECK(ridge.validate() ==
        "SelectComponentsOptions::gmm.reg_covar must be finite and >= 0, got -1");
  const RowMatrix<double> x = RowMatrix<double>::Random(30, 2);
  CHECK(message_of([&] { (void)hilm::select_components(x, ridge); }) == *ridge.validate());
}

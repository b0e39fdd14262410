// Tests of include/hilm/steer/steer.hpp, including check T12 of DESIGN.md §4.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/random.hpp>
#include <hilm/metrics/mcc.hpp>
#include <hilm/sae/sparse_autoencoder.hpp>
#include <hilm/sources/matrix_source.hpp>
#include <hilm/steer/side_effects.hpp>
#include <hilm/steer/steer.hpp>
#include <hilm/synth/sparse_linear.hpp>

#include "steer/steer_fixtures.hpp"
#include "support/catch.hpp"
#include "support/generators.hpp"

using hilm::Edit;
using hilm::EditMode;
using hilm::Index;
using hilm::intervene;
using hilm::RowMatrix;
using hilm::SaeWeights;

namespace {

// A TopK SAE with random (untied, non-orthogonal) weights and biases: its reconstruction error
// is large, which makes the error-preserving identity a real test.
SaeWeights<float> random_topk_sae(Index d, Index m, Index k, hilm::Random& rng) {
  SaeWeights<float> w;
  w.architecture = hilm::SaeArchitecture::TopK;
  w.k = k;
  w.w_enc = hilm::test::random_unit_rows(m, d, rng).cast<float>();
  w.w_dec = hilm::test::random_unit_rows(m, d, rng).cast<float>();
  w.b_enc = hilm::Vector<float>::Zero(m);
  w.b_dec = hilm::Vector<float>::Zero(d);
  for (Index j = 0; j < m; ++j) w.b_enc(j) = static_cast<float>(0.1 * rng.normal());
  for (Index i = 0; i < d; ++i) w.b_dec(i) = static_cast<float>(0.3 * rng.normal());
  w.input_scale = 1.5f;
  return w;
}

using hilm::test::normal_matrix;

}  // namespace

TEST_CASE("steer: no edit leaves the inputs bit-identical", "[steer]") {
  hilm::Random rng(hilm::test::seed(1));
  const auto w = random_topk_sae(12, 20, 3, rng);
  const RowMatrix<float> x = normal_matrix<RowMatrix<float>>(50, 12, rng);
  CHECK(intervene(w, x, std::vector<Edit>{}).x == x);
  // Edits that change no code: scale by 1, add 0, and ablating a latent that never fires.
  const RowMatrix<float> z = hilm::sae_encode(w, x);
  Index silent = -1;
  for (Index j = 0; j < z.cols() && silent < 0; ++j) {
    if ((z.col(j).array() == 0.0f).all()) silent = j;
  }
  std::vector<Edit> edits = {{.latent = 4, .mode = EditMode::Scale, .value = 1.0},
                             {.latent = 7, .mode = EditMode::Add, .value = 0.0}};
  if (silent >= 0) edits.push_back({.latent = silent, .mode = EditMode::Ablate});
  const auto result = intervene(w, x, edits);
  CHECK(result.x == x);
  CHECK(result.changed_rows == 0);
  // Negative control: a real edit does change the inputs.
  CHECK_FALSE(intervene(w, x, {{.latent = 4, .mode = EditMode::Scale, .value = 2.0}}).x == x);
}

TEST_CASE("steer: error-preserving output equals decode(z') + (x - decode(z))", "[steer]") {
  hilm::Random rng(hilm::test::seed(2));
  const auto w = random_topk_sae(10, 16, 4, rng);
  const RowMatrix<float> x = normal_matrix<RowMatrix<float>>(40, 10, rng);
  const std::vector<Edit> edits = {{.latent = 3, .mode = EditMode::Ablate},
                                   {.latent = 5, .mode = EditMode::Scale, .value = 3.0},
                                   {.latent = 9, .mode = EditMode::Clamp, .value = 0.8},
                                   {.latent = 11, .mode = EditMode::Add, .value = -0.4}};
  // The definition, computed with the SAE's own encode/decode.
  const RowMatrix<float> z = hilm::sae_encode(w, x);
  RowMatrix<float> edited = z;
  hilm::apply_edits(edited, edits);
  const RowMatrix<double> expected =
      (hilm::sae_decode(w, edited) + (x - hilm::sae_decode(w, z))).cast<double>();
  const RowMatrix<double> got = intervene(w, x, edits).x.cast<double>();
  INFO("largest difference " << (got - expected).cwiseAbs().maxCoeff());
  CHECK((got - expected).cwiseAbs().maxCoeff() <= 1e-5 * (1.0 + expected.cwiseAbs().maxCoeff()));
  // The reconstruction error is not small, so dropping it is visible.
  CHECK((x - hilm::sae_decode(w, z)).norm() > 1.0);
  const RowMatrix<double> plain =
      intervene(w, x, edits, {.preserve_error = false}).x.cast<double>();
  const RowMatrix<double> decoded = hilm::sae_decode(w, edited).cast<double>();
  CHECK((plain - decoded).cwiseAbs().maxCoeff() <= 1e-5 * (1.0 + decoded.cwiseAbs().maxCoeff()));
  CHECK((plain - expected).cwiseAbs().maxCoeff() > 0.1);
  // Batching does not change the result.
  const auto small_batches = intervene(w, x, edits, {.batch_rows = 7}).x;
  CHECK(small_batches == intervene(w, x, edits).x);
}

TEST_CASE("steer: each mode moves its latent as asked and nothing else (orthonormal SAE)",
          "[steer]") {
  hilm::Random rng(hilm::test::seed(3));
  const Index d = 8, n = 200;
  const RowMatrix<double> q = hilm::test::random_orthonormal(d, rng);
  Eigen::VectorXd b_dec(d);
  for (Index i = 0; i < d; ++i) b_dec(i) = rng.normal();
  const double scale = 2.0;
  const auto w = hilm::test::relu_sae<double>(q, b_dec, scale);
  const RowMatrix<double> s = hilm::test::sparse_codes(n, d, 3, rng);
  const RowMatrix<double> x = ((s * q).rowwise() + b_dec.transpose()) / scale;
  REQUIRE((hilm::sae_encode(w, x) - s).cwiseAbs().maxCoeff() < 1e-12);
  const Index j = 5;
  struct Case {
    Edit edit;
    std::function<double(double)> expected;
  };
  const std::vector<Case> cases = {
      {{.latent = j, .mode = EditMode::Ablate}, [](double) { return 0.0; }},
      {{.latent = j, .mode = EditMode::Scale, .value = 2.5}, [](double v) { return 2.5 * v; }},
      {{.latent = j, .mode = EditMode::Clamp, .value = 0.7}, [](double) { return 0.7; }},
      {{.latent = j, .mode = EditMode::Add, .value = 0.3}, [](double v) { return v + 0.3; }},
  };
  for (const auto& c : cases) {
    INFO("mode " << hilm::to_string(c.edit.mode));
    const auto result = intervene(w, x, {c.edit});
    const RowMatrix<double> again = hilm::sae_encode(w, result.x);
    for (Index r = 0; r < n; ++r) {
      for (Index l = 0; l < d; ++l) {
        const double want = l == j ? c.expected(s(r, l)) : s(r, l);
        REQUIRE(std::abs(again(r, l) - want) < 1e-10);
      }
    }
  }
  // Several edits at once; changed_rows counts the rows where a code changed.
  const auto both = intervene(w, x,
                              {{.latent = 1, .mode = EditMode::Ablate},
                               {.latent = 2, .mode = EditMode::Scale, .value = 0.5}});
  const RowMatrix<double> again = hilm::sae_encode(w, both.x);
  CHECK(again.col(1).cwiseAbs().maxCoeff() < 1e-10);
  CHECK((again.col(2) - 0.5 * s.col(2)).cwiseAbs().maxCoeff() < 1e-10);
  CHECK((again.col(0) - s.col(0)).cwiseAbs().maxCoeff() < 1e-10);
  const RowMatrix<double> z = hilm::sae_encode(w, x);  // tiny round-off codes count as active
  Index active = 0;
  for (Index r = 0; r < n; ++r) active += (z(r, 1) != 0 || z(r, 2) != 0) ? 1 : 0;
  CHECK(both.changed_rows == active);
}

TEST_CASE("steer: bad arguments are rejected", "[steer]") {
  hilm::Random rng(hilm::test::seed(4));
  const auto w = random_topk_sae(6, 9, 2, rng);
  const RowMatrix<float> x = normal_matrix<RowMatrix<float>>(5, 6, rng);
  CHECK_THROWS_AS(intervene(w, x, {{.latent = 9}}), hilm::invalid_argument);
  CHECK_THROWS_AS(intervene(w, normal_matrix<RowMatrix<float>>(5, 7, rng), {{.latent = 0}}),
                  hilm::invalid_argument);
  CHECK_THROWS_AS(intervene(w, x, {{.latent = 1}}, {.hold = {1}}), hilm::invalid_argument);
  CHECK_THROWS_AS(intervene(w, x, {{.latent = 1}}, {.hold = {9}}), hilm::invalid_argument);
  CHECK_THROWS_AS(intervene(w, x, {{.latent = 1}}, {.batch_rows = 0}), hilm::invalid_argument);
  CHECK_THROWS_AS(intervene(w, x, {{.latent = 1}}, {.hold_iterations = 0}), hilm::invalid_argument);
  // One message format: `<Struct>::<field> must <requirement>, got <value>`.
  CHECK(hilm::SteerOptions{.hold_iterations = 0}.validate() ==
        "SteerOptions::hold_iterations must be >= 1, got 0");
  CHECK(hilm::SteerOptions{.hold_tolerance = -0.25}.validate() ==
        "SteerOptions::hold_tolerance must be finite and >= 0, got -0.25");
  try {
    (void)intervene(w, x, {{.latent = 1}}, {.hold = {9}});
    FAIL("a held latent outside the model was accepted");
  } catch (const hilm::invalid_argument& e) {
    CHECK(std::string(e.what()) == "SteerOptions::hold must hold latents in [0, 9), got 9");
  }
  RowMatrix<float> bad = x;
  bad(3, 2) = std::nanf("");
  CHECK_NOTHROW(intervene(w, bad, {{.latent = 1}}));
  try {
    (void)intervene(w, bad, {{.latent = 1}}, {.check_finite = true});
    FAIL("NaN accepted with check_finite");
  } catch (const hilm::invalid_argument& e) {
    CHECK(std::string(e.what()).find("row 3, column 2") != std::string::npos);
  }
  SaeWeights<float> broken = w;
  broken.b_dec.resize(3);
  CHECK_THROWS_AS(intervene(broken, x, {{.latent = 1}}), hilm::invalid_argument);
}

// ---------------------------------------------------------------------------------------------
// T12 (DESIGN.md §4) on the T9 planted model: x = s A in R^64, 32 latents, exactly 3 active,
// values U[0.5, 1.5], unit atoms. n is reduced to 20k so the test stays fast. Ablating the learned
// latent matched to true component i must remove >= 95% of that component's energy and move
// every other true component by < 5% of its energy (and leave < 5% of component i's energy as
// change outside the true atoms' span). Energies are measured in the true atoms' coefficients,
// which are exact for noiseless x = s A.

namespace {

struct T12Model {
  hilm::SparseLinearData<float> data;
  SaeWeights<float> weights;
  hilm::MccResult match;
};

T12Model train_t12(std::uint64_t seed, Index k, Index epochs) {
  T12Model model;
  model.data = hilm::sparse_linear<float>(
      {.samples = 20000, .features = 64, .latents = 32, .active = 3, .seed = seed});
  hilm::MatrixSource source(model.data.x);
  hilm::SparseAutoencoder<float> sae(hilm::SaeOptions{.latents = 64,
                                                      .k = k,
                                                      .batch_size = 256,
                                                      .epochs = epochs,
                                                      .learning_rate = 0.003,
                                                      .dead_after_rows = 20000,
                                                      .seed = seed});
  const auto result = sae.fit(source);
  REQUIRE(result.status == hilm::FitStatus::MaxIterations);
  // The model-object overload is the same as the weights overload.
  const std::vector<Edit> probe = {{.latent = 0}};
  REQUIRE(intervene(sae, model.data.x.topRows(50), probe).x ==
          intervene(sae.weights(), model.data.x.topRows(50), probe).x);
  model.weights = sae.weights();
  model.match = hilm::mcc(model.data.codes, sae.encode(model.data.x));
  return model;
}

struct T12Score {
  double removed = 0;       // fraction of component i's energy removed
  double others_moved = 0;  // largest relative change of another true component
  double off_span = 0;      // change outside the atoms' span, relative to component i's energy
  [[nodiscard]] bool passes() const {
    return removed >= 0.95 && others_moved < 0.05 && off_span < 0.05;
  }
};

T12Score score_ablation(const T12Model& model, const SaeWeights<float>& weights, Index i,
                        Index latent) {
  const auto steered = intervene(weights, model.data.x, {{.latent = latent}});
  const auto energy = hilm::atom_energy(model.data.atoms, model.data.x, steered.x);
  T12Score score;
  score.removed = energy.removed_fraction(i);
  for (Index o = 0; o < model.data.atoms.rows(); ++o) {
    if (o != i) score.others_moved = std::max(score.others_moved, energy.relative_change(o));
  }
  score.off_span = energy.residual_change / energy.before(i);
  return score;
}

}  // namespace

TEST_CASE("steer: T12 ablating a matched latent removes its true component only",
          "[steer][t12][slow]") {
  const std::uint64_t seed = hilm::test::seed(12);
  const T12Model model = train_t12(seed, 3, 8);
  INFO("MCC " << model.match.mean);
  REQUIRE(model.match.mean >= 0.9);
  const Index components = model.data.atoms.rows();
  hilm::Random rng(seed + 1);
  Index tested = 0;
  for (Index i = 0; i < components; i += 4) {  // 8 components: 0, 4, ..., 28
    const Index j = model.match.assignment(i);
    REQUIRE(j >= 0);
    const T12Score s = score_ablation(model, model.weights, i, j);
    INFO("component " << i << " (latent " << j << "): removed " << s.removed
                      << ", others moved at most " << s.others_moved << ", off-span "
                      << s.off_span);
    CHECK(s.removed >= 0.95);
    CHECK(s.others_moved < 0.05);
    CHECK(s.off_span < 0.05);
    ++tested;

    // Negative control 1: ablating an unmatched latent (the one matched to another component).
    const Index other =
        (i + 1 +
         static_cast<Index>(rng.uniform_index(static_cast<std::uint64_t>(components - 1)))) %
        components;
    const T12Score wrong = score_ablation(model, model.weights, i, model.match.assignment(other));
    INFO("unmatched latent of component " << other << ": removed " << wrong.removed);
    CHECK_FALSE(wrong.passes());
    CHECK(wrong.removed < 0.5);

    // Negative control 2: the matched latent's decoder direction replaced by a random one.
    SaeWeights<float> scrambled = model.weights;
    scrambled.w_dec.row(j) = hilm::test::random_unit_rows(1, 64, rng).cast<float>();
    const T12Score random_dir = score_ablation(model, scrambled, i, j);
    INFO("random direction: removed " << random_dir.removed << ", others moved "
                                      << random_dir.others_moved);
    CHECK_FALSE(random_dir.passes());
  }
  CHECK(tested == 8);
}

TEST_CASE("steer: T12 negative control - a dense SAE (k = m) fails the bound",
          "[steer][t12][slow]") {
  const std::uint64_t seed = hilm::test::seed(13);
  const T12Model model = train_t12(seed, 64, 3);  // dense training is slower; 3 epochs
  INFO("MCC " << model.match.mean);
  Index failures = 0, tested = 0;
  for (Index i = 0; i < model.data.atoms.rows(); i += 4) {
    const T12Score s = score_ablation(model, model.weights, i, model.match.assignment(i));
    INFO("component " << i << ": removed " << s.removed << ", others " << s.others_moved);
    failures += s.passes() ? 0 : 1;
    ++tested;
  }
  CHECK(failures == tested);
}

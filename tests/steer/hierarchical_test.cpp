// Tests of include/hilm/steer/hierarchical.hpp.
#include <algorithm>
#include <cmath>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/random.hpp>
#include <hilm/steer/hierarchical.hpp>

#include "steer/steer_fixtures.hpp"
#include "support/catch.hpp"

using hilm::ConceptLinks;
using hilm::Edit;
using hilm::EditMode;
using hilm::Index;
using hilm::RowMatrix;

TEST_CASE("steer: concept links give parents, children and siblings", "[steer]") {
  const ConceptLinks links{{{4, 1, 1}, {1, 2}, {}, {6}}};
  CHECK(links.upper_count() == 4);
  CHECK_FALSE(links.validate(7).has_value());
  REQUIRE(links.validate(6).has_value());
  CHECK(links.validate(6)->find("parents_of_upper[3]") != std::string::npos);
  CHECK(hilm::parents_of(links, 0) == std::vector<Index>{1, 4});
  CHECK(hilm::children_of(links, 1) == std::vector<Index>{0, 1});
  CHECK(hilm::siblings_of(links, 1) == std::vector<Index>{2, 4});
  CHECK(hilm::siblings_of(links, 6).empty());
  CHECK(hilm::siblings_of(links, 5).empty());
  CHECK_THROWS_AS(hilm::parents_of(links, 4), hilm::invalid_argument);
}

TEST_CASE("steer: an upper edit becomes the same edit on every parent", "[steer]") {
  const ConceptLinks links{{{3, 0}, {0, 5, 5}, {}}};
  for (EditMode mode : {EditMode::Ablate, EditMode::Scale, EditMode::Clamp, EditMode::Add}) {
    const auto edits = hilm::propagate_edit(links, {.latent = 1, .mode = mode, .value = 0.25});
    REQUIRE(edits.size() == 2);
    CHECK(edits[0].latent == 0);
    CHECK(edits[1].latent == 5);
    for (const Edit& e : edits) {
      CHECK(e.mode == mode);
      CHECK(e.value == 0.25);
    }
  }
  CHECK(hilm::propagate_edit(links, {.latent = 2}).empty());
  CHECK_THROWS_AS(hilm::propagate_edit(links, {.latent = 3}), hilm::invalid_argument);

  // intervene_upper is intervene on the propagated edits.
  hilm::Random rng(hilm::test::seed(21));
  const Index d = 8;
  const auto w = hilm::test::relu_sae<double>(hilm::test::random_orthonormal(d, rng),
                                              Eigen::VectorXd::Zero(d));
  const RowMatrix<double> x = hilm::test::sparse_codes(60, d, 3, rng) * w.w_dec;
  const Edit upper{.latent = 1, .mode = EditMode::Scale, .value = 3};
  const auto down = hilm::intervene_upper(w, x, links, upper);
  const auto direct = hilm::intervene(w, x, hilm::propagate_edit(links, upper));
  CHECK(down.x == direct.x);
  const RowMatrix<double> z = hilm::sae_encode(w, x);
  const RowMatrix<double> again = hilm::sae_encode(w, down.x);
  for (Index j = 0; j < d; ++j) {
    const double factor = (j == 0 || j == 5) ? 3.0 : 1.0;
    CHECK((again.col(j) - factor * z.col(j)).cwiseAbs().maxCoeff() < 1e-10);
  }
  // Links that point outside the model are refused.
  CHECK_THROWS_AS(hilm::intervene_upper(w, x, ConceptLinks{{{0, 8}}}, {.latent = 0}),
                  hilm::invalid_argument);
}

TEST_CASE("steer: a lower edit holds its siblings' codes where the encoder would leak", "[steer]") {
  // Coherent dictionary: 10 unit directions in R^24 with random overlaps, used as both encoder and
  // decoder of a ReLU SAE. Moving along latent 2's decoder direction changes the pre-activations
  // of every latent whose encoder row overlaps it, so without the hold the siblings move.
  hilm::Random rng(hilm::test::seed(22));
  const Index d = 24, m = 10, n = 300;
  const RowMatrix<double> dirs = hilm::test::random_unit_rows(m, d, rng);
  const auto w = hilm::test::relu_sae<double>(dirs, Eigen::VectorXd::Zero(d));
  const RowMatrix<double> x = hilm::test::sparse_codes(n, m, 4, rng) * dirs;
  const ConceptLinks links{{{2, 5, 7}, {7, 8}, {0, 1}}};
  const Edit edit{.latent = 2, .mode = EditMode::Scale, .value = 3.0};
  const std::vector<Index> siblings = {5, 7};  // 8 shares no upper concept with 2
  REQUIRE(hilm::siblings_of(links, 2) == siblings);
  const RowMatrix<double> z = hilm::sae_encode(w, x);

  auto sibling_drift = [&](const RowMatrix<double>& steered) {
    const RowMatrix<double> again = hilm::sae_encode(w, steered);
    double worst = 0;
    for (Index s : siblings)
      worst = std::max(worst, (again.col(s) - z.col(s)).cwiseAbs().maxCoeff());
    return worst;
  };
  // Negative control: the plain edit lets the siblings drift.
  const auto plain = hilm::intervene(w, x, {edit});
  const double plain_drift = sibling_drift(plain.x);
  INFO("sibling drift without hold " << plain_drift);
  REQUIRE(plain_drift > 0.05);

  const auto held =
      hilm::intervene_lower(w, x, links, edit, {.hold_iterations = 50, .hold_tolerance = 1e-9});
  INFO("hold residual " << held.hold_residual << " after " << held.hold_iterations
                        << " corrections");
  CHECK(held.hold_residual <= 1e-9);
  CHECK(held.hold_iterations >= 1);
  CHECK(held.hold_unresolved_rows == 0);
  CHECK(sibling_drift(held.x) <= 1e-8);
  // The edited latent still moved (by about the intended amount).
  const RowMatrix<double> again = hilm::sae_encode(w, held.x);
  const double intended = (2.0 * z.col(2)).cwiseAbs().mean();
  const double achieved = (again.col(2) - z.col(2)).cwiseAbs().mean();
  INFO("latent 2: intended mean change " << intended << ", achieved " << achieved);
  CHECK(achieved > 0.5 * intended);
  // An explicit hold list in the options is kept and extended.
  const auto more = hilm::intervene_lower(w, x, links, edit, {.hold = {8}});
  CHECK(more.hold_iterations >= 1);
  CHECK_THROWS_AS(hilm::intervene_lower(w, x, links, edit, {.hold = {2}}), hilm::invalid_argument);
}

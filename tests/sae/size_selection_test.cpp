// Tests of include/hilm/sae/size_selection.hpp: the minimality choice of an SAE's size and the
// cross-seed stability score.
#include <vector>

#include <hilm/sae/size_selection.hpp>
#include <hilm/sources/matrix_source.hpp>
#include <hilm/synth/sparse_linear.hpp>

#include "support/catch.hpp"

namespace {

using hilm::Index;
using hilm::SaeSize;

hilm::SaeSizeOptions options_for(std::vector<SaeSize> candidates) {
  hilm::SaeSizeOptions o;
  o.candidates = std::move(candidates);
  o.seeds = {1, 2, 3};
  o.epsilon = 0.03;
  o.base.batch_size = 128;
  o.base.epochs = 8;
  o.base.learning_rate = 0.003;
  o.base.dead_after_rows = 4000;
  return o;
}

}  // namespace

TEST_CASE("sae: size selection picks the smallest code within epsilon of the best", "[sae]") {
  // 12 true atoms, 2 active per row. {6, 2} is too narrow and {12, 1} too sparse to reconstruct
  // (negative controls: they must be rejected); {24, 2}, {48, 2} and {24, 4} all reconstruct (a
  // TopK SAE exactly as wide as the truth often leaves a latent stuck, so the truth's width is
  // not offered), and minimality must pick the sparsest, then narrowest of them: {24, 2}.
  const auto data = hilm::sparse_linear<float>(
      {.samples = 12000, .features = 24, .latents = 12, .active = 2, .seed = hilm::test::seed(71)});
  hilm::MatrixSource source(data.x);
  const auto options = options_for({{48, 2}, {6, 2}, {24, 4}, {12, 1}, {24, 2}});
  const auto found = hilm::select_sae_size<float>(source, options);
  REQUIRE(found.candidates.size() == 5);
  for (const auto& c : found.candidates) {
    INFO("m " << c.size.latents << " k " << c.size.k << ": EV " << c.explained_variance << " L0 "
              << c.l0 << " dead " << c.dead_fraction << " stable " << c.stable_fraction
              << " mean cos " << c.mean_match_cosine);
    CHECK(c.explained_variance_min <= c.explained_variance);
    CHECK(c.explained_variance <= c.explained_variance_max);
    CHECK(c.l0 <= static_cast<double>(c.size.k) + 1e-9);
    CHECK(c.acceptable == (c.explained_variance >= found.best_explained_variance - 0.03));
  }
  CHECK(found.candidates[1].acceptable == false);
  CHECK(found.candidates[3].acceptable == false);
  CHECK(found.candidates[0].acceptable);
  CHECK(found.chosen == 4);
  const auto& chosen = found.candidates[4];
  CHECK(chosen.explained_variance > 0.9);
  CHECK(chosen.stable_fraction > 0.5);
  REQUIRE(found.models.size() == 3);
  CHECK(found.models[0].d_sae() == 24);
  REQUIRE(found.match_cosine.size() == 24);
  Index stable = 0;
  for (const double c : found.match_cosine) stable += c >= 0.9 ? 1 : 0;
  CHECK(static_cast<double>(stable) / 24.0 == chosen.stable_fraction);
}

TEST_CASE("sae: size-selection stability separates identifiable from unidentifiable data",
          "[sae]") {
  // Dense codes are not identifiable: the seeds learn different dictionaries.
  auto stable = [](bool dense) {
    const auto data = hilm::sparse_linear<float>({.samples = 8000,
                                                  .features = 24,
                                                  .latents = 12,
                                                  .active = 2,
                                                  .dense = dense,
                                                  .seed = hilm::test::seed(72)});
    hilm::MatrixSource source(data.x);
    return hilm::select_sae_size<float>(source, options_for({{24, 2}})).candidates[0];
  };
  const auto sparse = stable(false), dense = stable(true);
  INFO("sparse stable " << sparse.stable_fraction << ", dense stable " << dense.stable_fraction);
  CHECK(sparse.stable_fraction > dense.stable_fraction + 0.3);
  CHECK(sparse.mean_match_cosine > 0.8);
  CHECK(sparse.mean_match_cosine > dense.mean_match_cosine);
}

TEST_CASE("sae: size-selection options are validated", "[sae]") {
  hilm::RowMatrix<float> x = hilm::RowMatrix<float>::Ones(20, 3);
  hilm::MatrixSource source(x);
  auto bad = options_for({});
  CHECK_THROWS_AS(hilm::select_sae_size<float>(source, bad), hilm::invalid_argument);
  bad = options_for({{4, 5}});
  CHECK_THROWS_AS(hilm::select_sae_size<float>(source, bad), hilm::invalid_argument);
  bad = options_for({{4, 2}});
  bad.seeds = {1};
  CHECK_THROWS_AS(hilm::select_sae_size<float>(source, bad), hilm::invalid_argument);
  bad = options_for({{4, 2}});
  bad.epsilon = -0.1;
  CHECK(bad.validate().has_value());
  CHECK(options_for({{4, 2}}).validate() == std::nullopt);
}

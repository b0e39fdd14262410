// Tests of include/hilm/sae/concept_labels.hpp.
#include <string>
#include <vector>

#include <hilm/sae/concept_labels.hpp>

#include "support/catch.hpp"

namespace {

// TopK (k = 1) SAE whose latent j reads and writes coordinate j.
hilm::SaeWeights<float> identity_sae(hilm::Index d) {
  hilm::SaeWeights<float> w;
  w.architecture = hilm::SaeArchitecture::TopK;
  w.k = 1;
  w.w_enc = hilm::RowMatrix<float>::Identity(d, d);
  w.w_dec = hilm::RowMatrix<float>::Identity(d, d);
  w.b_enc = hilm::Vector<float>::Zero(d);
  w.b_dec = hilm::Vector<float>::Zero(d);
  return w;
}

}  // namespace

TEST_CASE("sae: concept labels count the pieces of the rows a latent fires on", "[sae]") {
  // Latent 0 fires on "law" ×3 and "legal" ×1, latent 1 on "the" ×2, latent 2 never.
  const std::vector<std::string> pieces = {"law", "the", "legal", "law", "the", "law", "x"};
  const std::vector<int> hot = {0, 1, 0, 0, 1, 0, -1};
  hilm::RowMatrix<float> x = hilm::RowMatrix<float>::Zero(7, 3);
  for (std::size_t i = 0; i < hot.size(); ++i) {
    if (hot[i] >= 0) x(static_cast<hilm::Index>(i), hot[i]) = 2.0f;
  }
  const auto labels =
      hilm::concept_labels(identity_sae(3), x, pieces, {.top_pieces = 1, .batch_rows = 3});
  REQUIRE(labels.size() == 3);
  CHECK(labels[0].fires == 4);
  CHECK(labels[0].firing_rate == Approx(4.0 / 7));
  CHECK(labels[0].mean_activation == Approx(2.0));
  REQUIRE(labels[0].top_pieces.size() == 1);
  CHECK(labels[0].top_pieces[0].first == "law");
  CHECK(labels[0].top_pieces[0].second == 3);
  CHECK(labels[0].purity == Approx(0.75));
  CHECK(labels[1].top_pieces[0] == std::pair<std::string, std::int64_t>{"the", 2});
  CHECK(labels[1].purity == 1.0);
  CHECK(labels[2].fires == 0);
  CHECK(labels[2].top_pieces.empty());
  // With room for more pieces, ties and order are deterministic.
  const auto wide = hilm::concept_labels(identity_sae(3), x, pieces, {.top_pieces = 5});
  REQUIRE(wide[0].top_pieces.size() == 2);
  CHECK(wide[0].top_pieces[1].first == "legal");
  CHECK(wide[0].purity == 1.0);
}

TEST_CASE("sae: concept labels reject mismatched inputs", "[sae]") {
  const hilm::RowMatrix<float> x = hilm::RowMatrix<float>::Ones(2, 3);
  CHECK_THROWS_AS(hilm::concept_labels(identity_sae(3), x, {"a"}), hilm::invalid_argument);
  CHECK_THROWS_AS(hilm::concept_labels(identity_sae(4), x, {"a", "b"}), hilm::invalid_argument);
  CHECK_THROWS_AS(hilm::concept_labels(identity_sae(3), x, {"a", "b"}, {.top_pieces = 0}),
                  hilm::invalid_argument);
}

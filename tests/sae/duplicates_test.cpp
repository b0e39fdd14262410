// Tests of include/hilm/sae/duplicates.hpp.
#include <vector>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/random.hpp>
#include <hilm/metrics/mcc.hpp>
#include <hilm/sae/duplicates.hpp>

#include "support/catch.hpp"

using hilm::Index;
using hilm::RowMatrix;

namespace {

// Codes of 6 latents on 400 rows: 0 and 3 are sparse and independent, 1 is 0 scaled (a
// duplicate, less active because of a few zeroed rows), 2 never fires, 4 is −0.9·3 plus tiny
// noise (a duplicate with negative correlation, active on every row), 5 is independent and
// active on every row.
RowMatrix<float> duplicate_codes() {
  hilm::Random rng(hilm::test::seed(31));
  RowMatrix<float> z = RowMatrix<float>::Zero(400, 6);
  for (Index i = 0; i < z.rows(); ++i) {
    if (rng.uniform() < 0.3) z(i, 0) = static_cast<float>(1 + rng.uniform());
    if (rng.uniform() < 0.2) z(i, 3) = static_cast<float>(1 + rng.uniform());
    z(i, 5) = static_cast<float>(0.5 + rng.uniform());
    z(i, 1) = i % 50 == 0 ? 0.0f : 2 * z(i, 0);
    z(i, 4) = -0.9f * z(i, 3) + static_cast<float>(1e-3 * rng.normal());
  }
  z(0, 0) = 1.5f;  // row 0 is zeroed in latent 1: it fires less often than latent 0
  return z;
}

}  // namespace

TEST_CASE("sae: merge_duplicate_latents keeps the most active copy of each concept", "[sae]") {
  const RowMatrix<float> z = duplicate_codes();
  const hilm::LatentMerge merge = hilm::merge_duplicate_latents(z);
  // Activity: 4 = 5 (every row; ties in latent order) > 0 > 1 > 3; 2 never varies.
  CHECK(merge.kept == std::vector<Index>{4, 5, 0});
  CHECK(merge.group == std::vector<Index>{2, 2, -1, 0, 0, 1});
  CHECK(merge.duplicates == 2);
  const hilm::Matrix<double> kept = hilm::kept_codes(z, merge);
  REQUIRE(kept.cols() == 3);
  CHECK(kept.col(0) == z.col(4).cast<double>());
  CHECK(kept.col(1) == z.col(5).cast<double>());
  CHECK(kept.col(2) == z.col(0).cast<double>());
  // A strict threshold separates the scaled copy with zeroed rows from its original.
  const hilm::LatentMerge strict = hilm::merge_duplicate_latents(z, 1.0);
  CHECK(strict.duplicates == 0);
  CHECK(strict.kept.size() == 5);
  CHECK_THROWS_AS(hilm::merge_duplicate_latents(z, 0.0), hilm::invalid_argument);
  CHECK_THROWS_AS(hilm::merge_duplicate_latents(z, 1.5), hilm::invalid_argument);
  CHECK_THROWS_AS(hilm::kept_codes(RowMatrix<float>::Zero(4, 5), merge), hilm::invalid_argument);
}

TEST_CASE("sae: matched_concepts carries an MCC matching over to the kept latents", "[sae]") {
  const RowMatrix<float> z = duplicate_codes();
  const hilm::LatentMerge merge = hilm::merge_duplicate_latents(z);
  hilm::MccResult mcc;
  // True component 0 → latent 1 (a duplicate of kept latent 0), 1 → latent 3 (kept as 4),
  // 2 → latent 2 (dead), 3 → latent 0 (same group as component 0: the first one wins), 4 → none.
  mcc.assignment.resize(5);
  mcc.assignment << 1, 3, 2, 0, -1;
  CHECK(hilm::matched_concepts(mcc, merge) == std::vector<Index>{1, -1, 0});
  mcc.assignment(4) = 6;
  CHECK_THROWS_AS(hilm::matched_concepts(mcc, merge), hilm::invalid_argument);
}

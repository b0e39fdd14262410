#include <cmath>
#include <vector>

#include <hilm/core/random.hpp>
#include <hilm/metrics/dictionary.hpp>

#include "support/catch.hpp"

using Catch::Matchers::WithinAbs;
using hilm::CosineSign;
using hilm::dictionary_recovery;
using hilm::dictionary_stability;
using hilm::Index;
using hilm::RowMatrix;

TEST_CASE("dictionary: recovery on a hand-worked example", "[metrics]") {
  RowMatrix<double> truth(2, 3);
  truth << 1, 0, 0,  //
      0, 5, 0;       // scale does not matter
  RowMatrix<double> estimate(4, 3);
  estimate << 1, 1, 0,  //
      0, 0, 1,          //
      0, -1, 0,         //
      0.6, 0.8, 0;
  const double r = 1 / std::sqrt(2.0);
  // Cosines: e1 → (r, 0, 0, 0.6); e2 → (r, 0, −1, 0.8).
  const auto s = dictionary_recovery(truth, estimate);
  CHECK_THAT(s.per_atom(0), WithinAbs(r, 1e-12));
  CHECK_THAT(s.per_atom(1), WithinAbs(0.8, 1e-12));
  CHECK(s.best_match(0) == 0);
  CHECK(s.best_match(1) == 3);
  CHECK_THAT(s.mean, WithinAbs(0.5 * (r + 0.8), 1e-12));
  CHECK_THAT(s.median, WithinAbs(0.5 * (r + 0.8), 1e-12));
  // One-to-one: e1→0, e2→3 (r + 0.8) beats e1→3, e2→0 (0.6 + r).
  CHECK(s.assignment(0) == 0);
  CHECK(s.assignment(1) == 3);
  CHECK_THAT(s.matched_mean, WithinAbs(0.5 * (r + 0.8), 1e-12));
  CHECK_THAT(s.cosine(1, 2), WithinAbs(-1.0, 1e-12));

  const auto a = dictionary_recovery(truth, estimate, CosineSign::Absolute);
  CHECK_THAT(a.per_atom(1), WithinAbs(1.0, 1e-12));
  CHECK(a.best_match(1) == 2);
  CHECK(a.assignment(0) == 0);
  CHECK(a.assignment(1) == 2);
  CHECK_THAT(a.matched_mean, WithinAbs(0.5 * (r + 1.0), 1e-12));
}

TEST_CASE("dictionary: max cosine may reuse an estimate, matching may not", "[metrics]") {
  RowMatrix<double> truth(2, 2);
  truth << 1, 0,  //
      0.8, 0.6;
  RowMatrix<double> estimate(1, 2);
  estimate << 1, 0;
  const auto s = dictionary_recovery(truth, estimate);
  CHECK(s.best_match(0) == 0);
  CHECK(s.best_match(1) == 0);
  CHECK_THAT(s.mean, WithinAbs(0.9, 1e-12));
  CHECK(s.assignment(1) == -1);
  CHECK_THAT(s.matched_mean, WithinAbs(0.5, 1e-12));  // (1 + 0) / 2
  CHECK_THAT(s.median, WithinAbs(0.9, 1e-12));
}

TEST_CASE("dictionary: stability on hand-worked runs and a random negative control", "[metrics]") {
  RowMatrix<double> a = RowMatrix<double>::Identity(3, 3);
  RowMatrix<double> b(3, 3);
  b << 0, 2, 0,  //
      3, 0, 0,   //
      0, 0.6, 0.8;
  // Cosines of a's rows with b's rows: e1 (0,1,0), e2 (1,0,0.6), e3 (0,0,0.8) → best matching
  // e1→b1, e2→b0, e3→b2 with mean (1 + 1 + 0.8) / 3.
  const std::vector<RowMatrix<double>> runs{a, b, a};
  const auto s = dictionary_stability(runs);
  const double ab = 2.8 / 3;
  CHECK_THAT(s.pairwise(0, 1), WithinAbs(ab, 1e-12));
  CHECK_THAT(s.pairwise(1, 0), WithinAbs(ab, 1e-12));
  CHECK_THAT(s.pairwise(0, 2), WithinAbs(1.0, 1e-12));
  CHECK_THAT(s.mean, WithinAbs((2 * ab + 1) / 3, 1e-12));
  CHECK_THAT(s.min, WithinAbs(ab, 1e-12));

  // Independent random dictionaries in R^64 share almost nothing.
  hilm::Random rng(hilm::test::seed(21));
  std::vector<RowMatrix<float>> random_runs;
  for (int r = 0; r < 3; ++r) {
    RowMatrix<float> d(32, 64);
    for (Index i = 0; i < d.size(); ++i) d.data()[i] = static_cast<float>(rng.normal());
    random_runs.push_back(d);
  }
  const auto low = dictionary_stability(random_runs);
  CHECK(low.mean < 0.5);
  CHECK_THROWS_AS(dictionary_stability(std::vector<RowMatrix<float>>{random_runs[0]}),
                  hilm::invalid_argument);
}

TEST_CASE("dictionary: shape and finiteness checks", "[metrics]") {
  const RowMatrix<double> truth = RowMatrix<double>::Identity(2, 3);
  const RowMatrix<double> other = RowMatrix<double>::Identity(2, 4);
  CHECK_THROWS_AS(dictionary_recovery(truth, other), hilm::invalid_argument);
  RowMatrix<double> bad = truth;
  bad(0, 0) = std::nan("");
  CHECK_THROWS_AS(dictionary_recovery(truth, bad), hilm::invalid_argument);
}

#include <cmath>
#include <fstream>
#include <string>

#include <hilm/core/random.hpp>
#include <hilm/metrics/mcc.hpp>
#include <hilm/synth/sparse_linear.hpp>

#include "support/catch.hpp"

using Catch::Matchers::WithinAbs;
using hilm::column_ranks;
using hilm::Correlation;
using hilm::Index;
using hilm::mcc;

TEST_CASE("mcc: hand-worked correlations and ranks", "[metrics]") {
  Eigen::MatrixXd a(4, 1), b(4, 1);
  a << 1, 2, 3, 4;
  b << 1, 3, 2, 4;
  // Deviations (−1.5, −0.5, 0.5, 1.5) and (−1.5, 0.5, −0.5, 1.5): covariance sum 4, each
  // sum of squares 5 → r = 0.8. The values are their own ranks, so Spearman is also 0.8.
  const auto p = mcc(a, b);
  CHECK_THAT(p.mean, WithinAbs(0.8, 1e-12));
  const auto s = mcc(a, b, Correlation::Spearman);
  CHECK_THAT(s.mean, WithinAbs(0.8, 1e-12));

  Eigen::MatrixXd tied(5, 1);
  tied << 3, 1, 1, 7, 3;
  const Eigen::MatrixXd ranks = column_ranks(tied);
  CHECK(ranks(0, 0) == 3.5);
  CHECK(ranks(1, 0) == 1.5);
  CHECK(ranks(2, 0) == 1.5);
  CHECK(ranks(3, 0) == 5);
  CHECK(ranks(4, 0) == 3.5);
}

TEST_CASE("mcc: invariant to permutation, sign, affine (Pearson) and monotone (Spearman) maps",
          "[metrics]") {
  hilm::Random rng(hilm::test::seed(31));
  const Index n = 500, k = 4;
  Eigen::MatrixXd truth(n, k);
  for (Index i = 0; i < truth.size(); ++i) truth.data()[i] = rng.normal();
  // Estimate: column j holds a transform of truth column perm[j], plus one extra junk column.
  const Index perm[k] = {2, 0, 3, 1};
  Eigen::MatrixXd affine(n, k + 1), monotone(n, k + 1);
  for (Index j = 0; j < k; ++j) {
    affine.col(j) = (j % 2 == 0 ? -3.0 : 0.5) * truth.col(perm[j]).array() + 7.0;
    monotone.col(j) = truth.col(perm[j]).array().exp();
  }
  for (Index i = 0; i < n; ++i) affine(i, k) = monotone(i, k) = rng.normal();

  const auto p = mcc(truth, affine);
  CHECK_THAT(p.mean, WithinAbs(1.0, 1e-12));
  for (Index j = 0; j < k; ++j) CHECK(p.assignment(perm[j]) == j);
  CHECK(p.correlation(perm[0], 0) < 0);  // the sign is kept in the correlation matrix

  const auto s = mcc(truth, monotone, Correlation::Spearman);
  CHECK_THAT(s.mean, WithinAbs(1.0, 1e-12));
  // Pearson does not forgive the exponential: a check that the two methods differ.
  const auto pm = mcc(truth, monotone, Correlation::Pearson);
  CHECK(pm.mean < 0.9);
}

TEST_CASE("mcc: fewer estimates than truths score zero for the unmatched", "[metrics]") {
  Eigen::MatrixXd truth(4, 2), estimate(4, 1);
  truth << 1, 1,  //
      2, -1,      //
      3, 1,       //
      4, -1;
  estimate << 2, 4, 6, 8;
  const auto r = mcc(truth, estimate);
  CHECK(r.assignment(0) == 0);
  CHECK(r.assignment(1) == -1);
  CHECK_THAT(r.mean, WithinAbs(0.5, 1e-12));
  CHECK(r.per_component(1) == 0);
}

TEST_CASE("mcc: constant columns correlate 0 and bad inputs throw", "[metrics]") {
  Eigen::MatrixXd truth(3, 1), estimate(3, 2);
  truth << 1, 2, 4;
  estimate << 0.1, 1,  //
      0.1, 2,          //
      0.1, 4;
  const auto r = mcc(truth, estimate);
  CHECK(r.correlation(0, 0) == 0);
  CHECK_THAT(r.mean, WithinAbs(1.0, 1e-12));
  CHECK_THROWS_AS(mcc(truth, Eigen::MatrixXd(2, 1)), hilm::invalid_argument);
  estimate(1, 1) = std::nan("");
  CHECK_THROWS_AS(mcc(truth, estimate), hilm::invalid_argument);
}

TEST_CASE("mcc: negative control, an unrelated estimate scores low", "[metrics]") {
  const auto data = hilm::sparse_linear<double>(hilm::SparseLinearOptions{
      .samples = 3000, .features = 16, .latents = 8, .active = 2, .seed = hilm::test::seed(32)});
  // The observed coordinates are mixtures, not the latents: MCC well below 1.
  const auto mixed = mcc(data.codes, data.x);
  CHECK(mixed.mean < 0.8);
  const auto self = mcc(data.codes, data.codes);
  CHECK_THAT(self.mean, WithinAbs(1.0, 1e-12));
}

TEST_CASE("mcc: agrees with scipy on committed fixtures", "[metrics]") {
  // tests/data/metrics/make_fixtures.py: scipy.stats + scipy.optimize.linear_sum_assignment.
  std::ifstream in(std::string(HILM_TEST_DATA_DIR) + "/metrics/mcc_cases.txt");
  REQUIRE(in.good());
  int cases = 0;
  std::string tag;
  while (in >> tag) {
    REQUIRE(tag == "case");
    Index n = 0, k = 0, m = 0;
    int method = 0;
    in >> n >> k >> m >> method;
    Eigen::MatrixXd truth(n, k), estimate(n, m);
    for (Index i = 0; i < n; ++i)
      for (Index j = 0; j < k; ++j) in >> truth(i, j);
    for (Index i = 0; i < n; ++i)
      for (Index j = 0; j < m; ++j) in >> estimate(i, j);
    double mean = 0;
    in >> mean;
    Eigen::VectorXd per(k);
    hilm::IndexVector assignment(k);
    for (Index j = 0; j < k; ++j) in >> per(j);
    for (Index j = 0; j < k; ++j) in >> assignment(j);
    REQUIRE(in.good());
    const auto r = mcc(truth, estimate, method == 1 ? Correlation::Spearman : Correlation::Pearson);
    INFO("case " << cases);
    CHECK_THAT(r.mean, WithinAbs(mean, 1e-10));
    for (Index j = 0; j < k; ++j) {
      CHECK_THAT(r.per_component(j), WithinAbs(per(j), 1e-10));
      CHECK(r.assignment(j) == assignment(j));
    }
    ++cases;
  }
  CHECK(cases >= 6);
}

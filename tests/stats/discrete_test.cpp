#include <array>
#include <cmath>
#include <map>
#include <vector>

#include <hilm/core/random.hpp>
#include <hilm/stats/discrete.hpp>

#include "support/catch.hpp"

namespace {
using hilm::DiscreteStatistic;
using hilm::DofConvention;
using hilm::Index;
using hilm::Matrix;

// Rows reproducing a 2 × 2 table [[a, b], [c, d]] of (X, Y) counts.
Matrix<double> table_rows(int a, int b, int c, int d) {
  Matrix<double> m(a + b + c + d, 2);
  Index row = 0;
  auto put = [&](int count, double x, double y) {
    for (int i = 0; i < count; ++i, ++row) {
      m(row, 0) = x;
      m(row, 1) = y;
    }
  };
  put(a, 0, 0);
  put(b, 0, 1);
  put(c, 1, 0);
  put(d, 1, 1);
  return m;
}
}  // namespace

TEST_CASE("discrete: 2x2 statistics equal the textbook closed forms", "[stats]") {
  const auto m = table_rows(10, 20, 30, 40);
  // Pearson: N (ad − bc)² / (r1 r2 c1 c2).
  const double chi2 = 100.0 * (400.0 - 600.0) * (400.0 - 600.0) / (30.0 * 70.0 * 40.0 * 60.0);
  const auto pearson = hilm::chi_square_test(m).test(0, 1, {});
  CHECK_THAT(pearson.statistic, Catch::Matchers::WithinRel(chi2, 1e-13));
  CHECK(pearson.dof == 1.0);
  CHECK_THAT(pearson.p_value, Catch::Matchers::WithinRel(std::erfc(std::sqrt(chi2 / 2)), 1e-12));
  // G² = 2 Σ O log(O / E) with E = row·col / N.
  const double e[4] = {30.0 * 40 / 100, 30.0 * 60 / 100, 70.0 * 40 / 100, 70.0 * 60 / 100};
  const double o[4] = {10, 20, 30, 40};
  double g2 = 0;
  for (int i = 0; i < 4; ++i) g2 += 2 * o[i] * std::log(o[i] / e[i]);
  const auto g = hilm::g_square_test(m).test(0, 1, {});
  CHECK_THAT(g.statistic, Catch::Matchers::WithinRel(g2, 1e-13));
  // Values are coded by rank: relabelling the categories changes nothing.
  Matrix<double> relabelled = m;
  relabelled.col(0) = (relabelled.col(0).array() * 7.0 - 3.0).matrix();
  CHECK(hilm::g_square_test(relabelled).test(0, 1, {}).statistic == g.statistic);
}

TEST_CASE("discrete: degrees-of-freedom conventions on a stratum with an empty row", "[stats]") {
  // X in {0,1,2}, Y in {0,1}, S in {0,1}; in stratum S=1, X never takes the value 2.
  hilm::Random rng(hilm::test::seed(11));
  const Index n = 600;
  Matrix<double> d(n, 3);
  for (Index i = 0; i < n; ++i) {
    d(i, 2) = static_cast<double>(i % 2);
    d(i, 0) = d(i, 2) == 0 ? static_cast<double>(rng.uniform_index(3))
                           : static_cast<double>(rng.uniform_index(2));
    d(i, 1) = static_cast<double>(rng.uniform_index(2));
  }
  const std::array<Index, 1> s{2};
  auto dof = [&](DofConvention c) {
    return hilm::DiscreteCiTest(d, {.statistic = DiscreteStatistic::GSquare, .dof = c})
        .test(0, 1, s)
        .dof;
  };
  CHECK(dof(DofConvention::Adjusted) == 2.0 + 1.0);  // (3−1)(2−1) + (2−1)(2−1)
  CHECK(dof(DofConvention::Classic) == 4.0);         // (3−1)(2−1)·2
  // pcalg: classic − zero cells (2 in the empty row) − 4 (2^1 − 2) = 2.
  CHECK(dof(DofConvention::PcalgAdaptDf) == 2.0);
  // A constant Y leaves no degrees of freedom: p = 1 by convention (causal-learn's too).
  Matrix<double> one_col = d;
  one_col.col(1).setZero();
  const auto r = hilm::g_square_test(one_col).test(0, 1, s);
  CHECK(r.dof == 0.0);
  CHECK(r.p_value == 1.0);
}

TEST_CASE("discrete: large conditioning sets equal an explicit per-stratum computation",
          "[stats]") {
  hilm::Random rng(hilm::test::seed(12));
  const Index n = 3000;
  const Index p = 8;
  Matrix<double> d(n, p);
  for (Index i = 0; i < n; ++i) {
    for (Index j = 2; j < p; ++j) d(i, j) = static_cast<double>(rng.uniform_index(j == 2 ? 4 : 2));
    d(i, 0) = static_cast<double>(
        (static_cast<int>(d(i, 2)) + static_cast<int>(rng.uniform_index(2))) % 3);
    d(i, 1) = static_cast<double>(
        (static_cast<int>(d(i, 0)) + static_cast<int>(d(i, 3)) + (rng.bernoulli(0.3) ? 1 : 0)) % 2);
  }
  const std::vector<Index> s{2, 3, 4, 5, 6, 7};  // |S| = 6, past pcalg's limit
  // Explicit: group rows by the S tuple, G² and adjusted dof per group.
  std::map<std::vector<double>, std::map<std::pair<double, double>, double>> groups;
  for (Index i = 0; i < n; ++i) {
    std::vector<double> key;
    for (Index k : s) key.push_back(d(i, k));
    groups[key][{d(i, 0), d(i, 1)}] += 1.0;
  }
  double g2 = 0, dof = 0;
  for (const auto& [key, cells] : groups) {
    std::map<double, double> rows, cols;
    double total = 0;
    for (const auto& [xy, c] : cells) {
      rows[xy.first] += c;
      cols[xy.second] += c;
      total += c;
    }
    for (const auto& [xy, c] : cells)
      g2 += 2 * c * std::log(c * total / (rows[xy.first] * cols[xy.second]));
    dof += static_cast<double>((rows.size() - 1) * (cols.size() - 1));
  }
  const auto r = hilm::g_square_test(d).test(0, 1, s);
  CHECK_THAT(r.statistic, Catch::Matchers::WithinRel(g2, 1e-12));
  CHECK(r.dof == dof);
  // X1 depends on X3 given the rest... but X0 ⫫ X1 | S is false too (X1 uses X0): small p.
  CHECK(r.p_value < 1e-6);
  // Order of S and of (x, y) does not matter.
  const std::vector<Index> shuffled{7, 3, 5, 2, 6, 4};
  CHECK_THAT(hilm::g_square_test(d).test(1, 0, shuffled).statistic,
             Catch::Matchers::WithinRel(r.statistic, 1e-12));
}

TEST_CASE("discrete: non-integer values and bad indices are rejected", "[stats]") {
  Matrix<double> d = table_rows(3, 4, 5, 6);
  d(5, 1) = 0.5;
  CHECK_THROWS_WITH(hilm::g_square_test(d),
                    Catch::Matchers::Contains("row 5, column 1 is not an integer"));
  const auto ok = hilm::g_square_test(table_rows(3, 4, 5, 6));
  CHECK_THROWS_AS(ok.test(0, 2, {}), hilm::invalid_argument);
  static_assert(hilm::CiTest<hilm::DiscreteCiTest>);
}

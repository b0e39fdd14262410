// Parity with pcalg (disCItest, gSquareBin) and bnlearn (ci.test "mi" on lizards), and the
// regression case for pcalg's gSquareDis defect with |S| >= 5.
#include <array>
#include <cmath>
#include <vector>

#include <hilm/io/delimited.hpp>
#include <hilm/stats/discrete.hpp>

#include "peer/peer_data.hpp"
#include "support/catch.hpp"

namespace {
using hilm::DofConvention;
using hilm::Index;

// R's all.equal(target, current, tol) on vectors: mean |target - current| / mean |target| < tol.
bool all_equal(const std::vector<double>& target, const std::vector<double>& current, double tol) {
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < target.size(); ++i) {
    diff += std::abs(target[i] - current[i]);
    scale += std::abs(target[i]);
  }
  return diff / scale < tol;
}
}  // namespace

TEST_CASE("peer: pcalg disCItest assertions on discr100k (tests/test_gSquareDis.R)",
          "[peer][stats]") {
  // pcalg uses 1-based columns and adaptDF = TRUE; hilm's default (causal-learn's dof) agrees with
  // every asserted side of 0.05, and so does pcalg's adaptDF rule.
  const auto& data = hilm::test::peer_matrix("pcalg_discr100k.csv");
  for (auto dof : {DofConvention::Adjusted, DofConvention::PcalgAdaptDf}) {
    const hilm::DiscreteCiTest g(data, {.statistic = hilm::DiscreteStatistic::GSquare, .dof = dof});
    auto p = [&](Index x, Index y, std::vector<Index> s) {
      for (auto& k : s) --k;
      return g.test(x - 1, y - 1, s).p_value;
    };
    CHECK(p(1, 2, {}) > 0.05);
    CHECK(p(1, 2, {3}) < 0.05);
    CHECK(p(5, 2, {4}) < 0.05);
    CHECK(p(5, 2, {}) > 0.05);
    CHECK(p(4, 3, {2}) > 0.05);
    CHECK(p(4, 3, {}) < 0.05);
    CHECK(p(4, 2, {}) < 0.05);
    CHECK(p(1, 3, {}) < 0.05);
    CHECK(p(1, 5, {}) > 0.05);
  }
}

TEST_CASE("peer: pcalg gSquareBin expected p-values (tests/test_gSquareBin.R ok2-ok5)",
          "[peer][stats]") {
  auto run = [](const char* file, const std::vector<std::array<std::vector<Index>, 3>>& queries) {
    const hilm::DiscreteCiTest g(hilm::test::peer_matrix(file),
                                 {.statistic = hilm::DiscreteStatistic::GSquare});
    std::vector<double> out;
    for (const auto& q : queries) {
      std::vector<Index> s = q[2];
      for (auto& k : s) --k;
      out.push_back(g.test(q[0][0] - 1, q[1][0] - 1, s).p_value);
    }
    return out;
  };
  // ok2: chain x1 -> x2 -> x3.
  const auto pv2 =
      run("pcalg_gSquareBin_ok2_chain_n10000.csv",
          {{{{3}, {1}, {2}}}, {{{1}, {3}, {2}}}, {{{1}, {2}, {3}}}, {{{3}, {2}, {1}}}});
  CHECK(all_equal({0.89393365, 0.89393365, 0, 0}, pv2, 1e-8));
  CHECK_THAT(pv2[0], Catch::Matchers::WithinRel(pv2[1], 1e-6));
  // ok3: collider x1 -> x3 <- x2 (first three columns of the ok3/ok4 file).
  const auto pv3 = run("pcalg_gSquareBin_ok3ok4_collider_noise_n10000.csv",
                       {{{{1}, {2}, {3}}}, {{{1}, {2}, {}}}, {{{2}, {1}, {3}}}, {{{1}, {3}, {2}}}});
  CHECK(all_equal({0, 0.9054922, 0, 0}, pv3, 1e-7));
  // ok4: the collider plus three noise variables.
  const auto pv4 =
      run("pcalg_gSquareBin_ok3ok4_collider_noise_n10000.csv", {{{{1}, {2}, {3, 4, 5, 6}}},
                                                                {{{1}, {3}, {2, 4, 5, 6}}},
                                                                {{{2}, {3}, {1, 4, 5, 6}}},
                                                                {{{2}, {4}, {1, 3, 5, 6}}},
                                                                {{{4}, {2}, {1, 3, 5, 6}}},
                                                                {{{3}, {4}, {1, 2, 5, 6}}},
                                                                {{{4}, {2}, {3, 5, 6}}}});
  CHECK(all_equal({0, 0, 0, 0.0269101, 0.0269101, 0.7260011, 0.1121826}, pv4, 2e-7));
  CHECK_THAT(pv4[3], Catch::Matchers::WithinRel(pv4[4], 1e-6));
  // ok5: rectangle model.
  const auto pv5 = run("pcalg_gSquareBin_ok5_rectangle_n10000.csv", {{{{1}, {4}, {2, 3}}},
                                                                     {{{1}, {4}, {2}}},
                                                                     {{{1}, {4}, {3}}},
                                                                     {{{1}, {4}, {}}},
                                                                     {{{2}, {3}, {4}}},
                                                                     {{{2}, {3}, {1}}},
                                                                     {{{2}, {3}, {1, 4}}}});
  CHECK(all_equal({0.38484, 0.13601, 0.10974, 0, 0.00023, 0.56828, 0.43436}, pv5, 4e-4));
}

TEST_CASE("peer: pcalg's |S| >= 5 defect is not reproduced (regression case)", "[peer][stats]") {
  // V1 ⫫ V2 | V3..V7 on discr100k plus three random binary columns: pcalg's gSquareDis builds
  // the strata from X instead of S when |S| >= 5; the correct G² test gives this p-value
  // (also causal-learn's).
  const hilm::DiscreteCiTest g(hilm::test::peer_matrix("discr100k_plus3binary_seed1.csv"));
  const std::vector<Index> s{2, 3, 4, 5, 6};
  const auto r = g.test(0, 1, s);
  CHECK_THAT(r.p_value, Catch::Matchers::WithinRel(2.626923443385014e-41, 1e-9));
  CHECK(r.dof == 192.0);
}

TEST_CASE("peer: bnlearn ci.test(test = \"mi\") on lizards", "[peer][stats]") {
  hilm::DelimitedOptions options;
  options.categorical = true;
  const auto table =
      hilm::read_delimited<double>(hilm::test::peer_path("bnlearn_lizards.csv"), options);
  REQUIRE(table.names == std::vector<std::string>{"Species", "Diameter", "Height"});
  // bnlearn's "mi" is G² with the classic degrees of freedom.
  const hilm::DiscreteCiTest mi(
      table.data, {.statistic = hilm::DiscreteStatistic::GSquare, .dof = DofConvention::Classic});
  const Index species[1] = {0};
  const Index height[1] = {2};
  // ci.test("Height", "Diameter", "Species"): mi = 2.0256, df = 2, p-value = 0.3632.
  const auto a = mi.test(2, 1, species);
  CHECK_THAT(a.statistic, Catch::Matchers::WithinAbs(2.0256, 5e-5));
  CHECK(a.dof == 2.0);
  CHECK_THAT(a.p_value, Catch::Matchers::WithinAbs(0.3632, 5e-5));
  // ci.test(lizards): Species ~ Diameter | Height, mi = 14.0241, df = 2, p-value = 0.0009009.
  const auto b = mi.test(0, 1, height);
  CHECK_THAT(b.statistic, Catch::Matchers::WithinAbs(14.0241, 5e-5));
  CHECK(b.dof == 2.0);
  CHECK_THAT(b.p_value, Catch::Matchers::WithinAbs(0.0009009, 5e-8));
  // The adjusted convention agrees here (no empty rows or columns in any stratum).
  const hilm::DiscreteCiTest adf(table.data);
  CHECK(adf.test(2, 1, species).dof == 2.0);
}

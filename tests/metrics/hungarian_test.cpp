#include <algorithm>
#include <limits>
#include <numeric>
#include <vector>

#include <hilm/core/random.hpp>
#include <hilm/metrics/hungarian.hpp>

#include "support/catch.hpp"

using hilm::Index;
using hilm::linear_sum_assignment;

namespace {

// Best total over all injective maps from the smaller side into the larger one (brute force).
double brute_force(const Eigen::MatrixXd& cost, bool maximize) {
  const bool transpose = cost.rows() > cost.cols();
  const Eigen::MatrixXd c = transpose ? Eigen::MatrixXd(cost.transpose()) : cost;
  const Index n = c.rows(), m = c.cols();
  std::vector<Index> cols(static_cast<std::size_t>(m));
  std::iota(cols.begin(), cols.end(), Index{0});
  double best =
      maximize ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  // Every permutation of the columns; the first n entries give an injective map.
  do {
    double total = 0;
    for (Index i = 0; i < n; ++i) total += c(i, cols[static_cast<std::size_t>(i)]);
    best = maximize ? std::max(best, total) : std::min(best, total);
  } while (std::next_permutation(cols.begin(), cols.end()));
  return best;
}

void check_consistent(const hilm::Assignment& a, const Eigen::MatrixXd& cost) {
  REQUIRE(a.col_of_row.size() == cost.rows());
  REQUIRE(a.row_of_col.size() == cost.cols());
  REQUIRE(a.pairs() == std::min(cost.rows(), cost.cols()));
  double total = 0;
  for (Index i = 0; i < cost.rows(); ++i) {
    const Index j = a.col_of_row(i);
    if (j < 0) continue;
    REQUIRE(a.row_of_col(j) == i);
    total += cost(i, j);
  }
  REQUIRE_THAT(a.total, Catch::Matchers::WithinAbs(total, 1e-12));
}

}  // namespace

TEST_CASE("hungarian: hand-worked 3 × 3 example", "[metrics]") {
  // Rows: workers, columns: jobs.
  Eigen::Matrix3d cost;
  cost << 4, 1, 3,  //
      2, 0, 5,      //
      3, 2, 2;
  // Totals of the 6 permutations: (0,1,2)=4+0+2=6, (0,2,1)=4+5+2=11, (1,0,2)=1+2+2=5,
  // (1,2,0)=1+5+3=9, (2,0,1)=3+2+2=7, (2,1,0)=3+0+3=6 → minimum 5 at (1,0,2).
  const auto a = linear_sum_assignment(cost);
  CHECK(a.col_of_row(0) == 1);
  CHECK(a.col_of_row(1) == 0);
  CHECK(a.col_of_row(2) == 2);
  CHECK(a.total == 5);
  // Maximum 11 at (0,2,1).
  const auto b = linear_sum_assignment(cost, true);
  CHECK(b.col_of_row(0) == 0);
  CHECK(b.col_of_row(1) == 2);
  CHECK(b.col_of_row(2) == 1);
  CHECK(b.total == 11);
}

TEST_CASE("hungarian: rectangular matrices leave the extra side unassigned", "[metrics]") {
  Eigen::MatrixXd wide(2, 4);
  wide << 9, 1, 9, 9,  //
      9, 9, 9, 2;
  const auto a = linear_sum_assignment(wide);
  CHECK(a.col_of_row(0) == 1);
  CHECK(a.col_of_row(1) == 3);
  CHECK(a.row_of_col(0) == -1);
  CHECK(a.row_of_col(2) == -1);
  CHECK(a.total == 3);
  const Eigen::MatrixXd tall = wide.transpose();
  const auto b = linear_sum_assignment(tall);
  CHECK(b.col_of_row(1) == 0);
  CHECK(b.col_of_row(3) == 1);
  CHECK(b.col_of_row(0) == -1);
  CHECK(b.col_of_row(2) == -1);
  CHECK(b.total == 3);
}

TEST_CASE("hungarian: matches brute force on random small matrices", "[metrics]") {
  hilm::Random rng(hilm::test::seed(11));
  for (int trial = 0; trial < 300; ++trial) {
    const auto rows = static_cast<Index>(1 + rng.uniform_index(6));
    const auto cols = static_cast<Index>(1 + rng.uniform_index(6));
    Eigen::MatrixXd cost(rows, cols);
    // Half the trials use small integers, so ties between optimal solutions are common.
    const bool integer = trial % 2 == 0;
    for (Index i = 0; i < rows; ++i) {
      for (Index j = 0; j < cols; ++j) {
        cost(i, j) = integer ? static_cast<double>(rng.uniform_index(4)) : rng.uniform(-5, 5);
      }
    }
    for (const bool maximize : {false, true}) {
      const auto a = linear_sum_assignment(cost, maximize);
      check_consistent(a, cost);
      REQUIRE_THAT(a.total, Catch::Matchers::WithinAbs(brute_force(cost, maximize), 1e-9));
    }
  }
}

TEST_CASE("hungarian: permuting rows permutes the answer (identity recovered)", "[metrics]") {
  // A permutation matrix hidden in noise: the matching must find it.
  hilm::Random rng(hilm::test::seed(12));
  const Index n = 60;
  std::vector<Index> perm(static_cast<std::size_t>(n));
  std::iota(perm.begin(), perm.end(), Index{0});
  rng.shuffle(perm.begin(), perm.end());
  Eigen::MatrixXf score(n, n);
  for (Index i = 0; i < n; ++i) {
    for (Index j = 0; j < n; ++j) score(i, j) = static_cast<float>(rng.uniform(0, 0.5));
    score(i, perm[static_cast<std::size_t>(i)]) = 1.0f;
  }
  const auto a = linear_sum_assignment(score, true);
  for (Index i = 0; i < n; ++i) REQUIRE(a.col_of_row(i) == perm[static_cast<std::size_t>(i)]);
}

TEST_CASE("hungarian: empty and non-finite inputs", "[metrics]") {
  const Eigen::MatrixXd empty(0, 3);
  const auto a = linear_sum_assignment(empty);
  CHECK(a.pairs() == 0);
  CHECK(a.row_of_col.size() == 3);
  Eigen::MatrixXd bad = Eigen::MatrixXd::Zero(2, 2);
  bad(1, 0) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(linear_sum_assignment(bad), hilm::invalid_argument);
  bad(1, 0) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_AS(linear_sum_assignment(bad), hilm::invalid_argument);
}

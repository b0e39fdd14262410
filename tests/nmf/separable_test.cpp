// Tests of include/hilm/nmf/separable.hpp: planted anchors at zero and small noise, SNPA beyond
// full column rank, the separability check and its negative control.
#include <algorithm>
#include <cmath>
#include <numbers>
#include <set>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/random.hpp>
#include <hilm/nmf/separable.hpp>

#include "support/catch.hpp"

namespace {

using hilm::Index;
using hilm::Matrix;

struct Planted {
  Matrix<double> a;
  std::set<Index> anchors;
};

// A = W [I, H'] Π with H' columns on the simplex and every column scaled by a random positive
// factor; returns the data and the positions of the pure columns.
Planted separable(hilm::Random& random, Index m, Index r, Index n, const Matrix<double>& w,
                  double noise = 0) {
  Matrix<double> h = Matrix<double>::Zero(r, n);
  std::vector<Index> order(static_cast<std::size_t>(n));
  for (Index j = 0; j < n; ++j) order[static_cast<std::size_t>(j)] = j;
  random.shuffle(order.begin(), order.end());
  Planted out;
  std::vector<double> mix(static_cast<std::size_t>(r));
  for (Index j = 0; j < n; ++j) {
    const Index column = order[static_cast<std::size_t>(j)];
    if (j < r) {
      h(j, column) = 1;
      out.anchors.insert(column);
    } else {
      random.dirichlet(1.0, mix);
      // Keep mixtures away from the vertices so that noise cannot make them look pure.
      for (Index l = 0; l < r; ++l)
        h(l, column) = 0.1 / static_cast<double>(r) + 0.9 * mix[static_cast<std::size_t>(l)];
    }
  }
  out.a = w * h;
  for (Index j = 0; j < n; ++j) {
    out.a.col(j) *= random.uniform(0.5, 3.0);
    for (Index i = 0; i < m; ++i)
      out.a(i, j) = std::max(0.0, out.a(i, j) * (1 + noise * random.normal()));
  }
  return out;
}

Matrix<double> uniform(hilm::Random& random, Index rows, Index cols) {
  Matrix<double> w(rows, cols);
  for (Index j = 0; j < cols; ++j)
    for (Index i = 0; i < rows; ++i) w(i, j) = random.uniform();
  return w;
}

std::set<Index> as_set(const std::vector<Index>& v) { return {v.begin(), v.end()}; }

}  // namespace

TEST_CASE("separable: SPA and SNPA return the planted anchors exactly at zero noise",
          "[nmf][separable]") {
  hilm::Random random(hilm::test::seed(1300));
  for (int trial = 0; trial < 10; ++trial) {
    const Index m = 20 + static_cast<Index>(random.uniform_index(30));
    const Index r = 2 + static_cast<Index>(random.uniform_index(7));
    const Index n = r + 30 + static_cast<Index>(random.uniform_index(60));
    const Planted data = separable(random, m, r, n, uniform(random, m, r));
    INFO("trial " << trial << ": " << m << " x " << n << ", r = " << r);
    for (const auto method : {hilm::SeparableMethod::Spa, hilm::SeparableMethod::Snpa}) {
      for (const bool precondition : {false, true}) {
        const auto fit = hilm::separable_nmf(
            data.a, {.rank = r, .method = method, .precondition = precondition});
        CHECK(fit.anchors.size() == static_cast<std::size_t>(r));
        CHECK(as_set(fit.anchors) == data.anchors);
        CHECK(fit.report.relative_residual < 1e-8);
        CHECK(fit.report.max_column_residual < 1e-7);
      }
    }
    CHECK(as_set(hilm::spa(data.a, r)) == data.anchors);
    CHECK(as_set(hilm::snpa(data.a, r)) == data.anchors);
  }
}

TEST_CASE("separable: anchors survive small noise", "[nmf][separable]") {
  hilm::Random random(hilm::test::seed(1400));
  const Index m = 40, r = 5, n = 150;
  const Planted data = separable(random, m, r, n, uniform(random, m, r), 1e-3);
  for (const auto method : {hilm::SeparableMethod::Spa, hilm::SeparableMethod::Snpa}) {
    const auto fit = hilm::separable_nmf(data.a, {.rank = r, .method = method});
    CHECK(as_set(fit.anchors) == data.anchors);
    CHECK(fit.report.relative_residual < 1e-2);
  }
}

TEST_CASE("separable: SNPA finds anchors that SPA cannot when W is rank deficient",
          "[nmf][separable]") {
  // Five anchors in R³ (rank 3): points of a regular pentagon inside the probability simplex.
  // Every anchor is a vertex of the convex hull, but no more than 3 are linearly independent.
  hilm::Random random(hilm::test::seed(1500));
  const Index m = 3, r = 5, n = 80;
  Matrix<double> w(m, r);
  const Eigen::Vector3d centre(1.0 / 3, 1.0 / 3, 1.0 / 3);
  const Eigen::Vector3d e1 = Eigen::Vector3d(1, -1, 0).normalized();
  const Eigen::Vector3d e2 = Eigen::Vector3d(1, 1, -2).normalized();
  for (Index l = 0; l < r; ++l) {
    const double angle = 2 * std::numbers::pi * static_cast<double>(l) / static_cast<double>(r);
    w.col(l) = centre + 0.2 * (std::cos(angle) * e1 + std::sin(angle) * e2);
  }
  const Planted data = separable(random, m, r, n, w);
  const auto fit = hilm::separable_nmf(
      data.a, {.rank = r, .method = hilm::SeparableMethod::Snpa, .projection_iterations = 2000});
  CHECK(as_set(fit.anchors) == data.anchors);
  // SPA stops at rank 3: it cannot take more than min(m, n) anchors.
  CHECK_THROWS_AS(hilm::separable_nmf(data.a, {.rank = r}), hilm::invalid_argument);
}

TEST_CASE("separable: the separability check tells separable from mixed data", "[nmf][separable]") {
  hilm::Random random(hilm::test::seed(1600));
  const Index m = 30, r = 4, n = 100;
  const Matrix<double> w = uniform(random, m, r);
  const Planted data = separable(random, m, r, n, w);
  const std::vector<Index> truth(data.anchors.begin(), data.anchors.end());
  const auto good = hilm::separability(data.a, truth);
  CHECK(good.relative_residual < 1e-9);
  CHECK((data.a - data.a(Eigen::all, truth) * good.h).norm() < 1e-8 * data.a.norm());
  // Negative control: strictly mixed columns (no pure column) are far from separable.
  Matrix<double> h(r, n);
  std::vector<double> mix(static_cast<std::size_t>(r));
  for (Index j = 0; j < n; ++j) {
    random.dirichlet(1.0, mix);
    for (Index l = 0; l < r; ++l) h(l, j) = 0.15 + mix[static_cast<std::size_t>(l)];
  }
  const Matrix<double> mixed = w * h;
  const auto fit = hilm::separable_nmf(mixed, {.rank = r});
  CHECK(fit.report.max_column_residual > 0.01);
  // Argument checks.
  CHECK_THROWS_AS(hilm::separability(data.a, {n}), hilm::invalid_argument);
  Matrix<double> negative = data.a;
  negative(1, 2) = -1;
  CHECK_THROWS_AS(hilm::spa(negative, 2), hilm::invalid_argument);
  CHECK_THROWS_AS(hilm::spa(data.a, 0), hilm::invalid_argument);
}

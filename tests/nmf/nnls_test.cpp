// Tests of include/hilm/nmf/nnls.hpp: known solutions, KKT conditions, and agreement with an
// independent brute-force solver that enumerates every passive set.
#include <cmath>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include <hilm/core/random.hpp>
#include <hilm/nmf/nnls.hpp>

#include "support/catch.hpp"
#include "support/generators.hpp"

namespace {

using hilm::Index;
using hilm::Matrix;
using hilm::Vector;

// Brute force: the minimiser of ½xᵀGx − bᵀx over x ≥ 0 (G positive definite) is the unique
// feasible point satisfying KKT; try every support set and keep the best feasible objective.
Vector<double> brute_force_nnls(const Matrix<double>& g, const Vector<double>& b) {
  const Index k = g.rows();
  Vector<double> best = Vector<double>::Zero(k);
  double best_value = 0;  // objective at x = 0
  for (unsigned mask = 1; mask < (1u << k); ++mask) {
    std::vector<Index> support;
    for (Index l = 0; l < k; ++l)
      if (mask & (1u << l)) support.push_back(l);
    const auto p = static_cast<Index>(support.size());
    Matrix<double> gs(p, p);
    Vector<double> bs(p);
    for (Index i = 0; i < p; ++i) {
      bs(i) = b(support[static_cast<std::size_t>(i)]);
      for (Index j = 0; j < p; ++j)
        gs(i, j) = g(support[static_cast<std::size_t>(i)], support[static_cast<std::size_t>(j)]);
    }
    const Vector<double> xs = gs.llt().solve(bs);
    if ((xs.array() < 0).any()) continue;
    Vector<double> x = Vector<double>::Zero(k);
    for (Index i = 0; i < p; ++i) x(support[static_cast<std::size_t>(i)]) = xs(i);
    const double value = 0.5 * x.dot(g * x) - b.dot(x);
    if (value < best_value) {
      best_value = value;
      best = x;
    }
  }
  return best;
}

Matrix<double> random_pd(hilm::Random& random, Index k, Index rows) {
  const Matrix<double> a = hilm::test::normal_matrix<Matrix<double>>(rows, k, random);
  return a.transpose() * a;
}

const hilm::NnlsMethod kMethods[] = {hilm::NnlsMethod::ActiveSet,
                                     hilm::NnlsMethod::CoordinateDescent};

}  // namespace

TEST_CASE("nnls: known solutions from the issue", "[nmf][nnls]") {
  for (const auto method : kMethods) {
    const hilm::NnlsOptions options{.method = method};
    Matrix<double> g(2, 2);
    g << 2, 1, 1, 2;
    Vector<double> b(2);
    b << 3, 3;
    const Matrix<double> x = hilm::nnls_gram(g, b, options);
    CHECK_THAT(x(0, 0), Catch::Matchers::WithinAbs(1.0, 1e-10));
    CHECK_THAT(x(1, 0), Catch::Matchers::WithinAbs(1.0, 1e-10));

    // G = I: the solution is max(b, 0) coordinate-wise.
    hilm::Random random(hilm::test::seed(1));
    Vector<double> c(7);
    for (Index i = 0; i < 7; ++i) c(i) = random.normal();
    const Matrix<double> y = hilm::nnls_gram(Matrix<double>::Identity(7, 7), c, options);
    for (Index i = 0; i < 7; ++i)
      CHECK_THAT(y(i, 0), Catch::Matchers::WithinAbs(std::max(c(i), 0.0), 1e-12));
  }
}

TEST_CASE("nnls: matches brute-force enumeration and satisfies KKT", "[nmf][nnls]") {
  hilm::Random random(hilm::test::seed(2));
  for (int trial = 0; trial < 40; ++trial) {
    const Index k = 1 + static_cast<Index>(random.uniform_index(7));
    const Matrix<double> g = random_pd(random, k, k + 3);
    Vector<double> b(k);
    for (Index i = 0; i < k; ++i) b(i) = 3 * random.normal();
    const Vector<double> truth = brute_force_nnls(g, b);
    for (const auto method : kMethods) {
      const Matrix<double> x =
          hilm::nnls_gram(g, b, {.method = method, .max_iterations = 100000, .tolerance = 1e-13});
      const double scale = 1 + truth.cwiseAbs().maxCoeff();
      // Coordinate descent converges linearly; on ill-conditioned draws it is looser.
      const double tol = method == hilm::NnlsMethod::ActiveSet ? 1e-8 : 1e-5;
      CHECK((x.col(0) - truth).cwiseAbs().maxCoeff() <= tol * scale);
      // KKT: x ≥ 0, gradient ≥ 0 where x = 0, gradient ≈ 0 where x > 0.
      const Vector<double> gradient = g * x.col(0) - b;
      CHECK(x.minCoeff() >= 0);
      const double gscale = 1 + b.cwiseAbs().maxCoeff() + g.cwiseAbs().maxCoeff() * scale;
      for (Index i = 0; i < k; ++i) {
        CHECK(gradient(i) >= -tol * gscale);
        if (x(i, 0) > 0) CHECK(std::abs(gradient(i)) <= tol * gscale);
      }
    }
  }
}

TEST_CASE("nnls: least-squares form and several right-hand sides", "[nmf][nnls]") {
  hilm::Random random(hilm::test::seed(3));
  const Index n = 40, k = 5, c = 9;
  Matrix<double> a(n, k), y(n, c);
  for (Index j = 0; j < k; ++j)
    for (Index i = 0; i < n; ++i) a(i, j) = random.normal();
  for (Index j = 0; j < c; ++j)
    for (Index i = 0; i < n; ++i) y(i, j) = random.normal();
  const Matrix<double> x = hilm::nnls(a, y);
  REQUIRE(x.rows() == k);
  REQUIRE(x.cols() == c);
  const Matrix<double> g = a.transpose() * a;
  for (Index j = 0; j < c; ++j) {
    const Vector<double> truth = brute_force_nnls(g, a.transpose() * y.col(j));
    CHECK((x.col(j) - truth).cwiseAbs().maxCoeff() <= 1e-9 * (1 + truth.norm()));
  }
  // A consistent non-negative system is solved exactly.
  Vector<double> planted(k);
  planted << 0.5, 0, 2, 0, 1;
  const Matrix<double> exact = hilm::nnls(a, a * planted);
  CHECK((exact.col(0) - planted).norm() <= 1e-10);
}

TEST_CASE("nnls: invalid arguments throw", "[nmf][nnls]") {
  const Matrix<double> g = Matrix<double>::Identity(3, 3);
  CHECK_THROWS_AS(hilm::nnls_gram(Matrix<double>::Identity(3, 2), Vector<double>::Ones(3)),
                  hilm::invalid_argument);
  CHECK_THROWS_AS(hilm::nnls_gram(g, Vector<double>::Ones(4)), hilm::invalid_argument);
  Vector<double> bad = Vector<double>::Ones(3);
  bad(1) = std::nan("");
  CHECK_THROWS_AS(hilm::nnls_gram(g, bad), hilm::invalid_argument);
  CHECK_THROWS_AS(hilm::nnls_gram(g, Vector<double>::Ones(3), {.max_iterations = -1}),
                  hilm::invalid_argument);
  CHECK_THROWS_AS(hilm::nnls(Matrix<double>::Ones(4, 2), Vector<double>::Ones(5)),
                  hilm::invalid_argument);
}

// Tests of include/hilm/hierarchy/lasso.hpp (Lasso path by coordinate descent, best subsets).
#include <algorithm>
#include <cmath>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/QR>

#include <hilm/core/error.hpp>
#include <hilm/core/random.hpp>
#include <hilm/hierarchy/lasso.hpp>

#include "support/catch.hpp"
#include "support/generators.hpp"

using hilm::best_subsets;
using hilm::Index;
using hilm::lasso;
using hilm::lasso_path;
using hilm::LassoOptions;
using hilm::Matrix;
using hilm::Vector;

namespace {

using hilm::test::normal_matrix;

// A planted sparse model: y = 2 x3 − 1.5 x7 + 0.5 noise, columns with different scales.
struct PlantedRegression {
  Matrix<double> x;
  Vector<double> y;
};
PlantedRegression planted(Index n, hilm::Random& rng) {
  PlantedRegression d;
  d.x = normal_matrix<Matrix<double>>(n, 12, rng);
  for (Index j = 0; j < 12; ++j) d.x.col(j) *= 0.5 + 0.25 * static_cast<double>(j);
  d.y = 2.0 * d.x.col(3) / 1.25 - 1.5 * d.x.col(7) / 2.25;
  for (Index i = 0; i < n; ++i) d.y(i) += 0.5 * rng.normal() + 3.0;
  return d;
}

}  // namespace

TEST_CASE("lasso: an orthogonal design gives the soft-thresholded least-squares solution",
          "[hierarchy]") {
  // With orthogonal columns of mean square 1 and no intercept, the Lasso decouples:
  // β_j = S(x_jᵀy/n, λ) (Tibshirani 1996, eq. 3).
  hilm::Random rng(hilm::test::seed(10));
  const Index n = 64, p = 5;
  const Matrix<double> g = normal_matrix<Matrix<double>>(n, p, rng);
  Eigen::HouseholderQR<Matrix<double>> qr(g);
  const Matrix<double> q = qr.householderQ() * Matrix<double>::Identity(n, p);
  const Matrix<double> x = q * std::sqrt(static_cast<double>(n));
  Vector<double> y = normal_matrix<Matrix<double>>(n, 1, rng).col(0);
  const double lambda = 0.3;
  const auto fit =
      lasso(x, y, lambda, {.standardize = false, .fit_intercept = false, .tolerance = 1e-14});
  REQUIRE(fit.status == hilm::FitStatus::Converged);
  for (Index j = 0; j < p; ++j) {
    const double z = x.col(j).dot(y) / static_cast<double>(n);
    const double expected = z > lambda ? z - lambda : (z < -lambda ? z + lambda : 0.0);
    CHECK_THAT(fit.coefficients(j), Catch::Matchers::WithinAbs(expected, 1e-8));
  }
  CHECK(fit.intercept == 0.0);
}

TEST_CASE("lasso: every point of the path satisfies the KKT conditions", "[hierarchy]") {
  hilm::Random rng(hilm::test::seed(11));
  const auto d = planted(300, rng);
  LassoOptions options{.path_length = 30, .tolerance = 1e-12};
  const auto path = lasso_path(d.x, d.y, options);
  REQUIRE(path.status == hilm::FitStatus::Converged);
  REQUIRE(path.lambdas.size() == 30);
  // Standardise independently of the library to check the optimality conditions on the
  // standardised scale: (1/n) x̃_jᵀ r = λ sign β_j for active j, |(1/n) x̃_jᵀ r| ≤ λ otherwise.
  const auto n = static_cast<double>(d.x.rows());
  Matrix<double> xs = d.x.rowwise() - d.x.colwise().mean();
  Vector<double> scale(xs.cols());
  for (Index j = 0; j < xs.cols(); ++j) {
    scale(j) = std::sqrt(xs.col(j).squaredNorm() / n);
    xs.col(j) /= scale(j);
  }
  for (Index l = 0; l < path.lambdas.size(); ++l) {
    const Vector<double> fitted = (d.x * path.coefficients.col(l)).array() + path.intercepts(l);
    const Vector<double> r = d.y - fitted;
    CHECK(std::abs(r.mean()) < 1e-9);  // the intercept absorbs the mean
    const double lambda = path.lambdas(l);
    for (Index j = 0; j < xs.cols(); ++j) {
      const double grad = xs.col(j).dot(r) / n;
      if (path.coefficients(j, l) != 0) {
        CHECK_THAT(grad, Catch::Matchers::WithinAbs(lambda * (path.coefficients(j, l) > 0 ? 1 : -1),
                                                    1e-5 * (1 + lambda)));
      } else {
        CHECK(std::abs(grad) <= lambda * (1 + 1e-6) + 1e-9);
      }
    }
  }
  // At λ_max nothing is active; the next λ activates something.
  CHECK(path.coefficients.col(0).cwiseAbs().maxCoeff() == 0.0);
  CHECK(path.coefficients.col(1).cwiseAbs().maxCoeff() > 0.0);
}

TEST_CASE("lasso: the planted variables enter first and the path ends near least squares",
          "[hierarchy]") {
  hilm::Random rng(hilm::test::seed(12));
  const auto d = planted(2000, rng);
  const auto path = lasso_path(d.x, d.y, {.tolerance = 1e-12});
  const auto order = path.entry_order();
  REQUIRE(order.size() >= 2);
  std::vector<Index> first(order.begin(), order.begin() + 2);
  std::sort(first.begin(), first.end());
  CHECK(first == std::vector<Index>{3, 7});
  // The smallest λ (λ_max · 1e-4) is close to ordinary least squares with an intercept.
  Matrix<double> design(d.x.rows(), d.x.cols() + 1);
  design << Matrix<double>::Ones(d.x.rows(), 1), d.x;
  const Vector<double> ols = (design.transpose() * design).ldlt().solve(design.transpose() * d.y);
  const Index last = path.lambdas.size() - 1;
  CHECK_THAT(path.intercepts(last), Catch::Matchers::WithinAbs(ols(0), 1e-2));
  for (Index j = 0; j < d.x.cols(); ++j) {
    CHECK_THAT(path.coefficients(j, last), Catch::Matchers::WithinAbs(ols(j + 1), 1e-2));
  }
  // max_active stops the path once more than two variables are in.
  const auto short_path = lasso_path(d.x, d.y, {.max_active = 2});
  CHECK(short_path.lambdas.size() < path.lambdas.size());
  const Index end = short_path.lambdas.size() - 1;
  CHECK((short_path.coefficients.col(end).array() != 0).count() > 2);
  CHECK((short_path.coefficients.col(end - 1).array() != 0).count() <= 2);
}

TEST_CASE("lasso: best subsets find the planted pair and match direct least squares",
          "[hierarchy]") {
  hilm::Random rng(hilm::test::seed(13));
  const auto d = planted(500, rng);
  const auto result = best_subsets(d.x, d.y, 3);
  REQUIRE(result.best.size() == 4);
  CHECK(result.best[0].variables.empty());
  CHECK(result.best[0].r_squared == 0.0);
  CHECK(result.best[2].variables == std::vector<Index>{3, 7});
  CHECK(result.subsets_evaluated == 1 + 12 + 66 + 220);
  // R² is non-decreasing in the size, and equals a direct least-squares fit of that subset.
  for (std::size_t s = 1; s < result.best.size(); ++s) {
    CHECK(result.best[s].r_squared >= result.best[s - 1].r_squared - 1e-12);
    const auto& vars = result.best[s].variables;
    Matrix<double> design(d.x.rows(), static_cast<Index>(vars.size()) + 1);
    design.col(0).setOnes();
    for (std::size_t t = 0; t < vars.size(); ++t)
      design.col(static_cast<Index>(t) + 1) = d.x.col(vars[t]);
    const Vector<double> beta =
        (design.transpose() * design).ldlt().solve(design.transpose() * d.y);
    const Vector<double> res = d.y - design * beta;
    const double tss = (d.y.array() - d.y.mean()).matrix().squaredNorm();
    CHECK_THAT(result.best[s].r_squared,
               Catch::Matchers::WithinAbs(1 - res.squaredNorm() / tss, 1e-9));
  }
  // Restricting the candidates excludes column 3: the best pair must then avoid it.
  const std::vector<Index> cand = {0, 1, 2, 7, 8};
  const auto restricted = best_subsets(d.x, d.y, 2, cand);
  CHECK(restricted.best[1].variables == std::vector<Index>{7});
  CHECK(restricted.best[2].r_squared < result.best[2].r_squared);
}

TEST_CASE("lasso: arguments are checked and constant columns never enter", "[hierarchy]") {
  hilm::Random rng(hilm::test::seed(14));
  Matrix<double> x = normal_matrix<Matrix<double>>(50, 3, rng);
  x.col(1).setConstant(2.0);
  const Vector<double> y = x.col(0) + x.col(2);
  const auto path = lasso_path(x, y);
  CHECK(path.entry(1) == -1);
  CHECK(path.coefficients.row(1).cwiseAbs().maxCoeff() == 0.0);
  CHECK_THROWS_AS(lasso_path(x, Vector<double>(49)), hilm::invalid_argument);
  CHECK_THROWS_AS(lasso_path(x, y, {.path_length = 0}), hilm::invalid_argument);
  CHECK_THROWS_AS(lasso_path(x, y, {.lambdas = {0.1, 0.2}}), hilm::invalid_argument);
  CHECK_THROWS_AS(lasso(x, y, -1.0), hilm::invalid_argument);
  CHECK_THROWS_AS(best_subsets(x, y, -1), hilm::invalid_argument);
  const std::vector<Index> bad = {5};
  CHECK_THROWS_AS(best_subsets(x, y, 1, bad), hilm::invalid_argument);
  Matrix<double> nan = x;
  nan(3, 2) = std::nan("");
  CHECK_THROWS_AS(lasso_path(nan, y), hilm::invalid_argument);
}

TEST_CASE("lasso: results say whether they are usable", "[hierarchy]") {
  hilm::Random rng(hilm::test::seed(15));
  const Matrix<double> x = normal_matrix<Matrix<double>>(40, 3, rng);
  const Vector<double> y = x.col(0) - x.col(2);
  const auto path = lasso_path(x, y);
  CHECK(path.status == hilm::FitStatus::Converged);
  CHECK(path.usable());
  const auto fit = lasso(x, y, 0.1);
  CHECK(fit.usable());
  // One sweep per λ cannot meet a tiny tolerance: still usable (MaxIterations).
  const auto short_path = lasso_path(x, y, {.tolerance = 1e-300, .max_sweeps = 1});
  CHECK(short_path.status == hilm::FitStatus::MaxIterations);
  CHECK(short_path.usable());
  CHECK_FALSE(hilm::LassoPath{}.usable());  // NotRun
  CHECK_FALSE(hilm::LassoFit{}.usable());
}

TEST_CASE("lasso: option messages name the field and the value", "[hierarchy]") {
  CHECK(LassoOptions{.path_length = 0}.validate() ==
        "LassoOptions::path_length must be >= 1, got 0");
  CHECK(LassoOptions{.lambda_min_ratio = 1.5}.validate() ==
        "LassoOptions::lambda_min_ratio must be < 1 (negative for the default), got 1.5");
  CHECK(LassoOptions{.lambda_min_ratio = 0}.validate() ==
        "LassoOptions::lambda_min_ratio must not be 0 (log-spaced path), got 0");
  CHECK(
      LassoOptions{.lambdas = {0.1, 0.2}}.validate() ==
      "LassoOptions::lambdas must be non-negative and decreasing, got lambdas[1] = 0.2 after 0.1");
  CHECK(LassoOptions{.lambdas = {-1.0}}.validate() ==
        "LassoOptions::lambdas must be non-negative and decreasing, got lambdas[0] = -1");
  CHECK(LassoOptions{.tolerance = 0}.validate() == "LassoOptions::tolerance must be > 0, got 0");
  CHECK(LassoOptions{.max_sweeps = 0}.validate() == "LassoOptions::max_sweeps must be >= 1, got 0");
  CHECK_FALSE(LassoOptions{}.validate());
}

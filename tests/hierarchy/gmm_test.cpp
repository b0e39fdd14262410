#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/LU>

#include <hilm/core/error.hpp>
#include <hilm/core/random.hpp>
#include <hilm/core/threads.hpp>
#include <hilm/core/types.hpp>
#include <hilm/hierarchy/gmm.hpp>
#include <hilm/metrics/clustering.hpp>

#include "support/catch.hpp"
#include "support/messages.hpp"

using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using hilm::CovarianceType;
using hilm::GmmInit;
using hilm::GmmOptions;
using hilm::Index;
using hilm::IndexVector;
using hilm::Matrix;
using hilm::Random;
using hilm::RowMatrix;
using hilm::Vector;

namespace {

/// A planted Gaussian mixture and samples from it.
struct Planted {
  Vector<double> weights;
  RowMatrix<double> means;
  std::vector<Matrix<double>> covariances;
  RowMatrix<double> x;
  IndexVector labels;
};

/// Draws n samples: component by its weight, then mean + chol(Σ) · z.
void sample(Planted& p, Index n, Random& rng) {
  const Index k = p.means.rows(), d = p.means.cols();
  std::vector<Matrix<double>> chol;
  for (const auto& c : p.covariances) chol.push_back(Eigen::LLT<Matrix<double>>(c).matrixL());
  p.x.resize(n, d);
  p.labels.resize(n);
  Vector<double> z(d);
  for (Index i = 0; i < n; ++i) {
    double u = rng.uniform(), acc = 0;
    Index j = 0;
    for (; j < k - 1; ++j) {
      acc += p.weights(j);
      if (u < acc) break;
    }
    p.labels(i) = j;
    for (Index c = 0; c < d; ++c) z(c) = rng.normal();
    p.x.row(i) = p.means.row(j) + (chol[static_cast<std::size_t>(j)] * z).transpose();
  }
}

/// Three components in 3-D with weights 0.5 / 0.3 / 0.2, correlated covariances.
Planted three_components(Index n, double correlation, Random& rng) {
  Planted p;
  p.weights = Vector<double>(3);
  p.weights << 0.5, 0.3, 0.2;
  p.means = RowMatrix<double>(3, 3);
  p.means << 0, 0, 0, 6, 0, 0, 0, 6, 3;
  for (Index j = 0; j < 3; ++j) {
    Matrix<double> c = Matrix<double>::Identity(3, 3) * (1.0 + 0.5 * static_cast<double>(j));
    c(0, 1) = c(1, 0) = correlation * c(0, 0);
    p.covariances.push_back(c);
  }
  sample(p, n, rng);
  return p;
}

using hilm::test::message_of;

}  // namespace

TEST_CASE("gmm: EM recovers a planted full-covariance mixture", "[hierarchy][gmm]") {
  Random rng(hilm::test::seed(201));
  const Planted p = three_components(6000, 0.8, rng);
  const auto r =
      hilm::fit_gaussian_mixture(p.x, GmmOptions{.components = 3, .seed = hilm::test::seed(202)});
  REQUIRE(r.usable());
  CHECK(r.status == hilm::FitStatus::Converged);
  // Sorted by decreasing weight, so component j estimates planted component j.
  for (Index j = 0; j < 3; ++j) {
    CHECK_THAT(r.model.weights(j), WithinAbs(p.weights(j), 0.03));
    CHECK((r.model.means.row(j) - p.means.row(j)).norm() < 0.15);
    // Relative Frobenius error; its sampling standard deviation is about √(2 / n_j) ≈ 0.04.
    const Matrix<double>& truth = p.covariances[static_cast<std::size_t>(j)];
    CHECK((r.model.covariances[static_cast<std::size_t>(j)] - truth).norm() < 0.2 * truth.norm());
  }
  CHECK(hilm::matched_accuracy(p.labels, r.labels).accuracy > 0.97);
  // Methods agree with the fit's own numbers.
  CHECK_THAT(r.model.score(p.x), WithinRel(r.log_likelihood, 1e-12));
  CHECK_THAT(r.model.bic(p.x), WithinRel(r.bic, 1e-12));
  CHECK(r.model.predict(p.x) == r.labels);
  const RowMatrix<double> proba = r.model.predict_proba(p.x);
  REQUIRE(proba.rows() == p.x.rows());
  REQUIRE(proba.cols() == 3);
  CHECK((proba.rowwise().sum().array() - 1).abs().maxCoeff() < 1e-12);
  // Full: (K − 1) + K d + K d(d + 1)/2 = 2 + 9 + 18.
  CHECK(r.model.parameter_count() == 29);
}

TEST_CASE("gmm: log-likelihood by hand equals score_samples", "[hierarchy][gmm]") {
  // One diagonal and one full component evaluated at a point, against the closed form.
  hilm::GaussianMixture m;
  m.covariance_type = CovarianceType::Full;
  m.weights = Vector<double>(2);
  m.weights << 0.25, 0.75;
  m.means = RowMatrix<double>(2, 2);
  m.means << 0, 0, 1, 2;
  Matrix<double> a(2, 2), b(2, 2);
  a << 2, 0.5, 0.5, 1;
  b << 1, 0, 0, 3;
  m.covariances = {a, b};
  RowMatrix<double> x(1, 2);
  x << 0.5, -1;
  auto density = [&](const Matrix<double>& s, double mx, double my) {
    const double det = s.determinant();
    Vector<double> dx(2);
    dx << x(0, 0) - mx, x(0, 1) - my;
    const double q = dx.dot(s.inverse() * dx);
    return std::exp(-0.5 * q) / (2 * M_PI * std::sqrt(det));
  };
  const double expected = std::log(0.25 * density(a, 0, 0) + 0.75 * density(b, 1, 2));
  CHECK_THAT(m.score_samples(x)(0), WithinAbs(expected, 1e-12));
  // The same second component as a diagonal model.
  hilm::GaussianMixture diag;
  diag.covariance_type = CovarianceType::Diagonal;
  diag.weights = Vector<double>::Ones(1);
  diag.means = m.means.row(1);
  diag.variances = RowMatrix<double>(1, 2);
  diag.variances << 1, 3;
  CHECK_THAT(diag.score(x), WithinAbs(std::log(density(b, 1, 2)), 1e-12));
  CHECK(diag.covariance(0) == b);
  CHECK(diag.parameter_count() == 4);
}

TEST_CASE("gmm: EM log-likelihood is non-decreasing", "[hierarchy][gmm]") {
  Random rng(hilm::test::seed(203));
  const Planted p = three_components(3000, 0.6, rng);
  for (const auto type : {CovarianceType::Full, CovarianceType::Diagonal}) {
    // No ridge (the ridge makes the M-step a slightly perturbed maximiser), no early stop, and
    // random responsibilities so that EM has a long way to climb.
    const auto r = hilm::fit_gaussian_mixture(p.x, GmmOptions{.components = 4,
                                                              .covariance = type,
                                                              .reg_covar = 0,
                                                              .max_iterations = 60,
                                                              .tolerance = 0,
                                                              .init = GmmInit::Random,
                                                              .seed = hilm::test::seed(204)});
    REQUIRE(r.usable());
    REQUIRE(r.log_likelihood_history.size() == 60);
    const auto& h = r.log_likelihood_history;
    CHECK(h.back() > h.front() + 0.1);  // it did climb
    for (std::size_t t = 1; t < h.size(); ++t) {
      INFO("iteration " << t << ": " << h[t - 1] << " -> " << h[t]);
      CHECK(h[t] >= h[t - 1] - 1e-12 * std::abs(h[t - 1]));
    }
  }
}

TEST_CASE("gmm: full beats diagonal by BIC on correlated data, not on independent data",
          "[hierarchy][gmm]") {
  Random rng(hilm::test::seed(205));
  const Planted correlated = three_components(4000, 0.8, rng);
  const Planted independent = three_components(4000, 0.0, rng);
  auto bic = [&](const RowMatrix<double>& x, CovarianceType type) {
    return hilm::fit_gaussian_mixture(
               x, GmmOptions{.components = 3, .covariance = type, .seed = hilm::test::seed(206)})
        .bic;
  };
  CHECK(bic(correlated.x, CovarianceType::Full) < bic(correlated.x, CovarianceType::Diagonal));
  // Negative control: with diagonal truth the extra 9 covariance parameters do not pay.
  CHECK(bic(independent.x, CovarianceType::Diagonal) < bic(independent.x, CovarianceType::Full));
}

TEST_CASE("gmm: same seed gives the same result for any thread count", "[hierarchy][gmm]") {
  Random rng(hilm::test::seed(207));
  // n K d² >= 2^22, so the E- and M-steps run their parallel loops.
  Planted p;
  p.weights = Vector<double>::Constant(5, 0.2);
  p.means = RowMatrix<double>(5, 10);
  for (Index i = 0; i < p.means.size(); ++i) p.means.data()[i] = rng.uniform(-3, 3);
  for (Index j = 0; j < 5; ++j) p.covariances.push_back(Matrix<double>::Identity(10, 10));
  sample(p, 20000, rng);
  const GmmOptions options{.components = 5, .restarts = 2, .seed = hilm::test::seed(208)};
  hilm::GmmResult one, two, again;
  {
    const hilm::ScopedThreads threads(1);
    one = hilm::fit_gaussian_mixture(p.x, options);
  }
  {
    const hilm::ScopedThreads threads(2);
    two = hilm::fit_gaussian_mixture(p.x, options);
    again = hilm::fit_gaussian_mixture(p.x, options);
  }
  CHECK(one.labels == two.labels);
  CHECK(one.model.means == two.model.means);
  CHECK(one.log_likelihood_history == two.log_likelihood_history);
  CHECK(two.model.means == again.model.means);
  CHECK(two.model.covariances == again.model.covariances);
}

TEST_CASE("gmm: singular covariances are a status, not an exception", "[hierarchy][gmm]") {
  Random rng(hilm::test::seed(209));
  RowMatrix<double> x(500, 3);
  for (Index i = 0; i < x.rows(); ++i)
    x.row(i) << rng.normal(), rng.normal(), 1.0;  // constant column
  const auto singular = hilm::fit_gaussian_mixture(x, GmmOptions{.components = 2, .reg_covar = 0});
  CHECK(singular.status == hilm::FitStatus::NumericalIssue);
  CHECK_FALSE(singular.usable());
  // The default ridge makes the same fit usable.
  const auto ridged = hilm::fit_gaussian_mixture(x, GmmOptions{.components = 2});
  CHECK(ridged.usable());
}

TEST_CASE("gmm: cancelled by the progress callback", "[hierarchy][gmm]") {
  Random rng(hilm::test::seed(210));
  const Planted p = three_components(1000, 0.5, rng);
  int calls = 0;
  GmmOptions options{.components = 3, .tolerance = 0, .init = GmmInit::Random};
  options.progress = [&](const hilm::Progress&) { return ++calls < 3; };
  const auto r = hilm::fit_gaussian_mixture(p.x, options);
  CHECK(r.status == hilm::FitStatus::Cancelled);
  CHECK(calls == 3);
  CHECK(r.iterations == 3);
}

TEST_CASE("gmm: bad arguments throw invalid_argument naming the parameter", "[hierarchy][gmm]") {
  const RowMatrix<double> x = RowMatrix<double>::Random(20, 2);
  auto fit = [&](const GmmOptions& o) {
    return [&x, o] { (void)hilm::fit_gaussian_mixture(x, o); };
  };
  CHECK_THAT(message_of(fit(GmmOptions{.components = 0})), Catch::Matchers::Contains("components"));
  CHECK_THAT(message_of(fit(GmmOptions{.reg_covar = -1e-3})),
             Catch::Matchers::Contains("reg_covar"));
  CHECK_THAT(message_of(fit(GmmOptions{.max_iterations = 0})),
             Catch::Matchers::Contains("max_iterations"));
  CHECK_THAT(message_of(fit(GmmOptions{.tolerance = std::numeric_limits<double>::quiet_NaN()})),
             Catch::Matchers::Contains("tolerance"));
  CHECK_THAT(message_of(fit(GmmOptions{.restarts = 0})), Catch::Matchers::Contains("restarts"));
  CHECK_THAT(message_of(fit(GmmOptions{.init_restarts = 0})),
             Catch::Matchers::Contains("init_restarts"));
  CHECK_THAT(message_of(fit(GmmOptions{.components = 21})), Catch::Matchers::Contains("rows"));
  const auto r = hilm::fit_gaussian_mixture(x, GmmOptions{.components = 2});
  CHECK_THAT(message_of([&] { (void)r.model.predict(RowMatrix<double>::Zero(3, 5)); }),
             Catch::Matchers::Contains("n × 2"));
  CHECK_THAT(message_of([&] { (void)r.model.covariance(2); }), Catch::Matchers::Contains("k = 2"));
}

TEST_CASE("gmm: option messages use the one format and the fit adds no prefix",
          "[hierarchy][gmm]") {
  CHECK(GmmOptions{.components = 0}.validate() == "GmmOptions::components must be >= 1, got 0");
  CHECK(GmmOptions{.reg_covar = -0.001}.validate() ==
        "GmmOptions::reg_covar must be finite and >= 0, got -0.001");
  CHECK(GmmOptions{.max_iterations = 0}.validate() ==
        "GmmOptions::max_iterations must be >= 1, got 0");
  CHECK(GmmOptions{.tolerance = std::numeric_limits<double>::infinity()}.validate() ==
        "GmmOptions::tolerance must be finite and >= 0, got inf");
  CHECK(GmmOptions{.restarts = 0}.validate() == "GmmOptions::restarts must be >= 1, got 0");
  CHECK(GmmOptions{.init_restarts = 0}.validate() ==
        "GmmOptions::init_restarts must be >= 1, got 0");
  const RowMatrix<double> x = RowMatrix<double>::Random(20, 2);
  CHECK(message_of([&] { (void)hilm::fit_gaussian_mixture(x, GmmOptions{.components = 0}); }) ==
        "GmmOptions::components must be >= 1, got 0");
}

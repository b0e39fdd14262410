#include <cmath>

#include <Eigen/SVD>

#include <hilm/synth/linear_sem.hpp>

#include "support/catch.hpp"

using hilm::Index;
using hilm::linear_latent_hierarchy;
using hilm::linear_sem;
using hilm::LinearLatentHierarchyOptions;
using hilm::LinearSemOptions;
using hilm::Matrix;
using hilm::NoiseDistribution;

namespace {

Matrix<double> empirical_covariance(const hilm::RowMatrix<double>& v) {
  const Matrix<double> centered = v.rowwise() - v.colwise().mean();
  return centered.transpose() * centered / static_cast<double>(v.rows() - 1);
}

}  // namespace

TEST_CASE("synth linear SEM: exact covariance matches samples for every noise", "[synth]") {
  const auto graph = hilm::random_dag(
      hilm::RandomDagOptions{.nodes = 6, .expected_degree = 2, .seed = hilm::test::seed(61)});
  for (const auto noise : {NoiseDistribution::Gaussian, NoiseDistribution::Uniform,
                           NoiseDistribution::Laplace, NoiseDistribution::Exponential}) {
    const auto data = linear_sem(
        graph, LinearSemOptions{.samples = 60000, .noise = noise, .seed = hilm::test::seed(62)});
    const Matrix<double> emp = empirical_covariance(data.values);
    const double scale = data.covariance.diagonal().maxCoeff();
    INFO("noise " << static_cast<int>(noise));
    CHECK((emp - data.covariance).cwiseAbs().maxCoeff() < 0.05 * scale);
    // Weights: ±[0.5, 1.5] exactly on the edges.
    for (Index i = 0; i < 6; ++i) {
      for (Index j = 0; j < 6; ++j) {
        const double w = std::abs(data.weights(i, j));
        const bool edge = std::find(graph.edges.begin(), graph.edges.end(),
                                    std::pair<Index, Index>{i, j}) != graph.edges.end();
        CHECK((edge ? (w >= 0.5 && w <= 1.5) : w == 0));
      }
    }
  }
}

TEST_CASE("synth linear SEM: latent hierarchy, RLCD weights and trek-separation ranks", "[synth]") {
  // Built field by field: g++ 12 -O2 warns (-Wmaybe-uninitialized, a false positive) on a nested
  // designated initialiser holding a std::vector.
  LinearLatentHierarchyOptions options;
  options.graph.widths = {2, 4};
  options.graph.observed_per_leaf = 3;
  options.seed = hilm::test::seed(63);
  const auto data = linear_latent_hierarchy(options);
  REQUIRE(data.x.cols() == 12);
  REQUIRE(data.values.cols() == 12 + 4 + 2);
  REQUIRE(data.observed.size() == 12);
  CHECK((data.weights.array().abs() <= 10).all());
  // Children of the same bottom latent (0, 1, 2) against the rest of the observed variables:
  // one latent trek-separates them, so the cross-covariance has rank 1.
  const Matrix<double> cross = data.covariance.block(0, 3, 3, 9);
  const Eigen::VectorXd s = Eigen::JacobiSVD<Matrix<double>>(cross).singularValues();
  CHECK(s(1) < 1e-9 * s(0));
  // Negative control: {0, 3} against {1, 4, ...} needs two latents: rank 2.
  Matrix<double> two(2, 2);
  two << data.covariance(0, 1), data.covariance(0, 4),  //
      data.covariance(3, 1), data.covariance(3, 4);
  const Eigen::VectorXd s2 = Eigen::JacobiSVD<Matrix<double>>(two).singularValues();
  CHECK(s2(1) > 1e-6 * s2(0));
  // x holds exactly the observed columns.
  CHECK(data.x == data.values.leftCols(12));
}

TEST_CASE("synth: LinearSemOptions::validate uses the one message format", "[synth]") {
  CHECK(LinearSemOptions{.samples = -1}.validate().value_or("") ==
        "LinearSemOptions::samples must be >= 0, got -1");
  CHECK(LinearSemOptions{.weight_low = 2, .weight_high = 1}.validate().value_or("") ==
        "LinearSemOptions::weight_low must be finite and <= weight_high (finite), got 2 "
        "(weight_high = 1)");
  CHECK(LinearSemOptions{.noise_scale = 0}.validate().value_or("") ==
        "LinearSemOptions::noise_scale must be finite and > 0, got 0");
  CHECK_FALSE(LinearSemOptions{}.validate().has_value());
}

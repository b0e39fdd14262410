#include <cstring>
#include <vector>

#include <Eigen/SVD>

#include <hilm/synth/discrete.hpp>

#include "support/catch.hpp"

using Catch::Matchers::WithinAbs;
using hilm::CptOptions;
using hilm::discrete_hierarchy;
using hilm::DiscreteHierarchyOptions;
using hilm::HierarchyGraphOptions;
using hilm::Index;
using hilm::Matrix;
using hilm::random_cpts;
using hilm::random_hierarchy;

namespace {

Eigen::VectorXd singular_values(const Matrix<double>& m) {
  return Eigen::JacobiSVD<Matrix<double>>(m).singularValues();
}

// Brute-force joint over ALL nodes by enumerating every configuration (small models only),
// using the documented CPT layout (parents in increasing id, last parent fastest).
std::vector<double> full_joint(const hilm::DiscreteModel& model) {
  const auto& g = model.graph;
  Index total = 1;
  for (Index v = 0; v < g.nodes; ++v) total *= g.cardinality[static_cast<std::size_t>(v)];
  std::vector<double> p(static_cast<std::size_t>(total));
  std::vector<int> state(static_cast<std::size_t>(g.nodes), 0);
  for (Index t = 0; t < total; ++t) {
    Index rest = t;  // node 0 slowest
    for (Index v = g.nodes - 1; v >= 0; --v) {
      const int card = g.cardinality[static_cast<std::size_t>(v)];
      state[static_cast<std::size_t>(v)] = static_cast<int>(rest % card);
      rest /= card;
    }
    double prob = 1;
    for (Index v = 0; v < g.nodes; ++v) {
      Index row = 0;
      for (const Index u : g.parents(v)) {
        row = row * g.cardinality[static_cast<std::size_t>(u)] + state[static_cast<std::size_t>(u)];
      }
      prob *= model.cpt[static_cast<std::size_t>(v)](row, state[static_cast<std::size_t>(v)]);
    }
    p[static_cast<std::size_t>(t)] = prob;
  }
  return p;
}

}  // namespace

TEST_CASE("synth discrete: T1 tables have the rank of the separating latent", "[synth]") {
  // One 3-state latent with three 4-state children.
  const auto g = random_hierarchy(HierarchyGraphOptions{
      .widths = {1}, .observed_per_leaf = 3, .latent_cardinality = 3, .observed_cardinality = 4});
  const auto model = random_cpts(g, CptOptions{.seed = hilm::test::seed(51)});
  REQUIRE_FALSE(model.validate().has_value());
  const Index a[] = {0}, b[] = {1, 2};
  const Matrix<double> table = model.joint_table(a, b);
  REQUIRE(table.rows() == 4);
  REQUIRE(table.cols() == 16);
  CHECK_THAT(table.sum(), WithinAbs(1.0, 1e-12));
  const auto s = singular_values(table);
  CHECK(s(2) > 1e-6);
  CHECK(s(3) < 1e-10 * s(0));

  // Children of two independent latents: rank 1 (the table is an outer product).
  const auto g2 = random_hierarchy(HierarchyGraphOptions{
      .widths = {2}, .observed_per_leaf = 2, .latent_cardinality = 3, .observed_cardinality = 4});
  const auto model2 = random_cpts(g2, CptOptions{.seed = hilm::test::seed(52)});
  const Index a2[] = {0}, b2[] = {2, 3};  // 0 is under latent 4, 2 and 3 under latent 5
  const auto s2 = singular_values(model2.joint_table(a2, b2));
  CHECK(s2(1) < 1e-12 * s2(0));
  // Negative control: children of the same latent are dependent (rank > 1).
  const Index b3[] = {1};
  CHECK(singular_values(model2.joint_table(a2, b3))(1) > 1e-6);
}

TEST_CASE("synth discrete: variable elimination equals brute-force enumeration", "[synth]") {
  const auto g = random_hierarchy(HierarchyGraphOptions{.widths = {2, 3},
                                                        .observed_per_leaf = 2,
                                                        .max_parents = 2,
                                                        .latent_cardinality = 2,
                                                        .observed_cardinality = 3,
                                                        .seed = hilm::test::seed(53)});
  const auto model = random_cpts(g, CptOptions{.seed = hilm::test::seed(54)});
  const auto full = full_joint(model);  // 3^6 · 2^5 = 23328 configurations
  // Marginal of (5, 0, 9) from the brute force (node 0 slowest in `full`).
  const std::vector<Index> query = {5, 0, 9};
  Matrix<double> expected = Matrix<double>::Zero(3 * 3 * 2, 1);
  std::vector<int> state(static_cast<std::size_t>(g.nodes));
  for (std::size_t t = 0; t < full.size(); ++t) {
    auto rest = static_cast<Index>(t);
    for (Index v = g.nodes - 1; v >= 0; --v) {
      const int card = g.cardinality[static_cast<std::size_t>(v)];
      state[static_cast<std::size_t>(v)] = static_cast<int>(rest % card);
      rest /= card;
    }
    const Index index = (state[5] * 3 + state[0]) * 2 + state[9];
    expected(index, 0) += full[t];
  }
  const auto got = model.joint(query);
  REQUIRE(got.size() == 18);
  for (Index i = 0; i < 18; ++i) CHECK_THAT(got(i), WithinAbs(expected(i, 0), 1e-14));
  CHECK_THROWS_AS(model.joint(std::vector<Index>{1, 1}), hilm::invalid_argument);
  const Index a[] = {0, 1}, b[] = {1};
  CHECK_THROWS_AS(model.joint_table(a, b), hilm::invalid_argument);
}

TEST_CASE("synth discrete: CPTs pass the full-rank check, samples converge to exact tables",
          "[synth]") {
  DiscreteHierarchyOptions options;
  options.samples = 40000;
  options.cpts.min_singular_ratio = 0.1;
  options.seed = hilm::test::seed(55);
  const auto data = discrete_hierarchy(options);
  const auto& model = data.model;
  REQUIRE(model.graph.nodes == 12 + 6 + 2);
  for (const auto& t : model.cpt) CHECK(hilm::cpt_singular_ratio(t) >= 0.1);
  // Empirical P(X0, X5) against the exact table.
  const Index a[] = {0}, b[] = {5};
  const Matrix<double> exact = model.joint_table(a, b);
  Matrix<double> empirical = Matrix<double>::Zero(3, 3);
  for (Index i = 0; i < data.values.rows(); ++i)
    empirical(data.values(i, 0), data.values(i, 5)) += 1;
  empirical /= static_cast<double>(data.values.rows());
  // sd of each cell ≤ sqrt(0.25 / 40000) = 0.0025.
  CHECK((empirical - exact).cwiseAbs().maxCoeff() < 0.0125);
  // Same seed → same bytes.
  const auto again = discrete_hierarchy(options);
  REQUIRE(std::memcmp(again.values.data(), data.values.data(),
                      sizeof(int) * static_cast<std::size_t>(data.values.size())) == 0);
}

TEST_CASE("synth discrete: separating-set factorisation P_AB = P(A|S) diag(P(S)) P(B|S)^T",
          "[synth]") {
  const auto g = random_hierarchy(HierarchyGraphOptions{
      .widths = {1}, .observed_per_leaf = 3, .latent_cardinality = 3, .observed_cardinality = 4});
  const auto model = random_cpts(g, CptOptions{.seed = hilm::test::seed(56)});
  const Index s = 3;  // the latent
  const Index a[] = {0}, b[] = {1};
  const Matrix<double> pab = model.joint_table(a, b);
  // The children's CPTs are P(A|S) and P(B|S), 3 × 4.
  const Matrix<double>& pa_s = model.cpt[0];
  const Matrix<double>& pb_s = model.cpt[1];
  const Index sv[] = {s};
  const Eigen::VectorXd ps = model.joint(sv);
  const Matrix<double> product = pa_s.transpose() * ps.asDiagonal() * pb_s;
  CHECK((product - pab).cwiseAbs().maxCoeff() < 1e-15);
}

TEST_CASE("synth discrete: continuous observation x = g(d, c)", "[synth]") {
  DiscreteHierarchyOptions options;
  options.samples = 500;
  options.graph = HierarchyGraphOptions{
      .widths = {2}, .observed_per_leaf = 1, .latent_cardinality = 3, .observed_cardinality = 3};
  options.observation = {.enabled = true, .features = 10, .exogenous = 2};
  options.seed = hilm::test::seed(57);
  const auto data = discrete_hierarchy<float>(options);
  REQUIRE(data.x.rows() == 500);
  REQUIRE(data.x.cols() == 10);
  REQUIRE(data.exogenous.cols() == 2);
  CHECK((data.exogenous.array().abs() <= 1).all());
  // Rebuild the input of g from the truth and check x.
  hilm::RowMatrix<double> z = hilm::RowMatrix<double>::Zero(500, 8);
  for (Index i = 0; i < 500; ++i) {
    z(i, data.values(i, 0)) = 3;
    z(i, 3 + data.values(i, 1)) = 3;
    z(i, 6) = data.exogenous(i, 0);
    z(i, 7) = data.exogenous(i, 1);
  }
  const hilm::RowMatrix<double> x = data.g.apply(z);
  CHECK((x.cast<float>() - data.x).cwiseAbs().maxCoeff() < 1e-4f);
  options.observation.features = 7;  // narrower than the input of g: not injective
  CHECK_THROWS_AS(discrete_hierarchy(options), hilm::invalid_argument);
}

TEST_CASE("synth: CptOptions and DiscreteModel validate() use the one message format", "[synth]") {
  CHECK(CptOptions{.dirichlet_alpha = 0}.validate().value_or("") ==
        "CptOptions::dirichlet_alpha must be > 0, got 0");
  CHECK(CptOptions{.max_attempts = 0}.validate().value_or("") ==
        "CptOptions::max_attempts must be >= 1, got 0");
  CHECK_FALSE(CptOptions{}.validate().has_value());
  auto model = random_cpts(random_hierarchy(HierarchyGraphOptions{
                               .latent_cardinality = 2, .observed_cardinality = 3, .seed = 3}),
                           CptOptions{});
  REQUIRE_FALSE(model.validate().has_value());
  model.cpt.pop_back();
  const std::string message = model.validate().value_or("");
  CHECK(message.starts_with("DiscreteModel::cpt must hold one table per node ("));
  CHECK(message.ends_with(std::to_string(model.cpt.size())));
}

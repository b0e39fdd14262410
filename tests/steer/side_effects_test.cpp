// Tests of include/hilm/steer/side_effects.hpp.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/random.hpp>
#include <hilm/steer/side_effects.hpp>
#include <hilm/steer/steer.hpp>

#include <nlohmann/json.hpp>

#include "steer/steer_fixtures.hpp"
#include "support/catch.hpp"

using hilm::Edit;
using hilm::EditMode;
using hilm::Index;
using hilm::RowMatrix;

TEST_CASE("steer: side effects of an ablation on an orthonormal SAE are confined to it",
          "[steer]") {
  hilm::Random rng(hilm::test::seed(31));
  const Index d = 10, n = 400, j = 3;
  const auto w = hilm::test::relu_sae<double>(hilm::test::random_orthonormal(d, rng),
                                              Eigen::VectorXd::Zero(d));
  const RowMatrix<double> s = hilm::test::sparse_codes(n, d, 3, rng);
  const RowMatrix<double> x = s * w.w_dec;
  const std::vector<Edit> edits = {{.latent = j, .mode = EditMode::Ablate}};
  const auto steered = hilm::intervene(w, x, edits);
  const auto report = hilm::side_effects(w, x, steered.x, edits, 64);
  REQUIRE(report.rows.size() == static_cast<std::size_t>(d));
  CHECK(report.samples == n);
  const double mean_code = s.col(j).mean();  // codes are non-negative
  const auto& row = report.rows[static_cast<std::size_t>(j)];
  CHECK(row.edited);
  CHECK_THAT(row.intended_change, Catch::Matchers::WithinAbs(mean_code, 1e-12));
  CHECK_THAT(row.mean_abs_change, Catch::Matchers::WithinAbs(mean_code, 1e-12));
  CHECK_THAT(row.relative_change, Catch::Matchers::WithinAbs(1.0, 1e-12));
  CHECK_THAT(row.input_energy, Catch::Matchers::WithinAbs(s.col(j).squaredNorm() / n, 1e-12));
  CHECK_THAT(report.input_change_energy, Catch::Matchers::WithinAbs(row.input_energy, 1e-12));
  CHECK_THAT(report.edited_mean_change, Catch::Matchers::WithinAbs(mean_code, 1e-12));
  CHECK(report.others_mean_change < 1e-12);
  CHECK(report.others_max_change < 1e-12);
  for (const auto& r : report.rows) {
    if (r.latent == j) continue;
    CHECK_FALSE(r.edited);
    CHECK(r.intended_change == 0.0);
    CHECK(r.input_energy < 1e-20);
  }
}

TEST_CASE("steer: side effects show leakage into overlapping latents", "[steer]") {
  // Negative control for the report: on a coherent ReLU dictionary an edit of one latent moves
  // the latents whose encoder rows overlap its decoder direction, and the report must say so.
  hilm::Random rng(hilm::test::seed(32));
  const Index d = 16, m = 12, n = 300;
  const RowMatrix<double> dirs = hilm::test::random_unit_rows(m, d, rng);
  const auto w = hilm::test::relu_sae<double>(dirs, Eigen::VectorXd::Zero(d));
  const RowMatrix<double> x = hilm::test::sparse_codes(n, m, 3, rng) * dirs;
  const std::vector<Edit> edits = {{.latent = 4, .mode = EditMode::Scale, .value = 3}};
  const auto steered = hilm::intervene(w, x, edits);
  const auto report = hilm::side_effects(w, x, steered.x, edits);
  INFO("others: mean " << report.others_mean_change << ", max " << report.others_max_change);
  CHECK(report.others_max_change > 0.05);
  CHECK(report.others_mean_change > 0.005);
  const auto top = report.largest_side_effects(3);
  REQUIRE(top.size() == 3);
  CHECK(top[0] == report.others_max_latent);
  CHECK(report.rows[static_cast<std::size_t>(top[0])].mean_abs_change >=
        report.rows[static_cast<std::size_t>(top[2])].mean_abs_change);
  // Formatters: JSON parses and carries the edited row first; text names the columns.
  const auto json = nlohmann::json::parse(hilm::format_json(report, 4));
  CHECK(json["samples"] == n);
  REQUIRE(json["rows"].size() == 4);
  CHECK(json["rows"][0]["latent"] == 4);
  CHECK(json["rows"][0]["edited"] == true);
  CHECK(json["rows"][1]["latent"] == top[0]);
  CHECK_THAT(json["others_max_change"].get<double>(),
             Catch::Matchers::WithinRel(report.others_max_change, 1e-9));
  CHECK(nlohmann::json::parse(hilm::format_json(report))["rows"].size() == m);
  const std::string text = hilm::format_text(report, 3);
  CHECK(text.find("intended") != std::string::npos);
  CHECK(text.find("input_energy") != std::string::npos);
  CHECK(std::count(text.begin(), text.end(), '\n') == 2 + 3);
}

TEST_CASE("steer: infinite relative change is null in JSON", "[steer]") {
  hilm::SideEffectReport report;
  report.samples = 1;
  report.rows.push_back({.latent = 0,
                         .edited = false,
                         .mean_abs_change = 1,
                         .relative_change = std::numeric_limits<double>::infinity()});
  const auto json = nlohmann::json::parse(hilm::format_json(report));
  CHECK(json["rows"][0]["relative_change"].is_null());
}

TEST_CASE("steer: atom energy by coefficients is exact on planted data", "[steer]") {
  hilm::Random rng(hilm::test::seed(33));
  const Index k = 6, d = 14, n = 250, i = 2;
  RowMatrix<double> atoms = hilm::test::random_unit_rows(k, d, rng);
  atoms.row(4) *= 2.0;  // non-unit atoms are allowed
  const RowMatrix<double> s = hilm::test::sparse_codes(n, k, 2, rng);
  const RowMatrix<double> x = s * atoms;
  RowMatrix<double> s_removed = s;
  s_removed.col(i).setZero();
  const RowMatrix<double> steered = s_removed * atoms;
  const auto e = hilm::atom_energy(atoms, x, steered);
  for (Index a = 0; a < k; ++a) {
    const double expected = s.col(a).squaredNorm() * atoms.row(a).squaredNorm() / n;
    CHECK_THAT(e.before(a), Catch::Matchers::WithinRel(expected, 1e-9));
  }
  CHECK_THAT(e.removed_fraction(i), Catch::Matchers::WithinAbs(1.0, 1e-9));
  CHECK_THAT(e.relative_change(i), Catch::Matchers::WithinAbs(1.0, 1e-9));
  for (Index a = 0; a < k; ++a) {
    if (a != i) CHECK(e.relative_change(a) < 1e-18);
  }
  CHECK(e.residual_change < 1e-18);
  // A change orthogonal to every atom is residual, not attributed to any atom.
  Eigen::RowVectorXd off(d);
  for (Index c = 0; c < d; ++c) off(c) = rng.normal();
  const Eigen::MatrixXd a_t = atoms.transpose();
  off -= (a_t * (atoms * a_t).ldlt().solve(atoms * off.transpose())).transpose();
  const RowMatrix<double> shifted = x.rowwise() + off;
  const auto e2 = hilm::atom_energy(atoms, x, shifted);
  CHECK_THAT(e2.residual_change, Catch::Matchers::WithinRel(off.squaredNorm(), 1e-9));
  CHECK(e2.change.maxCoeff() < 1e-18);
  // Projection on orthonormal atoms equals the coefficients.
  const RowMatrix<double> q = hilm::test::random_orthonormal(d, rng);
  const RowMatrix<double> y = hilm::test::sparse_codes(n, d, 3, rng) * q;
  const RowMatrix<double> y2 = 0.5 * y;
  const auto by_coef = hilm::atom_energy(q, y, y2);
  const auto by_proj = hilm::atom_energy(q, y, y2, hilm::AtomEnergyMethod::Projection);
  CHECK((by_coef.change - by_proj.change).cwiseAbs().maxCoeff() < 1e-12);
  CHECK((by_coef.before - by_proj.before).cwiseAbs().maxCoeff() < 1e-12);
  // Dependent or too many atoms are refused for coefficients, fine for projection.
  RowMatrix<double> dependent = atoms;
  dependent.row(5) = atoms.row(0) + atoms.row(1);
  CHECK_THROWS_AS(hilm::atom_energy(dependent, x, steered), hilm::invalid_argument);
  const RowMatrix<double> wide = hilm::test::random_unit_rows(d + 2, d, rng);
  CHECK_THROWS_AS(hilm::atom_energy(wide, x, steered), hilm::invalid_argument);
  CHECK_NOTHROW(hilm::atom_energy(wide, x, steered, hilm::AtomEnergyMethod::Projection));
  CHECK_THROWS_AS(hilm::atom_energy(atoms, x, steered.leftCols(d - 1)), hilm::invalid_argument);
}

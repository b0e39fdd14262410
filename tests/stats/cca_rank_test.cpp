#include <array>
#include <cmath>
#include <vector>

#include <Eigen/SVD>

#include <hilm/core/random.hpp>
#include <hilm/stats/cca_rank.hpp>

#include "support/catch.hpp"

namespace {
using hilm::Index;
using hilm::Matrix;

// A = 3 columns, B = 3 columns, both driven by `rank` shared latent factors plus noise.
Matrix<double> latent_factor_data(Index n, Index rank, std::uint64_t seed) {
  hilm::Random rng(seed);
  Matrix<double> d(n, 6);
  Matrix<double> load(6, 3);
  for (Index i = 0; i < 6; ++i)
    for (Index k = 0; k < 3; ++k)
      load(i, k) = rng.uniform(0.5, 1.5) * (rng.bernoulli(0.5) ? 1 : -1);
  for (Index i = 0; i < n; ++i) {
    double f[3] = {rng.normal(), rng.normal(), rng.normal()};
    for (Index j = 0; j < 6; ++j) {
      double v = 0.5 * rng.normal();
      for (Index k = 0; k < rank; ++k) v += load(j, k) * f[k];
      // Columns of A also get private noise factors so Σ_AA stays well conditioned.
      d(i, j) = v + rng.normal();
    }
  }
  return d;
}

// Singular values above 1e-10 of `scale` (the norm of the probability table).
Index numerical_rank(const Matrix<double>& m, double scale) {
  Eigen::JacobiSVD<Matrix<double>> svd(m);
  const auto s = svd.singularValues();
  Index r = 0;
  for (Index i = 0; i < s.size(); ++i) r += s(i) > 1e-10 * scale;
  return r;
}
}  // namespace

TEST_CASE("rank: CCA test recovers the number of shared factors", "[stats]") {
  const std::array<Index, 3> a{0, 1, 2};
  const std::array<Index, 3> b{3, 4, 5};
  for (Index rank : {0, 1, 2}) {
    const auto d =
        latent_factor_data(5000, rank, hilm::test::seed(31 + static_cast<std::uint64_t>(rank)));
    const hilm::CcaRankTest t(d);
    const auto res = t.test(a, b);
    REQUIRE(res.hypotheses.size() == 3);
    CHECK(res.estimated_rank(0.05) == rank);
    for (const auto& h : res.hypotheses)
      CHECK(h.dof == static_cast<double>((3 - h.rank) * (3 - h.rank)));
    // Bartlett's statistic from the canonical correlations.
    const double expected =
        -(5000.0 - 1.0 - 3.5) * (std::log1p(-std::pow(res.canonical_correlations(2), 2)));
    CHECK_THAT(res.hypotheses[2].statistic, Catch::Matchers::WithinRel(expected, 1e-12));
  }
}

TEST_CASE("rank: T2 — rank(P_AB) = rank(one-hot cross-covariance) + 1 on random models",
          "[stats]") {
  hilm::Random rng(hilm::test::seed(33));
  for (int trial = 0; trial < 50; ++trial) {
    // P_AB = P(A|L) diag(P(L)) P(B|L)ᵀ with a latent L of k states: rank k generically.
    const Index ka = 2 + static_cast<Index>(rng.uniform_index(4));
    const Index kb = 2 + static_cast<Index>(rng.uniform_index(4));
    const Index k =
        1 + static_cast<Index>(rng.uniform_index(static_cast<std::uint64_t>(std::min(ka, kb))));
    Matrix<double> pa(ka, k), pb(kb, k);
    std::vector<double> buf(static_cast<std::size_t>(std::max(ka, kb)));
    for (Index j = 0; j < k; ++j) {
      rng.dirichlet(1.0, std::span<double>(buf.data(), static_cast<std::size_t>(ka)));
      for (Index i = 0; i < ka; ++i) pa(i, j) = buf[static_cast<std::size_t>(i)];
      rng.dirichlet(1.0, std::span<double>(buf.data(), static_cast<std::size_t>(kb)));
      for (Index i = 0; i < kb; ++i) pb(i, j) = buf[static_cast<std::size_t>(i)];
    }
    rng.dirichlet(1.0, std::span<double>(buf.data(), static_cast<std::size_t>(k)));
    hilm::Vector<double> pl(k);
    for (Index j = 0; j < k; ++j) pl(j) = buf[static_cast<std::size_t>(j)];
    const Matrix<double> joint = pa * pl.asDiagonal() * pb.transpose();
    const double scale = Eigen::JacobiSVD<Matrix<double>>(joint).singularValues()(0);
    const Index table_rank = numerical_rank(joint, scale);
    CHECK(table_rank == k);
    CHECK(table_rank - numerical_rank(hilm::onehot_cross_covariance(joint), scale) == 1);
  }
}

TEST_CASE("rank: discrete rank test estimates the table rank from samples", "[stats]") {
  // A latent L with 2 states; A and B are 4-state children: rank P(A, B) = 2.
  hilm::Random rng(hilm::test::seed(34));
  const Index n = 20000;
  Matrix<double> d(n, 3);
  const double pa[2][4] = {{0.6, 0.2, 0.1, 0.1}, {0.1, 0.1, 0.3, 0.5}};
  const double pb[2][4] = {{0.1, 0.5, 0.2, 0.2}, {0.5, 0.1, 0.3, 0.1}};
  auto draw = [&](const double* p) {
    double u = rng.uniform(), c = 0;
    for (int i = 0; i < 4; ++i) {
      c += p[i];
      if (u < c) return static_cast<double>(i);
    }
    return 3.0;
  };
  for (Index i = 0; i < n; ++i) {
    const int l = rng.bernoulli(0.4) ? 1 : 0;
    d(i, 0) = draw(pa[l]);
    d(i, 1) = draw(pb[l]);
    d(i, 2) = static_cast<double>(rng.uniform_index(3));  // independent of both: rank 1
  }
  const hilm::DiscreteRankTest t(d);
  const std::array<Index, 1> a{0}, b{1}, c{2};
  CHECK(t.test(a, b).estimated_rank(0.05) == 2);
  CHECK(t.test(a, c).estimated_rank(0.05) == 1);
  CHECK(t.test(a, b).rank_offset == 1);
}

TEST_CASE("rank: argument checks", "[stats]") {
  const auto d = latent_factor_data(100, 1, hilm::test::seed(35));
  const hilm::CcaRankTest t(d);
  const std::array<Index, 2> a{0, 1};
  const std::array<Index, 2> overlapping{1, 2};
  const std::array<Index, 1> out{6};
  CHECK_THROWS_AS(t.test(a, overlapping), hilm::invalid_argument);
  CHECK_THROWS_AS(t.test(a, out), hilm::invalid_argument);
  CHECK_THROWS_AS(t.test(a, {}), hilm::invalid_argument);
  Matrix<double> collinear = d;
  collinear.col(1) = 2.0 * collinear.col(0);
  const std::array<Index, 1> b{3};
  CHECK_THROWS_AS(hilm::CcaRankTest(collinear).test(a, b), hilm::numerical_error);
}

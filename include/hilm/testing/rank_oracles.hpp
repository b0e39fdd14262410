/// @file
/// `hilm::testing::ExactRankOracle`: population ranks for `hilm::rank_search()` from a known
/// covariance or from the exact tables of a discrete Bayesian network (`synth/discrete.hpp`), so
/// that a test or an identifiability study sees what the search recovers without sampling error.
///
/// ```cpp
/// const hilm::DiscreteModel model = hilm::random_cpts(truth, {.seed = 1});  // truth: SynthGraph
/// const auto result = hilm::rank_search(hilm::testing::ExactRankOracle::discrete(model));
/// REQUIRE(result.usable());
/// ```
#ifndef HILM_TESTING_RANK_ORACLES_HPP
#define HILM_TESTING_RANK_ORACLES_HPP

#include <array>
#include <cstddef>
#include <span>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/hierarchy/detail/rank_oracles.hpp>
#include <hilm/stats/cca_rank.hpp>
#include <hilm/synth/discrete.hpp>
#include <hilm/testing/detail/canonical_correlations.hpp>

namespace hilm::testing {

/// Exact rank oracle from a population covariance of the codes: for tests and for checking what
/// the search identifies without sampling error. Rank = number of canonical correlations above
/// `tolerance`. Models `hilm::RankOracle`.
class ExactRankOracle {
 public:
  /// Continuous variables with population covariance `sigma` (p × p, e.g. the observed block of
  /// `LinearSemData::covariance`).
  /// @throws hilm::invalid_argument if sigma is not square or tolerance ∉ (0, 1).
  template <class Derived>
  [[nodiscard]] static ExactRankOracle linear(const Eigen::MatrixBase<Derived>& sigma,
                                              double tolerance = 1e-7) {
    if (sigma.rows() != sigma.cols())
      hilm::detail::raise<invalid_argument>("ExactRankOracle::linear: sigma must be square");
    return ExactRankOracle(sigma.template cast<double>(),
                           hilm::detail::CodeBlocks::identity(sigma.rows()), tolerance, false);
  }

  /// Discrete observed variables of a discrete Bayesian network: the covariance of their one-hot
  /// codes, assembled from the exact pairwise tables P(X_i, X_j) (`DiscreteModel`).
  /// Variables are the model's observed nodes in increasing id order.
  /// @throws hilm::invalid_argument on an invalid model or tolerance.
  [[nodiscard]] static ExactRankOracle discrete(const DiscreteModel& model,
                                                double tolerance = 1e-7) {
    if (auto problem = model.validate()) hilm::detail::raise<invalid_argument>(*problem);
    const auto observed = model.graph.observed_nodes();
    std::vector<Index> cards;
    for (Index v : observed) cards.push_back(model.graph.cardinality[static_cast<std::size_t>(v)]);
    auto blocks = hilm::detail::CodeBlocks::from_cardinalities(cards);
    Matrix<double> cov = Matrix<double>::Zero(blocks.columns(), blocks.columns());
    const auto p = static_cast<Index>(observed.size());
    for (Index i = 0; i < p; ++i) {
      const auto oi = blocks.offset[static_cast<std::size_t>(i)];
      const auto di = blocks.dim[static_cast<std::size_t>(i)];
      const std::array<Index, 1> vi{observed[static_cast<std::size_t>(i)]};
      // Marginal from the pair with any other variable (or a 1-variable joint when p = 1).
      for (Index j = i + 1; j < p; ++j) {
        const std::array<Index, 1> vj{observed[static_cast<std::size_t>(j)]};
        const Matrix<double> t = model.joint_table(vi, vj);
        const Matrix<double> c = onehot_cross_covariance(t);
        const auto oj = blocks.offset[static_cast<std::size_t>(j)];
        cov.block(oi, oj, di, blocks.dim[static_cast<std::size_t>(j)]) = c;
        cov.block(oj, oi, blocks.dim[static_cast<std::size_t>(j)], di) = c.transpose();
      }
      const Vector<double> pm = model.joint(std::vector<Index>{vi[0]});
      const Vector<double> h = pm.head(di);
      cov.block(oi, oi, di, di) = Matrix<double>(h.asDiagonal()) - h * h.transpose();
    }
    return ExactRankOracle(std::move(cov), std::move(blocks), tolerance, true);
  }

  /// Number of variables p.
  [[nodiscard]] Index num_variables() const noexcept { return blocks_.variables(); }
  /// Code dimension of variable v.
  [[nodiscard]] Index dimension(Index v) const {
    return blocks_.dim.at(static_cast<std::size_t>(v));
  }
  /// Number of canonical correlations between the codes of a and b above the tolerance.
  [[nodiscard]] Index rank(std::span<const Index> a, std::span<const Index> b) const {
    const auto rho =
        hilm::detail::canonical_correlations(cov_, blocks_.columns_of(a), blocks_.columns_of(b));
    Index r = 0;
    for (Index i = 0; i < rho.size(); ++i) r += rho(i) > tolerance_ ? 1 : 0;
    return r;
  }
  /// Whether the variables are discrete.
  [[nodiscard]] bool discrete() const noexcept { return discrete_; }
  /// The covariance of the codes.
  [[nodiscard]] const Matrix<double>& covariance() const noexcept { return cov_; }

 private:
  ExactRankOracle(Matrix<double> cov, hilm::detail::CodeBlocks blocks, double tolerance,
                  bool discrete)
      : cov_(std::move(cov)),
        blocks_(std::move(blocks)),
        tolerance_(tolerance),
        discrete_(discrete) {
    if (!(tolerance > 0 && tolerance < 1))
      hilm::detail::raise<invalid_argument>("ExactRankOracle: tolerance must lie in (0, 1)");
  }
  Matrix<double> cov_;
  hilm::detail::CodeBlocks blocks_;
  double tolerance_ = 1e-7;
  bool discrete_ = false;
};

}  // namespace hilm::testing

#endif  // HILM_TESTING_RANK_ORACLES_HPP

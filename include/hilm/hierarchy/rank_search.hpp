/// @file
/// Rank-based latent-hierarchy search: where the latent variables are, how many states a
/// discrete latent has, and which variables they cause, from ranks of cross-covariances
/// (continuous data) or of probability tables (discrete data).
///
/// Algorithm: the cluster search of Huang, Low, Xie, Glymour & Zhang (2022, "Latent hierarchical
/// causal structure discovery with rank constraints", NeurIPS) in the form refined by Dong, Huang,
/// Ng, Song, Zheng, Jin, Legaspi, Spirtes & Zhang (2024, "A versatile causal discovery framework
/// to allow causally-related hidden variables", ICLR — RLCD):
///  1. Start with the observed variables as the active set; k = 1.
///  2. Test every set A of active items of dimension k + 1 (for discrete data: pairs) for
///     rank(Σ_{A, rest}) = k, where each latent found so far is represented by all its measured
///     descendants; reject A when a proper subset is already deficient against the same rest
///     (the collider / v-structure check of RLCD).
///  3. Merge overlapping rank-k sets, verify the merged set, add a latent cover of dimension k as
///     the parent of each set, replace its members in the active set, reset k = 1; if nothing was
///     found, k ← k + 1 (up to `max_rank`).
///  4. Refinement: observed variables that a cover received only because the first pass missed
///     them under a lower cover are moved down (and the then redundant cover deleted).
///  5. Closing: remaining dependent items get a root latent (three or more) or an undirected
///     edge (two).
///
/// Discrete data use the one-hot identity rank P(A, B) = rank Σ(one-hot A, one-hot B) + 1
/// (DESIGN.md §1): a discrete variable with c states is a block of c − 1 code columns and a
/// latent cover of code dimension k is one discrete latent with k + 1 states. The sample rank of
/// the codes is the CCA/Bartlett test of `stats/cca_rank.hpp`.
///
/// Identified (Huang et al. 2022, Thm. 4; Dong et al. 2024, Thm. 3.6): under purity-type
/// conditions (each latent has enough pure children, here ≥ 2 children and ≥ 2 neighbours beyond
/// them) and faithfulness of ranks, the latent structure up to the Markov equivalence class and
/// the graph operators O_min / O_s. See docs/hierarchy.md.
#ifndef HILM_HIERARCHY_RANK_SEARCH_HPP
#define HILM_HIERARCHY_RANK_SEARCH_HPP

#include <concepts>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/detail/validate.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/progress.hpp>
#include <hilm/core/status.hpp>
#include <hilm/core/types.hpp>
#include <hilm/graph/graph.hpp>
#include <hilm/hierarchy/detail/rank_engine.hpp>
#include <hilm/hierarchy/detail/rank_oracles.hpp>
#include <hilm/stats/cca_rank.hpp>
#include <hilm/stats/discrete.hpp>

namespace hilm {

/// What the search needs from a rank test.
///
/// Variables are the observed columns 0 … num_variables()−1. Each has a *code dimension*
/// `dimension(v)`: 1 for a continuous variable, card − 1 for a discrete one (one-hot code with
/// one category dropped). `rank(a, b)` is the rank of the cross-covariance between the codes of
/// the disjoint variable sets a and b (estimated or exact), in the same units: for discrete data
/// rank P(A, B) − 1. `discrete()` says how to read a latent cover of code dimension k: k
/// continuous latents (false) or one latent with k + 1 states (true).
///
/// `rank` is called concurrently from several threads and must be thread-safe.
template <class O>
concept RankOracle = requires(const O& o, std::span<const Index> a, Index v) {
  { o.num_variables() } -> std::convertible_to<Index>;
  { o.dimension(v) } -> std::convertible_to<Index>;
  { o.rank(a, a) } -> std::convertible_to<Index>;
  { o.discrete() } -> std::convertible_to<bool>;
};

/// Sample rank oracle through the canonical-correlation (Bartlett) test `CcaRankTest`:
/// on the columns of continuous data, or on one-hot codes of discrete data.
class CcaRankOracle {
 public:
  /// Continuous data: one code column per variable.
  /// @param[in] data n × p samples. @param[in] alpha level of the sequential rank tests.
  /// @throws hilm::invalid_argument on bad data (as `correlation_matrix`) or alpha ∉ (0, 1).
  template <class Derived>
  [[nodiscard]] static CcaRankOracle continuous(const Eigen::MatrixBase<Derived>& data,
                                                double alpha = 0.01) {
    check_alpha(alpha);
    return CcaRankOracle(CcaRankTest(data), detail::CodeBlocks::identity(data.cols()), alpha,
                         false);
  }

  /// Discrete data: each column (integer values, coded as `encode_discrete`) becomes
  /// card − 1 one-hot columns.
  /// @param[in] data n × p integer-valued samples; every column needs ≥ 2 distinct values.
  /// @param[in] alpha level of the sequential rank tests.
  /// @throws hilm::invalid_argument on non-integer values, a constant column, or bad alpha.
  template <class Derived>
  [[nodiscard]] static CcaRankOracle one_hot(const Eigen::MatrixBase<Derived>& data,
                                             double alpha = 0.01) {
    check_alpha(alpha);
    const DiscreteData d = encode_discrete(data);
    std::vector<Index> cards;
    for (std::size_t j = 0; j < d.levels.size(); ++j) {
      if (d.levels[j] < 2)
        hilm::detail::raise<invalid_argument>("CcaRankOracle::one_hot: column " +
                                              std::to_string(j) + " is constant");
      cards.push_back(d.levels[j]);
    }
    auto blocks = detail::CodeBlocks::from_cardinalities(cards);
    Matrix<double> codes = Matrix<double>::Zero(d.codes.rows(), blocks.columns());
    for (Index j = 0; j < d.codes.cols(); ++j) {
      for (Index i = 0; i < d.codes.rows(); ++i) {
        const Index c = d.codes(i, j);
        if (c < blocks.dim[static_cast<std::size_t>(j)])
          codes(i, blocks.offset[static_cast<std::size_t>(j)] + c) = 1.0;
      }
    }
    return CcaRankOracle(CcaRankTest(codes), std::move(blocks), alpha, true);
  }

  /// Number of variables p.
  [[nodiscard]] Index num_variables() const noexcept { return blocks_.variables(); }
  /// Code dimension of variable v (1, or card − 1).
  [[nodiscard]] Index dimension(Index v) const {
    return blocks_.dim.at(static_cast<std::size_t>(v));
  }
  /// Estimated rank of Σ between the codes of a and b at level alpha.
  /// @throws hilm::invalid_argument on bad indices; hilm::numerical_error on collinear codes.
  [[nodiscard]] Index rank(std::span<const Index> a, std::span<const Index> b) const {
    const auto ca = blocks_.columns_of(a);
    const auto cb = blocks_.columns_of(b);
    return test_.test(ca, cb).estimated_rank(alpha_);
  }
  /// Whether the variables are discrete (one-hot coded).
  [[nodiscard]] bool discrete() const noexcept { return discrete_; }
  /// The level of the tests.
  [[nodiscard]] double alpha() const noexcept { return alpha_; }

 private:
  CcaRankOracle(CcaRankTest test, detail::CodeBlocks blocks, double alpha, bool discrete)
      : test_(std::move(test)), blocks_(std::move(blocks)), alpha_(alpha), discrete_(discrete) {}
  static void check_alpha(double alpha) {
    if (!(alpha > 0 && alpha < 1))
      hilm::detail::raise<invalid_argument>("rank search: alpha must lie in (0, 1), got " +
                                            std::to_string(alpha));
  }
  CcaRankTest test_;
  detail::CodeBlocks blocks_;
  double alpha_ = 0.01;
  bool discrete_ = false;
};

/// Sample rank oracle through the probability-table test `DiscreteRankTest`, which codes
/// the JOINT states of each set (exponential in the set size: suited to a few variables, e.g. ≤ 8
/// ternary ones at n = 10⁴). `rank` returns rank P(A, B) − 1.
class TableRankOracle {
 public:
  /// @param[in] data n × p integer-valued samples. @param[in] alpha level of the tests.
  /// @throws hilm::invalid_argument on non-integer values, a constant column, or bad alpha.
  template <class Derived>
  explicit TableRankOracle(const Eigen::MatrixBase<Derived>& data, double alpha = 0.01)
      : test_(data), alpha_(alpha) {
    if (!(alpha > 0 && alpha < 1))
      hilm::detail::raise<invalid_argument>("TableRankOracle: alpha must lie in (0, 1)");
    const DiscreteData d = encode_discrete(data);
    for (std::size_t j = 0; j < d.levels.size(); ++j) {
      if (d.levels[j] < 2)
        hilm::detail::raise<invalid_argument>("TableRankOracle: column " + std::to_string(j) +
                                              " is constant");
      dims_.push_back(d.levels[j] - 1);
    }
  }
  /// Number of variables p.
  [[nodiscard]] Index num_variables() const noexcept { return static_cast<Index>(dims_.size()); }
  /// card − 1 of variable v.
  [[nodiscard]] Index dimension(Index v) const { return dims_.at(static_cast<std::size_t>(v)); }
  /// Estimated rank P(A, B) − 1.
  [[nodiscard]] Index rank(std::span<const Index> a, std::span<const Index> b) const {
    return test_.test(a, b).estimated_rank(alpha_) - 1;
  }
  /// Always true.
  [[nodiscard]] bool discrete() const noexcept { return true; }

 private:
  DiscreteRankTest test_;
  double alpha_ = 0.01;
  std::vector<Index> dims_;
};

/// Adapts any callable `rank(span<const Index> a, span<const Index> b) -> Index` (e.g. a
/// user's own test, or a d-separation oracle) to `RankOracle`.
template <class F>
class CallableRankOracle {
 public:
  /// @param[in] dims code dimension of each variable (size p; all ≥ 1).
  /// @param[in] rank the callable. @param[in] discrete how to read latent covers.
  /// @throws hilm::invalid_argument if a dimension is < 1.
  CallableRankOracle(std::vector<Index> dims, F rank, bool discrete = false)
      : dims_(std::move(dims)), rank_(std::move(rank)), discrete_(discrete) {
    for (Index d : dims_)
      if (d < 1)
        hilm::detail::raise<invalid_argument>("CallableRankOracle: dimensions must be >= 1");
  }
  /// Number of variables.
  [[nodiscard]] Index num_variables() const noexcept { return static_cast<Index>(dims_.size()); }
  /// Code dimension of v.
  [[nodiscard]] Index dimension(Index v) const { return dims_.at(static_cast<std::size_t>(v)); }
  /// Forwards to the callable.
  [[nodiscard]] Index rank(std::span<const Index> a, std::span<const Index> b) const {
    return static_cast<Index>(rank_(a, b));
  }
  /// As constructed.
  [[nodiscard]] bool discrete() const noexcept { return discrete_; }

 private:
  std::vector<Index> dims_;
  F rank_;
  bool discrete_ = false;
};

/// Options of `rank_search()`.
struct RankSearchOptions {
  /// Level of the sequential rank tests (used when the search builds its own oracle from data;
  /// RLCD's default 0.01).
  double alpha = 0.01;
  /// Largest code dimension k of a latent cover searched (RLCD's `maxk` = 3): continuous — at most
  /// k latents per cover; discrete — at most k + 1 states per latent.
  Index max_rank = 3;
  /// Apply RLCD's collider (v-structure) check to every rank-deficient set.
  bool collider_check = true;
  /// Run the refinement pass (phase 4 in the file comment).
  bool refine = true;
  /// Close the search with root latents / undirected edges between the remaining items.
  bool close_roots = true;
  /// Names of the observed variables (empty: X1 … Xp).
  std::vector<std::string> names{};
  /// Called once per search round; return false to stop (status Cancelled, partial graph).
  ProgressCallback progress{};

  /// @returns a message naming the offending field, or nothing when valid.
  [[nodiscard]] std::optional<std::string> validate() const {
    using hilm::detail::invalid_field;
    if (!(alpha > 0 && alpha < 1)) {
      return invalid_field("RankSearchOptions", "alpha", "lie in (0, 1)", alpha);
    }
    if (max_rank < 1) return invalid_field("RankSearchOptions", "max_rank", "be >= 1", max_rank);
    return std::nullopt;
  }
};

/// A latent cover found by the search.
struct LatentCover {
  /// Node ids of its latents in the result graph (one for a discrete latent; k continuous ones).
  std::vector<Index> latents;
  /// Node ids of its children.
  std::vector<Index> children;
  /// Code dimension k (discrete: the latent has k + 1 states).
  Index rank = 0;
  /// True when added by the closing step (a root over ≥ 3 remaining items).
  bool root = false;
};

/// Result of `rank_search()`.
struct RankSearchResult {
  /// Nodes 0 … p−1 are the observed variables (data columns, in order), latents follow
  /// (`observed = false`, `level` ≥ 1, `cardinality` = states for discrete data, else 0). Every
  /// latent → child edge is directed; `--` joins two dependent items the search could not
  /// separate.
  Graph graph;
  /// The latent covers in the order they were found.
  std::vector<LatentCover> covers;
  /// Number of rank tests run.
  Index rank_tests = 0;
  /// Converged, or Cancelled by the progress callback.
  FitStatus status = FitStatus::NotRun;

  /// Whether the graph can be used (`hilm::usable(status)`; a cancelled search holds the partial
  /// graph of the rounds that ran).
  [[nodiscard]] bool usable() const noexcept { return hilm::usable(status); }
};

/// Runs the rank-based latent-hierarchy search over any rank oracle.
/// @param[in] oracle the rank test (see `RankOracle`).
/// @param[in] options search options (alpha is ignored: the oracle carries its own level).
/// @returns the graph and the covers. Complexity: per round O(C(m, k+1)) rank tests over the m
///   active items; rounds ≤ number of latents + max_rank.
/// @throws hilm::invalid_argument on bad options; whatever the oracle throws, on the calling
///   thread (the rank tests run in parallel). `CcaRankOracle` throws hilm::numerical_error when
///   a tested set of columns is collinear: a duplicated column, a column that is a linear
///   combination of others, or too few rows (with 2 rows every correlation is ±1).
///
/// @code
/// // Any rank test fits: here a user's own, e.g. t-separation in a known graph.
/// auto rank = [&](std::span<const hilm::Index> a, std::span<const hilm::Index> b) {
///   return my_rank(a, b);  // thread-safe
/// };
/// const hilm::CallableRankOracle oracle(std::vector<hilm::Index>(p, 1), rank);
/// const hilm::RankSearchResult found = hilm::rank_search(oracle, {.max_rank = 2});
/// @endcode
template <RankOracle Oracle>
[[nodiscard]] RankSearchResult rank_search(const Oracle& oracle,
                                           const RankSearchOptions& options = {}) {
  if (auto problem = options.validate()) hilm::detail::raise<invalid_argument>(*problem);
  const Index p = oracle.num_variables();
  if (!options.names.empty() && static_cast<Index>(options.names.size()) != p) {
    hilm::detail::raise<invalid_argument>(hilm::detail::invalid_field_described(
        "RankSearchOptions", "names", "have one entry per variable (" + std::to_string(p) + ")",
        std::to_string(options.names.size()) + (options.names.size() == 1 ? " name" : " names")));
  }
  detail::EngineSettings settings;
  settings.max_rank = options.max_rank;
  settings.collider_check = options.collider_check;
  settings.refine = options.refine;
  settings.close_roots = options.close_roots;
  settings.discrete = static_cast<bool>(oracle.discrete());
  settings.progress = options.progress;
  auto rank = [&oracle](std::span<const Index> a, std::span<const Index> b) {
    return static_cast<Index>(oracle.rank(a, b));
  };
  auto dim = [&oracle](Index v) { return static_cast<Index>(oracle.dimension(v)); };
  detail::RankEngine<decltype(rank), decltype(dim)> engine(p, rank, dim, settings, options.names);
  detail::EngineOutput out = engine.run();
  RankSearchResult result;
  result.graph = std::move(out.graph);
  for (auto& c : out.covers)
    result.covers.push_back(
        LatentCover{std::move(c.nodes), std::move(c.children), c.rank, c.final_root});
  result.rank_tests = out.rank_tests;
  result.status = out.status;
  return result;
}

/// The search on continuous data with the CCA rank test at `options.alpha` (`hilm hierarchy
/// --method rank`).
/// @param[in] data n × p samples.
/// @throws hilm::invalid_argument on bad data or options; hilm::numerical_error on collinear
///   columns (see the oracle overload).
///
/// @code
/// const hilm::Matrix<double> x = load_samples();  // n × p continuous measurements
/// const hilm::RankSearchResult found = hilm::rank_search(x, {.alpha = 0.01, .max_rank = 2});
/// if (found.usable()) {
///   for (const hilm::LatentCover& cover : found.covers) {
///     // cover.latents (node ids in found.graph) are the parents of cover.children
///   }
///   hilm::write_json(found.graph, "hierarchy.json");  // <hilm/graph/json.hpp>
/// }
/// @endcode
template <class Derived>
[[nodiscard]] RankSearchResult rank_search(const Eigen::MatrixBase<Derived>& data,
                                           const RankSearchOptions& options = {}) {
  if (auto problem = options.validate()) hilm::detail::raise<invalid_argument>(*problem);
  return rank_search(CcaRankOracle::continuous(data, options.alpha), options);
}

/// The search on integer-coded discrete data with the probability-table rank test through
/// one-hot codes at `options.alpha` (`hilm hierarchy --method discrete`).
/// @param[in] data n × p integer-valued samples, each column with ≥ 2 distinct values.
/// @throws hilm::invalid_argument on bad data or options.
template <class Derived>
[[nodiscard]] RankSearchResult discrete_rank_search(const Eigen::MatrixBase<Derived>& data,
                                                    const RankSearchOptions& options = {}) {
  if (auto problem = options.validate()) hilm::detail::raise<invalid_argument>(*problem);
  return rank_search(CcaRankOracle::one_hot(data, options.alpha), options);
}

}  // namespace hilm

#endif  // HILM_HIERARCHY_RANK_SEARCH_HPP

/// @file
/// The PC algorithm (Spirtes, Glymour & Scheines, *Causation, Prediction, and Search*, 2nd ed.,
/// MIT Press 2000, §5.4.2) over any conditional-independence test, with the order-independent
/// "stable" skeleton of Colombo & Maathuis ("Order-independent constraint-based causal structure
/// learning", JMLR 15, 2014), background knowledge, and causal-learn's collider rules
/// (`uc_rule` / `uc_priority`) followed by Meek's orientation rules (Meek, "Causal inference and
/// causal explanation with background knowledge", UAI 1995).
///
/// The procedure reproduces causal-learn's `pc()` (py-why/causal-learn,
/// `search/ConstraintBased/PC.py`, `utils/PCUtils/{SkeletonDiscovery,UCSepset,Meek}.py`) step for
/// step, so that the same test p-values give the identical graph:
/// - skeleton: depth d = 0, 1, … while some node has more than d + 1 neighbours; for every
///   ordered pair (x, y) of adjacent nodes, the sets S ⊆ adj(x) \ {y} with |S| = d are tested in
///   lexicographic order. Stable variant: the adjacencies are frozen during a depth, every S is
///   tested, the edge is removed after the depth when some p > α, and the separating set kept
///   for (x, y) is the **union** of all separating S found from both ends at that depth.
///   Original variant: the edge goes at the first p > α and S is kept;
/// - background knowledge (forbidden/required orientations) orients the skeleton;
/// - collider rule (`uc_rule`, `UcRule`): 0 = y ∉ sepset(x, z) ("UC_sepset"); 1 = max-p (x ⫫ z
/// given a
///   set without y is more plausible than with y); 2 = definite max-p (only unanimous decisions,
///   then the definite Meek pass);
/// - conflicts (`uc_priority`, `UcPriority`): 0 overwrite, 1 make conflicting edges bidirected, 2
/// keep
///   existing colliders, 3 visit colliders from the strongest (smallest max p over sets with y),
///   4 from the strongest* (largest max p over sets without y); −1 = the rule's default (3 for
///   rules 0 and 1, 4 for rule 2);
/// - Meek rules 1–3 to closure (rule 4 is only needed with background knowledge; causal-learn
///   does not apply it, and neither does PC here — use `apply_meek_rules` afterwards if wanted).
///   As in causal-learn, an orientation j → k is skipped when k is already recorded as an
///   ancestor of j (it would close a directed cycle; possible when the colliders conflict), with
///   causal-learn's own bookkeeping of ancestors (see `detail/pc_orientation.hpp`).
///
/// Tests of one depth of the stable skeleton run in parallel (OpenMP) when the test's `test` is
/// callable on a const object (all built-in tests); the result does not depend on the number of
/// threads.
#ifndef HILM_GRAPH_PC_HPP
#define HILM_GRAPH_PC_HPP

#include <algorithm>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <hilm/concepts/ci_test.hpp>
#include <hilm/core/detail/parallel.hpp>
#include <hilm/core/detail/validate.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/progress.hpp>
#include <hilm/core/status.hpp>
#include <hilm/core/types.hpp>
#include <hilm/graph/background_knowledge.hpp>
#include <hilm/graph/detail/pc_runner.hpp>
#include <hilm/graph/graph.hpp>

namespace hilm {

/// Collider rule of `pc()` on an unshielded triple x – y – z. The values are causal-learn's
/// `uc_rule` codes (`pc(..., uc_rule=0)`), as the CLI's `--uc-rule` and graph.md use them.
enum class UcRule : int {
  /// 0, causal-learn's "uc_sepset": x → y ← z when y is not in the separating set of {x, z}.
  SeparatingSets = 0,
  /// 1, causal-learn's "maxP": a collider when the largest p of x ⫫ z over the conditioning sets
  /// without y exceeds the largest over the sets with y (Ramsey 2016).
  MaxP = 1,
  /// 2, causal-learn's "definiteMaxP": only unanimous max-p decisions, recording definite
  /// non-colliders, then the definite Meek pass.
  DefiniteMaxP = 2,
};

/// How `pc()` resolves colliders that conflict (claim one edge in both directions). The values
/// are causal-learn's `uc_priority` codes, as the CLI's `--uc-priority` and graph.md use them.
enum class UcPriority : int {
  /// −1: the rule's default, `StrongerColliders` for rules 0 and 1, `StrongerStarColliders`
  /// for rule 2.
  RuleDefault = -1,
  /// 0: overwrite; each collider orients both its edges, later triples win.
  Overwrite = 0,
  /// 1: orient bi-directed; an edge claimed both ways becomes `<->`.
  OrientBidirected = 1,
  /// 2: prioritise existing colliders; a triple is skipped when y → x or y → z is already there
  /// (causal-learn's `pc()` default).
  ExistingColliders = 2,
  /// 3: like 2, visiting the colliders from the strongest (smallest max p over the sets with y).
  StrongerColliders = 3,
  /// 4: like 2, visiting the colliders from the strongest* (largest max p over the sets without
  /// y).
  StrongerStarColliders = 4,
};

/// Options of `pc()`.
struct PcOptions {
  /// Significance level: an edge x – y is removed when some test of x ⫫ y | S has p > alpha.
  double alpha = 0.05;
  /// Order-independent skeleton (Colombo & Maathuis 2014) when true; PC's original otherwise.
  bool stable = true;
  /// Largest conditioning-set size tested; −1 for no limit.
  int depth = -1;
  /// Collider rule (see `UcRule` and the file comment).
  UcRule uc_rule = UcRule::SeparatingSets;
  /// Conflict resolution (see `UcPriority`); causal-learn's `pc()` default is
  /// `ExistingColliders` (2).
  UcPriority uc_priority = UcPriority::ExistingColliders;
  /// Forbidden and required edges (node ids are the test's variable indices).
  BackgroundKnowledge background{};
  /// Called after each depth of the skeleton search (stage "skeleton", done = depth + 1).
  ProgressCallback progress{};

  /// @returns a message naming the first invalid field, or nothing.
  [[nodiscard]] std::optional<std::string> validate() const {
    using hilm::detail::invalid_field;
    if (!(alpha > 0.0 && alpha < 1.0)) {
      return invalid_field("PcOptions", "alpha", "be in (0, 1)", alpha);
    }
    if (depth < -1) return invalid_field("PcOptions", "depth", "be >= -1", depth);
    const int rule = static_cast<int>(uc_rule);
    const int priority = static_cast<int>(uc_priority);
    if (rule < 0 || rule > 2) return invalid_field("PcOptions", "uc_rule", "be 0, 1 or 2", rule);
    if (priority < -1 || priority > 4) {
      return invalid_field("PcOptions", "uc_priority", "be in -1..4", priority);
    }
    if (uc_rule == UcRule::DefiniteMaxP &&
        (uc_priority == UcPriority::Overwrite || uc_priority == UcPriority::OrientBidirected)) {
      return invalid_field("PcOptions", "uc_priority",
                           "be -1, 2, 3 or 4 with uc_rule 2 (definite max-p)", priority);
    }
    return std::nullopt;
  }
};

/// Separating sets found by the skeleton search, per unordered pair of non-adjacent nodes.
class SeparatingSets {
 public:
  /// The separating set of {x, y} (sorted; empty when the pair was separated marginally or by
  /// background knowledge), or null when the pair was never separated (still adjacent).
  [[nodiscard]] const std::vector<Index>* find(Index x, Index y) const {
    const auto it = sets_.find(key(x, y));
    return it == sets_.end() ? nullptr : &it->second;
  }
  /// True when {x, y} has a separating set.
  [[nodiscard]] bool contains(Index x, Index y) const { return find(x, y) != nullptr; }
  /// True when `v` belongs to the separating set of {x, y}.
  [[nodiscard]] bool separates_with(Index x, Index y, Index v) const {
    const auto* s = find(x, y);
    return s != nullptr && std::binary_search(s->begin(), s->end(), v);
  }
  /// Adds the members of `s` to the separating set of {x, y} (creating it if absent).
  void merge(Index x, Index y, std::span<const Index> s) {
    auto& set = sets_[key(x, y)];
    set.insert(set.end(), s.begin(), s.end());
    std::sort(set.begin(), set.end());
    set.erase(std::unique(set.begin(), set.end()), set.end());
  }
  /// Number of separated pairs.
  [[nodiscard]] std::size_t size() const noexcept { return sets_.size(); }
  /// All entries, keyed by (min id, max id).
  [[nodiscard]] const std::map<std::pair<Index, Index>, std::vector<Index>>& all() const noexcept {
    return sets_;
  }

 private:
  static std::pair<Index, Index> key(Index x, Index y) { return {std::min(x, y), std::max(x, y)}; }
  std::map<std::pair<Index, Index>, std::vector<Index>> sets_;
};

/// Result of `pc()`.
struct PcResult {
  /// The estimated pattern (CPDAG when the tests are right): nodes X1 … Xp named as causal-learn,
  /// edges `->`, `--` and, with `uc_priority` 1, `<->`.
  Graph graph{};
  /// Separating sets of the removed adjacencies.
  SeparatingSets sepsets{};
  /// Number of distinct tests computed (repeats are answered from a memo).
  Index tests_run = 0;
  /// Largest conditioning-set size the skeleton search reached.
  int depth_reached = -1;
  /// `Converged`, or `Cancelled` when the progress callback asked to stop (graph then holds the
  /// skeleton found so far, unoriented).
  FitStatus status = FitStatus::NotRun;

  /// True when `status` says the graph can be used (`hilm::usable`).
  [[nodiscard]] bool usable() const noexcept { return hilm::usable(status); }
};

/// Runs PC over a conditional-independence test.
///
/// @tparam Test a model of `hilm::CiTest` (`FisherZTest`, `DiscreteCiTest`, `KciTest`, a
///         `CachedCiTest`, a `DSeparationOracle`, or your own).
/// @param[in] test    the test; its variables 0 … p−1 become nodes X1 … Xp.
/// @param[in] options see `PcOptions`.
/// @returns the pattern, separating sets, number of tests, status.
/// @throws invalid_argument for invalid options or background knowledge; exceptions of the test
///         propagate.
///
/// @code
/// hilm::FisherZTest fz(data);                       // data: n × p
/// auto r = hilm::pc(fz, {.alpha = 0.01, .stable = true});
/// for (const auto& e : r.graph.edges()) { /* e.from, e.to, e.mark */ }
/// @endcode
template <CiTest Test>
[[nodiscard]] PcResult pc(Test& test, const PcOptions& options = {}) {
  if (auto problem = options.validate()) hilm::detail::raise<invalid_argument>(*problem);
  if (auto problem = options.background.validate(test.num_variables())) {
    hilm::detail::raise<invalid_argument>(*problem);
  }
  return hilm::detail::PcRunner<Test, PcOptions, PcResult>(test, options).run();
}

}  // namespace hilm

#endif  // HILM_GRAPH_PC_HPP

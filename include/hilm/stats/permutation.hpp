/// @file
/// Permutation tests for any statistic of two variables, unconditional or within the strata of
/// a discrete conditioning set.
///
/// Under X ⫫ Y the joint law is invariant to permuting Y across samples; under X ⫫ Y | S with S
/// discrete it is invariant to permuting Y within each stratum {S = s}. The p-value
/// (1 + #{T_b ≥ T_obs}) / (1 + B) over B permutations is then exact (valid at every n) for any
/// statistic T where larger means more dependent (Phipson & Smyth, "Permutation p-values should
/// never be zero", Stat. Appl. Genet. Mol. Biol. 9, 2010; Good, *Permutation Tests*, 2nd ed.).
/// For continuous S no exact permutation scheme exists; discretise S or use KCI.
#ifndef HILM_STATS_PERMUTATION_HPP
#define HILM_STATS_PERMUTATION_HPP

#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <hilm/concepts/ci_test.hpp>
#include <hilm/core/detail/validate.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/random.hpp>
#include <hilm/core/types.hpp>
#include <hilm/stats/detail/indices.hpp>

namespace hilm {

/// Options of the permutation tests.
struct PermutationOptions {
  Index permutations = 999;  ///< B, the number of permutations
  std::uint64_t seed = 0;    ///< seed of the permutations

  /// @returns `PermutationOptions::permutations must be >= 1, got <value>` when invalid, or
  ///          nothing.
  [[nodiscard]] std::optional<std::string> validate() const {
    if (permutations < 1)
      return hilm::detail::invalid_field("PermutationOptions", "permutations", "be >= 1",
                                         permutations);
    return std::nullopt;
  }
};

/// Permutation test of a statistic T(x, y) (larger = more dependent).
/// @param[in] statistic callable `double(const Vector<double>& x, const Vector<double>& y)`.
/// @param[in] x,y n-vectors.
/// @param[in] strata n labels; y is permuted within equal labels (empty: one stratum).
/// @param[in] options permutations and seed.
/// @returns statistic T(x, y), dof 0, p-value (1 + #{T_b ≥ T}) / (1 + B), where T_b within
///          10⁻¹²·|T| of T counts as a tie.
/// @throws hilm::invalid_argument on size mismatch or invalid options.
template <class Statistic>
[[nodiscard]] CiResult permutation_test(Statistic&& statistic, const Vector<double>& x,
                                        const Vector<double>& y, std::span<const Index> strata,
                                        const PermutationOptions& options = {}) {
  if (auto message = options.validate()) hilm::detail::raise<invalid_argument>(*message);
  const Index n = x.size();
  if (y.size() != n || (!strata.empty() && static_cast<Index>(strata.size()) != n))
    hilm::detail::raise<invalid_argument>("permutation_test: x, y and strata must have equal size");
  // Row indices grouped by stratum.
  std::map<Index, std::vector<Index>> groups;
  for (Index i = 0; i < n; ++i)
    groups[strata.empty() ? 0 : strata[static_cast<std::size_t>(i)]].push_back(i);
  CiResult result;
  result.statistic = statistic(x, y);
  Random rng(options.seed);
  Vector<double> permuted(n);
  Index at_least = 0;
  std::vector<Index> order;
  for (Index b = 0; b < options.permutations; ++b) {
    for (const auto& [label, rows] : groups) {
      order = rows;
      rng.shuffle(order.begin(), order.end());
      for (std::size_t i = 0; i < rows.size(); ++i) permuted(rows[i]) = y(order[i]);
    }
    // Ties up to rounding count as ties: reordering a sum can move it by a few ulps.
    at_least += statistic(x, permuted) >= result.statistic - 1e-12 * std::abs(result.statistic);
  }
  result.p_value =
      static_cast<double>(1 + at_least) / static_cast<double>(1 + options.permutations);
  return result;
}

/// A `CiTest` from any two-variable statistic by permutation within the strata of a discrete
/// conditioning set (models `hilm::CiTest`).
/// @tparam Statistic callable `double(const Vector<double>& x, const Vector<double>& y)`.
template <class Statistic>
class PermutationCiTest {
 public:
  /// @param[in] data n × p samples; conditioning columns must hold integer values.
  /// @param[in] statistic the statistic (larger = more dependent).
  /// @param[in] options permutations and seed (every query uses the same seed: reproducible).
  template <class Derived>
  PermutationCiTest(const Eigen::MatrixBase<Derived>& data, Statistic statistic,
                    PermutationOptions options = {})
      : data_(data.template cast<double>()), statistic_(std::move(statistic)), options_(options) {
    if (auto message = options_.validate()) hilm::detail::raise<invalid_argument>(*message);
  }

  /// Tests X_x ⫫ X_y | X_z by permuting X_y within the joint states of X_z.
  /// @throws hilm::invalid_argument on bad indices or non-integer conditioning values.
  [[nodiscard]] CiResult test(Index x, Index y, std::span<const Index> z) const {
    hilm::detail::check_ci_indices("PermutationCiTest", num_variables(), x, y, z);
    const Index n = data_.rows();
    std::vector<Index> strata;
    if (!z.empty()) {
      std::map<std::vector<double>, Index> ids;
      std::vector<double> key(z.size());
      strata.resize(static_cast<std::size_t>(n));
      for (Index i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < z.size(); ++j) {
          key[j] = data_(i, z[j]);
          if (key[j] != std::floor(key[j]))
            hilm::detail::raise<invalid_argument>(
                "PermutationCiTest: conditioning column " + std::to_string(z[j]) +
                " holds a non-integer value at row " + std::to_string(i));
        }
        strata[static_cast<std::size_t>(i)] =
            ids.emplace(key, static_cast<Index>(ids.size())).first->second;
      }
    }
    return permutation_test(statistic_, data_.col(x), data_.col(y), strata, options_);
  }

  /// Number of variables p.
  [[nodiscard]] Index num_variables() const noexcept { return data_.cols(); }

 private:
  Matrix<double> data_;
  Statistic statistic_;
  PermutationOptions options_;
};

/// |Pearson correlation| of two vectors: a ready-made statistic for `permutation_test`.
[[nodiscard]] inline double absolute_correlation(const Vector<double>& x, const Vector<double>& y) {
  const Vector<double> a = x.array() - x.mean();
  const Vector<double> b = y.array() - y.mean();
  const double den = std::sqrt(a.squaredNorm() * b.squaredNorm());
  return den > 0 ? std::abs(a.dot(b)) / den : 0.0;
}

}  // namespace hilm

#endif  // HILM_STATS_PERMUTATION_HPP

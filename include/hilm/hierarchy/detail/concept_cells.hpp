// Discretisation of concept codes and the cell-mean (regressogram) fit of a parent set, used by
// concept_graph.hpp. Why cells: an upper concept of the selection model is a logical/threshold
// function of its parents' activity and values, and SAE codes recover the lower concepts only up
// to an invertible element-wise map. Coding each lower column as "inactive" plus quantile bins of
// its active values makes the fit invariant to such maps, and the cell means of E[Y | codes of S]
// fit any function of the codes (a saturated one-hot regression), so a true parent set reaches
// R² ≈ 1 for logical functions whatever their form.
#ifndef HILM_HIERARCHY_DETAIL_CONCEPT_CELLS_HPP
#define HILM_HIERARCHY_DETAIL_CONCEPT_CELLS_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/types.hpp>

namespace hilm::detail {

/// Codes 0 … levels−1 of one column.
struct ColumnCodes {
  std::vector<std::int32_t> codes;
  std::int32_t levels = 1;
  bool discrete_valued = false;  // integer values, at most max_levels of them: coded as is
  bool constant = false;
};

/// True when every value is an integer and there are at most `max_levels` distinct values.
inline bool is_discrete_valued(const std::vector<double>& sorted_distinct, Index max_levels) {
  if (static_cast<Index>(sorted_distinct.size()) > max_levels) return false;
  for (const double v : sorted_distinct) {
    if (v != std::floor(v)) return false;
  }
  return true;
}

/// Discretises one column: discrete-valued columns keep their values (ranked); otherwise a point
/// mass at the minimum holding at least `min_mass` of the rows (the "inactive" value of a sparse
/// code) is level 0 and the remaining values are cut at their `bins`-quantiles; a column
/// without such a mass is cut into bins + 1 quantile bins. Tied values always share a code.
inline ColumnCodes discretize_column(const Eigen::Ref<const Vector<double>>& column, Index bins,
                                     double min_mass, double inactive_fraction, Index max_levels) {
  const Index n = column.size();
  ColumnCodes out;
  out.codes.assign(static_cast<std::size_t>(n), 0);
  std::vector<double> sorted(column.data(), column.data() + n);
  std::sort(sorted.begin(), sorted.end());
  std::vector<double> distinct = sorted;
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  if (distinct.size() <= 1) {
    out.constant = true;
    return out;
  }
  std::vector<double> cuts;  // code = number of cuts strictly below the value
  if (is_discrete_valued(distinct, max_levels)) {
    out.discrete_valued = true;
    cuts.assign(distinct.begin(), distinct.end() - 1);
  } else {
    const double minimum = sorted.front();
    const auto at_min = static_cast<Index>(std::upper_bound(sorted.begin(), sorted.end(), minimum) -
                                           sorted.begin());
    Index start = 0, parts = bins + 1;
    if (static_cast<double>(at_min) >= min_mass * static_cast<double>(n)) {
      // Sparse code: the inactive level also takes the values within `inactive_fraction` of the
      // way from the minimum to the median active value (weak activations that top-k
      // competition or encoder interference produce; see docs/concepts.md).
      const double median = sorted[static_cast<std::size_t>(at_min + (n - at_min) / 2)];
      const double cut = minimum + inactive_fraction * (median - minimum);
      cuts.push_back(cut);
      start =
          static_cast<Index>(std::upper_bound(sorted.begin(), sorted.end(), cut) - sorted.begin());
      parts = bins;
    }
    const Index rest = n - start;
    for (Index b = 1; b < parts; ++b) {
      const Index pos = start + (rest * b) / parts - 1;
      if (pos >= start && pos < n) cuts.push_back(sorted[static_cast<std::size_t>(pos)]);
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  }
  // Codes by the cut values; a cut that equals the maximum would leave an empty top level.
  while (!cuts.empty() && cuts.back() >= sorted.back()) cuts.pop_back();
  for (Index i = 0; i < n; ++i) {
    const double v = column(i);
    out.codes[static_cast<std::size_t>(i)] =
        static_cast<std::int32_t>(std::lower_bound(cuts.begin(), cuts.end(), v) - cuts.begin());
  }
  out.levels = static_cast<std::int32_t>(cuts.size() + 1);
  return out;
}

/// Scratch space and data for cell-mean fits of one response on subsets of coded columns.
class CellFitter {
 public:
  CellFitter(const std::vector<ColumnCodes>& columns, const Vector<double>& y)
      : columns_(columns), y_(y) {
    const double mean = y_.mean();
    tss_ = (y_.array() - mean).square().sum();
  }

  /// Residual sum of squares of the cell means of y on the joint codes of `subset`, and the
  /// number of occupied cells.
  std::pair<double, Index> residual(const std::vector<Index>& subset) {
    const Index n = y_.size();
    if (subset.empty()) return {tss_, 1};
    std::int64_t cells = 1;
    for (const Index j : subset) cells *= columns_[static_cast<std::size_t>(j)].levels;
    ids_.assign(static_cast<std::size_t>(n), 0);
    for (const Index j : subset) {
      const auto& col = columns_[static_cast<std::size_t>(j)];
      for (Index i = 0; i < n; ++i) {
        ids_[static_cast<std::size_t>(i)] =
            ids_[static_cast<std::size_t>(i)] * col.levels + col.codes[static_cast<std::size_t>(i)];
      }
    }
    if (cells > 4 * static_cast<std::int64_t>(n) + 1024) {
      // Too many potential cells for dense tables: compress the occupied ones by sorting.
      std::vector<std::int64_t> sorted = ids_;
      std::sort(sorted.begin(), sorted.end());
      sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
      for (auto& id : ids_)
        id = std::lower_bound(sorted.begin(), sorted.end(), id) - sorted.begin();
      cells = static_cast<std::int64_t>(sorted.size());
    }
    count_.assign(static_cast<std::size_t>(cells), 0.0);
    sum_.assign(static_cast<std::size_t>(cells), 0.0);
    sumsq_.assign(static_cast<std::size_t>(cells), 0.0);
    for (Index i = 0; i < n; ++i) {
      const auto c = static_cast<std::size_t>(ids_[static_cast<std::size_t>(i)]);
      const double v = y_(i);
      count_[c] += 1;
      sum_[c] += v;
      sumsq_[c] += v * v;
    }
    double sse = 0;
    Index occupied = 0;
    for (std::size_t c = 0; c < count_.size(); ++c) {
      if (count_[c] == 0) continue;
      ++occupied;
      sse += std::max(sumsq_[c] - sum_[c] * sum_[c] / count_[c], 0.0);
    }
    return {sse, occupied};
  }

  /// Total sum of squares of y about its mean.
  [[nodiscard]] double tss() const noexcept { return tss_; }

 private:
  const std::vector<ColumnCodes>& columns_;
  const Vector<double>& y_;
  double tss_ = 0;
  std::vector<std::int64_t> ids_;
  std::vector<double> count_, sum_, sumsq_;
};

}  // namespace hilm::detail

#endif  // HILM_HIERARCHY_DETAIL_CONCEPT_CELLS_HPP

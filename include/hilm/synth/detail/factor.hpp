/// @file
/// Non-negative factors over discrete variables (product and summing out), the variable
/// elimination behind `DiscreteModel::joint_table` (`hilm/synth/discrete.hpp`).
#ifndef HILM_SYNTH_DETAIL_FACTOR_HPP
#define HILM_SYNTH_DETAIL_FACTOR_HPP

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <vector>

#include <hilm/core/types.hpp>

namespace hilm::detail {

/// A non-negative factor over a set of discrete variables (sorted ids). Entry index: mixed radix
/// with the FIRST variable fastest.
struct Factor {
  std::vector<Index> vars;
  std::vector<Index> cards;
  std::vector<double> values;

  [[nodiscard]] Index size() const {
    Index s = 1;
    for (const Index c : cards) s *= c;
    return s;
  }
};

/// Strides of `inner`'s variables inside the configuration of `outer` (0 when absent).
inline std::vector<Index> strides_in(const Factor& inner, const std::vector<Index>& outer_vars) {
  std::vector<Index> out(outer_vars.size(), 0);
  Index stride = 1;
  for (std::size_t i = 0; i < inner.vars.size(); ++i) {
    const auto pos = std::find(outer_vars.begin(), outer_vars.end(), inner.vars[i]);
    out[static_cast<std::size_t>(pos - outer_vars.begin())] = stride;
    stride *= inner.cards[i];
  }
  return out;
}

/// Product of two factors over the union of their variables.
inline Factor multiply(const Factor& a, const Factor& b) {
  Factor r;
  std::set_union(a.vars.begin(), a.vars.end(), b.vars.begin(), b.vars.end(),
                 std::back_inserter(r.vars));
  for (const Index v : r.vars) {
    const auto ia = std::find(a.vars.begin(), a.vars.end(), v);
    r.cards.push_back(ia != a.vars.end()
                          ? a.cards[static_cast<std::size_t>(ia - a.vars.begin())]
                          : b.cards[static_cast<std::size_t>(
                                std::find(b.vars.begin(), b.vars.end(), v) - b.vars.begin())]);
  }
  const auto sa = strides_in(a, r.vars), sb = strides_in(b, r.vars);
  const Index total = r.size();
  r.values.resize(static_cast<std::size_t>(total));
  std::vector<Index> state(r.vars.size(), 0);
  Index ia = 0, ib = 0;
  for (Index t = 0; t < total; ++t) {
    r.values[static_cast<std::size_t>(t)] =
        a.values[static_cast<std::size_t>(ia)] * b.values[static_cast<std::size_t>(ib)];
    // Odometer step, first variable fastest.
    for (std::size_t k = 0; k < state.size(); ++k) {
      if (++state[k] < r.cards[k]) {
        ia += sa[k];
        ib += sb[k];
        break;
      }
      ia -= sa[k] * (r.cards[k] - 1);
      ib -= sb[k] * (r.cards[k] - 1);
      state[k] = 0;
    }
  }
  return r;
}

/// Sums variable `var` out of `f`.
inline Factor sum_out(const Factor& f, Index var) {
  const auto pos =
      static_cast<std::size_t>(std::find(f.vars.begin(), f.vars.end(), var) - f.vars.begin());
  Factor r;
  Index inner = 1;
  for (std::size_t i = 0; i < f.vars.size(); ++i) {
    if (i < pos) inner *= f.cards[i];
    if (i == pos) continue;
    r.vars.push_back(f.vars[i]);
    r.cards.push_back(f.cards[i]);
  }
  const Index card = f.cards[pos], outer = f.size() / (inner * card);
  r.values.assign(static_cast<std::size_t>(inner * outer), 0.0);
  for (Index o = 0; o < outer; ++o) {
    for (Index c = 0; c < card; ++c) {
      for (Index i = 0; i < inner; ++i) {
        r.values[static_cast<std::size_t>(o * inner + i)] +=
            f.values[static_cast<std::size_t>((o * card + c) * inner + i)];
      }
    }
  }
  return r;
}

}  // namespace hilm::detail

#endif  // HILM_SYNTH_DETAIL_FACTOR_HPP

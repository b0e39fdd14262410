/// @file
/// Implementation of `hilm/sae/concept_labels.hpp`: per-latent piece counts.
#ifndef HILM_SAE_DETAIL_CONCEPT_LABELS_HPP
#define HILM_SAE_DETAIL_CONCEPT_LABELS_HPP

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/types.hpp>

namespace hilm::detail {

/// Counts, per latent, the pieces (interned to ids) of the rows it fires on.
class PieceCounter {
 public:
  PieceCounter(Index latents, const std::vector<std::string>& pieces)
      : counts_(static_cast<std::size_t>(latents)),
        fires_(static_cast<std::size_t>(latents), 0),
        sums_(static_cast<std::size_t>(latents), 0.0) {
    std::unordered_map<std::string, std::int32_t> ids;
    row_ids_.reserve(pieces.size());
    for (const auto& p : pieces) {
      auto [it, fresh] = ids.try_emplace(p, static_cast<std::int32_t>(names_.size()));
      if (fresh) names_.push_back(p);
      row_ids_.push_back(it->second);
    }
  }

  /// Adds codes `z` of rows `start, start + 1, …`.
  template <class Derived>
  void add(const Eigen::MatrixBase<Derived>& z, Index start) {
    for (Index i = 0; i < z.rows(); ++i) {
      const std::int32_t piece = row_ids_[static_cast<std::size_t>(start + i)];
      for (Index j = 0; j < z.cols(); ++j) {
        const double v = static_cast<double>(z(i, j));
        if (v == 0) continue;
        const auto jj = static_cast<std::size_t>(j);
        ++counts_[jj][piece];
        ++fires_[jj];
        sums_[jj] += v;
      }
    }
  }

  /// One label per latent.
  template <class Label>
  std::vector<Label> labels(Index rows, Index top) const {
    std::vector<Label> out(counts_.size());
    for (std::size_t j = 0; j < counts_.size(); ++j) {
      Label& l = out[j];
      l.latent = static_cast<Index>(j);
      l.fires = fires_[j];
      l.firing_rate = rows > 0 ? static_cast<double>(fires_[j]) / static_cast<double>(rows) : 0;
      l.mean_activation = fires_[j] > 0 ? sums_[j] / static_cast<double>(fires_[j]) : 0;
      std::vector<std::pair<std::string, std::int64_t>> all;
      for (const auto& [id, c] : counts_[j])
        all.emplace_back(names_[static_cast<std::size_t>(id)], c);
      std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
      });
      if (static_cast<Index>(all.size()) > top) all.resize(static_cast<std::size_t>(top));
      std::int64_t covered = 0;
      for (const auto& p : all) covered += p.second;
      l.purity = fires_[j] > 0 ? static_cast<double>(covered) / static_cast<double>(fires_[j]) : 0;
      l.top_pieces = std::move(all);
    }
    return out;
  }

 private:
  std::vector<std::map<std::int32_t, std::int64_t>> counts_;
  std::vector<std::int64_t> fires_;
  std::vector<double> sums_;
  std::vector<std::string> names_;
  std::vector<std::int32_t> row_ids_;
};

}  // namespace hilm::detail

#endif  // HILM_SAE_DETAIL_CONCEPT_LABELS_HPP

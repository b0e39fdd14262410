/// @file
/// Concept labels of sparse-autoencoder latents: for every latent, how often it fires and the
/// input pieces (tokens, words, pixel classes…) of the rows it fires on, most frequent first —
/// the "top-activating examples" reading of a latent used by Bricken et al. 2023 ("Towards
/// monosemanticity") and Templeton et al. 2024 ("Scaling monosemanticity"), reduced to counts of
/// the row labels so that it needs no model of its own.
///
/// ```cpp
/// // x: n × d activations (one row per token), pieces: n labels (the token of each row)
/// const auto labels = hilm::concept_labels(weights, x, pieces, {.top_pieces = 5});
/// for (const hilm::ConceptLabel& c : labels) { /* c.firing_rate, c.top_pieces, c.purity */ }
/// ```
#ifndef HILM_SAE_CONCEPT_LABELS_HPP
#define HILM_SAE_CONCEPT_LABELS_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/detail/validate.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/sae/detail/concept_labels.hpp>
#include <hilm/sae/weights.hpp>

namespace hilm {

/// Options of `concept_labels`.
struct ConceptLabelOptions {
  /// Pieces kept per latent (most frequent first).
  Index top_pieces = 5;
  /// Rows encoded at a time (bounds the memory of the codes to `batch_rows × latents`).
  Index batch_rows = 4096;

  /// @returns a message naming the offending field, or nothing when valid.
  [[nodiscard]] std::optional<std::string> validate() const {
    using detail::invalid_field;
    if (top_pieces < 1)
      return invalid_field("ConceptLabelOptions", "top_pieces", "be >= 1", top_pieces);
    if (batch_rows < 1)
      return invalid_field("ConceptLabelOptions", "batch_rows", "be >= 1", batch_rows);
    return std::nullopt;
  }
};

/// The label of one latent.
struct ConceptLabel {
  Index latent = 0;
  std::int64_t fires = 0;      ///< Rows with a non-zero code.
  double firing_rate = 0;      ///< `fires / n`.
  double mean_activation = 0;  ///< Mean code over the rows it fires on.
  /// The most frequent pieces among the rows it fires on, with their counts (count descending,
  /// then piece ascending, so ties are deterministic).
  std::vector<std::pair<std::string, std::int64_t>> top_pieces;
  /// Share of the firing rows whose piece is one of `top_pieces` (1: a clean label).
  double purity = 0;
};

/// Labels every latent of `weights` by the pieces of the rows of `x` it fires on.
/// @param[in] weights the SAE.
/// @param[in] x n × d activations, in the units the SAE was trained on.
/// @param[in] pieces n labels, `pieces[i]` for row i.
/// @returns one label per latent, in latent order.
/// @throws invalid_argument if `x.cols() != d_in`, `pieces.size() != n` or the options are invalid.
template <class Scalar, class Derived>
[[nodiscard]] std::vector<ConceptLabel> concept_labels(const SaeWeights<Scalar>& weights,
                                                       const Eigen::MatrixBase<Derived>& x,
                                                       const std::vector<std::string>& pieces,
                                                       const ConceptLabelOptions& options = {}) {
  if (auto problem = options.validate()) detail::raise<invalid_argument>(*problem);
  if (x.cols() != weights.d_in()) {
    detail::raise<invalid_argument>("concept_labels: x has " + std::to_string(x.cols()) +
                                    " columns but the SAE's d_in is " +
                                    std::to_string(weights.d_in()));
  }
  if (static_cast<Index>(pieces.size()) != x.rows()) {
    detail::raise<invalid_argument>("concept_labels: " + std::to_string(pieces.size()) +
                                    " pieces for " + std::to_string(x.rows()) + " rows");
  }
  detail::PieceCounter counter(weights.d_sae(), pieces);
  for (Index start = 0; start < x.rows(); start += options.batch_rows) {
    const Index rows = std::min(options.batch_rows, x.rows() - start);
    const RowMatrix<Scalar> z = sae_encode(weights, x.middleRows(start, rows));
    counter.add(z, start);
  }
  return counter.labels<ConceptLabel>(x.rows(), options.top_pieces);
}

}  // namespace hilm

#endif  // HILM_SAE_CONCEPT_LABELS_HPP

/// @file
/// What training a sparse autoencoder reports: `SaeResult` (status, counters, timings), its
/// `SaeMetrics` (reconstruction and sparsity, also returned by `evaluate_sae`) and the
/// `SaeHistoryEntry` list of the training history. The trainer is
/// `hilm/sae/sparse_autoencoder.hpp`, which includes this header.
#ifndef HILM_SAE_RESULT_HPP
#define HILM_SAE_RESULT_HPP

#include <cstdint>
#include <string>
#include <vector>

#include <hilm/core/status.hpp>

namespace hilm {

/// Reconstruction and sparsity metrics, accumulated in double.
struct SaeMetrics {
  /// Mean squared error per element, in the units of the input.
  double mse = 0;
  /// 1 − Σ‖x − x̂‖² / Σ‖x − mean(x)‖² (mean over the data evaluated; over each batch in training).
  double explained_variance = 0;
  /// Mean number of active latents per row.
  double l0 = 0;
  /// Fraction of latents that never fired (evaluation), or that have not fired for
  /// `min(dead_after_rows, rows trained)` rows (training).
  double dead_fraction = 0;
  /// Fraction of latents firing on more than `dense_threshold` of the rows.
  double dense_fraction = 0;
  /// Rows the metrics were computed on.
  std::int64_t rows = 0;
};

/// One entry of the training history (averages over `history_interval` steps).
struct SaeHistoryEntry {
  std::int64_t step = 0;     ///< Steps done at the end of the interval.
  std::int64_t rows = 0;     ///< Training rows seen at the end of the interval.
  double loss = 0;           ///< Mean total objective (scaled units).
  double learning_rate = 0;  ///< Learning rate of the last step.
  SaeMetrics metrics;        ///< Metrics over the interval.
};

/// Outcome of `SparseAutoencoder::fit`.
struct SaeResult {
  /// `MaxIterations` when every scheduled step ran, `Cancelled` when the progress callback
  /// stopped training, `NumericalIssue` when the loss became non-finite (weights of the last
  /// finite step are kept).
  FitStatus status = FitStatus::NotRun;
  std::int64_t steps = 0;  ///< Optimiser steps done in total.
  std::int64_t rows = 0;   ///< Training rows seen in total.
  /// Completed passes over the data: `rows / rows_per_pass` rounded down when the rows of a
  /// pass are known (a sized source, or a source counted to schedule `epochs`); otherwise the
  /// passes the loader has finished.
  std::int64_t epochs = 0;
  /// Rows of one pass over the source, or -1 when unknown (an unsized source with `steps` set,
  /// or a resumed run on an unsized source).
  std::int64_t rows_per_pass = -1;
  /// Metrics of the last history interval.
  SaeMetrics metrics;
  /// One entry every `history_interval` steps (and one for the final partial interval).
  std::vector<SaeHistoryEntry> history;
  /// Wall time of the call (initialisation included, the row-count pass excluded).
  double elapsed_seconds = 0;
  /// Wall time of the optimisation steps alone (what `rows / train_seconds` rows/s measures).
  double train_seconds = 0;
  /// Explanation when the status is not `MaxIterations`.
  std::string message;
  /// Whether the weights can be used.
  [[nodiscard]] bool usable() const noexcept { return hilm::usable(status); }
};

}  // namespace hilm

#endif  // HILM_SAE_RESULT_HPP

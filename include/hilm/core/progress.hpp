/// @file
/// The progress-callback type shared by long-running estimators. The library never prints;
/// programs that want a progress bar pass a callback (the `hilm` tool draws one with `--progress`).
#ifndef HILM_CORE_PROGRESS_HPP
#define HILM_CORE_PROGRESS_HPP

#include <cstdint>
#include <functional>
#include <string_view>

#include <hilm/core/detail/progress.hpp>

namespace hilm {

/// One progress report.
struct Progress {
  std::string_view stage;  ///< What is running ("train", "skeleton", ...); valid during the call.
  std::int64_t done = 0;   ///< Units of work finished (steps, rows, tests).
  std::int64_t total = 0;  ///< Units expected in all; 0 when unknown.
  double loss = 0.0;       ///< Current objective where meaningful, else 0.
};

/// Called from the estimator's thread between units of work, never concurrently. Return `false`
/// to ask the estimator to stop early; it then ends with `FitStatus::Cancelled`.
using ProgressCallback = std::function<bool(const Progress&)>;

}  // namespace hilm

#endif  // HILM_CORE_PROGRESS_HPP

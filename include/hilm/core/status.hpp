/// @file
/// How an iterative fit ended. Non-convergence is a status, never an exception.
#ifndef HILM_CORE_STATUS_HPP
#define HILM_CORE_STATUS_HPP

#include <string_view>

namespace hilm {

/// Outcome of an iterative estimator (Spectra's `CompInfo`, Eigen's `ComputationInfo`).
enum class FitStatus {
  NotRun,          ///< The estimator has not been run.
  Converged,       ///< The stopping criterion was met.
  MaxIterations,   ///< The iteration budget ran out first; the result is still usable.
  NumericalIssue,  ///< Non-finite values or a breakdown; the result should not be used.
  Cancelled        ///< A progress callback asked to stop; the result holds the last iterate.
};

/// Lower-case name of a status, as written in JSON output ("converged", "max_iterations", ...).
[[nodiscard]] constexpr std::string_view to_string(FitStatus status) noexcept {
  switch (status) {
    case FitStatus::NotRun:
      return "not_run";
    case FitStatus::Converged:
      return "converged";
    case FitStatus::MaxIterations:
      return "max_iterations";
    case FitStatus::NumericalIssue:
      return "numerical_issue";
    case FitStatus::Cancelled:
      return "cancelled";
  }
  return "unknown";
}

/// True when a result with this status holds a usable estimate (Ceres' `IsSolutionUsable`).
[[nodiscard]] constexpr bool usable(FitStatus status) noexcept {
  return status == FitStatus::Converged || status == FitStatus::MaxIterations ||
         status == FitStatus::Cancelled;
}

}  // namespace hilm

#endif  // HILM_CORE_STATUS_HPP

/// @file
/// Options of the kernel conditional-independence test `KciTest` (stats/kci.hpp): kernel
/// families, Gaussian width rules, null approximations and the dense / factored computation.
/// Defaults reproduce causal-learn's `KCI_UInd` / `KCI_CInd`; see kci.hpp for the test itself.
#ifndef HILM_STATS_KCI_OPTIONS_HPP
#define HILM_STATS_KCI_OPTIONS_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <hilm/core/detail/validate.hpp>
#include <hilm/core/types.hpp>

namespace hilm {

/// Kernel family of one variable group.
enum class KernelKind {
  Gaussian,    ///< exp(−‖a − b‖² / (2σ²)), width from `KciWidth`
  Polynomial,  ///< (1 + ⟨a, b⟩)^degree
  Linear       ///< ⟨a, b⟩
};

/// How Gaussian kernel widths are chosen.
enum class KciWidth {
  Empirical,  ///< causal-learn's sample-size rule (see the file comment)
  Median,     ///< √2 × median pairwise distance
  Manual      ///< `width_x`, `width_y`, `width_z` (σ)
};

/// Null distribution of the KCI statistic.
enum class KciNull {
  Gamma,    ///< two-moment gamma approximation (deterministic; causal-learn `approx=True`)
  Spectral  ///< simulated weighted sum of χ²₁ from the spectra (`null_samples` draws, `seed`)
};

/// How the conditional (and unconditional) statistic is computed. All choices are exact to
/// rounding (see `KciOptions::factor_tolerance`); they differ in cost only.
enum class KciMethod {
  Automatic,  ///< factored when every kernel's numerical rank is ≤ `max_rank_fraction`·n, else
              ///< dense
  Dense,      ///< n × n factorisations, O(n³) (the reference path)
  Factored    ///< always factored; the factors may grow to n columns (then slower than dense)
};

/// Options of `KciTest`; defaults are causal-learn's.
struct KciOptions {
  KernelKind kernel_x = KernelKind::Gaussian;  ///< kernel on X (and on (X, Z/2) when conditional)
  KernelKind kernel_y = KernelKind::Gaussian;  ///< kernel on Y
  KernelKind kernel_z = KernelKind::Gaussian;  ///< kernel on Z
  KciWidth width = KciWidth::Empirical;        ///< Gaussian width rule
  double width_x = 0.0;                        ///< σ for X when `width == Manual`
  double width_y = 0.0;                        ///< σ for Y when `width == Manual`
  double width_z = 0.0;                        ///< σ for Z when `width == Manual`
  int polynomial_degree = 2;                   ///< degree of polynomial kernels
  KciNull null = KciNull::Gamma;               ///< null approximation
  Index null_samples = 5000;                   ///< draws of the simulated null
  double epsilon = 1e-3;                       ///< ridge of the regression on Z
  std::uint64_t seed = 0;                      ///< seed of the simulated null and median subsample
  KciMethod method = KciMethod::Automatic;     ///< dense or factored computation
  /// Pivoted-Cholesky stopping rule of the factored path: the discarded part of each kernel is
  /// positive semi-definite with trace ≤ `factor_tolerance` × trace of the kernel (a bound on
  /// its spectral norm). The default sits just above the rounding floor of the factorisation, so
  /// the result is exact to rounding; larger values give a low-rank *approximation*.
  double factor_tolerance = 1e-15;
  /// `Automatic` falls back to the dense path when a kernel needs more than this fraction of n
  /// factor columns (beyond about n/3 the factored path stops paying off).
  double max_rank_fraction = 1.0 / 3.0;

  /// @returns a message naming the first invalid field, or nothing.
  [[nodiscard]] std::optional<std::string> validate() const {
    using hilm::detail::invalid_field;
    if (width == KciWidth::Manual) {
      constexpr std::string_view manual = "be > 0 with KciWidth::Manual";
      if (!(width_x > 0)) return invalid_field("KciOptions", "width_x", manual, width_x);
      if (!(width_y > 0)) return invalid_field("KciOptions", "width_y", manual, width_y);
      if (!(width_z > 0)) return invalid_field("KciOptions", "width_z", manual, width_z);
    }
    if (polynomial_degree < 1)
      return invalid_field("KciOptions", "polynomial_degree", "be >= 1", polynomial_degree);
    if (null_samples < 1)
      return invalid_field("KciOptions", "null_samples", "be >= 1", null_samples);
    if (!(epsilon > 0)) return invalid_field("KciOptions", "epsilon", "be > 0", epsilon);
    if (!(factor_tolerance >= 0) || !(factor_tolerance < 1))
      return invalid_field("KciOptions", "factor_tolerance", "lie in [0, 1)", factor_tolerance);
    if (!(max_rank_fraction > 0) || !(max_rank_fraction <= 1))
      return invalid_field("KciOptions", "max_rank_fraction", "lie in (0, 1]", max_rank_fraction);
    return std::nullopt;
  }
};

}  // namespace hilm

#endif  // HILM_STATS_KCI_OPTIONS_HPP

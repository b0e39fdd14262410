/// @file
/// The types of the discrete CI tests (stats/discrete.hpp): the statistic, the degrees-of-freedom
/// convention, the options and the coded data — in their own header so that the tests' shared
/// kernels (stats/detail/contingency.hpp) and the MPI layer's sharded test can use them.
#ifndef HILM_STATS_DISCRETE_TYPES_HPP
#define HILM_STATS_DISCRETE_TYPES_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>

namespace hilm {

/// Which statistic a discrete test computes.
enum class DiscreteStatistic {
  PearsonChi2,  ///< Pearson's χ² (causal-learn "chisq", bnlearn "x2")
  GSquare       ///< likelihood ratio G² (causal-learn "gsq", pcalg `disCItest`, bnlearn "mi")
};

/// Degrees-of-freedom convention of a discrete test (see stats/discrete.hpp).
enum class DofConvention {
  Adjusted,     ///< per-stratum empty rows/columns removed (causal-learn; bnlearn "adf")
  Classic,      ///< (|X|−1)(|Y|−1)∏|S_k| (bnlearn default; pcalg adaptDF = FALSE)
  PcalgAdaptDf  ///< pcalg's adaptDF = TRUE rule
};

/// Options of `DiscreteCiTest`.
struct DiscreteTestOptions {
  DiscreteStatistic statistic = DiscreteStatistic::GSquare;  ///< χ² or G²
  DofConvention dof = DofConvention::Adjusted;               ///< degrees-of-freedom convention

  /// Always valid (both fields are enums); present for uniformity with other options structs.
  [[nodiscard]] std::optional<std::string> validate() const { return std::nullopt; }
};

/// Discrete data coded as 0…L−1 per column (the shared sufficient statistic of discrete tests).
struct DiscreteData {
  Eigen::Matrix<std::int32_t, Eigen::Dynamic, Eigen::Dynamic> codes;  ///< n × p codes
  std::vector<std::int32_t> levels;                                   ///< levels of each column
  std::vector<std::vector<double>> values;  ///< the original value of each code, per column
};

}  // namespace hilm

#endif  // HILM_STATS_DISCRETE_TYPES_HPP

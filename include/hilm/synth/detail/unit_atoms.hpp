/// @file
/// Rejection sampling of unit-norm atoms with bounded mutual coherence, used by
/// `sparse_linear()` (`hilm/synth/sparse_linear.hpp`) and `selection_hierarchy()`.
#ifndef HILM_SYNTH_DETAIL_UNIT_ATOMS_HPP
#define HILM_SYNTH_DETAIL_UNIT_ATOMS_HPP

#include <algorithm>
#include <cmath>
#include <limits>

#include <Eigen/Core>

#include <hilm/core/random.hpp>
#include <hilm/core/types.hpp>

namespace hilm::detail {

/// Largest |⟨a_i, candidate⟩| over the first `count` rows of `atoms` (rows are unit vectors).
inline double max_abs_inner(const RowMatrix<double>& atoms, Index count,
                            const Eigen::Ref<const RowVector<double>>& candidate) {
  double worst = 0;
  for (Index i = 0; i < count; ++i) worst = std::max(worst, std::abs(atoms.row(i).dot(candidate)));
  return worst;
}

/// Draws m unit atoms in R^d, uniformly on the sphere (normalised Gaussian vectors), each
/// rejection-sampled against the atoms drawn before it. Returns the coherence reached.
inline double draw_unit_atoms(Index m, Index d, double max_coherence, int attempts, Random& rng,
                              RowMatrix<double>& atoms) {
  atoms.resize(m, d);
  RowVector<double> candidate(d), best(d);
  double reached = 0;
  for (Index i = 0; i < m; ++i) {
    double best_score = std::numeric_limits<double>::infinity();
    for (int attempt = 0; attempt < attempts; ++attempt) {
      double norm = 0;
      do {
        for (Index j = 0; j < d; ++j) candidate(j) = rng.normal();
        norm = candidate.norm();
      } while (!(norm > 0));
      candidate /= norm;
      const double score = max_abs_inner(atoms, i, candidate);
      if (score < best_score) {
        best_score = score;
        best = candidate;
      }
      if (score <= max_coherence) break;
    }
    atoms.row(i) = best;
    if (i > 0) reached = std::max(reached, best_score);
  }
  return reached;
}

}  // namespace hilm::detail

#endif  // HILM_SYNTH_DETAIL_UNIT_ATOMS_HPP

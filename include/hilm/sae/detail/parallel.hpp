// OpenMP pragmas that vanish (without -Wunknown-pragmas noise) when OpenMP is off.
#ifndef HILM_SAE_DETAIL_PARALLEL_HPP
#define HILM_SAE_DETAIL_PARALLEL_HPP

#if defined(_OPENMP)
#include <omp.h>
#define HILM_SAE_OMP(...) _Pragma(#__VA_ARGS__)
#else
#define HILM_SAE_OMP(...)
#endif

namespace hilm::detail {

/// Loops with less work than this (in multiply-adds) run on one thread: for small models the
/// cost of waking the team exceeds the work.
inline constexpr long long sae_parallel_work = 1LL << 20;

/// Index of the calling OpenMP thread (0 without OpenMP).
inline int sae_thread_id() noexcept {
#if defined(_OPENMP)
  return omp_get_thread_num();
#else
  return 0;
#endif
}

/// Number of threads a parallel region will use (1 without OpenMP).
inline int sae_max_threads() noexcept {
#if defined(_OPENMP)
  return omp_get_max_threads();
#else
  return 1;
#endif
}

}  // namespace hilm::detail

#endif  // HILM_SAE_DETAIL_PARALLEL_HPP

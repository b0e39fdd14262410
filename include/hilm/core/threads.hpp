/// @file
/// Thread-count control. hilm parallelises with OpenMP (and Eigen's own OpenMP GEMM) when the
/// consumer compiles with OpenMP; otherwise everything runs on one thread and these calls only
/// record the request.
#ifndef HILM_CORE_THREADS_HPP
#define HILM_CORE_THREADS_HPP

#include <string>

#include <Eigen/Core>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include <hilm/core/error.hpp>

namespace hilm {

/// Number of threads hilm's parallel loops and Eigen's products use.
[[nodiscard]] inline int num_threads() noexcept {
#if defined(_OPENMP)
  return omp_get_max_threads();
#else
  return 1;
#endif
}

/// Whether this translation unit was compiled with OpenMP.
[[nodiscard]] constexpr bool has_openmp() noexcept {
#if defined(_OPENMP)
  return true;
#else
  return false;
#endif
}

/// Sets the number of threads for hilm and Eigen. `n = 0` restores the default (all cores).
/// @throws invalid_argument if `n < 0`.
inline void set_num_threads(int n) {
  if (n < 0) {
    detail::raise<invalid_argument>("set_num_threads: n must be >= 0, got " + std::to_string(n));
  }
#if defined(_OPENMP)
  const int value = n == 0 ? omp_get_num_procs() : n;
  omp_set_num_threads(value);
  Eigen::setNbThreads(value);
#else
  Eigen::setNbThreads(1);
#endif
}

/// Sets the thread count for a scope and restores the previous one on exit.
class ScopedThreads {
 public:
  explicit ScopedThreads(int n) : previous_(num_threads()) { set_num_threads(n); }
  ~ScopedThreads() { set_num_threads(previous_); }
  ScopedThreads(const ScopedThreads&) = delete;
  ScopedThreads& operator=(const ScopedThreads&) = delete;

 private:
  int previous_;
};

}  // namespace hilm

#endif  // HILM_CORE_THREADS_HPP

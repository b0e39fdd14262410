/// @file
/// Exceptions and OpenMP parallel regions.
///
/// An exception must not leave an OpenMP structured block: if one does, the runtime calls
/// `std::terminate` and the process aborts (OpenMP 5.2, §1.2 "structured block"). hilm's error
/// policy (STYLE.md §6) forbids aborting, so every parallel region in the library either runs its
/// possibly-throwing work through a `detail::ParallelGuard`, which carries the first exception
/// out of the region and rethrows it on the calling thread, or is marked
/// `// hilm-nothrow: <reason>` on the line above its pragma when nothing in it can throw.
/// `scripts/check-parallel-regions.sh` enforces that rule on every region (ctest label "lint").
#ifndef HILM_CORE_DETAIL_PARALLEL_HPP
#define HILM_CORE_DETAIL_PARALLEL_HPP

#include <atomic>
#include <exception>
#include <utility>

namespace hilm::detail {

/// Carries the first exception thrown by the work of an OpenMP parallel region to the thread that
/// started the region.
///
/// Declare one guard right before the region, pass each loop body (and each per-thread set-up)
/// to `run`, and call `rethrow` right after the region, on the thread that declared the guard:
///
/// @code
/// hilm::detail::ParallelGuard guard;
/// #pragma omp parallel for schedule(dynamic)
/// for (Index i = 0; i < n; ++i) {
///   guard.run([&] { out[i] = work(i); });
/// }
/// guard.rethrow();
/// @endcode
///
/// `run` never throws. The first exception to be thrown (in time, over all threads) is kept; from
/// then on every `run` returns without calling its function, so the remaining iterations are
/// skipped (an OpenMP loop cannot be left early: the loop still counts to its end, doing nothing).
/// Later exceptions, from bodies that were already running, are dropped. A thread always sees its
/// own failure, so after a body throws, the same thread runs no further body.
///
/// In a region with per-thread set-up followed by `omp for`, run the set-up through the guard
/// too and keep the `omp for` outside it: every thread of the team must still reach the loop
/// (a thread that skipped it would leave the others waiting at its barrier); the iterations of
/// the thread whose set-up failed are then skipped like all others.
///
/// Cost when nothing throws: one relaxed atomic load per `run` (a plain load on x86 and ARM); the
/// function is inlined and the handler is out of line. Without OpenMP (`_OPENMP` undefined) the
/// pragmas are ignored, the loop runs on the calling thread and the guard behaves the same way:
/// the first exception stops the remaining bodies and `rethrow` raises it after the loop.
/// Guards nest: a guarded region inside a guarded body rethrows into the outer guard.
class ParallelGuard {
 public:
  ParallelGuard() noexcept = default;
  ParallelGuard(const ParallelGuard&) = delete;
  ParallelGuard& operator=(const ParallelGuard&) = delete;
  ParallelGuard(ParallelGuard&&) = delete;
  ParallelGuard& operator=(ParallelGuard&&) = delete;
  ~ParallelGuard() = default;

  /// Calls `f()` unless some earlier call failed; an exception from `f` is captured, not thrown.
  /// Thread-safe; call it from inside the region.
  template <class F>
  void run(F&& f) noexcept {
    if (failed_.load(std::memory_order_relaxed)) return;
    try {
      std::forward<F>(f)();
    } catch (...) {
      capture();
    }
  }

  /// Whether a call of `run` has failed. Inside the region the answer may lag behind a failure
  /// on another thread; after the region it is exact.
  [[nodiscard]] bool failed() const noexcept { return failed_.load(std::memory_order_acquire); }

  /// Rethrows the captured exception, if any, with its original type. Call it after the region
  /// (whose end synchronises the team), on the thread that declared the guard.
  void rethrow() const {
    if (failed_.load(std::memory_order_acquire)) std::rethrow_exception(error_);
  }

 private:
  [[gnu::cold]] [[gnu::noinline]] void capture() noexcept {
    if (claimed_.exchange(true, std::memory_order_acq_rel)) {
      // A later failure: the first one is kept; make sure this thread stops too.
      failed_.store(true, std::memory_order_relaxed);
      return;
    }
    error_ = std::current_exception();
    failed_.store(true, std::memory_order_release);
  }

  std::atomic<bool> failed_{false};
  std::atomic<bool> claimed_{false};
  std::exception_ptr error_;
};

}  // namespace hilm::detail

#endif  // HILM_CORE_DETAIL_PARALLEL_HPP

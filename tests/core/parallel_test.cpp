// Tests of include/hilm/core/detail/parallel.hpp: ParallelGuard carries the first exception out of
// an OpenMP parallel region, stops the remaining work and leaves results alone when nothing throws.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include <hilm/core/detail/parallel.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/threads.hpp>
#include <hilm/core/types.hpp>

#include "support/catch.hpp"

using hilm::Index;
using hilm::detail::ParallelGuard;

namespace {

// Size of the team a parallel region would get now (1 without OpenMP).
int team_size() {
  int size = 1;
#if defined(_OPENMP)
#pragma omp parallel
  {
#pragma omp single
    size = omp_get_num_threads();
  }
#endif
  return size;
}

// A deterministic, non-trivial value per iteration.
std::uint64_t mix(std::uint64_t i) {
  std::uint64_t x = i * 0x9E3779B97F4A7C15ULL + 1;
  x ^= x >> 31;
  return x * 0xBF58476D1CE4E5B9ULL;
}

}  // namespace

TEST_CASE("parallel: the exception of one iteration reaches the caller with its type",
          "[core][parallel]") {
  const int threads = GENERATE(1, 2, 4);
  const hilm::ScopedThreads scope(threads);
  const std::int64_t n = 1000;
  const std::int64_t bad = 617;
  std::vector<std::uint64_t> out(static_cast<std::size_t>(n), 0);
  auto region = [&] {
    ParallelGuard guard;
#pragma omp parallel for schedule(dynamic, 7)
    for (std::int64_t i = 0; i < n; ++i) {
      guard.run([&] {
        if (i == bad) hilm::detail::raise<hilm::numerical_error>("iteration " + std::to_string(i));
        out[static_cast<std::size_t>(i)] = mix(static_cast<std::uint64_t>(i));
      });
    }
    guard.rethrow();
  };
  CAPTURE(threads);
  try {
    region();
    FAIL("no exception reached the caller");
  } catch (const hilm::numerical_error& e) {
    CHECK(std::string(e.what()) == "iteration 617");
  }
  CHECK(out[static_cast<std::size_t>(bad)] == 0);
}

TEST_CASE("parallel: after a failure no further body runs", "[core][parallel]") {
  SECTION("one thread: the iterations after the failing one are skipped") {
    const hilm::ScopedThreads scope(1);
    std::atomic<int> started{0};
    ParallelGuard guard;
#pragma omp parallel for schedule(static)
    for (Index i = 0; i < 1000; ++i) {
      guard.run([&] {
        ++started;
        if (i == 10) throw 10;
      });
    }
    CHECK(guard.failed());
    CHECK(started.load() == 11);
    CHECK_THROWS_AS(guard.rethrow(), int);
  }
  SECTION("a team: every body throws, so each thread runs at most one and one error is kept") {
    const hilm::ScopedThreads scope(4);
    const int team = team_size();
    std::vector<std::atomic<int>> ran(1000);
    for (auto& r : ran) r.store(0);
    ParallelGuard guard;
#pragma omp parallel for schedule(dynamic, 1)
    for (Index i = 0; i < 1000; ++i) {
      guard.run([&] {
        ran[static_cast<std::size_t>(i)] = 1;
        throw static_cast<int>(i);
      });
    }
    int started = 0;
    for (const auto& r : ran) started += r.load();
    CAPTURE(team, started);
    CHECK(started >= 1);
    CHECK(started <= team);
    try {
      guard.rethrow();
      FAIL("no exception reached the caller");
    } catch (int i) {
      // The kept exception is one that was thrown.
      REQUIRE(i >= 0);
      REQUIRE(i < 1000);
      CHECK(ran[static_cast<std::size_t>(i)].load() == 1);
    }
  }
}

TEST_CASE("parallel: nothing thrown leaves every result as a serial loop computes it",
          "[core][parallel]") {
  const int threads = GENERATE(1, 2, 4);
  const hilm::ScopedThreads scope(threads);
  const std::int64_t n = 5000;
  std::vector<std::uint64_t> serial(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i)
    serial[static_cast<std::size_t>(i)] = mix(static_cast<std::uint64_t>(i));
  std::vector<std::uint64_t> out(static_cast<std::size_t>(n), 0);
  ParallelGuard guard;
#pragma omp parallel for schedule(static)
  for (std::int64_t i = 0; i < n; ++i) {
    guard.run([&] { out[static_cast<std::size_t>(i)] = mix(static_cast<std::uint64_t>(i)); });
  }
  CHECK_NOTHROW(guard.rethrow());
  CHECK_FALSE(guard.failed());
  CHECK(out == serial);
}

TEST_CASE("parallel: a failing per-thread set-up neither deadlocks nor runs bodies",
          "[core][parallel]") {
  // The `omp parallel` + `omp for` shape: every thread must reach the loop even when its set-up
  // failed; the thread whose set-up failed then runs no body (it has no workspace).
  const hilm::ScopedThreads scope(2);
  std::atomic<int> bodies_without_workspace{0};
  std::atomic<int> bodies{0};
  ParallelGuard guard;
#pragma omp parallel
  {
    std::optional<std::vector<double>> workspace;
    guard.run([&] {
#if defined(_OPENMP)
      if (omp_get_thread_num() == 0) throw std::runtime_error("set-up failed");
#else
      throw std::runtime_error("set-up failed");
#endif
      workspace.emplace(16, 0.0);
    });
#pragma omp for schedule(static)
    for (Index i = 0; i < 100; ++i) {
      guard.run([&] {
        ++bodies;
        if (!workspace) ++bodies_without_workspace;
      });
    }
  }
  CHECK(bodies_without_workspace.load() == 0);
  CHECK(bodies.load() < 100);
  CHECK_THROWS_WITH(guard.rethrow(), "set-up failed");
}

TEST_CASE("parallel: guards nest and work outside any region", "[core][parallel]") {
  SECTION("an inner region's error passes through the outer guard") {
    const hilm::ScopedThreads scope(2);
    ParallelGuard outer;
#pragma omp parallel for schedule(static)
    for (Index i = 0; i < 4; ++i) {
      outer.run([&] {
        ParallelGuard inner;
#pragma omp parallel for schedule(static)
        for (Index j = 0; j < 8; ++j) {
          inner.run([&] {
            if (i == 2 && j == 5) hilm::detail::raise<hilm::invalid_argument>("inner 2, 5");
          });
        }
        inner.rethrow();
      });
    }
    CHECK_THROWS_AS(outer.rethrow(), hilm::invalid_argument);
  }
  SECTION("a plain loop (what a build without OpenMP runs)") {
    std::vector<int> done;
    ParallelGuard guard;
    for (int i = 0; i < 10; ++i) {
      guard.run([&] {
        if (i == 3) throw std::out_of_range("three");
        done.push_back(i);
      });
    }
    CHECK(done == std::vector<int>{0, 1, 2});
    CHECK_THROWS_AS(guard.rethrow(), std::out_of_range);
  }
}

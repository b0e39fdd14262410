/// @file
/// A memo of conditional-independence results keyed by (x, y, S), and batch evaluation.
///
/// PC and the hierarchy search ask the same question many times (in both orders of x and y and
/// with S in any order); `CachedCiTest` answers repeats from a table. The key is
/// (min(x, y), max(x, y), sorted S), valid because the built-in tests are symmetric in x and y
/// and invariant to the order of S (see the `CiTest` contract).
#ifndef HILM_STATS_CI_CACHE_HPP
#define HILM_STATS_CI_CACHE_HPP

#include <algorithm>
#include <map>
#include <mutex>
#include <span>
#include <tuple>
#include <utility>
#include <vector>

#include <hilm/concepts/ci_test.hpp>
#include <hilm/core/detail/parallel.hpp>
#include <hilm/core/types.hpp>

namespace hilm {

/// One query X_x ⫫ X_y | X_z.
struct CiQuery {
  Index x = 0;           ///< first variable
  Index y = 0;           ///< second variable
  std::vector<Index> z;  ///< conditioning set
};

/// Wraps a `CiTest` with a thread-safe memo (models `hilm::CiTest`).
///
/// The wrapped test is held by reference and must outlive the wrapper. Concurrent `test` calls
/// are safe if the wrapped test's `test` is (the built-in tests' are); the lock is not held
/// while the wrapped test runs.
template <CiTest Test>
class CachedCiTest {
 public:
  /// @param[in] test the test to memoise (not owned).
  explicit CachedCiTest(Test& test) : test_(&test) {}

  /// The wrapped test's answer, computed at most once per (x, y, S) up to order.
  [[nodiscard]] CiResult test(Index x, Index y, std::span<const Index> z) {
    Key key{std::min(x, y), std::max(x, y), std::vector<Index>(z.begin(), z.end())};
    std::sort(std::get<2>(key).begin(), std::get<2>(key).end());
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (auto it = memo_.find(key); it != memo_.end()) {
        ++hits_;
        return it->second;
      }
    }
    const CiResult result = test_->test(x, y, z);
    std::lock_guard<std::mutex> lock(mutex_);
    memo_.emplace(std::move(key), result);
    return result;
  }

  /// Number of variables of the wrapped test.
  [[nodiscard]] Index num_variables() const { return test_->num_variables(); }
  /// Number of distinct queries stored.
  [[nodiscard]] std::size_t size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return memo_.size();
  }
  /// Number of queries answered from the memo.
  [[nodiscard]] std::size_t hits() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return hits_;
  }
  /// Forgets every stored result.
  void clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    memo_.clear();
    hits_ = 0;
  }

 private:
  using Key = std::tuple<Index, Index, std::vector<Index>>;
  Test* test_;
  mutable std::mutex mutex_;
  std::map<Key, CiResult> memo_;
  std::size_t hits_ = 0;
};

/// Runs many queries, in parallel (OpenMP, `hilm::num_threads()` threads) when the test's `test`
/// is const — the built-in tests are const and thread-safe — and sequentially otherwise.
/// @returns one result per query, in order. Exceptions from the test propagate (the first one).
template <CiTest Test>
[[nodiscard]] std::vector<CiResult> test_batch(Test& test, std::span<const CiQuery> queries) {
  std::vector<CiResult> out(queries.size());
  constexpr bool parallel = requires(const Test& t, Index i, std::span<const Index> s) {
    t.test(i, i, s);
  };
  if constexpr (parallel) {
    const auto count = static_cast<std::ptrdiff_t>(queries.size());
    hilm::detail::ParallelGuard guard;
#if defined(_OPENMP)
#pragma omp parallel for schedule(dynamic, 16)
#endif
    for (std::ptrdiff_t i = 0; i < count; ++i) {
      guard.run([&] {
        const auto& q = queries[static_cast<std::size_t>(i)];
        out[static_cast<std::size_t>(i)] = std::as_const(test).test(q.x, q.y, q.z);
      });
    }
    guard.rethrow();
  } else {
    for (std::size_t i = 0; i < queries.size(); ++i)
      out[i] = test.test(queries[i].x, queries[i].y, queries[i].z);
  }
  return out;
}

}  // namespace hilm

#endif  // HILM_STATS_CI_CACHE_HPP

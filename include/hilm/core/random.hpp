/// @file
/// A seeded, portable random engine. The standard distributions differ between standard
/// libraries, so hilm draws every variate itself: the same seed gives the same numbers with
/// g++, clang, libstdc++ and libc++.
#ifndef HILM_CORE_RANDOM_HPP
#define HILM_CORE_RANDOM_HPP

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <span>
#include <string>
#include <utility>

#include <hilm/core/error.hpp>

namespace hilm {

/// xoshiro256** (Blackman & Vigna 2018, "Scrambled linear pseudorandom number generators"),
/// seeded through splitmix64, with hand-written variates. Satisfies
/// `std::uniform_random_bit_generator`. Not thread-safe; give each thread its own `stream()`.
class Random {
 public:
  using result_type = std::uint64_t;
  /// Full state, for checkpoints (`state()` / `set_state()`).
  using State = std::array<std::uint64_t, 4>;

  /// Seeds the engine; every seed, including 0, gives a valid, distinct stream.
  explicit Random(std::uint64_t seed = 0) noexcept { reseed(seed); }

  /// Restarts the engine from `seed`.
  void reseed(std::uint64_t seed) noexcept {
    std::uint64_t x = seed;
    for (auto& word : s_) word = splitmix64(x);
    has_spare_normal_ = false;
  }

  static constexpr result_type min() noexcept { return 0; }
  static constexpr result_type max() noexcept { return std::numeric_limits<result_type>::max(); }

  /// Next 64 random bits.
  result_type operator()() noexcept {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  /// Uniform double in [0, 1) with 53 random bits.
  double uniform() noexcept { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }

  /// Uniform double in [a, b).
  double uniform(double a, double b) noexcept { return a + (b - a) * uniform(); }

  /// Uniform integer in [0, n), unbiased (Lemire 2019, "Fast random integer generation in an
  /// interval"). @pre n > 0.
  std::uint64_t uniform_index(std::uint64_t n) noexcept {
    uint128 m = static_cast<uint128>((*this)()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<uint128>((*this)()) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

  /// True with probability p.
  bool bernoulli(double p) noexcept { return uniform() < p; }

  /// Standard normal variate (Marsaglia polar method; one spare value is cached).
  double normal() noexcept {
    if (has_spare_normal_) {
      has_spare_normal_ = false;
      return spare_normal_;
    }
    double u = 0, v = 0, s = 0;
    do {
      u = 2.0 * uniform() - 1.0;
      v = 2.0 * uniform() - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double factor = std::sqrt(-2.0 * std::log(s) / s);
    spare_normal_ = v * factor;
    has_spare_normal_ = true;
    return u * factor;
  }

  /// Normal variate with the given mean and standard deviation.
  double normal(double mean, double stddev) noexcept { return mean + stddev * normal(); }

  /// Exponential variate with rate 1.
  double exponential() noexcept { return -std::log1p(-uniform()); }

  /// Gamma(shape, 1) variate (Marsaglia & Tsang 2000, with the shape < 1 boost).
  /// @throws invalid_argument if shape <= 0.
  double gamma(double shape) {
    if (!(shape > 0.0)) {
      detail::raise<invalid_argument>("Random::gamma: shape must be > 0, got " +
                                      std::to_string(shape));
    }
    if (shape < 1.0) {
      const double u = uniform();
      return gamma(shape + 1.0) *
             std::pow(u > 0 ? u : std::numeric_limits<double>::min(), 1.0 / shape);
    }
    const double d = shape - 1.0 / 3.0;
    const double c = 1.0 / std::sqrt(9.0 * d);
    for (;;) {
      double x = 0, v = 0;
      do {
        x = normal();
        v = 1.0 + c * x;
      } while (v <= 0.0);
      v = v * v * v;
      const double u = uniform();
      if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
      if (std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
    }
  }

  /// Fills `out` with a Dirichlet(alpha, ..., alpha) draw (sums to 1).
  /// @throws invalid_argument if alpha <= 0 or `out` is empty.
  void dirichlet(double alpha, std::span<double> out) {
    if (out.empty()) detail::raise<invalid_argument>("Random::dirichlet: output is empty");
    double total = 0;
    for (double& value : out) total += (value = gamma(alpha));
    if (total <= 0) {  // every gamma underflowed (tiny alpha): put the mass on one entry
      for (double& value : out) value = 0;
      out[uniform_index(out.size())] = 1;
      return;
    }
    for (double& value : out) value /= total;
  }

  /// Fisher–Yates shuffle of a random-access range.
  template <class RandomIt>
  void shuffle(RandomIt first, RandomIt last) noexcept {
    const auto n = static_cast<std::uint64_t>(last - first);
    for (std::uint64_t i = n; i > 1; --i) {
      const auto j = uniform_index(i);
      using std::swap;
      swap(first[static_cast<std::ptrdiff_t>(i - 1)], first[static_cast<std::ptrdiff_t>(j)]);
    }
  }

  /// An independent engine for stream `index` (e.g. one per thread or per seed of a sweep),
  /// derived deterministically from this engine's current state without advancing it.
  [[nodiscard]] Random stream(std::uint64_t index) const noexcept {
    std::uint64_t x = s_[0] ^ rotl(s_[1], 13) ^ rotl(s_[2], 29) ^ rotl(s_[3], 47);
    x ^= splitmix64_constant * (index + 1);
    return Random(splitmix64(x));
  }

  /// The engine state (the cached spare normal is dropped, so restore before drawing normals
  /// or call at a point where none is cached; `normal()` pairs are drawn together).
  [[nodiscard]] State state() const noexcept { return s_; }

  /// Restores a state captured with `state()`.
  void set_state(const State& state) noexcept {
    s_ = state;
    has_spare_normal_ = false;
  }

 private:
  __extension__ typedef unsigned __int128
      uint128;  // g++/clang builtin; __extension__ for -pedantic
  static constexpr std::uint64_t splitmix64_constant = 0x9E3779B97F4A7C15ULL;

  static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
    return (x << k) | (x >> (64 - k));
  }

  /// splitmix64 (Steele, Lea & Flood 2014) to expand a 64-bit seed.
  static constexpr std::uint64_t splitmix64(std::uint64_t& x) noexcept {
    std::uint64_t z = (x += splitmix64_constant);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

  State s_{};
  double spare_normal_ = 0.0;
  bool has_spare_normal_ = false;
};

}  // namespace hilm

#endif  // HILM_CORE_RANDOM_HPP

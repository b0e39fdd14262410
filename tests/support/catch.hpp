// Includes Catch2 v3 when present, else v2.13 (what Debian 12 ships). Tests use only the subset
// of the API shared by both (STYLE.md §8).
#ifndef HILM_TESTS_SUPPORT_CATCH_HPP
#define HILM_TESTS_SUPPORT_CATCH_HPP

#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>
#else
#include <catch2/catch.hpp>
#endif

#include <cstdint>

namespace hilm::test {

/// The run's seed (`--rng-seed`), mixed with a per-test salt so tests draw independent streams.
inline std::uint64_t seed(std::uint64_t salt = 0) {
  return static_cast<std::uint64_t>(Catch::rngSeed()) * 0x9E3779B97F4A7C15ULL + salt;
}

}  // namespace hilm::test

#endif  // HILM_TESTS_SUPPORT_CATCH_HPP

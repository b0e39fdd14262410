#include <string>

#include <hilm/core/assert.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/status.hpp>
#include <hilm/core/threads.hpp>

#include "support/catch.hpp"

TEST_CASE("error: each type derives from its std counterpart and hilm::error", "[core]") {
  REQUIRE_THROWS_AS(hilm::detail::raise<hilm::invalid_argument>("rank must be > 0"),
                    std::invalid_argument);
  REQUIRE_THROWS_AS(hilm::detail::raise<hilm::io_error>("a.npy", "truncated"), std::runtime_error);
  REQUIRE_THROWS_AS(hilm::detail::raise<hilm::numerical_error>("singular"), std::runtime_error);
  try {
    hilm::detail::raise<hilm::io_error>("data/x.npy", "header length past the end");
  } catch (const hilm::error& e) {
    REQUIRE(std::string(e.message()) == "data/x.npy: header length past the end");
    const auto* io = dynamic_cast<const hilm::io_error*>(&e);
    REQUIRE(io != nullptr);
    REQUIRE(io->path() == "data/x.npy");
    REQUIRE(io->problem() == "header length past the end");
  }
  const hilm::io_error in_memory("", "bad magic");
  REQUIRE(std::string(in_memory.what()) == "bad magic");
}

TEST_CASE("error: HILM_ASSERT throws logic_error when active", "[core]") {
#if HILM_ASSERTS_ACTIVE
  auto fails = [] { HILM_ASSERT(1 + 1 == 3); };
  REQUIRE_THROWS_AS(fails(), std::logic_error);
#endif
  auto passes = [] { HILM_ASSERT(1 + 1 == 2); };
  REQUIRE_NOTHROW(passes());
}

TEST_CASE("status: names and usability", "[core]") {
  REQUIRE(hilm::to_string(hilm::FitStatus::MaxIterations) == "max_iterations");
  REQUIRE(hilm::usable(hilm::FitStatus::Converged));
  REQUIRE(hilm::usable(hilm::FitStatus::MaxIterations));
  REQUIRE_FALSE(hilm::usable(hilm::FitStatus::NumericalIssue));
  REQUIRE_FALSE(hilm::usable(hilm::FitStatus::NotRun));
}

TEST_CASE("threads: set, scope and reject negative counts", "[core]") {
  REQUIRE_THROWS_AS(hilm::set_num_threads(-1), hilm::invalid_argument);
  const int before = hilm::num_threads();
  {
    hilm::ScopedThreads one(1);
    REQUIRE(hilm::num_threads() == 1);
    REQUIRE(Eigen::nbThreads() == 1);
  }
  REQUIRE(hilm::num_threads() == before);
  if (hilm::has_openmp()) {
    hilm::ScopedThreads two(2);
    REQUIRE(hilm::num_threads() == 2);
  }
}

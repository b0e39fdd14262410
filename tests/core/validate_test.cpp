#include <cmath>
#include <limits>
#include <string>

#include <hilm/core/detail/validate.hpp>

#include "support/catch.hpp"

TEST_CASE("validate: one message format <Struct>::<field> must <req>, got <value>", "[core]") {
  using hilm::detail::invalid_field;
  REQUIRE(invalid_field("SaeOptions", "k", "be in [1, latents]", 0) ==
          "SaeOptions::k must be in [1, latents], got 0");
  REQUIRE(invalid_field("PcOptions", "alpha", "lie in (0, 1)", 1.5) ==
          "PcOptions::alpha must lie in (0, 1), got 1.5");
  REQUIRE(invalid_field("KciOptions", "width", "be > 0", 1e-9) ==
          "KciOptions::width must be > 0, got 1e-09");
  REQUIRE(invalid_field("X", "y", "be finite", std::numeric_limits<double>::quiet_NaN()) ==
          "X::y must be finite, got nan");
  REQUIRE(invalid_field("X", "y", "be finite", -std::numeric_limits<float>::infinity()) ==
          "X::y must be finite, got -inf");
  REQUIRE(invalid_field("X", "flag", "be false here", true) ==
          "X::flag must be false here, got true");
  REQUIRE(invalid_field("X", "name", "be a known method", std::string("nope")) ==
          "X::name must be a known method, got \"nope\"");
  REQUIRE(hilm::detail::invalid_field_described("X", "order", "be a permutation", "[0, 0, 2]") ==
          "X::order must be a permutation, got [0, 0, 2]");
}

TEST_CASE("validate: floating values print in shortest round-trip form", "[core]") {
  using hilm::detail::describe_value;
  REQUIRE(describe_value(0.1) == "0.1");
  REQUIRE(std::stod(describe_value(1.0 / 3.0)) == 1.0 / 3.0);
  REQUIRE(describe_value(0.1F) == "0.1");
  REQUIRE(describe_value(-7) == "-7");
}

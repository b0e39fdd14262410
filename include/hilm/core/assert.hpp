/// @file
/// `HILM_ASSERT(cond)`: internal invariants. Active when `NDEBUG` is not defined or when
/// `HILM_ENABLE_ASSERTS` is defined; compiled out otherwise. A failed assertion throws
/// `std::logic_error` (the library never aborts), naming the file, line and condition.
#ifndef HILM_CORE_ASSERT_HPP
#define HILM_CORE_ASSERT_HPP

#include <stdexcept>
#include <string>

#include <hilm/core/error.hpp>

#if !defined(NDEBUG) || defined(HILM_ENABLE_ASSERTS)
#define HILM_ASSERTS_ACTIVE 1
#define HILM_ASSERT(cond)                                                                         \
  do {                                                                                            \
    if (!(cond)) [[unlikely]]                                                                     \
      ::hilm::detail::raise<std::logic_error>(std::string("hilm internal error at ") + __FILE__ + \
                                              ":" + std::to_string(__LINE__) + ": " #cond);       \
  } while (false)
#else
#define HILM_ASSERTS_ACTIVE 0
#define HILM_ASSERT(cond) \
  do {                    \
  } while (false)
#endif

#endif  // HILM_CORE_ASSERT_HPP

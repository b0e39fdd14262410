/// @file
/// `hilm::detail::raise<E>(args...)`: the single cold throw path of the library (the exception
/// types are in `hilm/core/error.hpp`, which includes this header).
#ifndef HILM_CORE_DETAIL_RAISE_HPP
#define HILM_CORE_DETAIL_RAISE_HPP

#include <utility>

namespace hilm::detail {

/// The one throw site: cold and out of line so that hot loops stay small (manif's `raise`).
template <class E, class... Args>
[[noreturn]] [[gnu::cold]] [[gnu::noinline]] void raise(Args&&... args) {
  throw E(std::forward<Args>(args)...);
}

}  // namespace hilm::detail

#endif  // HILM_CORE_DETAIL_RAISE_HPP

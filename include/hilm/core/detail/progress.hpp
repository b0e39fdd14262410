/// @file
/// `hilm::detail::report`: how an estimator calls its progress callback (the types `Progress` and
/// `ProgressCallback` are in `hilm/core/progress.hpp`, which includes this header).
#ifndef HILM_CORE_DETAIL_PROGRESS_HPP
#define HILM_CORE_DETAIL_PROGRESS_HPP

namespace hilm::detail {

/// Invokes `callback` (a `ProgressCallback`) with `progress` (a `Progress`) if it is set; returns
/// whether to continue. A template only so that this header needs not see the two types.
template <class Callback, class Report>
inline bool report(const Callback& callback, const Report& progress) {
  return !callback || callback(progress);
}

}  // namespace hilm::detail

#endif  // HILM_CORE_DETAIL_PROGRESS_HPP

/// @file
/// `hilm::testing::check_source_contract`: a run-time check that an activation source keeps the
/// contract of `hilm/concepts/activation_source.hpp`. Meant for users' own tests (it depends on no
/// test framework): call it on your source and assert that the report is `ok`.
///
/// ```cpp
/// MySource source(...);
/// const auto report = hilm::testing::check_source_contract(source);
/// INFO(report.message());   // Catch2; or print it in any framework
/// REQUIRE(report.ok);
/// ```
#ifndef HILM_TESTING_SOURCE_CONFORMANCE_HPP
#define HILM_TESTING_SOURCE_CONFORMANCE_HPP

#include <string>
#include <utility>
#include <vector>

#include <hilm/concepts/activation_source.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/testing/detail/contract_checker.hpp>

namespace hilm::testing {

/// What `check_source_contract` found.
struct SourceContractReport {
  /// True when no check failed.
  bool ok = true;
  /// One sentence per failed check (empty when `ok`).
  std::vector<std::string> failures;
  /// Rows yielded by the first pass (as far as it was read).
  Index rows_per_pass = 0;

  /// All failures, one per line; empty when `ok`.
  [[nodiscard]] std::string message() const {
    std::string text;
    for (const std::string& failure : failures) {
      text += failure;
      text += '\n';
    }
    return text;
  }
};

/// Checks at run time that `source` keeps the activation-source contract, and reports every
/// violation it finds as a sentence. Reads the source `passes + 2` times (plus, for a seekable
/// source, from four seek positions), so keep test sources small.
///
/// Checks: `dim()` is non-negative and constant; `read` never returns a negative count nor more
/// than `out.rows()`, and never writes outside `out`; the end of a pass (a 0) is sticky until
/// `rewind()`; every pass after `rewind()` yields bitwise identical rows; reading one row at a
/// time, or into a taller buffer with an outer stride, yields the same rows; when the source is
/// sized, `size()` equals the rows per pass; when it is seekable, after `seek(r)` the rest of the
/// pass is rows `r, r+1, …` (checked for `r = 0, n/2, n−1, n`, starting from an ended pass).
/// For an `AnySource`, `size()`/`seek()` are checked when `has_size()`/`is_seekable()` say so.
/// An exception thrown by the source is reported as a failure. Memory: 8 bytes per row plus the
/// batch buffers. The source is left rewound.
///
/// @tparam Source a type modelling `ActivationSource`.
/// @param[in,out] source the source to check (read and rewound several times).
/// @param[in] batch_rows height `b >= 1` of the batch buffer of the main passes.
/// @param[in] passes number `>= 2` of passes with `b`-row buffers compared with each other.
/// @param[in] max_rows_per_pass a pass longer than this is reported as endless.
/// @returns the report (`ok`, the failures, the rows per pass).
/// @throws invalid_argument if `batch_rows < 1`, `passes < 2` or `max_rows_per_pass < 0`.
template <ActivationSource Source>
[[nodiscard]] SourceContractReport check_source_contract(Source& source, Index batch_rows = 7,
                                                         int passes = 2,
                                                         Index max_rows_per_pass = 100'000'000) {
  if (batch_rows < 1 || passes < 2 || max_rows_per_pass < 0) {
    // Argument errors are the caller's, not the source's: throw rather than report.
    hilm::detail::raise<invalid_argument>(
        "hilm::testing::check_source_contract: expected `batch_rows` >= 1 (got " +
        std::to_string(batch_rows) + "), `passes` >= 2 (got " + std::to_string(passes) +
        ") and `max_rows_per_pass` >= 0 (got " + std::to_string(max_rows_per_pass) + ")");
  }
  hilm::detail::ContractFindings found =
      hilm::detail::ContractChecker<Source>(source, batch_rows, passes, max_rows_per_pass).run();
  SourceContractReport report;
  report.ok = found.failures.empty();
  report.failures = std::move(found.failures);
  report.rows_per_pass = found.rows_per_pass;
  return report;
}

}  // namespace hilm::testing

#endif  // HILM_TESTING_SOURCE_CONFORMANCE_HPP

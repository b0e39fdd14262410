// Helpers shared by the tests of tests/sources (not a test file itself).
#ifndef HILM_TESTS_SOURCES_SOURCE_TEST_HELPERS_HPP
#define HILM_TESTS_SOURCES_SOURCE_TEST_HELPERS_HPP

#include <vector>

#include <hilm/concepts/activation_source.hpp>
#include <hilm/core/types.hpp>

namespace hilm::test {

/// Reads the rest of the current pass of `source` with `batch`-row buffers; also records the
/// count returned by each call in `counts` when given.
template <ActivationSource Source>
RowMatrix<typename Source::Scalar> read_rest(Source& source, Index batch,
                                             std::vector<Index>* counts = nullptr) {
  using Scalar = typename Source::Scalar;
  const Index d = static_cast<Index>(source.dim());
  RowMatrix<Scalar> all(0, d);
  RowMatrix<Scalar> buffer(batch, d);
  for (;;) {
    const Index r = static_cast<Index>(source.read(buffer));
    if (counts != nullptr) counts->push_back(r);
    if (r == 0) break;
    all.conservativeResize(all.rows() + r, Eigen::NoChange);
    all.bottomRows(r) = buffer.topRows(r);
  }
  return all;
}

}  // namespace hilm::test

#endif  // HILM_TESTS_SOURCES_SOURCE_TEST_HELPERS_HPP

// Helpers shared by the tests of tests/sources (not a test file itself).
#ifndef HILM_TESTS_SOURCES_SOURCE_TEST_HELPERS_HPP
#define HILM_TESTS_SOURCES_SOURCE_TEST_HELPERS_HPP

#include <cstdint>
#include <vector>

#include <hilm/concepts/activation_source.hpp>
#include <hilm/core/random.hpp>
#include <hilm/core/types.hpp>

namespace hilm::test {

/// `n × d` matrix of standard normal draws from `seed`.
template <class Scalar>
RowMatrix<Scalar> random_rows(Index n, Index d, std::uint64_t seed) {
  Random rng(seed);
  RowMatrix<Scalar> x(n, d);
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < d; ++j) x(i, j) = static_cast<Scalar>(rng.normal());
  return x;
}

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

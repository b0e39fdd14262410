// Tests of include/hilm/sources/mapped_source.hpp.
#include <limits>
#include <string>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/sources/mapped_source.hpp>
#include <hilm/testing/source_conformance.hpp>

#include "sources/source_test_helpers.hpp"
#include "support/catch.hpp"
#include "support/generators.hpp"
#include "support/messages.hpp"

using hilm::Index;
using hilm::RowMatrix;

TEMPLATE_TEST_CASE("mapped_source: streams a packed buffer without copying it", "[sources]", float,
                   double) {
  const Index n = 19, d = 4;
  const RowMatrix<TestType> x =
      hilm::test::normal_matrix<RowMatrix<TestType>>(n, d, hilm::test::seed(11));
  std::vector<TestType> buffer(x.data(), x.data() + x.size());
  hilm::MappedSource<TestType> source(buffer.data(), n, d);
  CHECK(source.dim() == d);
  CHECK(source.size() == n);
  CHECK(source.row_stride() == d);
  CHECK(source.data() == buffer.data());
  CHECK(hilm::test::read_rest(source, 6) == x);
  buffer[2 * d + 1] = TestType(7);  // the source reads the caller's memory
  source.rewind();
  CHECK(hilm::test::read_rest(source, 6)(2, 1) == TestType(7));
}

TEST_CASE("mapped_source: a row stride skips the padding between rows", "[sources]") {
  const Index n = 9, d = 3, stride = 5;
  const RowMatrix<double> x =
      hilm::test::normal_matrix<RowMatrix<double>>(n, d, hilm::test::seed(12));
  // Padding holds NaN: any padding element that leaked into a batch would show.
  std::vector<double> buffer(static_cast<std::size_t>(n * stride),
                             std::numeric_limits<double>::quiet_NaN());
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < d; ++j) buffer[static_cast<std::size_t>(i * stride + j)] = x(i, j);
  hilm::MappedSource<double> source(buffer.data(), n, d, stride);
  const RowMatrix<double> all = hilm::test::read_rest(source, 4);
  CHECK(all == x);
  source.seek(6);
  RowMatrix<double> two(2, d);
  REQUIRE(source.read(two) == 2);
  CHECK(two == x.middleRows(6, 2));

  const auto report = hilm::testing::check_source_contract(source);
  INFO(report.message());
  CHECK(report.ok);
  CHECK(report.rows_per_pass == n);
}

TEST_CASE("mapped_source: passes the shipped contract check", "[sources][concept]") {
  const RowMatrix<float> x =
      hilm::test::normal_matrix<RowMatrix<float>>(31, 8, hilm::test::seed(13));
  hilm::MappedSource<float> source(x.data(), x.rows(), x.cols());
  const auto report = hilm::testing::check_source_contract(source, 4, 3);
  INFO(report.message());
  CHECK(report.ok);
  CHECK(report.rows_per_pass == 31);
}

TEST_CASE("mapped_source: bad arguments throw invalid_argument naming the parameter", "[sources]") {
  std::vector<float> buffer(12, 1.0F);
  using hilm::MappedSource;
  using hilm::test::message_of;
  CHECK_THAT(message_of([&] { MappedSource<float>(buffer.data(), -1, 3); }),
             Catch::Matchers::Contains("`rows` = -1"));
  CHECK_THAT(message_of([&] { MappedSource<float>(buffer.data(), 4, -3); }),
             Catch::Matchers::Contains("`dim` = -3"));
  CHECK_THAT(message_of([&] { MappedSource<float>(buffer.data(), 2, 3, 2); }),
             Catch::Matchers::Contains("`row_stride` = 2"));
  CHECK_THAT(message_of([&] { MappedSource<float>(nullptr, 4, 3); }),
             Catch::Matchers::Contains("`data` is null"));
  // A null pointer is fine when there is nothing to read.
  MappedSource<float> empty(nullptr, 0, 3);
  RowMatrix<float> out(2, 3);
  CHECK(empty.read(out) == 0);
  MappedSource<float> source(buffer.data(), 4, 3);
  RowMatrix<float> wrong(2, 2);
  CHECK_THAT(message_of([&] { source.read(wrong); }), Catch::Matchers::Contains("`out`"));
  CHECK_THAT(message_of([&] { source.seek(5); }), Catch::Matchers::Contains("`row` = 5"));
}

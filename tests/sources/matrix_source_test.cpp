// Tests of include/hilm/sources/matrix_source.hpp.
#include <string>
#include <type_traits>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/sources/matrix_source.hpp>
#include <hilm/testing/source_conformance.hpp>

#include "sources/source_test_helpers.hpp"
#include "support/catch.hpp"
#include "support/generators.hpp"
#include "support/messages.hpp"

using hilm::Index;
using hilm::RowMatrix;

TEMPLATE_TEST_CASE("matrix_source: streams every row once, in order, for any batch height",
                   "[sources]", float, double) {
  const Index n = 23, d = 5;
  const RowMatrix<TestType> x =
      hilm::test::normal_matrix<RowMatrix<TestType>>(n, d, hilm::test::seed(1));
  hilm::MatrixSource<TestType> source(x);
  REQUIRE(source.dim() == d);
  REQUIRE(source.size() == n);

  for (const Index batch : {Index{1}, Index{4}, Index{23}, Index{40}}) {
    source.rewind();
    std::vector<Index> counts;
    const RowMatrix<TestType> all = hilm::test::read_rest(source, batch, &counts);
    CHECK(all == x);  // exact: rows are copied, never computed
    // Full batches, then one short batch, then the end of the pass.
    const Index full = n / batch, rest = n % batch;
    REQUIRE(counts.size() == static_cast<std::size_t>(full + (rest > 0 ? 1 : 0) + 1));
    for (Index i = 0; i < full; ++i) CHECK(counts[static_cast<std::size_t>(i)] == batch);
    if (rest > 0) CHECK(counts[static_cast<std::size_t>(full)] == rest);
    CHECK(counts.back() == 0);
    CHECK(source.position() == n);
  }
}

TEST_CASE("matrix_source: the end of a pass is sticky until rewind", "[sources]") {
  const RowMatrix<float> x = hilm::test::normal_matrix<RowMatrix<float>>(5, 2, hilm::test::seed(2));
  hilm::MatrixSource<float> source(x);
  RowMatrix<float> buffer(8, 2);
  REQUIRE(source.read(buffer) == 5);
  REQUIRE(source.read(buffer) == 0);
  REQUIRE(source.read(buffer) == 0);
  source.rewind();
  REQUIRE(source.read(buffer) == 5);
  CHECK(buffer.topRows(5) == x);
}

TEST_CASE("matrix_source: is a view, not a copy", "[sources]") {
  RowMatrix<double> x = hilm::test::normal_matrix<RowMatrix<double>>(6, 3, hilm::test::seed(3));
  hilm::MatrixSource source(x);  // class template argument deduction
  STATIC_REQUIRE(std::is_same_v<decltype(source), hilm::MatrixSource<double>>);
  CHECK(source.matrix().data() == x.data());
  x(4, 1) = 123.0;  // a change to the matrix is seen by the source
  const RowMatrix<double> all = hilm::test::read_rest(source, 4);
  CHECK(all(4, 1) == 123.0);
}

TEST_CASE("matrix_source: views blocks and maps, including rows with an outer stride",
          "[sources]") {
  const RowMatrix<float> x =
      hilm::test::normal_matrix<RowMatrix<float>>(10, 6, hilm::test::seed(4));

  SECTION("a block of rows") {
    hilm::MatrixSource source(x.middleRows(3, 4));
    CHECK(source.size() == 4);
    CHECK(hilm::test::read_rest(source, 3) == x.middleRows(3, 4));
  }
  SECTION("a block of columns (rows padded by the other columns)") {
    hilm::MatrixSource source(x.block(2, 1, 7, 4));
    CHECK(source.matrix().outerStride() == 6);
    CHECK(source.dim() == 4);
    CHECK(hilm::test::read_rest(source, 2) == x.block(2, 1, 7, 4));
  }
  SECTION("a row-major map of a std::vector") {
    std::vector<float> buffer(x.data(), x.data() + x.size());
    Eigen::Map<const RowMatrix<float>> map(buffer.data(), 10, 6);
    hilm::MatrixSource source(map);
    CHECK(source.matrix().data() == buffer.data());
    CHECK(hilm::test::read_rest(source, 4) == x);
  }
}

TEST_CASE("matrix_source: seek moves the next read to the given row", "[sources]") {
  const RowMatrix<double> x =
      hilm::test::normal_matrix<RowMatrix<double>>(12, 3, hilm::test::seed(5));
  hilm::MatrixSource source(x);
  RowMatrix<double> buffer(4, 3);
  source.seek(7);
  REQUIRE(source.read(buffer) == 4);
  CHECK(buffer == x.middleRows(7, 4));
  REQUIRE(source.read(buffer) == 1);
  CHECK(buffer.row(0) == x.row(11));
  source.seek(12);
  CHECK(source.read(buffer) == 0);
  source.seek(0);  // seeking also leaves the ended state
  REQUIRE(source.read(buffer) == 4);
  CHECK(buffer == x.topRows(4));
}

TEST_CASE("matrix_source: bad arguments throw invalid_argument naming the parameter", "[sources]") {
  const RowMatrix<float> x = hilm::test::normal_matrix<RowMatrix<float>>(4, 3, hilm::test::seed(6));
  hilm::MatrixSource source(x);
  RowMatrix<float> wrong_width(2, 4);
  RowMatrix<float> no_rows(0, 3);
  using hilm::test::message_of;
  CHECK_THAT(message_of([&] { source.read(wrong_width); }),
             Catch::Matchers::Contains("`out`") && Catch::Matchers::Contains("4 columns"));
  CHECK_THAT(message_of([&] { source.read(no_rows); }), Catch::Matchers::Contains("`out`"));
  CHECK_THAT(message_of([&] { source.seek(-1); }), Catch::Matchers::Contains("`row` = -1"));
  CHECK_THAT(message_of([&] { source.seek(5); }), Catch::Matchers::Contains("`row` = 5"));
  // A failed call leaves the position alone.
  RowMatrix<float> buffer(4, 3);
  CHECK(source.read(buffer) == 4);
}

TEST_CASE("matrix_source: copies are independent cursors", "[sources]") {
  const RowMatrix<float> x = hilm::test::normal_matrix<RowMatrix<float>>(6, 2, hilm::test::seed(7));
  hilm::MatrixSource a(x);
  RowMatrix<float> buffer(4, 2);
  REQUIRE(a.read(buffer) == 4);
  hilm::MatrixSource<float> b(a);
  CHECK(b.position() == 4);
  a.rewind();
  CHECK(b.position() == 4);
  CHECK(b.read(buffer) == 2);
  CHECK(buffer.topRows(2) == x.bottomRows(2));
}

TEMPLATE_TEST_CASE("matrix_source: passes the shipped contract check", "[sources][concept]", float,
                   double) {
  for (const Index n : {Index{0}, Index{1}, Index{17}}) {
    const RowMatrix<TestType> x =
        hilm::test::normal_matrix<RowMatrix<TestType>>(n, 4, hilm::test::seed(8));
    hilm::MatrixSource source(x);
    const auto report = hilm::testing::check_source_contract(source, 5, 3);
    INFO(report.message());
    CHECK(report.ok);
    CHECK(report.rows_per_pass == n);
  }
}

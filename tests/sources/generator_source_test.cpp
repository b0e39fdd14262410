// Tests of include/hilm/sources/generator_source.hpp.
#include <algorithm>
#include <string>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/core/random.hpp>
#include <hilm/sources/generator_source.hpp>
#include <hilm/testing/source_conformance.hpp>

#include "sources/source_test_helpers.hpp"
#include "support/catch.hpp"
#include "support/messages.hpp"

using hilm::Index;
using hilm::RowMatrix;

namespace {

// A seeded stream of `n` normal rows: the state the two callables share.
struct NormalStream {
  std::uint64_t seed;
  Index n;
  Index d;
  hilm::Random rng{seed};
  Index produced = 0;
  int next_calls = 0;
};

auto make_stream_source(NormalStream& state) {
  return hilm::make_generator_source<double>(
      state.d,
      [&state](Eigen::Ref<RowMatrix<double>> out) -> Index {
        ++state.next_calls;
        const Index r = std::min<Index>(out.rows(), state.n - state.produced);
        for (Index i = 0; i < r; ++i)
          for (Index j = 0; j < state.d; ++j) out(i, j) = state.rng.normal();
        state.produced += r;
        return r;
      },
      [&state] {
        state.rng = hilm::Random(state.seed);
        state.produced = 0;
      });
}

using hilm::test::message_of;

}  // namespace

TEST_CASE("generator_source: a seeded stream repeats after rewind and matches its generator",
          "[sources]") {
  NormalStream state{hilm::test::seed(21), 26, 3};
  auto source = make_stream_source(state);
  CHECK(source.dim() == 3);
  const RowMatrix<double> first = hilm::test::read_rest(source, 5);
  REQUIRE(first.rows() == 26);
  // Independent reconstruction of the stream from the same seed.
  hilm::Random rng(state.seed);
  RowMatrix<double> expected(26, 3);
  for (Index i = 0; i < 26; ++i)
    for (Index j = 0; j < 3; ++j) expected(i, j) = rng.normal();
  CHECK(first == expected);
  source.rewind();
  CHECK(hilm::test::read_rest(source, 7) == first);
}

TEST_CASE("generator_source: the end of a pass is sticky without calling the generator again",
          "[sources]") {
  NormalStream state{hilm::test::seed(22), 4, 2};
  auto source = make_stream_source(state);
  RowMatrix<double> buffer(10, 2);
  REQUIRE(source.read(buffer) == 4);
  REQUIRE(source.read(buffer) == 0);
  const int calls = state.next_calls;
  state.produced = 0;               // the generator would now produce rows again...
  CHECK(source.read(buffer) == 0);  // ...but the adaptor keeps the pass ended
  CHECK(state.next_calls == calls);
  source.rewind();
  CHECK(source.read(buffer) == 4);
}

TEST_CASE("generator_source: passes the shipped contract check", "[sources][concept]") {
  NormalStream state{hilm::test::seed(23), 33, 4};
  auto source = make_stream_source(state);
  const auto report = hilm::testing::check_source_contract(source, 6, 3);
  INFO(report.message());
  CHECK(report.ok);
  CHECK(report.rows_per_pass == 33);
}

TEST_CASE("generator_source: a broken callable or a bad argument throws invalid_argument",
          "[sources]") {
  auto rewind = [] {};
  auto too_many = hilm::make_generator_source<float>(
      2, [](Eigen::Ref<RowMatrix<float>> out) -> Index { return out.rows() + 1; }, rewind);
  auto negative = hilm::make_generator_source<float>(
      2, [](Eigen::Ref<RowMatrix<float>>) { return -1; }, rewind);
  RowMatrix<float> buffer(3, 2);
  CHECK_THAT(message_of([&] { too_many.read(buffer); }),
             Catch::Matchers::Contains("`next` returned 4 rows for a buffer of 3 rows"));
  CHECK_THAT(message_of([&] { negative.read(buffer); }),
             Catch::Matchers::Contains("`next` returned -1"));
  RowMatrix<float> wrong(3, 5);
  CHECK_THAT(message_of([&] { negative.read(wrong); }), Catch::Matchers::Contains("`out`"));
  CHECK_THAT(message_of([&] {
               (void)hilm::make_generator_source<float>(
                   -2, [](Eigen::Ref<RowMatrix<float>>) { return 0; }, rewind);
             }),
             Catch::Matchers::Contains("`dim` = -2"));
}

namespace {

// Row i of the indexed generator: a function of i alone (its own random stream).
void planted_row(std::uint64_t seed, Index i, Eigen::Ref<RowMatrix<float>> row) {
  hilm::Random rng = hilm::Random(seed).stream(static_cast<std::uint64_t>(i));
  for (Index j = 0; j < row.cols(); ++j) row(0, j) = static_cast<float>(rng.normal());
}

}  // namespace

TEST_CASE("generator_source: an indexed generator is sized, seekable and batch-independent",
          "[sources]") {
  const std::uint64_t seed = hilm::test::seed(24);
  const Index n = 40, d = 5;
  auto source = hilm::make_indexed_generator_source<float>(
      d, n, [seed](Index first, Eigen::Ref<RowMatrix<float>> rows) {
        for (Index i = 0; i < rows.rows(); ++i) planted_row(seed, first + i, rows.row(i));
      });
  RowMatrix<float> expected(n, d);
  for (Index i = 0; i < n; ++i) planted_row(seed, i, expected.row(i));

  CHECK(source.size() == n);
  CHECK(hilm::test::read_rest(source, 7) == expected);
  source.seek(33);
  CHECK(hilm::test::read_rest(source, 3) == expected.bottomRows(7));

  const auto report = hilm::testing::check_source_contract(source, 9, 2);
  INFO(report.message());
  CHECK(report.ok);
  CHECK(report.rows_per_pass == n);

  auto fill = [](Index, Eigen::Ref<RowMatrix<float>>) {};
  CHECK_THAT(message_of([&] { (void)hilm::make_indexed_generator_source<float>(3, -1, fill); }),
             Catch::Matchers::Contains("`rows_per_pass` = -1"));
  CHECK_THAT(message_of([&] { source.seek(41); }), Catch::Matchers::Contains("`row` = 41"));
}

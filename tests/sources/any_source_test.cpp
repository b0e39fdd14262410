// Tests of include/hilm/sources/any_source.hpp.
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include <hilm/core/error.hpp>
#include <hilm/sources/any_source.hpp>
#include <hilm/sources/generator_source.hpp>
#include <hilm/sources/matrix_source.hpp>
#include <hilm/testing/source_conformance.hpp>

#include "sources/source_test_helpers.hpp"
#include "support/catch.hpp"
#include "support/generators.hpp"
#include "support/messages.hpp"

using hilm::Index;
using hilm::RowMatrix;

namespace {

using hilm::test::message_of;

// A run-time implementation: rows are (i, i, ..., i) for i = 0 .. n-1.
class CountingRows final : public hilm::SourceInterface<double> {
 public:
  CountingRows(Index n, Index d) : n_(n), d_(d) {}
  [[nodiscard]] Index dim() const override { return d_; }
  Index read(Eigen::Ref<RowMatrix<double>> out) override {
    const Index r = std::min<Index>(out.rows(), n_ - next_);
    for (Index i = 0; i < r; ++i) out.row(i).setConstant(static_cast<double>(next_ + i));
    next_ += std::max<Index>(r, 0);
    return std::max<Index>(r, 0);
  }
  void rewind() override { next_ = 0; }

 private:
  Index n_, d_, next_ = 0;
};

}  // namespace

TEST_CASE("any_source: owning a matrix source forwards rows, size and seek", "[sources]") {
  const RowMatrix<float> x =
      hilm::test::normal_matrix<RowMatrix<float>>(15, 4, hilm::test::seed(31));
  hilm::AnySource<float> any{hilm::MatrixSource(x)};
  CHECK(any.dim() == 4);
  REQUIRE(any.has_size());
  REQUIRE(any.is_seekable());
  CHECK(any.size() == 15);
  CHECK(hilm::test::read_rest(any, 4) == x);
  any.seek(10);
  CHECK(hilm::test::read_rest(any, 4) == x.bottomRows(5));

  const auto report = hilm::testing::check_source_contract(any, 6, 2);
  INFO(report.message());
  CHECK(report.ok);
  CHECK(report.rows_per_pass == 15);
}

TEST_CASE("any_source: referencing a source drives the original", "[sources]") {
  const RowMatrix<double> x =
      hilm::test::normal_matrix<RowMatrix<double>>(9, 2, hilm::test::seed(32));
  hilm::MatrixSource<double> source(x);
  hilm::AnySource<double> any(std::ref(source));
  RowMatrix<double> buffer(4, 2);
  REQUIRE(any.read(buffer) == 4);
  CHECK(source.position() == 4);  // the original moved, not a copy
  source.seek(8);
  REQUIRE(any.read(buffer) == 1);
  CHECK(buffer.row(0) == x.row(8));
}

TEST_CASE("any_source: an unsized source reports its missing capabilities", "[sources]") {
  Index produced = 0;
  auto generator = hilm::make_generator_source<float>(
      3,
      [&produced](Eigen::Ref<RowMatrix<float>> out) -> Index {
        const Index r = std::min<Index>(out.rows(), 11 - produced);
        for (Index i = 0; i < r; ++i) out.row(i).setConstant(static_cast<float>(produced + i));
        produced += r;
        return r;
      },
      [&produced] { produced = 0; });
  hilm::AnySource<float> any(std::move(generator));
  CHECK_FALSE(any.has_size());
  CHECK_FALSE(any.is_seekable());
  CHECK_THAT(message_of([&] { (void)any.size(); }), Catch::Matchers::Contains("has_size()"));
  CHECK_THAT(message_of([&] { any.seek(0); }), Catch::Matchers::Contains("is_seekable()"));

  const auto report = hilm::testing::check_source_contract(any);
  INFO(report.message());
  CHECK(report.ok);
  CHECK(report.rows_per_pass == 11);
}

TEST_CASE("any_source: wraps a run-time implementation", "[sources]") {
  hilm::AnySource<double> any(std::make_unique<CountingRows>(8, 3));
  CHECK_FALSE(any.has_size());
  const RowMatrix<double> all = hilm::test::read_rest(any, 3);
  REQUIRE(all.rows() == 8);
  for (Index i = 0; i < 8; ++i) CHECK((all.row(i).array() == static_cast<double>(i)).all());
  const auto report = hilm::testing::check_source_contract(any);
  INFO(report.message());
  CHECK(report.ok);

  CHECK_THAT(message_of([] { hilm::AnySource<double> bad(std::unique_ptr<CountingRows>{}); }),
             Catch::Matchers::Contains("`impl`"));
}

TEST_CASE("any_source: checks the batch buffer and refuses use after a move", "[sources]") {
  const RowMatrix<float> x =
      hilm::test::normal_matrix<RowMatrix<float>>(5, 3, hilm::test::seed(33));
  hilm::AnySource<float> any{hilm::MatrixSource(x)};
  RowMatrix<float> wrong(2, 4);
  CHECK_THAT(message_of([&] { any.read(wrong); }), Catch::Matchers::Contains("`out`"));
  hilm::AnySource<float> moved(std::move(any));
  CHECK(moved.dim() == 3);
  CHECK_THAT(message_of([&] { (void)any.dim(); }),  // NOLINT(bugprone-use-after-move)
             Catch::Matchers::Contains("moved from"));
}

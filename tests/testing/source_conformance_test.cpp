// Tests of include/hilm/testing/source_conformance.hpp: a correct hand-written source passes, and
// each deliberately broken source is reported (negative controls: every check can fail).
#include <algorithm>
#include <stdexcept>
#include <string>

#include <hilm/core/error.hpp>
#include <hilm/testing/source_conformance.hpp>

#include "support/catch.hpp"

using hilm::Index;
using hilm::RowMatrix;

namespace {

// A correct, sized, seekable source: row i holds i + j / 10 in column j. Each broken variant
// below overrides one behaviour through a flag, so the negative controls differ from the
// positive control in exactly one respect.
enum class Defect {
  None,
  TooManyRows,      // claims one row more than the buffer holds
  NegativeCount,    // returns -1 at the end instead of 0
  NonStickyEnd,     // restarts silently after returning 0
  DifferentPasses,  // every pass after rewind() is shifted
  BatchDependent,   // values depend on the buffer height
  IgnoresStride,    // writes through out.data() as if rows were packed
  WrongSize,        // size() is off by one
  BadSeek,          // seek() ignores its argument
  ChangingDim,      // dim() grows after the first pass
  Endless,          // never ends a pass
  Throws,           // read() throws in the middle of the second pass
};

class TestSource {
 public:
  using Scalar = double;

  TestSource(Index n, Index d, Defect defect) : n_(n), d_(d), defect_(defect) {}

  [[nodiscard]] Index dim() const {
    return defect_ == Defect::ChangingDim && passes_ > 0 ? d_ + 1 : d_;
  }
  [[nodiscard]] Index size() const { return defect_ == Defect::WrongSize ? n_ + 1 : n_; }

  Index read(Eigen::Ref<RowMatrix<double>> out) {
    if (defect_ == Defect::Throws && passes_ == 1 && next_ > n_ / 2) {
      throw std::runtime_error("disk on fire");
    }
    const Index limit = defect_ == Defect::Endless ? next_ + out.rows() : n_;
    if (next_ >= limit) {
      if (defect_ == Defect::NonStickyEnd && ended_) next_ = 0;  // second call restarts
      ended_ = true;
      if (next_ >= limit) return defect_ == Defect::NegativeCount ? -1 : 0;
    }
    const Index r = std::min<Index>(out.rows(), limit - next_);
    for (Index i = 0; i < r; ++i) {
      for (Index j = 0; j < out.cols(); ++j) {
        double value = value_at(next_ + i, j);
        if (defect_ == Defect::BatchDependent) value += static_cast<double>(out.rows());
        if (defect_ == Defect::IgnoresStride) {
          out.data()[i * out.cols() + j] = value;
        } else {
          out(i, j) = value;
        }
      }
    }
    next_ += r;
    return defect_ == Defect::TooManyRows ? r + 1 : r;
  }

  void rewind() {
    if (next_ > 0 || ended_) ++passes_;
    next_ = 0;
    ended_ = false;
  }

  void seek(Index row) {
    if (row < 0 || row > n_) throw hilm::invalid_argument("row out of range");
    next_ = defect_ == Defect::BadSeek ? 0 : row;
    ended_ = false;
  }

 private:
  [[nodiscard]] double value_at(Index i, Index j) const {
    const double shift = defect_ == Defect::DifferentPasses ? static_cast<double>(passes_) : 0.0;
    return static_cast<double>(i) + static_cast<double>(j) / 10.0 + shift;
  }

  Index n_, d_;
  Defect defect_;
  Index next_ = 0;
  bool ended_ = false;
  int passes_ = 0;
};

static_assert(hilm::SeekableActivationSource<TestSource>);

// The failures reported for a source with `defect`.
hilm::testing::SourceContractReport check(Defect defect, Index n = 20) {
  TestSource source(n, 3, defect);
  return hilm::testing::check_source_contract(source, 4, 2, 1000);
}

bool reported(const hilm::testing::SourceContractReport& report, const std::string& phrase) {
  return std::any_of(report.failures.begin(), report.failures.end(),
                     [&](const std::string& f) { return f.find(phrase) != std::string::npos; });
}

}  // namespace

TEST_CASE("source_conformance: a correct source passes every check", "[sources][concept]") {
  for (const Index n : {Index{0}, Index{1}, Index{4}, Index{20}}) {
    const auto report = check(Defect::None, n);
    INFO("n = " << n << "\n" << report.message());
    CHECK(report.ok);
    CHECK(report.failures.empty());
    CHECK(report.message().empty());
    CHECK(report.rows_per_pass == n);
  }
}

TEST_CASE("source_conformance: each broken source is reported", "[sources][concept]") {
  struct Case {
    Defect defect;
    const char* phrase;
  };
  const Case cases[] = {
      {Defect::TooManyRows, "must never exceed out.rows()"},
      {Defect::NegativeCount, "must be >= 0"},
      {Defect::NonStickyEnd, "the end of a pass must be sticky"},
      {Defect::DifferentPasses,
       "pass 2 (after rewind()) differs from the first pass, first at row 0"},
      {Defect::BatchDependent, "one row at a time differs from the first pass"},
      {Defect::IgnoresStride, "outer stride dim()+3 differs from the first pass"},
      {Defect::WrongSize, "size() is 21"},
      {Defect::BadSeek, "after seek(10): the rest of the pass has 20 rows"},
      {Defect::ChangingDim, "dim() changed from 3 to 4"},
      {Defect::Endless, "did not end within 1000 rows"},
      {Defect::Throws, "threw an exception while reading pass 2: disk on fire"},
  };
  for (const Case& c : cases) {
    const auto report = check(c.defect);
    INFO("defect #" << static_cast<int>(c.defect) << ", expected: " << c.phrase << "\ngot:\n"
                    << report.message());
    CHECK_FALSE(report.ok);
    CHECK(reported(report, c.phrase));
  }
}

TEST_CASE("source_conformance: a source that ignores the outer stride is caught writing outside",
          "[sources][concept]") {
  const auto report = check(Defect::IgnoresStride);
  INFO(report.message());
  CHECK(reported(report, "wrote outside `out`"));
}

TEST_CASE("source_conformance: the source is left rewound", "[sources][concept]") {
  TestSource source(9, 3, Defect::None);
  REQUIRE(hilm::testing::check_source_contract(source).ok);
  RowMatrix<double> buffer(2, 3);
  REQUIRE(source.read(buffer) == 2);
  CHECK(buffer(0, 0) == 0.0);
}

TEST_CASE("source_conformance: bad checker arguments throw invalid_argument",
          "[sources][concept]") {
  TestSource source(5, 3, Defect::None);
  CHECK_THROWS_AS(hilm::testing::check_source_contract(source, 0), hilm::invalid_argument);
  CHECK_THROWS_AS(hilm::testing::check_source_contract(source, 3, 1), hilm::invalid_argument);
  CHECK_THROWS_AS(hilm::testing::check_source_contract(source, 3, 2, -1), hilm::invalid_argument);
}

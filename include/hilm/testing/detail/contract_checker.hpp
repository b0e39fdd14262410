/// @file
/// Implementation of `hilm::testing::check_source_contract`: the checker that reads a source pass
/// after pass and records every broken rule of the activation-source contract. Public API:
/// `hilm/testing/source_conformance.hpp`.
#ifndef HILM_TESTING_DETAIL_CONTRACT_CHECKER_HPP
#define HILM_TESTING_DETAIL_CONTRACT_CHECKER_HPP

#include <algorithm>
#include <bit>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <hilm/concepts/activation_source.hpp>
#include <hilm/core/types.hpp>

namespace hilm::detail {

/// 64-bit finaliser of splitmix64 (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number
/// generators"), used to mix element bits into a row fingerprint.
constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

/// The bits of one element: the exact bit pattern for float and double; for wider types (long
/// double, whose padding bytes are indeterminate) the bits of its value split into two doubles.
template <class Scalar>
std::uint64_t element_bits(Scalar x) noexcept {
  if constexpr (sizeof(Scalar) == sizeof(std::uint32_t)) {
    return std::bit_cast<std::uint32_t>(x);
  } else if constexpr (sizeof(Scalar) == sizeof(std::uint64_t)) {
    return std::bit_cast<std::uint64_t>(x);
  } else {
    const double high = static_cast<double>(x);
    const double low = static_cast<double>(x - static_cast<Scalar>(high));
    return std::bit_cast<std::uint64_t>(high) ^ mix64(std::bit_cast<std::uint64_t>(low));
  }
}

/// A fingerprint of the first `cols` elements of row `i` of `rows` (bitwise identity of the
/// elements, with high probability).
template <class Derived>
std::uint64_t row_fingerprint(const Eigen::MatrixBase<Derived>& rows, Index i,
                              Index cols) noexcept {
  std::uint64_t h = 0x243F6A8885A308D3ULL ^ static_cast<std::uint64_t>(cols);
  for (Index j = 0; j < cols; ++j) h = mix64(h ^ element_bits(rows(i, j)));
  return h;
}

/// Thrown internally to stop the check after a failure that makes further checks meaningless.
struct StopCheck {};

/// What one run of `ContractChecker` found: the failures (one sentence each, at most 32, no
/// duplicates) and the rows of the first pass.
struct ContractFindings {
  std::vector<std::string> failures;
  Index rows_per_pass = 0;
};

/// State of one run of the checker.
template <class Source>
class ContractChecker {
  using Scalar = typename Source::Scalar;

 public:
  ContractChecker(Source& source, Index batch_rows, int passes, Index max_rows_per_pass)
      : source_(source), batch_(batch_rows), passes_(passes), max_rows_(max_rows_per_pass) {}

  ContractFindings run() {
    try {
      run_checks();
    } catch (const StopCheck&) {
      // A fatal failure was recorded; the remaining checks would only repeat it.
    } catch (const std::exception& e) {
      fail("the source threw an exception while " + phase_ + ": " + e.what());
    }
    return found_;
  }

 private:
  // Sentinel written around the caller-visible buffer to catch writes outside `out`.
  static constexpr Scalar kSentinel = static_cast<Scalar>(-1234.5);

  void fail(const std::string& what) {
    if (std::find(found_.failures.begin(), found_.failures.end(), what) == found_.failures.end() &&
        found_.failures.size() < 32) {
      found_.failures.push_back(what);
    }
  }
  [[noreturn]] void fail_fatal(const std::string& what) {
    fail(what);
    throw StopCheck{};
  }

  // Reads one pass with a buffer of `height` rows whose rows are `pad` elements wider than
  // dim() (so `out` has an outer stride when pad > 0). Checks each read and the sticky end.
  std::vector<std::uint64_t> read_pass(Index height, Index pad, const std::string& label) {
    phase_ = "reading " + label;
    const Index guard = height;  // extra rows below `out`, to catch overruns harmlessly
    RowMatrix<Scalar> buffer(height + guard, dim_ + pad);
    std::vector<std::uint64_t> fingerprints;
    for (;;) {
      buffer.setConstant(kSentinel);
      Eigen::Ref<RowMatrix<Scalar>> out(buffer.topLeftCorner(height, dim_));
      const Index count = static_cast<Index>(source_.read(out));
      check_dim();
      if (count < 0) {
        fail_fatal(label + ": read() returned " + std::to_string(count) +
                   " (must be >= 0: the number of rows written)");
      }
      if (count > height) {
        fail_fatal(label + ": read() returned " + std::to_string(count) + " for a buffer of " +
                   std::to_string(height) + " rows (must never exceed out.rows())");
      }
      if (outside_touched(buffer, height)) {
        fail(label + ": read() wrote outside `out` (past its last row or, for a buffer with an " +
             "outer stride, past its last column; use out(i, j) or out.row(i), not raw pointer " +
             "arithmetic with dim())");
      }
      if (count == 0) break;
      for (Index i = 0; i < count; ++i) fingerprints.push_back(row_fingerprint(buffer, i, dim_));
      if (static_cast<Index>(fingerprints.size()) > max_rows_) {
        fail_fatal(label + ": the pass did not end within " + std::to_string(max_rows_) +
                   " rows (read() must eventually return 0; raise max_rows_per_pass for a larger "
                   "source)");
      }
    }
    // The end of a pass is sticky until rewind().
    for (int extra = 0; extra < 2; ++extra) {
      buffer.setConstant(kSentinel);
      Eigen::Ref<RowMatrix<Scalar>> out(buffer.topLeftCorner(height, dim_));
      const Index count = static_cast<Index>(source_.read(out));
      if (count != 0) {
        fail(label + ": read() returned " + std::to_string(count) +
             " after having returned 0; the end of a pass must be sticky until rewind()");
        break;
      }
    }
    return fingerprints;
  }

  bool outside_touched(const RowMatrix<Scalar>& buffer, Index height) const {
    for (Index i = 0; i < buffer.rows(); ++i) {
      for (Index j = (i < height ? dim_ : 0); j < buffer.cols(); ++j) {
        if (!(buffer(i, j) == kSentinel)) return true;
      }
    }
    return false;
  }

  void check_dim() {
    const Index now = static_cast<Index>(source_.dim());
    if (now != dim_) {
      fail_fatal("dim() changed from " + std::to_string(dim_) + " to " + std::to_string(now) +
                 " (it must be constant)");
    }
  }

  void compare(const std::vector<std::uint64_t>& other, const std::string& label) {
    if (other.size() != reference_.size()) {
      fail(label + " yielded " + std::to_string(other.size()) + " rows; the first pass yielded " +
           std::to_string(reference_.size()));
      return;
    }
    const auto mismatch = std::mismatch(reference_.begin(), reference_.end(), other.begin());
    if (mismatch.first != reference_.end()) {
      fail(label + " differs from the first pass, first at row " +
           std::to_string(mismatch.first - reference_.begin()) +
           " (every pass must yield bitwise identical rows)");
    }
  }

  void check_size(Index size, const std::string& when) {
    if (size != rows_) {
      fail("size() is " + std::to_string(size) + " " + when + ", but a pass yielded " +
           std::to_string(rows_) + " rows");
    }
  }

  // seek(target), then read the rest of the pass and compare it with the first pass.
  template <class SeekFn>
  void check_seek(Index target, SeekFn&& seek) {
    phase_ = "checking seek(" + std::to_string(target) + ")";
    seek(target);
    const std::string label = "after seek(" + std::to_string(target) + ")";
    RowMatrix<Scalar> buffer(batch_, dim_);
    std::vector<std::uint64_t> rows;
    for (;;) {
      Eigen::Ref<RowMatrix<Scalar>> out(buffer);
      const Index count = static_cast<Index>(source_.read(out));
      if (count < 0 || count > batch_) {
        fail_fatal(label + ": read() returned " + std::to_string(count) + " for a buffer of " +
                   std::to_string(batch_) + " rows");
      }
      if (count == 0) break;
      for (Index i = 0; i < count; ++i) rows.push_back(row_fingerprint(buffer, i, dim_));
      if (static_cast<Index>(rows.size()) > rows_) break;
    }
    const auto expected_count = static_cast<std::size_t>(rows_ - target);
    if (rows.size() != expected_count) {
      fail(label + ": the rest of the pass has " + std::to_string(rows.size()) +
           " rows; expected size() - " + std::to_string(target) + " = " +
           std::to_string(expected_count));
      return;
    }
    if (!std::equal(rows.begin(), rows.end(), reference_.begin() + target)) {
      fail(label + ": the rows read differ from rows " + std::to_string(target) +
           "… of the first pass (after seek(r) the next row read must be row r)");
    }
  }

  template <class SeekFn>
  void check_seeks(SeekFn&& seek) {
    // Seek from the ended state (the previous pass ran to its end), then to other positions.
    std::vector<Index> targets{0, rows_ / 2, rows_ > 0 ? rows_ - 1 : 0, rows_};
    for (const Index target : targets) check_seek(target, seek);
  }

  void run_checks() {
    phase_ = "calling dim()";
    dim_ = static_cast<Index>(source_.dim());
    if (dim_ < 0) fail_fatal("dim() returned " + std::to_string(dim_) + " (must be >= 0)");

    phase_ = "calling rewind()";
    source_.rewind();
    reference_ = read_pass(batch_, 0, "pass 1");
    rows_ = static_cast<Index>(reference_.size());
    found_.rows_per_pass = rows_;

    for (int pass = 2; pass <= passes_; ++pass) {
      phase_ = "calling rewind()";
      source_.rewind();
      compare(read_pass(batch_, 0, "pass " + std::to_string(pass)),
              "pass " + std::to_string(pass) + " (after rewind())");
    }
    // Batching must not change the data: one row at a time, then a taller buffer whose rows are
    // padded (so `out` has an outer stride larger than dim()).
    phase_ = "calling rewind()";
    source_.rewind();
    compare(read_pass(1, 0, "a pass read one row at a time"), "a pass read one row at a time");
    const Index tall = 2 * batch_ + 3;
    phase_ = "calling rewind()";
    source_.rewind();
    const std::string strided_label = "a pass read " + std::to_string(tall) +
                                      " rows at a time into a buffer with outer stride dim()+3";
    compare(read_pass(tall, 3, strided_label), strided_label);

    if constexpr (SizedActivationSource<Source>) {
      phase_ = "calling size()";
      check_size(static_cast<Index>(source_.size()), "after the passes");
    } else if constexpr (requires(const Source& s) { s.has_size(); }) {
      phase_ = "calling has_size()";
      if (source_.has_size()) check_size(static_cast<Index>(source_.size()), "after the passes");
    }
    if constexpr (SeekableActivationSource<Source>) {
      check_seeks([this](Index row) { source_.seek(row); });
    } else if constexpr (requires(Source & s) { s.is_seekable(); }) {
      if (source_.is_seekable()) check_seeks([this](Index row) { source_.seek(row); });
    }
    phase_ = "calling rewind()";
    source_.rewind();  // leave the source at the start of a pass
  }

  Source& source_;
  Index batch_;
  int passes_;
  Index max_rows_;
  Index dim_ = 0;
  Index rows_ = 0;
  std::vector<std::uint64_t> reference_;
  std::string phase_;
  ContractFindings found_;
};

}  // namespace hilm::detail

#endif  // HILM_TESTING_DETAIL_CONTRACT_CHECKER_HPP

// Tests of include/hilm/sources/npy_file_source.hpp: rows streamed from a memory-mapped .npy file
// equal the file's rows in every batch size, layout and byte order; rewind/seek; conversion;
// errors; and the resident-memory bound on a file several times larger than the batch buffers.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <hilm/concepts/activation_source.hpp>
#include <hilm/core/random.hpp>
#include <hilm/io/npy.hpp>
#include <hilm/sources/npy_file_source.hpp>
#include <hilm/testing/source_conformance.hpp>

#include "support/catch.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

namespace {

using hilm::Index;
using hilm::NpyFileSource;
using hilm::RowMatrix;

static_assert(hilm::SeekableActivationSource<NpyFileSource<float>>);
static_assert(hilm::SeekableActivationSource<NpyFileSource<double>>);
static_assert(!std::is_copy_constructible_v<NpyFileSource<float>>);
static_assert(std::is_nothrow_move_constructible_v<NpyFileSource<float>>);

using hilm::test::npy_fixture;

// Streams the whole pass with `batch`-row buffers and stacks the rows.
template <class Scalar>
RowMatrix<Scalar> stream_all(NpyFileSource<Scalar>& source, Index batch) {
  RowMatrix<Scalar> all(0, source.dim());
  RowMatrix<Scalar> buffer(batch, source.dim());
  while (const Index r = source.read(buffer)) {
    REQUIRE(r <= batch);
    all.conservativeResize(all.rows() + r, Eigen::NoChange);
    all.bottomRows(r) = buffer.topRows(r);
  }
  return all;
}

// VmRSS of this process in KiB, from /proc/self/status.
long resident_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  FAIL("no VmRSS line in /proc/self/status");
  return 0;
}

// The value stored at (i, j) of the large streaming file: small integers, exact in float.
float big_value(Index i, Index j) { return static_cast<float>((i * 31 + j) % 1021); }

// Writes a rows × cols float32 file chunk by chunk, so that writing it never holds it in memory.
void write_big_file(const std::string& path, Index rows, Index cols) {
  const Index shape[2] = {rows, cols};
  const std::string header = hilm::make_npy_header(hilm::DType::Float32, shape);
  std::ofstream out(path, std::ios::binary);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  constexpr Index chunk = 64;
  std::vector<float> buffer(static_cast<std::size_t>(chunk * cols));
  for (Index first = 0; first < rows; first += chunk) {
    const Index n = std::min(chunk, rows - first);
    for (Index i = 0; i < n; ++i) {
      for (Index j = 0; j < cols; ++j) {
        buffer[static_cast<std::size_t>(i * cols + j)] = big_value(first + i, j);
      }
    }
    out.write(reinterpret_cast<const char*>(buffer.data()),
              static_cast<std::streamsize>(sizeof(float) * static_cast<std::size_t>(n * cols)));
  }
  REQUIRE(out.good());
}

// Streams `path` with 256-row batches, checks every value, and returns the largest growth of
// VmRSS (KiB) over its value before the source was opened, sampled after every read.
long stream_and_measure(const std::string& path, Index rows, Index cols,
                        hilm::NpyFileSourceOptions options) {
  RowMatrix<float> batch(256, cols);
  batch.setZero();  // make the buffer resident before the baseline
  const long before = resident_kib();
  long peak = before;
  Index seen = 0;
  bool values_ok = true;
  {
    NpyFileSource<float> source(path, options);
    REQUIRE(source.size() == rows);
    REQUIRE(source.dim() == cols);
    while (const Index r = source.read(batch)) {
      for (Index i = 0; i < r; ++i) {
        for (Index j = 0; j < cols; ++j)
          values_ok = values_ok && batch(i, j) == big_value(seen + i, j);
      }
      seen += r;
      peak = std::max(peak, resident_kib());
    }
  }
  CHECK(values_ok);
  CHECK(seen == rows);
  return peak - before;
}

}  // namespace

TEMPLATE_TEST_CASE("npy source: streams exactly the file's rows", "[sources][npy]", float, double) {
  using Scalar = TestType;
  hilm::test::TempDir dir;
  hilm::Random rng(hilm::test::seed(31));
  RowMatrix<double> x(37, 5);
  for (Index i = 0; i < x.size(); ++i) x.data()[i] = std::ldexp(rng.normal(), -2);
  const RowMatrix<float> xf = x.cast<float>();
  RowMatrix<std::int16_t> xi(37, 5);
  for (Index i = 0; i < xi.size(); ++i) {
    xi.data()[i] = static_cast<std::int16_t>(rng.uniform_index(60000)) - 30000;
  }
  for (const bool fortran : {false, true}) {
    for (const bool big : {false, true}) {
      for (int kind = 0; kind < 3; ++kind) {
        const std::string path = dir.file("x" + std::to_string(kind) + ".npy");
        const hilm::NpyWriteOptions options{.fortran_order = fortran, .big_endian = big};
        if (kind == 0) hilm::write_npy(path, xf, options);
        if (kind == 1) hilm::write_npy(path, x, options);
        if (kind == 2) hilm::write_npy(path, xi, options);
        INFO("kind " << kind << (fortran ? " F" : " C") << (big ? " big" : " little"));
        const RowMatrix<Scalar> expected = hilm::read_npy<Scalar>(path);
        NpyFileSource<Scalar> source(path);
        CHECK(source.size() == 37);
        CHECK(source.dim() == 5);
        CHECK(source.header().fortran_order == fortran);
        for (const Index batch : {1, 2, 3, 5, 7, 36, 37, 64}) {
          INFO("batch " << batch);
          source.rewind();
          CHECK(stream_all(source, batch) == expected);
          CHECK(source.position() == 37);
        }
        // A buffer with an outer stride (a block of a wider matrix) receives the same rows.
        source.rewind();
        RowMatrix<Scalar> wide = RowMatrix<Scalar>::Constant(4, 9, Scalar(-7));
        Eigen::Ref<RowMatrix<Scalar>> block = wide.block(0, 2, 4, 5);
        CHECK(source.read(block) == 4);
        CHECK(wide.block(0, 2, 4, 5) == expected.topRows(4));
        CHECK((wide.leftCols(2).array() == Scalar(-7)).all());
        CHECK((wide.rightCols(2).array() == Scalar(-7)).all());
        source.rewind();
        const auto report = hilm::testing::check_source_contract(source, 6);
        INFO(report.message());
        CHECK(report.ok);
      }
    }
  }
}

TEST_CASE("npy source: rewind, seek and the sticky end of a pass", "[sources][npy]") {
  const std::string path = npy_fixture("grid_float64_C_le.npy");
  const RowMatrix<double> expected = hilm::read_npy<double>(path);
  NpyFileSource<double> source(path);
  RowMatrix<double> buffer(2, 4);
  CHECK(source.read(buffer) == 2);
  CHECK(source.read(buffer) == 1);
  CHECK(buffer.row(0) == expected.row(2));
  CHECK(source.read(buffer) == 0);
  CHECK(source.read(buffer) == 0);  // sticky
  source.seek(1);
  CHECK(source.read(buffer) == 2);
  CHECK(buffer == expected.bottomRows(2));
  source.seek(3);
  CHECK(source.read(buffer) == 0);
  source.rewind();
  CHECK(source.position() == 0);
  CHECK(source.read(buffer) == 2);
  CHECK(buffer == expected.topRows(2));
  CHECK_THROWS_AS(source.seek(-1), hilm::invalid_argument);
  CHECK_THROWS_AS(source.seek(4), hilm::invalid_argument);
  RowMatrix<double> wrong(2, 3);
  CHECK_THROWS_AS(source.read(wrong), hilm::invalid_argument);

  // Moving transfers the mapping; the moved-from source is empty.
  NpyFileSource<double> moved(std::move(source));
  moved.rewind();
  CHECK(moved.read(buffer) == 2);
  CHECK(buffer == expected.topRows(2));
  CHECK(source.size() == 0);  // NOLINT(bugprone-use-after-move): documented moved-from state
  CHECK(source.read(buffer) == 0);
  NpyFileSource<double> other(npy_fixture("grid_float64_F_be.npy"));
  other = std::move(moved);
  CHECK(other.read(buffer) == 1);
  CHECK(buffer.row(0) == expected.row(2));
}

TEST_CASE("npy source: conversion, 1-d files and errors", "[sources][npy]") {
  // float64 → float rounds (as read_npy does); out-of-range values fail when read.
  const std::string inexact = npy_fixture("float64_inexact_in_float32.npy");
  NpyFileSource<float> narrow(inexact);
  CHECK(narrow.dim() == 1);  // a 1-d array is n × 1
  CHECK(stream_all(narrow, 4) == hilm::read_npy<float>(inexact));
  NpyFileSource<float> exact(inexact, {.conversion = hilm::Conversion::Exact});
  RowMatrix<float> one(2, 1);
  CHECK_THROWS_AS(exact.read(one), hilm::io_error);
  CHECK(exact.position() == 0);  // unchanged after an error

  const std::string range = npy_fixture("float64_out_of_float32_range.npy");
  NpyFileSource<float> out_of_range(range);
  try {
    (void)out_of_range.read(one);
    FAIL("expected an io_error");
  } catch (const hilm::io_error& e) {
    CHECK(e.path() == range);
  }
  // Integer files convert exactly; the int64 beyond 2^53 cannot feed a double source.
  NpyFileSource<double> big(npy_fixture("int64_beyond_2p53.npy"));
  RowMatrix<double> four(4, 1);
  CHECK_THROWS_AS(big.read(four), hilm::io_error);
  NpyFileSource<float> ints(npy_fixture("vector_1d_int32.npy"));
  RowMatrix<float> five(5, 1);
  CHECK(ints.read(five) == 5);
  CHECK(five(4, 0) == 50.0f);

  // Empty arrays: a pass of zero rows.
  NpyFileSource<float> empty(npy_fixture("empty_0x3_float32.npy"));
  CHECK(empty.size() == 0);
  CHECK(empty.dim() == 3);
  RowMatrix<float> three(2, 3);
  CHECK(empty.read(three) == 0);

  // Construction validates the file and names it.
  for (const std::string name : {"three_d_float32.npy", "scalar_0d_float64.npy",
                                 "unsupported_complex64.npy", "does_not_exist.npy"}) {
    const std::string path = npy_fixture(name);
    INFO(name);
    try {
      NpyFileSource<float> bad(path);
      FAIL("expected an io_error");
    } catch (const hilm::io_error& e) {
      CHECK(e.path() == path);
    }
  }
  hilm::test::TempDir dir;
  const std::string truncated = dir.file("truncated.npy");
  {
    const std::string header =
        hilm::make_npy_header(hilm::DType::Float32, std::vector<Index>{10, 10});
    std::ofstream out(truncated, std::ios::binary);
    out << header << std::string(399, '\0');  // one byte short
  }
  CHECK_THROWS_AS(NpyFileSource<float>(truncated), hilm::io_error);
}

TEST_CASE("npy source: check_finite names the row and column", "[sources][npy]") {
  const std::string path = npy_fixture("nonfinite_float32.npy");  // 4 × 3, NaN at (2, 1)
  NpyFileSource<float> lenient(path);
  RowMatrix<float> all(4, 3);
  CHECK(lenient.read(all) == 4);
  CHECK(std::isnan(all(2, 1)));

  hilm::test::TempDir dir;
  const std::string fortran = dir.file("f.npy");
  hilm::write_npy(fortran, all, {.fortran_order = true});
  for (const std::string& file : {path, fortran}) {
    INFO(file);
    NpyFileSource<float> strict(file, {.check_finite = true});
    RowMatrix<float> batch(2, 3);
    CHECK(strict.read(batch) == 2);  // rows 0-1 are finite
    try {
      (void)strict.read(batch);
      FAIL("expected an io_error");
    } catch (const hilm::io_error& e) {
      CHECK(e.path() == file);
      CHECK(std::string(e.what()).find("row 2, column 1") != std::string::npos);
    }
    CHECK(strict.position() == 2);
  }
}

TEST_CASE("npy source: resident memory stays bounded by the batch on a large file",
          "[sources][npy][memory]") {
  // 65536 × 1024 float32 = 256 MiB, 256 times the 1 MiB batch buffer.
  constexpr Index rows = 65536, cols = 1024;
  constexpr long mib = 1024;  // KiB per MiB
  hilm::test::TempDir dir;
  const std::string path = dir.file("big.npy");
  write_big_file(path, rows, cols);

  const long growth = stream_and_measure(path, rows, cols, {});
  INFO("VmRSS growth while streaming: " << growth / mib << " MiB");
  CHECK(growth < 64 * mib);

  // Negative controls: the same measurement sees the file when pages are kept mapped, and when the
  // file is read into memory.
  const long kept = stream_and_measure(path, rows, cols, {.release_pages = false});
  INFO("VmRSS growth without releasing pages: " << kept / mib << " MiB");
  CHECK(kept >= 200 * mib);

  const long before = resident_kib();
  const RowMatrix<float> whole = hilm::read_npy<float>(path);
  const long loaded = resident_kib() - before;
  INFO("VmRSS growth of read_npy: " << loaded / mib << " MiB");
  CHECK(loaded >= 200 * mib);
  CHECK(whole(rows - 1, cols - 1) == big_value(rows - 1, cols - 1));
}

TEST_CASE("npy source: Fortran-order files stream with bounded memory too",
          "[sources][npy][memory]") {
  // 262144 × 64 float32 stored column-major = 64 MiB; each batch gathers 64 column runs. (The
  // kernel maps up to 64 KiB around each fault, so the bound grows with the number of columns.)
  constexpr Index rows = 262144, cols = 64;
  constexpr long mib = 1024;
  hilm::test::TempDir dir;
  const std::string path = dir.file("big_f.npy");
  {
    const Index shape[2] = {rows, cols};
    const std::string header =
        hilm::make_npy_header(hilm::DType::Float32, shape, /*fortran_order=*/true);
    std::ofstream out(path, std::ios::binary);
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    std::vector<float> column(static_cast<std::size_t>(rows));
    for (Index j = 0; j < cols; ++j) {
      for (Index i = 0; i < rows; ++i) column[static_cast<std::size_t>(i)] = big_value(i, j);
      out.write(reinterpret_cast<const char*>(column.data()),
                static_cast<std::streamsize>(sizeof(float) * column.size()));
    }
    REQUIRE(out.good());
  }
  const long growth = stream_and_measure(path, rows, cols, {});
  INFO("VmRSS growth while streaming: " << growth / mib << " MiB");
  CHECK(growth < 16 * mib);
}

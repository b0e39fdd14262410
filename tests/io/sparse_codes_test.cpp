// Tests of include/hilm/io/sparse_codes.hpp and its zip/inflate parsers: scipy.sparse .npz
// fixtures (deflated CSR, stored CSC, a dense array; tests/data/npz/make_fixtures.py), the TopK
// .safetensors round trip, and every malformed input the readers must refuse.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <hilm/io/safetensors.hpp>
#include <hilm/io/sparse_codes.hpp>

#include "support/catch.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

using hilm::Index;
using hilm::test::bytes_of;
using hilm::test::read_file;

namespace {

std::string fixture(const std::string& name) {
  return std::string(HILM_TEST_DATA_DIR) + "/npz/" + name;
}

// The matrix of make_fixtures.py, rebuilt from its rule.
hilm::RowMatrix<float> expected_codes() {
  hilm::RowMatrix<float> x = hilm::RowMatrix<float>::Zero(40, 300);
  for (Index i = 0; i < 40; ++i) {
    for (Index t = 0; t < 5; ++t) {
      const Index c = (7 * i + 31 * t) % 300;
      x(i, c) =
          static_cast<float>(static_cast<double>(i + 1) * 0.5 + static_cast<double>(c) / 1000.0);
    }
  }
  return x;
}

void write_bytes(const std::string& path, const std::vector<std::byte>& b) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

// Finds `needle` (ASCII) in `b`; npos when absent.
std::size_t find(const std::vector<std::byte>& b, const std::string& needle) {
  const std::string s(reinterpret_cast<const char*>(b.data()), b.size());
  return s.find(needle);
}

template <class Call>
std::string io_error_of(Call&& call) {
  try {
    call();
  } catch (const hilm::io_error& e) {
    return e.what();
  }
  return "(no io_error)";
}

}  // namespace

TEST_CASE("read_sparse_codes reads scipy.sparse .npz files (deflated CSR, stored CSC, dense)",
          "[io]") {
  const auto want = expected_codes();
  for (const char* name : {"codes_csr.npz", "codes_csc.npz", "codes_dense.npz"}) {
    INFO(name);
    const auto got = hilm::read_sparse_codes(fixture(name));
    REQUIRE(got.rows() == 40);
    REQUIRE(got.cols() == 300);
    CHECK(got.nonZeros() == 200);
    CHECK(hilm::RowMatrix<float>(got) == want);
  }
  const std::string coo =
      io_error_of([] { (void)hilm::read_sparse_codes(fixture("codes_coo.npz")); });
  CHECK(coo.find("coo") != std::string::npos);
  CHECK(coo.find("codes_coo.npz") != std::string::npos);
}

TEST_CASE("read_sparse_codes refuses corrupt .npz archives, naming the file", "[io]") {
  hilm::test::TempDir dir;
  const auto good = bytes_of(read_file(fixture("codes_csr.npz")));
  const auto csc = bytes_of(read_file(fixture("codes_csc.npz")));
  const auto path = dir.file("bad.npz");
  auto error_for = [&](const std::vector<std::byte>& b) {
    write_bytes(path, b);
    return io_error_of([&] { (void)hilm::read_sparse_codes(path); });
  };
  // Truncated: the end-of-central-directory record is gone.
  auto cut = good;
  cut.resize(cut.size() / 2);
  CHECK(error_for(cut).find("bad.npz") != std::string::npos);
  // Not a zip at all.
  CHECK(error_for(bytes_of("hello, this is not an archive at all")).find("zip") !=
        std::string::npos);
  // A flipped payload byte of a stored member: the CRC check catches it.
  auto flipped = csc;
  const std::size_t data = find(flipped, "data.npy");
  REQUIRE(data != std::string::npos);
  flipped[data + 200] ^= std::byte{0x40};
  CHECK(error_for(flipped).find("CRC-32") != std::string::npos);
  // A corrupted deflate stream: refused (bad code, wrong size or CRC), never accepted.
  for (std::size_t at = 64; at < 480; at += 37) {  // inside the deflated indices.npy
    auto bad = good;
    bad[at] ^= std::byte{0x5A};
    const std::string e = error_for(bad);
    INFO(at << ": " << e);
    CHECK(e.find("bad.npz") != std::string::npos);
  }
  // The unmodified fixture still reads (the corruption, not the copy, caused the errors).
  write_bytes(path, good);
  CHECK(hilm::read_sparse_codes(path).nonZeros() == 200);
}

TEST_CASE("inflate decodes stored and fixed blocks and refuses malformed streams", "[io]") {
  const std::string where = "x.npz";
  auto bytes = [](std::initializer_list<int> v) {
    std::vector<std::byte> b;
    for (const int x : v) b.push_back(static_cast<std::byte>(x));
    return b;
  };
  // Final stored block of 3 bytes "abc" (RFC 1951 §3.2.4).
  const auto abc =
      hilm::detail::inflate(bytes({0x01, 0x03, 0x00, 0xFC, 0xFF, 'a', 'b', 'c'}), 3, where);
  CHECK(abc == bytes({'a', 'b', 'c'}));
  // Empty final fixed-Huffman block: 1, 01, then end-of-block 0000000.
  CHECK(hilm::detail::inflate(bytes({0x03, 0x00}), 0, where).empty());
  // Reserved block type, a bad stored length check, a stream that ends early, a size mismatch.
  CHECK_THROWS_AS(hilm::detail::inflate(bytes({0x07}), 0, where), hilm::io_error);
  CHECK_THROWS_AS(
      hilm::detail::inflate(bytes({0x01, 0x03, 0x00, 0xFC, 0xFE, 'a', 'b', 'c'}), 3, where),
      hilm::io_error);
  CHECK_THROWS_AS(hilm::detail::inflate(bytes({0x01, 0x03, 0x00, 0xFC, 0xFF, 'a'}), 3, where),
                  hilm::io_error);
  CHECK_THROWS_AS(
      hilm::detail::inflate(bytes({0x01, 0x03, 0x00, 0xFC, 0xFF, 'a', 'b', 'c'}), 2, where),
      hilm::io_error);
  CHECK(hilm::detail::crc32(bytes({'1', '2', '3', '4', '5', '6', '7', '8', '9'})) == 0xCBF43926U);
}

TEST_CASE("write_sparse_codes and read_sparse_codes round-trip the TopK .safetensors layout",
          "[io]") {
  hilm::test::TempDir dir;
  const auto dense = expected_codes();
  hilm::RowMatrix<float> wide = hilm::RowMatrix<float>::Zero(40, 320);  // last 20 columns empty
  wide.leftCols(300) = dense;
  const hilm::SparseRowMatrix<float> codes = wide.sparseView();
  const auto path = dir.file("z.safetensors");
  hilm::write_sparse_codes(path, codes);
  const auto file = hilm::SafetensorsFile::open(path);
  CHECK(file.info("indices").shape == std::vector<Index>{40, 5});
  CHECK(file.metadata().at("width") == "320");
  const auto back = hilm::read_sparse_codes(path);
  CHECK(back.cols() == 320);  // the width comes from the metadata, not the largest index
  CHECK(hilm::RowMatrix<float>(back) == wide);
  // .npy input is converted.
  const auto npy = dir.file("z.npy");
  hilm::write_npy(npy, dense);
  CHECK(hilm::RowMatrix<float>(hilm::read_sparse_codes(npy)) == dense);
}

TEST_CASE("read_sparse_codes refuses malformed TopK files", "[io]") {
  hilm::test::TempDir dir;
  const auto path = dir.file("z.safetensors");
  hilm::RowMatrix<std::int32_t> idx(2, 2);
  idx << 0, 1, 2, 3;
  hilm::RowMatrix<float> val(2, 2);
  val << 1, 2, 3, 4;
  auto write = [&](const hilm::RowMatrix<std::int32_t>& i, const hilm::RowMatrix<float>& v,
                   const std::string& width) {
    hilm::SafetensorsWriter w;
    w.add("indices", i);
    w.add("values", v);
    if (!width.empty()) w.set_metadata("width", width);
    w.write(path);
    return io_error_of([&] { (void)hilm::read_sparse_codes(path); });
  };
  CHECK(write(idx, val, "4") == "(no io_error)");  // the valid file reads
  CHECK(write(idx, val, "3").find("out of range") != std::string::npos);
  CHECK(write(idx, val, "x3").find("width") != std::string::npos);
  auto neg = idx;
  neg(1, 1) = -1;
  CHECK(write(neg, val, "").find("out of range") != std::string::npos);
  auto rep = idx;
  rep(1, 1) = 2;
  CHECK(write(rep, val, "4").find("repeated") != std::string::npos);
  auto nan = val;
  nan(0, 1) = std::numeric_limits<float>::quiet_NaN();
  const std::string e = write(idx, nan, "4");
  CHECK(e.find("non-finite") != std::string::npos);
  CHECK(e.find("z.safetensors") != std::string::npos);
  {
    hilm::SafetensorsWriter w;  // float indices
    w.add("indices", val);
    w.add("values", val);
    w.write(path);
    CHECK(io_error_of([&] { (void)hilm::read_sparse_codes(path); }).find("integers") !=
          std::string::npos);
  }
  CHECK_THROWS_AS(hilm::read_sparse_codes(dir.file("z.csv")), hilm::io_error);
  CHECK_THROWS_AS(hilm::read_sparse_codes(dir.file("missing.npz")), hilm::io_error);
}

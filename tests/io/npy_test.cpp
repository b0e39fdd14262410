// Tests of include/hilm/io/npy.hpp: numpy-written fixtures (tests/data/npy, made by
// make_fixtures.py) read back exactly, write → read round trips, byte-for-byte agreement with
// numpy's writer, the conversion policy, and every malformed-file case (always an io_error, never
// a crash).
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <hilm/core/random.hpp>
#include <hilm/io/npy.hpp>

#include "support/catch.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

namespace {

using hilm::DType;
using hilm::Index;
using hilm::RowMatrix;

using hilm::test::bytes_of;
using hilm::test::npy_fixture;

std::vector<std::byte> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> bytes(chars.size());
  if (!chars.empty()) std::memcpy(bytes.data(), chars.data(), chars.size());
  return bytes;
}

// A .npy file image from a header dictionary text and raw data, with a correct length field.
std::string npy_image(const std::string& dict, const std::string& data, int major = 1) {
  std::string out("\x93NUMPY", 6);
  out += static_cast<char>(major);
  out += '\0';
  const std::size_t len = dict.size();
  const int width = major == 1 ? 2 : 4;
  for (int i = 0; i < width; ++i) out += static_cast<char>((len >> (8 * i)) & 0xFFu);
  return out + dict + data;
}

template <class T>
std::string raw_le(std::initializer_list<T> values) {
  std::string out;
  for (T v : values) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    if constexpr (std::endian::native == std::endian::big) std::reverse(b, b + sizeof(T));
    out.append(b, sizeof(T));
  }
  return out;
}

// Runs `f`, requires an io_error whose message names `path` and contains `problem`.
void require_io_error(const std::function<void()>& f, const std::string& path,
                      const std::string& problem) {
  try {
    f();
  } catch (const hilm::io_error& e) {
    INFO("message: " << e.what());
    CHECK(e.path() == path);
    CHECK(std::string(e.what()).find(path) != std::string::npos);
    CHECK(std::string(e.what()).find(problem) != std::string::npos);
    return;
  } catch (const std::exception& e) {
    FAIL("expected hilm::io_error, got another exception: " << e.what());
  }
  FAIL("expected hilm::io_error containing '" << problem << "', nothing was thrown");
}

// The value make_fixtures.py stores at flat index k = 4 i + j of the (3, 4) grids.
template <class T>
T grid_value(Index k) {
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(static_cast<double>(k - 5) * 0.25);
  } else if constexpr (std::is_signed_v<T>) {
    constexpr int bits = 8 * sizeof(T);
    const auto m = static_cast<std::int64_t>((std::uint64_t{1} << (bits - 5)) + 1);
    return static_cast<T>((k - 5) * m);
  } else {
    constexpr int bits = 8 * sizeof(T);
    const std::uint64_t m = (std::uint64_t{1} << (bits - 4)) + 1;
    return static_cast<T>(static_cast<std::uint64_t>(k) * m);
  }
}

template <class T>
std::string type_name();
template <>
std::string type_name<std::int8_t>() {
  return "int8";
}
template <>
std::string type_name<std::int16_t>() {
  return "int16";
}
template <>
std::string type_name<std::int32_t>() {
  return "int32";
}
template <>
std::string type_name<std::int64_t>() {
  return "int64";
}
template <>
std::string type_name<std::uint8_t>() {
  return "uint8";
}
template <>
std::string type_name<std::uint16_t>() {
  return "uint16";
}
template <>
std::string type_name<std::uint32_t>() {
  return "uint32";
}
template <>
std::string type_name<std::uint64_t>() {
  return "uint64";
}
template <>
std::string type_name<float>() {
  return "float32";
}
template <>
std::string type_name<double>() {
  return "float64";
}

// Grid fixture names for a type: orders C/F, and endian le/be for multi-byte types.
std::vector<std::pair<std::string, std::pair<bool, bool>>> grid_files(const std::string& name,
                                                                      std::size_t size) {
  std::vector<std::pair<std::string, std::pair<bool, bool>>> files;
  for (const bool fortran : {false, true}) {
    const std::string base = "grid_" + name + (fortran ? "_F" : "_C");
    if (size == 1) {
      files.push_back({base + ".npy", {fortran, false}});
    } else {
      files.push_back({base + "_le.npy", {fortran, false}});
      files.push_back({base + "_be.npy", {fortran, true}});
    }
  }
  return files;
}

template <class Derived>
RowMatrix<typename Derived::Scalar> as_row(const Eigen::MatrixBase<Derived>& m) {
  return m;
}

}  // namespace

TEMPLATE_TEST_CASE("npy: numpy grid fixtures read back exactly", "[io][npy]", std::int8_t,
                   std::int16_t, std::int32_t, std::int64_t, std::uint8_t, std::uint16_t,
                   std::uint32_t, std::uint64_t, float, double) {
  using T = TestType;
  for (const auto& [name, layout] : grid_files(type_name<T>(), sizeof(T))) {
    const std::string path = npy_fixture(name);
    INFO(name);
    const auto h = hilm::read_npy_header(path);
    CHECK(h.dtype == hilm::dtype_of<T>());
    CHECK(h.fortran_order == layout.first);
    CHECK(h.big_endian == layout.second);
    CHECK(h.shape == std::vector<Index>{3, 4});
    CHECK(h.major_version == 1);
    CHECK(h.minor_version == 0);
    CHECK(h.data_offset % 64 == 0);
    CHECK(h.size() == 12);
    const RowMatrix<T> m = hilm::read_npy<T>(path);
    REQUIRE(m.rows() == 3);
    REQUIRE(m.cols() == 4);
    for (Index i = 0; i < 3; ++i) {
      for (Index j = 0; j < 4; ++j) CHECK(m(i, j) == grid_value<T>(4 * i + j));
    }
    // The same bytes through the in-memory parser.
    CHECK(hilm::parse_npy<T>(file_bytes(path), path) == m);
    if constexpr (sizeof(T) <= 4 || std::is_floating_point_v<T>) {
      const RowMatrix<double> d = hilm::read_npy<double>(path);
      CHECK(d == m.template cast<double>());
    } else {
      // Every non-zero grid value of the 64-bit types needs more than 53 bits.
      require_io_error([&] { (void)hilm::read_npy<double>(path); }, path, "cannot be represented");
    }
  }
}

TEST_CASE("npy: bool and float16 fixtures", "[io][npy]") {
  for (const auto& [name, layout] : grid_files("bool", 1)) {
    const std::string path = npy_fixture(name);
    INFO(name);
    const auto h = hilm::read_npy_header(path);
    CHECK(h.dtype == DType::Bool);
    CHECK(h.descr == "|b1");
    CHECK_FALSE(h.big_endian);
    const auto m = hilm::read_npy<int>(path);
    const auto f = hilm::read_npy<float>(path);
    for (Index k = 0; k < 12; ++k) {
      CHECK(m(k / 4, k % 4) == (k % 3 == 0 ? 1 : 0));
      CHECK(f(k / 4, k % 4) == (k % 3 == 0 ? 1.0f : 0.0f));
    }
  }
  for (const auto& [name, layout] : grid_files("float16", 2)) {
    const std::string path = npy_fixture(name);
    INFO(name);
    const auto h = hilm::read_npy_header(path);
    CHECK(h.dtype == DType::Float16);
    CHECK(h.big_endian == layout.second);
    const auto m = hilm::read_npy<float>(path);
    for (Index k = 0; k < 12; ++k) CHECK(m(k / 4, k % 4) == grid_value<float>(k));
    CHECK(hilm::read_npy<double>(path) == m.cast<double>());
  }
}

TEST_CASE("npy: format versions 2.0 and 3.0", "[io][npy]") {
  const std::string v2 = npy_fixture("version2_float64.npy");
  const auto h2 = hilm::read_npy_header(v2);
  CHECK(h2.major_version == 2);
  CHECK(h2.data_offset % 64 == 0);
  const auto m2 = hilm::read_npy<double>(v2);
  const std::string v3 = npy_fixture("version3_float32_F.npy");
  const auto h3 = hilm::read_npy_header(v3);
  CHECK(h3.major_version == 3);
  CHECK(h3.fortran_order);
  const auto m3 = hilm::read_npy<float>(v3);
  REQUIRE(m2.rows() == 3);
  REQUIRE(m3.cols() == 4);
  for (Index k = 0; k < 12; ++k) {
    CHECK(m2(k / 4, k % 4) == grid_value<double>(k));
    CHECK(m3(k / 4, k % 4) == grid_value<float>(k));
  }
}

TEST_CASE("npy: 0-d, 1-d, empty and 3-d arrays", "[io][npy]") {
  const auto s = hilm::read_npy<double>(npy_fixture("scalar_0d_float64.npy"));
  CHECK(hilm::read_npy_header(npy_fixture("scalar_0d_float64.npy")).shape.empty());
  REQUIRE(s.rows() == 1);
  REQUIRE(s.cols() == 1);
  CHECK(s(0, 0) == 3.5);

  const auto v = hilm::read_npy<std::int32_t>(npy_fixture("vector_1d_int32.npy"));
  REQUIRE(v.rows() == 5);
  REQUIRE(v.cols() == 1);
  for (Index i = 0; i < 5; ++i) CHECK(v(i, 0) == 10 * (i + 1));

  const auto e = hilm::read_npy<float>(npy_fixture("empty_0x3_float32.npy"));
  CHECK(e.rows() == 0);
  CHECK(e.cols() == 3);

  const std::string three = npy_fixture("three_d_float32.npy");
  CHECK(hilm::read_npy_header(three).shape == std::vector<Index>{2, 3, 4});
  require_io_error([&] { (void)hilm::read_npy<float>(three); }, three,
                   "expected a 1-d or 2-d array, got shape (2, 3, 4)");
}

TEST_CASE("npy: conversion is exact or an error naming the file", "[io][npy]") {
  const std::string big = npy_fixture("int64_beyond_2p53.npy");
  const auto exact = hilm::read_npy<std::int64_t>(big);
  const std::int64_t p53 = std::int64_t{1} << 53;
  CHECK(exact(0, 0) == 1);
  CHECK(exact(1, 0) == p53);
  CHECK(exact(2, 0) == p53 + 1);
  CHECK(exact(3, 0) == -(p53 + 1));
  // 2^53 + 1 is the first integer a double cannot hold: element 2 is named.
  require_io_error([&] { (void)hilm::read_npy<double>(big); }, big, "element 2");

  const std::string umax = npy_fixture("uint64_max.npy");
  const auto u = hilm::read_npy<std::uint64_t>(umax);
  CHECK(u(1, 0) == std::numeric_limits<std::uint64_t>::max());
  require_io_error([&] { (void)hilm::read_npy<std::int64_t>(umax); }, umax, "element 1");
  require_io_error([&] { (void)hilm::read_npy<double>(umax); }, umax, "element 1");

  const std::string range = npy_fixture("float64_out_of_float32_range.npy");
  CHECK(hilm::read_npy<double>(range)(1, 0) == 1e300);
  require_io_error([&] { (void)hilm::read_npy<float>(range); }, range, "element 1");

  const std::string inexact = npy_fixture("float64_inexact_in_float32.npy");
  CHECK(hilm::read_npy<float>(inexact)(1, 0) == 0.1f);  // rounds, as numpy's astype
  require_io_error([&] { (void)hilm::read_npy<float>(inexact, hilm::Conversion::Exact); }, inexact,
                   "element 1");

  const auto f16 = hilm::read_npy<float>(npy_fixture("float16_special.npy"));
  CHECK(std::isinf(f16(0, 0)));
  CHECK(f16(0, 0) > 0);
  CHECK(std::isinf(f16(1, 0)));
  CHECK(f16(1, 0) < 0);
  CHECK(std::isnan(f16(2, 0)));
  CHECK(f16(3, 0) == std::ldexp(1.0f, -24));
  CHECK(f16(4, 0) == 65504.0f);
  CHECK(f16(5, 0) == 0.0f);
  CHECK(std::signbit(f16(5, 0)));
}

TEST_CASE("npy: unsupported dtypes are named", "[io][npy]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"unsupported_complex64.npy", "unsupported dtype '<c8'"},
      {"unsupported_bytes.npy", "unsupported dtype '|S3'"},
      {"unsupported_unicode.npy", "unsupported dtype '<U2'"},
      {"unsupported_datetime.npy", "unsupported dtype '<M8[D]'"},
      {"unsupported_structured.npy", "structured"}};
  for (const auto& [name, problem] : cases) {
    const std::string path = npy_fixture(name);
    INFO(name);
    require_io_error([&] { (void)hilm::read_npy_header(path); }, path, problem);
    require_io_error([&] { (void)hilm::read_npy<double>(path); }, path, problem);
  }
}

TEST_CASE("npy: header dictionary variants numpy's reader accepts", "[io][npy]") {
  const std::string two = raw_le<float>({1.5f, -2.0f});
  struct Case {
    std::string dict;
    DType dtype;
    bool fortran;
    std::vector<Index> shape;
  };
  constexpr bool native_big = std::endian::native == std::endian::big;
  const std::vector<Case> cases = {
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", DType::Float32, false, {2}},
      {"{'shape': (2,), 'fortran_order': False, 'descr': '<f4'}", DType::Float32, false, {2}},
      {"{ \"descr\" : \"<f4\" ,\t'fortran_order':True,'shape':(1,2)}\n",
       DType::Float32,
       true,
       {1, 2}},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 1L), }",
       DType::Float32,
       false,
       {2, 1}},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2,), }      \n",
       DType::Float32,
       false,
       {1, 2}},
  };
  for (const auto& c : cases) {
    INFO(c.dict);
    const auto bytes = bytes_of(npy_image(c.dict, two));
    const auto h = hilm::parse_npy_header(bytes, "mem.npy");
    CHECK(h.dtype == c.dtype);
    CHECK(h.fortran_order == c.fortran);
    CHECK(h.shape == c.shape);
    CHECK(h.data_offset == bytes.size() - 8);
    const auto m = hilm::parse_npy<double>(bytes, "mem.npy");
    CHECK(m.size() == 2);
    CHECK(m(0) == 1.5);
    CHECK(m(1) == -2.0);
  }
  // Byte-order and boolean spellings.
  const std::vector<std::pair<std::string, std::pair<DType, bool>>> descrs = {
      {"=f4", {DType::Float32, native_big}}, {"|f4", {DType::Float32, native_big}},
      {"f4", {DType::Float32, native_big}},  {">f4", {DType::Float32, true}},
      {"<?", {DType::Bool, false}},          {"|?", {DType::Bool, false}},
      {"|b1", {DType::Bool, false}},         {">u1", {DType::UInt8, false}},
      {"<f2", {DType::Float16, false}},      {">i8", {DType::Int64, true}}};
  for (const auto& [descr, expected] : descrs) {
    INFO(descr);
    const auto h = hilm::parse_npy_header(
        bytes_of(npy_image("{'descr': '" + descr + "', 'fortran_order': False, 'shape': (), }",
                           std::string(8, '\0'))));
    CHECK(h.dtype == expected.first);
    CHECK(h.big_endian == expected.second);
    CHECK(h.descr == descr);
  }
  // Big-endian float data decoded correctly from a hand-made image.
  std::string be = raw_le<float>({3.25f});
  std::reverse(be.begin(), be.end());
  const auto m = hilm::parse_npy<float>(
      bytes_of(npy_image("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", be)));
  CHECK(m(0, 0) == 3.25f);
}

TEST_CASE("npy: malformed input is an io_error naming the file", "[io][npy]") {
  const std::string path = "mem.npy";
  const std::string good_dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
  const std::string data = raw_le<double>({1.0, 2.0});
  auto header_of = [&](const std::string& dict) { return npy_image(dict, data); };
  auto with_shape = [&](const std::string& shape) {
    return header_of("{'descr': '<f8', 'fortran_order': False, 'shape': " + shape + ", }");
  };
  std::string wrong_version = header_of(good_dict);
  wrong_version[6] = '\x04';
  std::string minor_version = header_of(good_dict);
  minor_version[7] = '\x01';
  std::string zero_version = header_of(good_dict);
  zero_version[6] = '\x00';
  std::string long_header = header_of(good_dict);
  long_header[8] = '\xFF';
  long_header[9] = '\x7F';
  const std::string v2 = npy_image(good_dict, data, 2);
  std::string sixty_five_axes = "(";
  for (int i = 0; i < 65; ++i) sixty_five_axes += "1, ";
  sixty_five_axes += ")";
  std::string with_nul = "{'descr': '<f8',";
  with_nul += '\0';
  with_nul += " 'fortran_order': False, 'shape': (2,)}";
  std::string v2_long = v2;
  v2_long[11] = '\x01';

  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "too short"},
      {std::string("\x93NUM", 4), "too short"},
      {"PK\x03\x04 zip archive, not npy", "magic"},
      {std::string("\x93NUMPX\x01\x00", 8) + good_dict, "magic"},
      {wrong_version, "unsupported .npy format version 4.0"},
      {minor_version, "unsupported .npy format version 1.1"},
      {zero_version, "unsupported .npy format version 0.0"},
      {std::string("\x93NUMPY\x01\x00\x10", 9), "header length field"},
      {std::string("\x93NUMPY\x02\x00\x10\x00\x00", 11), "header length field"},
      {long_header, "header length 32767 runs past the end"},
      {v2_long, "runs past the end"},
      {header_of(good_dict).substr(0, 10 + good_dict.size() + 9), "truncated"},
      {with_shape("(3,)"), "truncated"},
      {header_of("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }"),
       "unsupported dtype '<c8'"},
      {header_of("{'descr': '<f16', 'fortran_order': False, 'shape': (1,), }"),
       "unsupported dtype '<f16'"},
      {header_of("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }"),
       "structured"},
      {header_of("{'descr': 5, 'fortran_order': False, 'shape': (1,), }"), "unsupported dtype"},
      {header_of("'descr': '<f8', 'fortran_order': False, 'shape': (2,), }"), "must start with"},
      {header_of("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), "), "end of the header"},
      {header_of("{'descr': '<f8', 'fortran_order': False}"), "missing key 'shape'"},
      {header_of("{'fortran_order': False, 'shape': (2,)}"), "missing key 'descr'"},
      {header_of("{'descr': '<f8', 'shape': (2,)}"), "missing key 'fortran_order'"},
      {header_of("{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (2,)}"),
       "duplicate key 'descr'"},
      {header_of("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'x': 1}"),
       "unexpected key 'x'"},
      {header_of("{'descr': '<f8', 'fortran_order': maybe, 'shape': (2,)}"), "True or False"},
      {header_of("{'descr': '<f8' 'fortran_order': False, 'shape': (2,)}"), "expected ','"},
      {header_of("{'descr' '<f8', 'fortran_order': False, 'shape': (2,)}"), "expected ':'"},
      {header_of("{descr: '<f8', 'fortran_order': False, 'shape': (2,)}"), "quoted key"},
      {header_of("{'descr: '<f8', 'fortran_order': False, 'shape': (2,)}"), "malformed"},
      {header_of(good_dict + " x"), "after the closing"},
      {header_of(with_nul), "malformed"},
      {with_shape("[2]"), "must be a tuple"},
      {with_shape("(2)"), "must be a tuple such as (5,)"},
      {with_shape("2"), "must be a tuple"},
      {with_shape("(-1,)"), "negative"},
      {with_shape("(2, -3)"), "negative"},
      {with_shape("(2.5,)"), "expected ',' or ')'"},
      {with_shape("(a,)"), "non-negative integers"},
      {with_shape("(,)"), "non-negative integers"},
      {with_shape("(2,,)"), "non-negative integers"},
      {with_shape("(99999999999999999999,)"), "absurd"},
      {with_shape("(1099511627776, 1099511627776, 1099511627776)"), "too large"},
      {with_shape(sixty_five_axes), "more than 64 dimensions"},
      {header_of("{'descr': " + std::string(200, '[') + std::string(200, ']') +
                 ", 'fortran_order': False, 'shape': (2,)}"),
       "nested too deeply"},
  };
  for (const auto& [image, problem] : cases) {
    INFO("problem: " << problem);
    const auto bytes = bytes_of(image);
    require_io_error([&] { (void)hilm::parse_npy_header(bytes, path); }, path, problem);
    require_io_error([&] { (void)hilm::parse_npy<double>(bytes, path); }, path, problem);
  }
  // The same checks through the file reader, which reads only the header.
  hilm::test::TempDir dir;
  const std::string file = dir.file("bad.npy");
  {
    std::ofstream out(file, std::ios::binary);
    out << with_shape("(3,)");
  }
  require_io_error([&] { (void)hilm::read_npy_header(file); }, file, "truncated");
  require_io_error([&] { (void)hilm::read_npy<float>(file); }, file, "truncated");
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << long_header;
  }
  require_io_error([&] { (void)hilm::read_npy_header(file); }, file, "runs past the end");
  require_io_error([&] { (void)hilm::read_npy<float>(dir.file("missing.npy")); },
                   dir.file("missing.npy"), "cannot open");
  require_io_error([&] { (void)hilm::read_npy<float>(dir.path().string()); }, dir.path().string(),
                   "not a regular file");
}

TEST_CASE("npy: every truncation and random corruption of a valid file is an io_error",
          "[io][npy]") {
  const std::vector<std::string> sources = {"grid_float64_F_be.npy", "grid_int16_C_le.npy",
                                            "version3_float32_F.npy", "scalar_0d_float64.npy"};
  hilm::Random rng(hilm::test::seed(11));
  int decoded = 0, rejected = 0;
  auto attempt = [&](const std::vector<std::byte>& bytes) {
    try {
      (void)hilm::parse_npy<double>(bytes, "fuzz.npy");
      (void)hilm::parse_npy<float>(bytes, "fuzz.npy");
      ++decoded;
    } catch (const hilm::io_error&) {
      ++rejected;
    }
    // Any other exception escapes and fails the test; a crash fails it too.
  };
  for (const auto& name : sources) {
    const auto original = file_bytes(npy_fixture(name));
    for (std::size_t n = 0; n < original.size(); ++n) {
      std::vector<std::byte> cut(original.begin(), original.begin() + static_cast<long>(n));
      const auto before = rejected;
      attempt(cut);
      CHECK(rejected == before + 1);  // every strict prefix is missing data
    }
    for (int trial = 0; trial < 500; ++trial) {
      auto bytes = original;
      const int edits = 1 + static_cast<int>(rng.uniform_index(4));
      for (int e = 0; e < edits; ++e) {
        const auto at = static_cast<std::size_t>(rng.uniform_index(bytes.size()));
        bytes[at] = static_cast<std::byte>(rng.uniform_index(256));
      }
      attempt(bytes);
    }
  }
  CHECK(decoded > 0);  // mutations of the padding or data still decode
  CHECK(rejected > 0);
}

TEMPLATE_TEST_CASE("npy: write then read round trips", "[io][npy]", bool, std::int8_t, std::int16_t,
                   std::int32_t, std::int64_t, std::uint8_t, std::uint16_t, std::uint32_t,
                   std::uint64_t, float, double) {
  using T = TestType;
  hilm::Random rng(
      hilm::test::seed(sizeof(T) * 7 + std::is_signed_v<T> + 2 * std::is_floating_point_v<T>));
  auto draw = [&]() -> T {
    if constexpr (std::same_as<T, bool>) {
      return rng.bernoulli(0.5);
    } else if constexpr (std::is_floating_point_v<T>) {
      return static_cast<T>(rng.normal() * 1e3);
    } else {
      return static_cast<T>(rng());  // the full range of the type
    }
  };
  hilm::test::TempDir dir;
  const std::vector<std::pair<Index, Index>> shapes = {{5, 3}, {1, 7}, {6, 1}, {0, 4}};
  for (const auto& [rows, cols] : shapes) {
    hilm::Matrix<T> m(rows, cols);  // column-major source: the writer handles either layout
    for (Index j = 0; j < cols; ++j) {
      for (Index i = 0; i < rows; ++i) m(i, j) = draw();
    }
    for (const bool fortran : {false, true}) {
      for (const bool big : {false, true}) {
        INFO(rows << " x " << cols << (fortran ? " F" : " C") << (big ? " big" : " little"));
        const std::string path = dir.file("m.npy");
        hilm::write_npy(path, m, {.fortran_order = fortran, .big_endian = big});
        const auto h = hilm::read_npy_header(path);
        CHECK(h.dtype == hilm::dtype_of<T>());
        CHECK(h.fortran_order == fortran);
        CHECK(h.big_endian == (big && sizeof(T) > 1));
        CHECK(h.shape == std::vector<Index>{rows, cols});
        CHECK(h.data_offset % 64 == 0);
        CHECK(std::filesystem::file_size(path) == h.data_offset + h.data_bytes());
        if constexpr (std::same_as<T, bool>) {
          CHECK(hilm::read_npy<std::uint8_t>(path) == as_row(m.template cast<std::uint8_t>()));
        } else {
          CHECK(hilm::read_npy<T>(path) == as_row(m));
        }
      }
    }
  }
  // Expressions are evaluated, not referenced.
  if constexpr (std::is_floating_point_v<T>) {
    hilm::Matrix<T> a = hilm::Matrix<T>::Identity(3, 3);
    const std::string path = dir.file("expr.npy");
    hilm::write_npy(path, (a * T(2)).transpose().block(0, 1, 3, 2));
    const auto back = hilm::read_npy<T>(path);
    REQUIRE(back.rows() == 3);
    REQUIRE(back.cols() == 2);
    CHECK(back(1, 0) == T(2));
    CHECK(back(2, 1) == T(2));
    CHECK(back(0, 0) == T(0));
  }
}

TEST_CASE("npy: files written by hilm are byte-identical to numpy's", "[io][npy]") {
  hilm::test::TempDir dir;
  const std::string out = dir.file("same.npy");
  auto compare = [&](const auto& m, const std::string& name, bool fortran, bool big) {
    INFO(name);
    hilm::write_npy(out, m, {.fortran_order = fortran, .big_endian = big});
    CHECK(file_bytes(out) == file_bytes(npy_fixture(name)));
  };
  auto grid_of = [](auto zero) {
    using T = decltype(zero);
    RowMatrix<T> m(3, 4);
    for (Index k = 0; k < 12; ++k) {
      if constexpr (std::same_as<T, bool>) {
        m(k / 4, k % 4) = k % 3 == 0;
      } else {
        m(k / 4, k % 4) = grid_value<T>(k);
      }
    }
    return m;
  };
  auto all = [&](auto zero, const std::string& name) {
    for (const auto& [file, layout] : grid_files(name, sizeof(zero))) {
      compare(grid_of(zero), file, layout.first, layout.second);
    }
  };
  all(false, "bool");
  all(std::int8_t{}, "int8");
  all(std::int16_t{}, "int16");
  all(std::int32_t{}, "int32");
  all(std::int64_t{}, "int64");
  all(std::uint8_t{}, "uint8");
  all(std::uint16_t{}, "uint16");
  all(std::uint32_t{}, "uint32");
  all(std::uint64_t{}, "uint64");
  all(float{}, "float32");
  all(double{}, "float64");

  Eigen::Matrix<std::int32_t, 1, Eigen::Dynamic> v(5);
  v << 10, 20, 30, 40, 50;
  hilm::write_npy_vector(out, v);
  CHECK(file_bytes(out) == file_bytes(npy_fixture("vector_1d_int32.npy")));
  hilm::write_npy_vector(out, v.transpose());  // a column works too
  CHECK(file_bytes(out) == file_bytes(npy_fixture("vector_1d_int32.npy")));
  hilm::write_npy(out, RowMatrix<float>(0, 3));
  CHECK(file_bytes(out) == file_bytes(npy_fixture("empty_0x3_float32.npy")));
}

TEST_CASE("npy: writer argument checks and atomic failure", "[io][npy]") {
  hilm::test::TempDir dir;
  CHECK_THROWS_AS(hilm::write_npy_vector(dir.file("v.npy"), RowMatrix<float>(2, 2)),
                  hilm::invalid_argument);
  CHECK_FALSE(std::filesystem::exists(dir.file("v.npy")));
  const std::string nowhere = dir.file("no/such/dir/x.npy");
  require_io_error([&] { hilm::write_npy(nowhere, RowMatrix<float>(2, 2)); }, nowhere,
                   "cannot create");

  const Index negative[2] = {2, -1};
  CHECK_THROWS_AS(hilm::make_npy_header(DType::Float32, negative), hilm::invalid_argument);
  const Index shape[1] = {3};
  CHECK_THROWS_AS(hilm::make_npy_header(DType::BFloat16, shape), hilm::invalid_argument);
}

TEST_CASE("npy: header writer alignment and the 2.0 fallback", "[io][npy]") {
  // Every header length modulo 64 is exercised by growing the first axis' digit count.
  for (Index first : {Index{0}, Index{7}, Index{123456}, Index{1} << 40}) {
    for (std::size_t axes = 0; axes <= 8; ++axes) {
      std::vector<Index> shape(axes, 3);
      if (axes > 0) shape[0] = first;
      for (const bool fortran : {false, true}) {
        const std::string h = hilm::make_npy_header(DType::Float64, shape, fortran);
        INFO(h);
        CHECK(h.size() % 64 == 0);
        CHECK(h.back() == '\n');
        CHECK(h[6] == '\x01');
        // The header parses back to the same description (data of size 0 or not needed).
        const auto parsed = hilm::detail::parse_npy_header_in_file(
            bytes_of(h), std::numeric_limits<std::uint64_t>::max() / 2, "h.npy");
        CHECK(parsed.shape == shape);
        CHECK(parsed.fortran_order == fortran);
        CHECK(parsed.data_offset == h.size());
      }
    }
  }
  // A dictionary longer than 65535 bytes (only possible with absurdly many axes) needs 2.0.
  const std::vector<Index> many(30000, 1);
  const std::string h = hilm::make_npy_header(DType::UInt8, many);
  CHECK(h[6] == '\x02');
  CHECK(h.size() % 64 == 0);
  std::uint32_t len = 0;
  for (int i = 3; i >= 0; --i) {
    len = (len << 8) | static_cast<unsigned char>(h[static_cast<std::size_t>(8 + i)]);
  }
  CHECK(len + 12 == h.size());
}

// Tests of include/hilm/io/safetensors.hpp: a fixture written by Python from the format
// description, round trips of every dtype, float16/bfloat16 rounding, deterministic bytes (checked
// against byte strings from the reference implementation's own tests), and every malformed case.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <hilm/core/random.hpp>
#include <hilm/io/safetensors.hpp>

#include "support/catch.hpp"
#include "support/files.hpp"
#include "support/messages.hpp"
#include "support/temp_dir.hpp"

namespace {

using hilm::DType;
using hilm::Index;
using hilm::SafetensorsFile;
using hilm::SafetensorsWriter;

using hilm::test::bytes_of;
using hilm::test::read_file;

std::string to_string(const std::vector<std::byte>& b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

// A file with the given header text and `data_bytes` zero bytes of data; `n` overrides the
// stored header length.
std::vector<std::byte> make_file(const std::string& header, std::size_t data_bytes,
                                 std::optional<std::uint64_t> n = std::nullopt) {
  const std::uint64_t len = n.value_or(header.size());
  std::string out;
  for (int i = 0; i < 8; ++i) out += static_cast<char>((len >> (8 * i)) & 0xFF);
  out += header;
  out.append(data_bytes, '\0');
  return bytes_of(out);
}

using hilm::test::contains;
using hilm::test::message_of;

std::string fixture() {
  return std::string(HILM_TEST_DATA_DIR) + "/safetensors/python_fixture.safetensors";
}

}  // namespace

TEST_CASE("safetensors: reads the Python-written fixture exactly", "[io][safetensors]") {
  const auto file = SafetensorsFile::open(fixture());
  CHECK(file.metadata().size() == 2);
  CHECK(file.metadata().at("format") == "pt");
  CHECK(file.metadata().at("source") == "make_fixtures.py");

  // File order is offset order, which the script made insertion order.
  const std::vector<std::string> order = {"f32", "f64",     "f16",     "bf16",   "i8",   "i16",
                                          "i32", "i64",     "i64_big", "u8",     "u16",  "u32",
                                          "u64", "u64_max", "bool",    "scalar", "cube", "empty"};
  REQUIRE(file.tensors().size() == order.size());
  for (std::size_t i = 0; i < order.size(); ++i) CHECK(file.tensors()[i].name == order[i]);

  SECTION("float32") {
    CHECK(file.info("f32").dtype == DType::Float32);
    CHECK(file.info("f32").shape == std::vector<Index>{3, 4});
    const auto m = file.matrix<float>("f32");
    REQUIRE(m.rows() == 3);
    REQUIRE(m.cols() == 4);
    for (Index i = 0; i < 3; ++i) {
      for (Index j = 0; j < 4; ++j)
        CHECK(m(i, j) == static_cast<float>(static_cast<double>(i * 4 + j) * 0.25 - 1.5));
    }
  }
  SECTION("float64, and float32 narrowing refuses 1e300") {
    const auto m = file.matrix<double>("f64");
    CHECK(m(0, 0) == 0.1);
    CHECK(m(0, 1) == -2.5);
    CHECK(m(0, 2) == 1e300);
    CHECK(m(1, 0) == 5e-324);
    CHECK(m(1, 1) == 0.0);
    CHECK(std::signbit(m(1, 1)));
    CHECK(m(1, 2) == 1.0 / 3.0);
    const auto msg = message_of<hilm::io_error>([&] { (void)file.matrix<float>("f64"); });
    CHECK(contains(msg, fixture()));
    CHECK(contains(msg, "'f64'"));
  }
  SECTION("float16 (1-d → column)") {
    const auto m = file.matrix<float>("f16");
    REQUIRE(m.rows() == 5);
    REQUIRE(m.cols() == 1);
    CHECK(m(0, 0) == 1.0f);
    CHECK(m(1, 0) == -0.5f);
    CHECK(m(2, 0) == 65504.0f);
    CHECK(m(3, 0) == std::ldexp(1.0f, -14));
    CHECK(m(4, 0) == std::ldexp(1.0f, -24));
  }
  SECTION("bfloat16") {
    const auto m = file.matrix<double>("bf16");
    REQUIRE(m.rows() == 2);
    REQUIRE(m.cols() == 3);
    CHECK(m(0, 0) == 1.0);
    CHECK(m(0, 1) == -2.0);
    CHECK(m(0, 2) == 3.140625);
    CHECK(m(1, 0) == std::ldexp(1.0, 100));
    CHECK(m(1, 1) == -std::ldexp(1.0, -100));
    CHECK(m(1, 2) == 0.0);
  }
  SECTION("signed integers") {
    CHECK(file.vector<double>("i8") == hilm::Vector<double>{{-128.0, 127.0, 0.0, -1.0}});
    const auto i16 = file.matrix<double>("i16");
    CHECK(i16(0, 0) == -32768.0);
    CHECK(i16(0, 1) == 32767.0);
    CHECK(i16(1, 0) == 7.0);
    CHECK(i16(1, 1) == -7.0);
    const auto i32 = file.vector<double>("i32");  // 1 × 3 tensor read as a vector
    CHECK(i32 == hilm::Vector<double>{{-2147483648.0, 2147483647.0, 12345.0}});
    const auto i64 = file.vector<double>("i64");
    CHECK(i64(0) == std::ldexp(1.0, 53));
    CHECK(i64(1) == -std::ldexp(1.0, 53));
    CHECK(i64(2) == 123456789012.0);
    CHECK(i64(3) == -1.0);
  }
  SECTION("int64 above 2^53 is refused as double but read exactly as int64") {
    const auto msg = message_of<hilm::io_error>([&] { (void)file.matrix<double>("i64_big"); });
    CHECK(contains(msg, "'i64_big'"));
    CHECK(file.matrix<std::int64_t>("i64_big")(0, 0) == (std::int64_t{1} << 53) + 1);
  }
  SECTION("unsigned integers") {
    CHECK(file.vector<double>("u8") == hilm::Vector<double>{{0.0, 200.0, 255.0}});
    CHECK(file.vector<double>("u16") == hilm::Vector<double>{{0.0, 65535.0}});
    CHECK(file.vector<double>("u32") == hilm::Vector<double>{{0.0, 4294967295.0}});
    CHECK(file.vector<double>("u64") == hilm::Vector<double>{{0.0, std::ldexp(1.0, 53)}});
    CHECK_THROWS_AS(file.vector<double>("u64_max"), hilm::io_error);
    CHECK(file.vector<std::uint64_t>("u64_max")(0) == std::numeric_limits<std::uint64_t>::max());
    CHECK_THROWS_AS(file.vector<std::uint8_t>("u16"), hilm::io_error);  // 65535 does not fit
  }
  SECTION("bool, 0-d, 3-d, empty") {
    CHECK(file.info("bool").dtype == DType::Bool);
    CHECK(file.vector<float>("bool") == hilm::Vector<float>{{1.0f, 0.0f, 1.0f}});
    CHECK(file.info("scalar").shape.empty());
    const auto s = file.matrix<double>("scalar");
    REQUIRE(s.rows() == 1);
    REQUIRE(s.cols() == 1);
    CHECK(s(0, 0) == 42.5);
    CHECK(file.vector<double>("scalar").size() == 1);
    const auto msg = message_of<hilm::io_error>([&] { (void)file.matrix<float>("cube"); });
    CHECK(contains(msg, "'cube'"));
    CHECK(contains(msg, "[2, 2, 2]"));
    CHECK_THROWS_AS(file.vector<float>("cube"), hilm::io_error);
    CHECK_THROWS_AS(file.vector<float>("f32"), hilm::io_error);  // 3 × 4 is not a vector
    CHECK(file.bytes("cube").size() == 32);
    const auto e = file.matrix<float>("empty");
    CHECK(e.rows() == 0);
    CHECK(e.cols() == 3);
  }
  SECTION("a missing tensor names the file and the tensor") {
    CHECK_FALSE(file.contains("W_enc"));
    CHECK(file.contains("f32"));
    const auto msg = message_of<hilm::io_error>([&] { (void)file.matrix<float>("W_enc"); });
    CHECK(contains(msg, fixture()));
    CHECK(contains(msg, "'W_enc'"));
  }
}

TEST_CASE("safetensors: every dtype round-trips exactly", "[io][safetensors]") {
  hilm::Random rng(hilm::test::seed(101));
  const DType all[] = {DType::Bool,   DType::Int8,    DType::Int16,    DType::Int32,
                       DType::Int64,  DType::UInt8,   DType::UInt16,   DType::UInt32,
                       DType::UInt64, DType::Float16, DType::BFloat16, DType::Float32,
                       DType::Float64};
  hilm::test::TempDir dir;
  for (DType t : all) {
    INFO(hilm::dtype_name(t));
    // Values representable exactly in `t` (and in double): random bit patterns for the floating
    // types, random integers in range (|x| ≤ 2^53) otherwise.
    hilm::RowMatrix<double> m(5, 7);
    for (Index i = 0; i < m.size(); ++i) {
      double v = 0;
      const auto bits = static_cast<std::uint16_t>(rng.uniform_index(65536));
      switch (t) {
        case DType::Bool:
          v = rng.bernoulli(0.5) ? 1.0 : 0.0;
          break;
        case DType::Float16:
          v = hilm::half_to_float(bits);
          if (!std::isfinite(v)) v = 2.0;
          break;
        case DType::BFloat16:
          v = hilm::bfloat16_to_float(bits);
          if (!std::isfinite(v)) v = -3.0;
          break;
        case DType::Float32:
          v = static_cast<float>(rng.normal() * 1e3);
          break;
        case DType::Float64:
          v = rng.normal() * 1e-3;
          break;
        default: {
          const int bytes = static_cast<int>(hilm::dtype_size(t));
          const bool is_signed =
              t == DType::Int8 || t == DType::Int16 || t == DType::Int32 || t == DType::Int64;
          const int bits_avail = std::min(8 * bytes - (is_signed ? 1 : 0), 53);
          const double range = std::ldexp(1.0, bits_avail);
          v = std::floor(rng.uniform(is_signed ? -range : 0.0, range - 1));
        }
      }
      m.data()[i] = v;
    }
    SafetensorsWriter w;
    w.add("m", m, t);
    w.add_vector("v", m.row(2), t);
    const auto path = dir.file("t.safetensors");
    w.write(path);
    const auto file = SafetensorsFile::open(path);
    CHECK(file.info("m").dtype == t);
    CHECK(file.info("m").shape == std::vector<Index>{5, 7});
    CHECK(file.info("v").shape == std::vector<Index>{7});
    CHECK(file.matrix<double>("m") == m);
    CHECK(file.vector<double>("v") == m.row(2).transpose());
  }
  // Integer matrices keep their full range when read back as their own type.
  hilm::RowMatrix<std::int64_t> big(1, 3);
  big << std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(), 5;
  SafetensorsWriter w;
  w.add("big", big);
  const auto file = SafetensorsFile::parse(w.serialize());
  CHECK(file.info("big").dtype == DType::Int64);
  CHECK(file.matrix<std::int64_t>("big") == big);
}

TEST_CASE("safetensors: a column-major and an expression input are stored in C order",
          "[io][safetensors]") {
  hilm::Matrix<float> col(2, 3);  // column-major
  col << 1, 2, 3, 4, 5, 6;
  SafetensorsWriter w;
  w.add("col", col);
  w.add("expr", col.transpose() * 2.0f);
  const auto file = SafetensorsFile::parse(w.serialize());
  const auto raw = file.bytes("col");
  std::vector<float> values(6);
  std::memcpy(values.data(), raw.data(), raw.size());
  CHECK(values == std::vector<float>{1, 2, 3, 4, 5, 6});
  CHECK(file.matrix<float>("expr") == (col.transpose() * 2.0f).eval());
}

TEST_CASE("safetensors: float16 and bfloat16 round to nearest even", "[io][safetensors]") {
  // Expected results derived by hand: float16 has 10 fraction bits (ulp 2^-10 at 1), bfloat16 7.
  auto stored = [](double v, DType t) {
    SafetensorsWriter w;
    w.add("x", hilm::RowMatrix<double>::Constant(1, 1, v), t);
    return SafetensorsFile::parse(w.serialize()).matrix<double>("x")(0, 0);
  };
  const double u16 = std::ldexp(1.0, -10);
  const double ub16 = std::ldexp(1.0, -7);
  // Exact values pass unchanged.
  CHECK(stored(1.0 + 3 * u16, DType::Float16) == 1.0 + 3 * u16);
  CHECK(stored(-65504.0, DType::Float16) == -65504.0);
  CHECK(stored(1.0 + 5 * ub16, DType::BFloat16) == 1.0 + 5 * ub16);
  // Ties go to the even neighbour.
  CHECK(stored(1.0 + 0.5 * u16, DType::Float16) == 1.0);
  CHECK(stored(1.0 + 1.5 * u16, DType::Float16) == 1.0 + 2 * u16);
  CHECK(stored(1.0 + 0.5 * ub16, DType::BFloat16) == 1.0);
  CHECK(stored(1.0 + 1.5 * ub16, DType::BFloat16) == 1.0 + 2 * ub16);
  // Just above a tie rounds up even when float32 cannot hold the excess (no double rounding).
  const double tiny = std::ldexp(1.0, -40);
  CHECK(stored(1.0 + 0.5 * u16 + tiny, DType::Float16) == 1.0 + u16);
  CHECK(stored(1.0 + 0.5 * ub16 + tiny, DType::BFloat16) == 1.0 + ub16);
  CHECK(stored(1.0 + 0.5 * u16 - tiny, DType::Float16) == 1.0);
  // Largest finite half is 65504; 65519 rounds to it, 65520 would round to infinity: refused.
  CHECK(stored(65519.0, DType::Float16) == 65504.0);
  CHECK_THROWS_AS(stored(65520.0, DType::Float16), hilm::invalid_argument);
  CHECK_THROWS_AS(stored(1e39, DType::BFloat16), hilm::invalid_argument);
  CHECK_THROWS_AS(stored(1e39, DType::Float32), hilm::invalid_argument);
  // Infinities and NaN are kept.
  CHECK(stored(-INFINITY, DType::Float16) == -INFINITY);
  CHECK(std::isnan(stored(NAN, DType::BFloat16)));
  // Subnormal float16: 2^-24 is the smallest; 2^-25 is a tie between 0 and 2^-24 → 0.
  CHECK(stored(std::ldexp(1.0, -24), DType::Float16) == std::ldexp(1.0, -24));
  CHECK(stored(std::ldexp(1.0, -25), DType::Float16) == 0.0);
  CHECK(stored(std::ldexp(1.0, -25) + std::ldexp(1.0, -60), DType::Float16) ==
        std::ldexp(1.0, -24));
  // float64 → float32 rounds to nearest.
  CHECK(stored(0.1, DType::Float32) == static_cast<double>(0.1f));
}

TEST_CASE("safetensors: writer bytes match the reference implementation", "[io][safetensors]") {
  // Byte strings from huggingface/safetensors tensor.rs tests `test_empty` (empty file, with and
  // without metadata).
  SafetensorsWriter empty;
  const std::string expected_empty = std::string("\x08\0\0\0\0\0\0\0", 8) + "{}      ";
  CHECK(to_string(empty.serialize()) == expected_empty);
  empty.set_metadata("framework", "pt");
  const std::string expected_meta =
      std::string("\x28\0\0\0\0\0\0\0", 8) + "{\"__metadata__\":{\"framework\":\"pt\"}}     ";
  CHECK(to_string(empty.serialize()) == expected_meta);

  // A 2-d float tensor: compact header, offsets, padding to a multiple of 8, then the data.
  hilm::RowMatrix<float> m(2, 3);
  m << 0, 1, 2, 3, 4, 5;
  SafetensorsWriter w;
  w.add("attn.0", m);
  const std::string header = R"({"attn.0":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}})";
  REQUIRE(header.size() == 62);
  std::string expected = std::string("\x40\0\0\0\0\0\0\0", 8) + header + "  ";
  for (float v : {0.f, 1.f, 2.f, 3.f, 4.f, 5.f}) {
    expected.append(reinterpret_cast<const char*>(&v), 4);
  }
  CHECK(to_string(w.serialize()) == expected);
}

TEST_CASE("safetensors: save, load, save is byte-identical and order-independent",
          "[io][safetensors]") {
  hilm::Random rng(hilm::test::seed(7));
  hilm::RowMatrix<double> a(4, 3);
  for (Index i = 0; i < a.size(); ++i) a.data()[i] = rng.normal();
  hilm::RowMatrix<double> counts(2, 5);
  for (Index i = 0; i < counts.size(); ++i) counts.data()[i] = std::floor(rng.uniform(-50, 50));
  hilm::Vector<double> b(6);
  for (Index i = 0; i < b.size(); ++i) b(i) = rng.normal();

  SafetensorsWriter first;
  first.add("W_enc", a, DType::Float32);
  first.add("W_dec", a.transpose(), DType::BFloat16);
  first.add("counts", counts, DType::Int16);
  first.add_vector("b_dec", b, DType::Float16);
  first.add_vector("b_enc", b, DType::Float64);
  first.set_metadata("zeta", "last");
  first.set_metadata("alpha", "first");
  const auto bytes1 = first.serialize();
  std::uint64_t n = 0;
  for (std::size_t i = 8; i-- > 0;) n = (n << 8) | std::to_integer<std::uint64_t>(bytes1[i]);
  CHECK(n % 8 == 0);
  CHECK(to_string(bytes1).substr(8, 17) == "{\"__metadata__\":{");

  hilm::test::TempDir dir;
  const auto path = dir.file("a.safetensors");
  first.write(path);
  CHECK(bytes_of(read_file(path)) == bytes1);
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path()),
                      std::filesystem::directory_iterator()) == 1);  // no temporary left

  const auto loaded = SafetensorsFile::open(path);
  SafetensorsWriter second;  // added in a different order
  second.set_metadata("alpha", "first");
  second.set_metadata("zeta", "last");
  for (auto it = loaded.tensors().rbegin(); it != loaded.tensors().rend(); ++it) {
    if (it->shape.size() == 1) {
      second.add_vector(it->name, loaded.vector<double>(it->name), it->dtype);
    } else {
      second.add(it->name, loaded.matrix<double>(it->name), it->dtype);
    }
  }
  CHECK(second.serialize() == bytes1);
  // File order of a writer's output is name order.
  std::vector<std::string> names;
  for (const auto& t : loaded.tensors()) names.push_back(t.name);
  CHECK(names == std::vector<std::string>{"W_dec", "W_enc", "b_dec", "b_enc", "counts"});
}

TEST_CASE("safetensors: writer refuses bad names and unrepresentable values", "[io][safetensors]") {
  hilm::RowMatrix<double> m(1, 2);
  m << 1.0, 2.0;
  SafetensorsWriter w;
  w.add("m", m);
  CHECK(contains(message_of([&] { w.add("m", m); }), "'m'"));
  CHECK_THROWS_AS(w.add("__metadata__", m), hilm::invalid_argument);
  CHECK_THROWS_AS(w.add("", m), hilm::invalid_argument);
  CHECK_THROWS_AS(w.add(std::string("bad\xff", 4), m), hilm::invalid_argument);
  CHECK_THROWS_AS(w.set_metadata("k", std::string("\xc3", 1)), hilm::invalid_argument);
  CHECK_THROWS_AS(w.add_vector("not_a_vector", hilm::RowMatrix<double>::Zero(2, 2)),
                  hilm::invalid_argument);

  auto refuses = [](double v, DType t) {
    SafetensorsWriter x;
    const auto msg =
        message_of([&] { x.add("bad", hilm::RowMatrix<double>::Constant(2, 2, v), t); });
    return contains(msg, "'bad'") && contains(msg, "element (0, 0)");
  };
  CHECK(refuses(1.5, DType::Int32));
  CHECK(refuses(300.0, DType::UInt8));
  CHECK(refuses(-1.0, DType::UInt64));
  CHECK(refuses(NAN, DType::Int8));
  CHECK(refuses(2.0, DType::Bool));
  CHECK(refuses(1e39, DType::Float32));
  CHECK(refuses(70000.0, DType::Float16));
  // Integers must fit a floating target exactly.
  hilm::RowMatrix<std::int64_t> odd(1, 1);
  odd << (std::int64_t{1} << 24) + 1;
  SafetensorsWriter y;
  CHECK_THROWS_AS(y.add("odd", odd, DType::Float32), hilm::invalid_argument);
  CHECK_THROWS_AS(y.add("odd16", odd, DType::Float16), hilm::invalid_argument);
  y.add("ok", odd, DType::Float64);
  CHECK(SafetensorsFile::parse(y.serialize()).matrix<double>("ok")(0, 0) == 16777217.0);
  // Nothing half-added: the failed names are absent.
  CHECK_FALSE(y.contains("odd"));
}

TEST_CASE("safetensors: malformed files are rejected with io_error naming the file",
          "[io][safetensors]") {
  const std::string path = "broken.safetensors";
  auto rejects = [&](const std::vector<std::byte>& bytes, const std::string& needle) {
    const auto msg = message_of<hilm::io_error>([&] { (void)SafetensorsFile::parse(bytes, path); });
    INFO("message: " << msg << "\nexpected to contain: " << needle);
    CHECK(contains(msg, path));
    CHECK(contains(msg, needle));
  };
  const std::string ok_entry = R"({"dtype":"F32","shape":[2],"data_offsets":[0,8]})";

  // A valid baseline, so that each case below differs by one defect.
  CHECK(SafetensorsFile::parse(make_file("{\"a\":" + ok_entry + "}", 8), path).tensors().size() ==
        1);

  rejects(bytes_of(""), "shorter than");
  rejects(bytes_of("\x02\0\0\0\0\0\0"), "shorter than");
  rejects(make_file("{}", 0, 3), "past the end");
  rejects(make_file("{}", 0, 0xFFFFFFFFFFFFFFFFull), "past the end");
  rejects(make_file("{\"a\":", 0), "not valid JSON");
  rejects(make_file("", 0), "not valid JSON");
  rejects(make_file("[1, 2]", 0), "not a JSON object");
  rejects(make_file("{\"a\":\"\xff\"}", 0), "not valid JSON");  // invalid UTF-8
  rejects(make_file(R"({"a":5})", 0), "not a JSON object");
  rejects(make_file(R"({"a":{"shape":[2],"data_offsets":[0,8]}})", 8), "missing \"dtype\"");
  rejects(make_file(R"({"a":{"dtype":"F32","data_offsets":[0,8]}})", 8), "missing \"shape\"");
  rejects(make_file(R"({"a":{"dtype":"F32","shape":[2]}})", 8), "missing \"data_offsets\"");
  rejects(make_file(R"({"a":{"dtype":5,"shape":[2],"data_offsets":[0,8]}})", 8), "not a string");
  rejects(make_file(R"({"a":{"dtype":"F32","shape":"2","data_offsets":[0,8]}})", 8),
          "not an array");
  rejects(make_file(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8),
          "non-negative integers");
  rejects(make_file(R"({"a":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}})", 8),
          "non-negative integers");
  rejects(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", 8), "data_offsets");
  rejects(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,"8"]}})", 8),
          "data_offsets");
  rejects(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}})", 8),
          "data_offsets");
  rejects(make_file(R"({"a":{"dtype":"F8_E4M3","shape":[8],"data_offsets":[0,8]}})", 8),
          "unsupported dtype 'F8_E4M3'");
  rejects(make_file(R"({"a":{"dtype":"float32","shape":[2],"data_offsets":[0,8]}})", 8),
          "unsupported dtype");
  rejects(make_file(R"({"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}})", 12),
          "needs 16 bytes but data_offsets span 12");
  rejects(make_file(
              R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,0]}})", 0),
          "overflows");
  rejects(
      make_file(R"({"a":{"dtype":"U8","shape":[18446744073709551615,2],"data_offsets":[0,0]}})", 0),
      "too large");
  rejects(make_file(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", 8),
          "begin after end");
  rejects(make_file(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8),
          "past the end of the data section");
  rejects(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                    R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                    12),
          "overlap");
  rejects(make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                    R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                    12),
          "unused bytes before tensor 'b'");
  rejects(make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8),
          "unused bytes before tensor 'a'");
  rejects(make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 8),
          "unused bytes after the last tensor");
  rejects(make_file("{}", 4), "unused bytes after the last tensor");
  rejects(make_file("{\"a\":" + ok_entry + ",\"a\":" + ok_entry + "}", 8), "repeats the key 'a'");
  rejects(make_file(R"({"a":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 8),
          "repeats the key 'dtype'");
  rejects(make_file(R"({"__metadata__":[1]})", 0), "__metadata__");
  rejects(make_file(R"({"__metadata__":{"k":1}})", 0), "__metadata__");

  SECTION("files") {
    hilm::test::TempDir dir;
    const auto missing = dir.file("missing.safetensors");
    CHECK(contains(message_of<hilm::io_error>([&] { (void)SafetensorsFile::open(missing); }),
                   missing));
    const auto d = dir.path().string();
    CHECK(contains(message_of<hilm::io_error>([&] { (void)SafetensorsFile::open(d); }), d));
  }
}

TEST_CASE("safetensors: accepted layouts", "[io][safetensors]") {
  // Zero-byte tensors may share offsets; tensors may be listed in any order; no metadata; null
  // metadata; extra keys in an entry are ignored (as serde does).
  const auto file = SafetensorsFile::parse(
      make_file(R"({"__metadata__":null,"z":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},)"
                R"("e2":{"dtype":"I8","shape":[0,5],"data_offsets":[0,0],"extra":true},)"
                R"("e1":{"dtype":"F64","shape":[3,0],"data_offsets":[0,0]},)"
                R"("a":{"dtype":"U8","shape":[2,2],"data_offsets":[0,4]}})",
                8));
  std::vector<std::string> names;
  for (const auto& t : file.tensors()) names.push_back(t.name);
  CHECK(names == std::vector<std::string>{"e1", "e2", "a", "z"});
  CHECK(file.metadata().empty());
  CHECK(file.matrix<double>("e2").rows() == 0);
  CHECK(file.matrix<double>("e2").cols() == 5);
  CHECK(file.matrix<double>("a") == hilm::RowMatrix<double>::Zero(2, 2));
}

TEST_CASE("safetensors: random corruption gives io_error, never a crash", "[io][safetensors]") {
  hilm::Random rng(hilm::test::seed(29));
  hilm::RowMatrix<double> m(3, 4);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = rng.normal();
  SafetensorsWriter w;
  w.add("a", m, DType::Float16);
  w.add("b", m, DType::Float64);
  w.add_vector("c", m.row(0).array().round().matrix(), DType::Int64);
  w.set_metadata("k", "v");
  const auto good = w.serialize();
  int accepted = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    auto bad = good;
    const int edits = 1 + static_cast<int>(rng.uniform_index(3));
    for (int e = 0; e < edits; ++e) {
      // Mostly in the header, where the parser works hardest.
      const auto limit = rng.bernoulli(0.8) ? std::min<std::size_t>(bad.size(), 220) : bad.size();
      bad[rng.uniform_index(limit)] = static_cast<std::byte>(rng.uniform_index(256));
    }
    if (rng.bernoulli(0.2)) bad.resize(rng.uniform_index(bad.size() + 1));
    try {
      const auto file = SafetensorsFile::parse(bad, "fuzz");
      ++accepted;
      for (const auto& t : file.tensors()) {
        if (t.shape.size() <= 2) {
          try {
            (void)file.matrix<float>(t.name);
          } catch (const hilm::io_error&) {
          }
        }
      }
    } catch (const hilm::io_error&) {
    }
  }
  // Edits of tensor data (not the header) leave a valid file: some trials must parse.
  CHECK(accepted > 0);
}

// `hilm info` and the tool's global behaviour: exit codes, one-line errors, JSON fields.
#include <filesystem>
#include <fstream>

#include <hilm/core/random.hpp>
#include <hilm/io/npy.hpp>
#include <hilm/io/safetensors.hpp>

#include <nlohmann/json.hpp>

#include "cli/run_cli.hpp"
#include "support/catch.hpp"
#include "support/files.hpp"

using hilm::test::read_file;
using hilm::test::run_hilm;

namespace {

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

bool one_line_naming(const std::string& err, const std::string& file) {
  const auto newline = err.find('\n');
  return err.find(file) != std::string::npos && newline == err.size() - 1;
}

}  // namespace

TEST_CASE("cli: --version and --help and usage errors", "[cli]") {
  auto version = run_hilm({"--version"});
  REQUIRE(version.exit_code == 0);
  REQUIRE(version.out.find("hilm 0.1") != std::string::npos);
  REQUIRE(run_hilm({"--help"}).exit_code == 0);
  REQUIRE(run_hilm({}).exit_code == 2);
  REQUIRE(run_hilm({"no-such-command"}).exit_code == 2);
  REQUIRE(run_hilm({"info"}).exit_code == 2);  // missing FILE
  REQUIRE(run_hilm({"--threads", "-1", "info", "x.npy"}).exit_code == 2);
}

TEST_CASE("cli: info reports shape and dtype and order and endian of .npy files", "[cli]") {
  hilm::test::TempDir dir;
  hilm::RowMatrix<float> x(5, 3);
  x.setRandom();
  const auto c_path = dir.file("c.npy");
  hilm::write_npy(c_path, x);
  const auto f_path = dir.file("f.npy");
  hilm::write_npy(f_path, x.cast<double>(), {.fortran_order = true, .big_endian = true});

  auto run = run_hilm({"info", c_path});
  REQUIRE(run.exit_code == 0);
  auto j = nlohmann::json::parse(run.out);
  CHECK(j["shape"] == nlohmann::json::array({5, 3}));
  CHECK(j["dtype"] == "float32");
  CHECK(j["order"] == "C");
  CHECK(j["endian"] == "little");
  CHECK(j.contains("elapsed_seconds"));

  run = run_hilm({"info", f_path, "--threads", "1"});
  REQUIRE(run.exit_code == 0);
  j = nlohmann::json::parse(run.out);
  CHECK(j["dtype"] == "float64");
  CHECK(j["order"] == "F");
  CHECK(j["endian"] == "big");

  // Files written by numpy (fixtures of the io tests), when present.
  const std::filesystem::path fixtures = std::filesystem::path(HILM_TEST_DATA_DIR) / "npy";
  int seen = 0;
  if (std::filesystem::exists(fixtures)) {
    for (const auto& entry : std::filesystem::directory_iterator(fixtures)) {
      if (entry.path().extension() != ".npy") continue;
      run = run_hilm({"info", entry.path().string()});
      INFO(entry.path().string() << "\n" << run.err);
      hilm::NpyHeader header;
      try {
        header = hilm::read_npy_header(entry.path().string());
      } catch (const hilm::io_error&) {  // unsupported fixtures (strings, complex): bad input
        CHECK(run.exit_code == 3);
        CHECK(one_line_naming(run.err, entry.path().string()));
        continue;
      }
      REQUIRE(run.exit_code == 0);
      j = nlohmann::json::parse(run.out);
      CHECK(j["dtype"] == std::string(hilm::dtype_name(header.dtype)));
      CHECK(j["shape"].size() == header.shape.size());
      CHECK(j["order"] == (header.fortran_order ? "F" : "C"));
      ++seen;
    }
  }
  INFO("numpy fixtures checked: " << seen);
  SUCCEED();
}

TEST_CASE("cli: info lists the tensors of a .safetensors file", "[cli]") {
  hilm::test::TempDir dir;
  hilm::SafetensorsWriter writer;
  hilm::RowMatrix<float> w(4, 2);
  w.setOnes();
  writer.add("W_dec", w);
  writer.set_metadata("source", "test");
  const auto path = dir.file("m.safetensors");
  writer.write(path);
  auto run = run_hilm({"info", path});
  REQUIRE(run.exit_code == 0);
  auto j = nlohmann::json::parse(run.out);
  REQUIRE(j["tensors"].size() == 1);
  CHECK(j["tensors"][0]["name"] == "W_dec");
  CHECK(j["tensors"][0]["dtype"] == "float32");
  CHECK(j["tensors"][0]["shape"] == nlohmann::json::array({4, 2}));
  CHECK(j["metadata"]["source"] == "test");
}

TEST_CASE("cli: bad input exits 3 with one line naming the file", "[cli]") {
  hilm::test::TempDir dir;
  hilm::RowMatrix<double> x(20, 4);
  x.setRandom();
  const auto good = dir.file("good.npy");
  hilm::write_npy(good, x);
  const std::string bytes = read_file(good);

  SECTION("missing file") {
    const auto missing = dir.file("missing.npy");
    auto run = run_hilm({"info", missing});
    CHECK(run.exit_code == 3);
    CHECK(one_line_naming(run.err, missing));
  }
  SECTION("truncated npy data") {
    const auto path = dir.file("truncated.npy");
    write_bytes(path, bytes.substr(0, bytes.size() - 9));
    auto run = run_hilm({"info", path});
    CHECK(run.exit_code == 3);
    CHECK(one_line_naming(run.err, path));
  }
  SECTION("corrupted magic") {
    const auto path = dir.file("magic.npy");
    std::string bad = bytes;
    bad[1] = 'X';
    write_bytes(path, bad);
    auto run = run_hilm({"info", path});
    CHECK(run.exit_code == 3);
    CHECK(one_line_naming(run.err, path));
  }
  SECTION("safetensors header length past the end") {
    const auto path = dir.file("bad.safetensors");
    std::string bad(8, '\0');
    bad[0] = static_cast<char>(0xff);
    bad[1] = static_cast<char>(0x7f);
    write_bytes(path, bad + "{}");
    auto run = run_hilm({"info", path});
    CHECK(run.exit_code == 3);
    CHECK(one_line_naming(run.err, path));
  }
  SECTION("directory that is not a model") {
    auto run = run_hilm({"info", dir.path().string()});
    CHECK(run.exit_code == 3);
    CHECK(one_line_naming(run.err, dir.path().string()));
  }
  SECTION("ragged text table") {
    const auto path = dir.file("ragged.csv");
    write_bytes(path, "a,b,c\n1,2,3\n4,5\n");
    auto run = run_hilm({"info", path});
    CHECK(run.exit_code == 3);
    CHECK(one_line_naming(run.err, path));
  }
}

TEST_CASE("cli: no corrupted file makes info crash or hang", "[cli]") {
  hilm::test::TempDir dir;
  hilm::RowMatrix<float> x(6, 3);
  x.setRandom();
  const auto good_npy = dir.file("good.npy");
  hilm::write_npy(good_npy, x);
  hilm::SafetensorsWriter writer;
  writer.add("a", x);
  const auto good_st = dir.file("good.safetensors");
  writer.write(good_st);

  hilm::Random rng(hilm::test::seed(11));
  for (const auto& [source, ext] : {std::pair{read_file(good_npy), std::string(".npy")},
                                    std::pair{read_file(good_st), std::string(".safetensors")}}) {
    for (int trial = 0; trial < 25; ++trial) {
      std::string bad = source;
      const int edits = 1 + static_cast<int>(rng.uniform_index(4));
      for (int e = 0; e < edits; ++e) {
        const auto pos = rng.uniform_index(std::min<std::size_t>(bad.size(), 160));
        bad[pos] = static_cast<char>(rng.uniform_index(256));
      }
      if (rng.bernoulli(0.3)) bad.resize(rng.uniform_index(bad.size()));
      const auto path = dir.file("fuzz" + std::to_string(trial) + ext);
      write_bytes(path, bad);
      auto run = run_hilm({"info", path});
      INFO(path << " exit " << run.exit_code << " stderr " << run.err);
      REQUIRE((run.exit_code == 0 || run.exit_code == 3));
    }
  }
}

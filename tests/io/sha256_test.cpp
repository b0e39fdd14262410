// Tests of include/hilm/io/detail/sha256.hpp: the FIPS 180-4 example vectors, block boundaries,
// incremental updates, and agreement with coreutils' sha256sum on a file.
#include <cstdio>
#include <fstream>
#include <string>

#include <hilm/io/detail/sha256.hpp>

#include "support/catch.hpp"
#include "support/temp_dir.hpp"

using hilm::detail::Sha256;
using hilm::detail::sha256_file;
using hilm::detail::sha256_hex;

namespace {

std::string hash(const std::string& s) { return sha256_hex(s.data(), s.size()); }

}  // namespace

TEST_CASE("io: sha256 matches the FIPS 180-4 example vectors", "[io]") {
  CHECK(hash("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(hash(std::string(1000000, 'a')) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("io: sha256 is the same fed at once or piece by piece", "[io]") {
  std::string text;
  for (int i = 0; i < 300; ++i) text += static_cast<char>((i * 37 + 11) % 256);
  for (std::size_t length : {55u, 56u, 63u, 64u, 65u, 119u, 128u, 300u}) {
    const std::string s = text.substr(0, length);
    Sha256 pieces;
    for (std::size_t i = 0; i < s.size(); i += 7) {
      pieces.update(s.data() + i, std::min<std::size_t>(7, s.size() - i));
    }
    INFO(length);
    CHECK(pieces.hex_digest() == hash(s));
  }
  CHECK(hash("abc") != hash("abd"));
}

TEST_CASE("io: sha256 of a file equals coreutils' sha256sum", "[io]") {
  hilm::test::TempDir dir;
  const std::string path = dir.file("data.bin");
  {
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < (3 << 20) + 17; ++i) out.put(static_cast<char>((i * 131 + i / 977) & 0xFF));
  }
  const std::string ours = sha256_file(path);
  FILE* pipe = ::popen(("sha256sum '" + path + "'").c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[65] = {};
  const std::size_t got = std::fread(buffer, 1, 64, pipe);
  ::pclose(pipe);
  REQUIRE(got == 64);
  CHECK(ours == std::string(buffer, 64));
  CHECK_THROWS_AS(sha256_file(dir.file("missing")), hilm::io_error);
}

// Tests of include/hilm/io/png.hpp: fixtures written by Python's zlib (tests/data/png, made by
// make_fixtures.py: dynamic Huffman blocks, all five filter types, a palette image) decode to the
// pixels their formulas give; encode → decode round trips for 1–4 channels; hand-built stored-
// block streams; and every malformed file (truncated, bad CRC, bad header, corrupt zlib data) is an
// io_error naming the file.
#include <cstdint>
#include <filesystem>
#include <random>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <hilm/io/png.hpp>

#include "support/catch.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

namespace {

using hilm::Index;
using hilm::PngImage;

std::string png_fixture(const std::string& name) {
  return std::string(HILM_TEST_DATA_DIR) + "/png/" + name;
}

PngImage random_image(Index width, Index height, int channels, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  PngImage image{width, height, channels, {}};
  image.samples.resize(static_cast<std::size_t>(width * height * channels));
  // Half smooth (compressible, exercises LZ77 matches), half noise.
  for (std::size_t i = 0; i < image.samples.size(); ++i) {
    image.samples[i] = i % 2 == 0 ? static_cast<std::uint8_t>(rng() & 0xFF)
                                  : static_cast<std::uint8_t>((i / 7) & 0xFF);
  }
  return image;
}

// Rewrites the CRC of the chunk starting at `pos` after its data was changed.
void fix_crc(std::vector<std::uint8_t>& bytes, std::size_t pos) {
  const std::uint32_t length = hilm::detail::read_be32(bytes.data() + pos);
  const std::uint32_t crc =
      hilm::detail::crc32_update(0, std::span(bytes).subspan(pos + 4, 4 + length));
  for (int k = 0; k < 4; ++k)
    bytes[pos + 8 + length + k] = static_cast<std::uint8_t>(crc >> (24 - 8 * k));
}

void require_io_error(const std::vector<std::uint8_t>& bytes, const std::string& fragment) {
  try {
    (void)hilm::decode_png(bytes, "broken.png");
    FAIL("no exception for a PNG that should fail with '" << fragment << "'");
  } catch (const hilm::io_error& e) {
    const std::string what = e.what();
    INFO(what);
    CHECK(what.find("broken.png") != std::string::npos);
    CHECK(what.find(fragment) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("read_png decodes a zlib-written RGB fixture with every filter type", "[io][png]") {
  const PngImage image = hilm::read_png(png_fixture("gradient_rgb.png"));
  REQUIRE(image.width == 17);
  REQUIRE(image.height == 13);
  REQUIRE(image.channels == 3);
  for (Index y = 0; y < 13; ++y) {
    for (Index x = 0; x < 17; ++x) {
      const auto* p = &image.samples[static_cast<std::size_t>((y * 17 + x) * 3)];
      INFO("x " << x << " y " << y);
      CHECK(p[0] == x * 15);
      CHECK(p[1] == y * 19);
      CHECK(p[2] == (x * y * 7) % 256);
    }
  }
}

TEST_CASE("read_png expands a palette image to RGB", "[io][png]") {
  const PngImage image = hilm::read_png(png_fixture("gradient_palette.png"));
  REQUIRE(image.channels == 3);
  REQUIRE(image.width == 9);
  REQUIRE(image.height == 7);
  for (Index y = 0; y < 7; ++y) {
    for (Index x = 0; x < 9; ++x) {
      const Index i = (x + y) % 4;
      const auto* p = &image.samples[static_cast<std::size_t>((y * 9 + x) * 3)];
      CHECK(p[0] == i * 60);
      CHECK(p[1] == 255 - i * 60);
      CHECK(p[2] == 17 * i);
    }
  }
}

TEST_CASE("write_png then read_png gives back the pixels, deterministically", "[io][png]") {
  hilm::test::TempDir dir;
  for (int channels = 1; channels <= 4; ++channels) {
    for (const auto& [w, h] :
         std::vector<std::pair<Index, Index>>{{1, 1}, {1, 40}, {37, 3}, {64, 65}}) {
      INFO("channels " << channels << " size " << w << "x" << h);
      const PngImage image =
          random_image(w, h, channels, static_cast<std::uint64_t>(w * 131 + h + channels));
      const std::string path = dir.file("round.png");
      hilm::write_png(path, image);
      const PngImage back = hilm::read_png(path);
      CHECK(back.width == w);
      CHECK(back.height == h);
      CHECK(back.channels == channels);
      CHECK(back.samples == image.samples);
      CHECK(hilm::encode_png(image) == hilm::test::read_bytes(path));
    }
  }
}

TEST_CASE("encode_png compresses smooth images well below their raw size", "[io][png]") {
  PngImage image{128, 128, 3, std::vector<std::uint8_t>(128 * 128 * 3)};
  for (std::size_t i = 0; i < image.samples.size(); ++i)
    image.samples[i] = static_cast<std::uint8_t>(i / 384);
  const auto bytes = hilm::encode_png(image);
  CHECK(bytes.size() < image.samples.size() / 10);
  // Negative control: noise does not compress, so the bound above is not vacuous.
  const auto noise = hilm::encode_png(random_image(128, 128, 3, 7));
  CHECK(noise.size() > image.samples.size() / 3);
}

TEST_CASE("decode_png reads stored (uncompressed) DEFLATE blocks", "[io][png]") {
  // 2x2 gray image, filter 0 rows {10, 20}, {30, 40}, split over two stored blocks.
  const std::vector<std::uint8_t> raw = {0, 10, 20, 0, 30, 40};
  std::vector<std::uint8_t> z = {0x78, 0x01, 0x00, 3, 0,    0xFC, 0xFF, 0,  10,
                                 20,   0x01, 3,    0, 0xFC, 0xFF, 0,    30, 40};
  const std::uint32_t a = hilm::detail::adler32(raw);
  for (int k = 0; k < 4; ++k) z.push_back(static_cast<std::uint8_t>(a >> (24 - 8 * k)));
  std::vector<std::uint8_t> bytes(hilm::detail::kPngSignature.begin(),
                                  hilm::detail::kPngSignature.end());
  hilm::detail::append_png_chunk(bytes, "IHDR",
                                 std::vector<std::uint8_t>{0, 0, 0, 2, 0, 0, 0, 2, 8, 0, 0, 0, 0});
  hilm::detail::append_png_chunk(bytes, "IDAT", z);
  hilm::detail::append_png_chunk(bytes, "IEND", {});
  const PngImage image = hilm::decode_png(bytes);
  CHECK(image.channels == 1);
  CHECK(image.samples == std::vector<std::uint8_t>{10, 20, 30, 40});
}

TEST_CASE("malformed PNG files are io_errors naming the file", "[io][png]") {
  const auto good = hilm::encode_png(random_image(20, 10, 3, 3));
  REQUIRE_NOTHROW(hilm::decode_png(good, "broken.png"));  // the mutations below are what fails

  SECTION("truncated at any length") {
    for (std::size_t n : {std::size_t{0}, std::size_t{7}, std::size_t{8}, std::size_t{20},
                          std::size_t{40}, good.size() / 2, good.size() - 13, good.size() - 1}) {
      INFO("first " << n << " bytes");
      CHECK_THROWS_AS(
          hilm::decode_png(std::vector(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n)),
                           "broken.png"),
          hilm::io_error);
    }
  }
  SECTION("bad signature") {
    auto bytes = good;
    bytes[1] = 'Q';
    require_io_error(bytes, "signature");
  }
  SECTION("bad CRC") {
    auto bytes = good;
    bytes[8 + 25 + 10] ^= 0x01;  // a byte inside IDAT's data
    require_io_error(bytes, "CRC");
  }
  SECTION("bad header fields") {
    const std::vector<std::pair<std::size_t, std::uint8_t>> edits = {
        {16, 0},
        {24, 16},
        {25, 5},
        {28, 1}};  // width 0 (with the rest), depth 16, type 5, interlace
    const std::vector<std::string> messages = {"size", "bit depth", "color type", "interlaced"};
    for (std::size_t i = 0; i < edits.size(); ++i) {
      auto bytes = good;
      if (i == 0) {
        for (std::size_t k = 16; k < 20; ++k) bytes[k] = 0;
      } else {
        bytes[edits[i].first] = edits[i].second;
      }
      fix_crc(bytes, 8);
      require_io_error(bytes, messages[i]);
    }
  }
  SECTION("corrupt zlib data with a valid CRC") {
    auto bytes = good;
    const std::size_t idat = 8 + 25;
    const std::uint32_t length = hilm::detail::read_be32(bytes.data() + idat);
    bytes[idat + 8 + length / 2] ^= 0x5A;
    fix_crc(bytes, idat);
    require_io_error(bytes, "corrupt compressed data");
  }
}

TEST_CASE("read_png of a missing file names it", "[io][png]") {
  CHECK_THROWS_WITH(hilm::read_png("/nonexistent/hilm.png"),
                    Catch::Matchers::Contains("/nonexistent/hilm.png"));
}

TEST_CASE("decode_png survives random corruption: a result or an io_error, never worse",
          "[io][png]") {
  const auto good = hilm::encode_png(random_image(33, 17, 4, 11));
  std::mt19937_64 rng(2026);
  int failures = 0;
  for (int trial = 0; trial < 300; ++trial) {
    auto bytes = good;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) {
      // Past the signature and IHDR, with CRCs fixed, so that the zlib layer sees the damage.
      const std::size_t at = 33 + 8 + rng() % (bytes.size() - 33 - 8 - 12 - 4);
      bytes[at] = static_cast<std::uint8_t>(rng() & 0xFF);
    }
    fix_crc(bytes, 33);
    try {
      (void)hilm::decode_png(bytes, "fuzz.png");
    } catch (const hilm::io_error&) {
      ++failures;
    }
  }
  CHECK(failures > 0);  // the corruption reaches the decoder
}

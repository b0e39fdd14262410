// Tests of include/hilm/io/jpeg.hpp: baseline files written by libjpeg (through Pillow, see
// tests/data/jpeg/make_fixtures.py) decode to within a level or two of libjpeg's own decoding
// (stored beside them as PNG); read_image tells PNG from JPEG; progressive, truncated and
// corrupt files are io_errors naming the file.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <hilm/io/jpeg.hpp>
#include <hilm/io/png.hpp>

#include "support/catch.hpp"
#include "support/files.hpp"

namespace {

std::string jpeg_fixture(const std::string& name) {
  return std::string(HILM_TEST_DATA_DIR) + "/jpeg/" + name;
}

}  // namespace

TEST_CASE("decode_jpeg matches libjpeg on baseline colour and gray files", "[io][jpeg]") {
  for (const std::string name : {"colour_420", "gray"}) {
    INFO(name);
    const hilm::PngImage ours = hilm::read_image(jpeg_fixture(name + ".jpg"));
    const hilm::PngImage libjpeg = hilm::read_png(jpeg_fixture(name + ".png"));
    REQUIRE(ours.width == libjpeg.width);
    REQUIRE(ours.height == libjpeg.height);
    REQUIRE(ours.channels == libjpeg.channels);
    double total = 0;
    int worst = 0;
    for (std::size_t i = 0; i < ours.samples.size(); ++i) {
      const int d = std::abs(int{ours.samples[i]} - int{libjpeg.samples[i]});
      total += d;
      worst = std::max(worst, d);
    }
    const double mean = total / static_cast<double>(ours.samples.size());
    INFO("mean |diff| " << mean << ", max " << worst);
    CHECK(mean <= 0.5);
    CHECK(worst <= 6);
  }
  // Negative control: the colour fixture is not flat, so agreement above is not vacuous.
  const hilm::PngImage colour = hilm::read_png(jpeg_fixture("colour_420.png"));
  CHECK(*std::max_element(colour.samples.begin(), colour.samples.end()) -
            *std::min_element(colour.samples.begin(), colour.samples.end()) >
        150);
}

TEST_CASE("read_image reads PNG too", "[io][jpeg]") {
  const auto png = hilm::read_image(jpeg_fixture("gray.png"));
  CHECK(png.samples == hilm::read_png(jpeg_fixture("gray.png")).samples);
}

TEST_CASE("unsupported and malformed JPEG files are io_errors naming the file", "[io][jpeg]") {
  CHECK_THROWS_WITH(
      hilm::read_image(jpeg_fixture("progressive.jpg")),
      Catch::Matchers::Contains("progressive") && Catch::Matchers::Contains("progressive.jpg"));
  const auto good = hilm::test::read_bytes(jpeg_fixture("colour_420.jpg"));
  REQUIRE_NOTHROW(hilm::decode_jpeg(good, "cut.jpg"));
  for (const std::size_t n :
       {std::size_t{1}, std::size_t{3}, std::size_t{30}, good.size() / 2, good.size() - 2}) {
    INFO("first " << n << " bytes");
    const std::vector<std::uint8_t> cut(good.begin(),
                                        good.begin() + static_cast<std::ptrdiff_t>(n));
    CHECK_THROWS_WITH(hilm::decode_jpeg(cut, "cut.jpg"), Catch::Matchers::Contains("cut.jpg"));
  }
  std::vector<std::uint8_t> bad_table = good;
  for (std::size_t i = 0; i + 1 < bad_table.size(); ++i) {
    if (bad_table[i] == 0xFF && bad_table[i + 1] == 0xC4) {  // first DHT: over-subscribe it
      for (std::size_t l = 0; l < 16; ++l) bad_table[i + 5 + l] = 200;
      break;
    }
  }
  CHECK_THROWS_AS(hilm::decode_jpeg(bad_table, "cut.jpg"), hilm::io_error);
}

TEST_CASE("decode_jpeg survives random corruption: a result or an io_error, never worse",
          "[io][jpeg]") {
  const auto good = hilm::test::read_bytes(jpeg_fixture("colour_420.jpg"));
  std::mt19937_64 rng(2026);
  int failures = 0;
  for (int trial = 0; trial < 300; ++trial) {
    auto bytes = good;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) {
      bytes[2 + rng() % (bytes.size() - 4)] = static_cast<std::uint8_t>(rng() & 0xFF);
    }
    try {
      (void)hilm::decode_jpeg(bytes, "fuzz.jpg");
    } catch (const hilm::io_error&) {
      ++failures;
    }
  }
  CHECK(failures > 0);
}

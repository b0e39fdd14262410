// libFuzzer target for the delimited-text reader (include/hilm/io/delimited.hpp): any input must
// either parse or raise hilm::io_error. The first byte picks the options (delimiter, header mode,
// NaN policy, categorical coding, scalar type) so that every code path is reachable; the rest is
// the text. Seeds: tests/fuzz/corpus/delimited.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <hilm/io/delimited.hpp>

namespace {

template <class Scalar>
void check(std::string_view text, const hilm::DelimitedOptions& options) {
  try {
    const auto t = hilm::parse_delimited<Scalar>(text, options, "fuzz.csv");
    // Invariants of a successful parse.
    if (t.data.cols() < 1) __builtin_trap();
    if (t.had_header && t.names.size() != static_cast<std::size_t>(t.data.cols())) __builtin_trap();
    if (t.levels.size() != static_cast<std::size_t>(t.data.cols())) __builtin_trap();
  } catch (const hilm::io_error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t selector = data[0];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  hilm::DelimitedOptions options;
  constexpr char delimiters[] = {0, ',', '\t', ' ', ';'};
  options.delimiter = delimiters[(selector & 7u) % 5u];
  options.header = static_cast<hilm::DelimitedOptions::Header>(((selector >> 3) & 3u) % 3u);
  options.allow_nan = (selector & 0x20u) == 0;
  options.categorical = (selector & 0x40u) != 0;
  if (selector & 0x80u) {
    check<float>(text, options);
  } else {
    check<double>(text, options);
  }
  return 0;
}

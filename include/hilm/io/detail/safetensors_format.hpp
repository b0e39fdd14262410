/// @file
/// Implementation details of `hilm/io/safetensors.hpp`: dtype codes, header parsing and
/// validation, element encoding for the writer. Public API: `hilm/io/safetensors.hpp`.
///
/// Format (huggingface/safetensors, `safetensors/src/tensor.rs`): 8 bytes little-endian u64 `N`,
/// then `N` bytes of UTF-8 JSON (an object mapping tensor names to
/// `{"dtype", "shape", "data_offsets": [begin, end]}` plus an optional `"__metadata__"` object of
/// string → string), then the data section. Offsets are relative to the data section; data are
/// little-endian, C order.
#ifndef HILM_IO_DETAIL_SAFETENSORS_FORMAT_HPP
#define HILM_IO_DETAIL_SAFETENSORS_FORMAT_HPP

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/io/dtype.hpp>

#include <nlohmann/json.hpp>

namespace hilm::detail {

/// Largest header the reference implementation accepts (`MAX_HEADER_SIZE` in tensor.rs); a
/// larger length is almost certainly a corrupted file, and refusing it bounds memory use.
inline constexpr std::uint64_t safetensors_max_header_bytes = 100'000'000;

/// The safetensors spelling of a dtype ("F32", "BF16", "BOOL", ...).
[[nodiscard]] constexpr std::string_view safetensors_dtype_code(DType t) noexcept {
  switch (t) {
    case DType::Bool:
      return "BOOL";
    case DType::Int8:
      return "I8";
    case DType::Int16:
      return "I16";
    case DType::Int32:
      return "I32";
    case DType::Int64:
      return "I64";
    case DType::UInt8:
      return "U8";
    case DType::UInt16:
      return "U16";
    case DType::UInt32:
      return "U32";
    case DType::UInt64:
      return "U64";
    case DType::Float16:
      return "F16";
    case DType::BFloat16:
      return "BF16";
    case DType::Float32:
      return "F32";
    case DType::Float64:
      return "F64";
  }
  return "?";
}

/// Inverse of `safetensors_dtype_code`; empty for codes hilm cannot read (the FP8 types,
/// complex types and anything unknown).
[[nodiscard]] inline std::optional<DType> safetensors_dtype_from_code(std::string_view code) {
  static constexpr DType all[] = {DType::Bool,   DType::Int8,    DType::Int16,    DType::Int32,
                                  DType::Int64,  DType::UInt8,   DType::UInt16,   DType::UInt32,
                                  DType::UInt64, DType::Float16, DType::BFloat16, DType::Float32,
                                  DType::Float64};
  for (DType t : all) {
    if (safetensors_dtype_code(t) == code) return t;
  }
  return std::nullopt;
}

/// Quotes a name for an error message, cutting very long names and replacing control bytes so
/// that the message stays one printable line.
[[nodiscard]] inline std::string quote_for_message(std::string_view s, std::size_t limit = 80) {
  std::string out = "'";
  for (std::size_t i = 0; i < s.size() && i < limit; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    out += (c < 0x20 || c == 0x7F) ? '?' : static_cast<char>(c);
  }
  if (s.size() > limit) out += "...";
  return out + "'";
}

/// "[2, 3]" for error messages.
[[nodiscard]] inline std::string shape_to_string(const std::vector<Index>& shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::to_string(shape[i]);
  }
  return out + "]";
}

/// Parses the header JSON and rejects objects with a repeated key at any depth (nlohmann would
/// otherwise keep the last value silently). The parser callback sees every `object_start`,
/// `key` and `object_end` event in document order, so a stack of key sets tracks each object.
[[nodiscard]] inline nlohmann::json parse_safetensors_json(std::string_view text,
                                                           const std::string& path) {
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  auto callback = [&](int /*depth*/, nlohmann::json::parse_event_t event,
                      nlohmann::json& parsed) -> bool {
    switch (event) {
      case nlohmann::json::parse_event_t::object_start:
        open_objects.emplace_back();
        break;
      case nlohmann::json::parse_event_t::object_end:
        if (!open_objects.empty()) open_objects.pop_back();
        break;
      case nlohmann::json::parse_event_t::key:
        if (!open_objects.empty() && parsed.is_string()) {
          const auto& key = parsed.get_ref<const std::string&>();
          if (!open_objects.back().insert(key).second && duplicate.empty()) duplicate = key;
        }
        break;
      default:
        break;
    }
    return true;
  };
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(text.begin(), text.end(), callback);
  } catch (const nlohmann::json::exception& e) {
    hilm::detail::raise<io_error>(path, std::string("header is not valid JSON: ") + e.what());
  }
  if (!duplicate.empty()) {
    hilm::detail::raise<io_error>(
        path, std::string("header repeats the key ") + quote_for_message(duplicate));
  }
  if (!header.is_object()) hilm::detail::raise<io_error>(path, "header is not a JSON object");
  return header;
}

/// Tensors, metadata and the data-section position of a validated file.
template <class Info>
struct SafetensorsLayout {
  std::vector<Info> tensors;  ///< sorted by (begin, end, name)
  std::map<std::string, std::string> metadata;
  std::size_t data_begin = 0;  ///< file offset of the data section (8 + header length)
};

/// Reads one tensor entry of the header into `Info{name, dtype, shape, begin, end}`, checking JSON
/// types, the dtype code, and that shape × itemsize equals the byte range (overflow-checked).
template <class Info>
[[nodiscard]] Info parse_safetensors_entry(const std::string& name, const nlohmann::json& entry,
                                           std::size_t data_size, const std::string& path) {
  const std::string who = std::string("tensor ") + quote_for_message(name);
  auto fail = [&](const std::string& problem) {
    hilm::detail::raise<io_error>(path, who + ": " + problem);
  };
  if (!entry.is_object()) fail("entry is not a JSON object");
  const auto dtype_it = entry.find("dtype");
  const auto shape_it = entry.find("shape");
  const auto offsets_it = entry.find("data_offsets");
  if (dtype_it == entry.end()) fail("missing \"dtype\"");
  if (shape_it == entry.end()) fail("missing \"shape\"");
  if (offsets_it == entry.end()) fail("missing \"data_offsets\"");
  if (!dtype_it->is_string()) fail("\"dtype\" is not a string");
  const auto& code = dtype_it->get_ref<const std::string&>();
  const std::optional<DType> dtype = safetensors_dtype_from_code(code);
  if (!dtype) fail(std::string("unsupported dtype ") + quote_for_message(code));
  if (!shape_it->is_array()) fail("\"shape\" is not an array");
  std::vector<Index> shape;
  shape.reserve(shape_it->size());
  std::uint64_t elements = 1;
  bool overflow = false;
  for (const auto& d : *shape_it) {
    if (!d.is_number_unsigned()) fail("\"shape\" holds something other than non-negative integers");
    const auto value = d.get<std::uint64_t>();
    if (value > static_cast<std::uint64_t>(std::numeric_limits<Index>::max())) {
      fail(std::string("dimension ") + std::to_string(value) + " is too large");
    }
    shape.push_back(static_cast<Index>(value));
    // Multiply in the order given, as the reference does; a zero after an overflow still counts
    // as an overflow there, so keep the flag sticky. The bound is Index's, so that every partial
    // product of `shape` is representable as an Index too (TensorInfo::size()).
    constexpr auto limit = static_cast<std::uint64_t>(std::numeric_limits<Index>::max());
    if (value != 0 && elements > limit / value) overflow = true;
    elements *= value;
  }
  const std::size_t itemsize = dtype_size(*dtype);
  if (!overflow && elements > std::numeric_limits<std::uint64_t>::max() / itemsize) overflow = true;
  if (overflow) fail(std::string("shape ") + shape_to_string(shape) + " overflows the byte count");
  const std::uint64_t nbytes = elements * itemsize;
  if (!offsets_it->is_array() || offsets_it->size() != 2 ||
      !(*offsets_it)[0].is_number_unsigned() || !(*offsets_it)[1].is_number_unsigned()) {
    fail("\"data_offsets\" is not an array of two non-negative integers");
  }
  const auto begin = (*offsets_it)[0].get<std::uint64_t>();
  const auto end = (*offsets_it)[1].get<std::uint64_t>();
  if (begin > end) {
    fail(std::string("data_offsets [") + std::to_string(begin) + ", " + std::to_string(end) +
         "] begin after end");
  }
  if (end > data_size) {
    fail(std::string("data_offsets end ") + std::to_string(end) +
         " is past the end of the data section (" + std::to_string(data_size) + " bytes)");
  }
  if (end - begin != nbytes) {
    fail(std::string("shape ") + shape_to_string(shape) + " of " + std::string(code) + " needs " +
         std::to_string(nbytes) + " bytes but data_offsets span " + std::to_string(end - begin));
  }
  return Info{name, *dtype, std::move(shape), static_cast<std::size_t>(begin),
              static_cast<std::size_t>(end)};
}

/// Parses and validates the header of a whole file held in memory.
///
/// Layout rule (followed from the reference implementation's `Metadata::validate` and
/// `read_metadata`): after sorting by offsets, the byte ranges must tile the data section exactly
/// — the first starts at 0, each starts where the previous ends, and the last ends at the end of
/// the file. Overlaps, gaps and trailing bytes are all errors.
template <class Info>
[[nodiscard]] SafetensorsLayout<Info> parse_safetensors_layout(std::span<const std::byte> file,
                                                               const std::string& path) {
  auto fail = [&](const std::string& problem) { hilm::detail::raise<io_error>(path, problem); };
  if (file.size() < 8) {
    fail(std::string("file is ") + std::to_string(file.size()) +
         " bytes long, shorter than the 8-byte header length");
  }
  std::uint64_t n = 0;
  for (std::size_t i = 8; i-- > 0;) n = (n << 8) | std::to_integer<std::uint64_t>(file[i]);
  if (n > file.size() - 8) {
    fail(std::string("header length ") + std::to_string(n) + " runs past the end of the file (" +
         std::to_string(file.size()) + " bytes)");
  }
  if (n > safetensors_max_header_bytes) {
    fail(std::string("header length ") + std::to_string(n) + " exceeds the 100 MB limit");
  }
  const std::string_view text(reinterpret_cast<const char*>(file.data()) + 8,
                              static_cast<std::size_t>(n));
  const nlohmann::json header = parse_safetensors_json(text, path);

  SafetensorsLayout<Info> layout;
  layout.data_begin = 8 + static_cast<std::size_t>(n);
  const std::size_t data_size = file.size() - layout.data_begin;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (entry.is_null()) continue;
      if (!entry.is_object()) fail("\"__metadata__\" is not a JSON object");
      for (const auto& [key, value] : entry.items()) {
        if (!value.is_string()) {
          fail(std::string("\"__metadata__\" value of ") + quote_for_message(key) +
               " is not a string");
        }
        layout.metadata.emplace(key, value.template get<std::string>());
      }
      continue;
    }
    layout.tensors.push_back(parse_safetensors_entry<Info>(name, entry, data_size, path));
  }
  std::sort(layout.tensors.begin(), layout.tensors.end(), [](const Info& a, const Info& b) {
    return std::tie(a.begin, a.end, a.name) < std::tie(b.begin, b.end, b.name);
  });
  std::size_t expected = 0;
  const Info* previous = nullptr;
  for (const Info& t : layout.tensors) {
    if (t.begin < expected) {
      fail(std::string("tensors ") + quote_for_message(previous->name) + " and " +
           quote_for_message(t.name) + std::string(" overlap (bytes [") +
           std::to_string(previous->begin) + ", " + std::to_string(previous->end) + ") and [" +
           std::to_string(t.begin) + ", " + std::to_string(t.end) + "))");
    }
    if (t.begin > expected) {
      fail(std::to_string(t.begin - expected) + " unused bytes before tensor " +
           quote_for_message(t.name) + " at data offset " + std::to_string(expected) +
           " (tensors must cover the data section contiguously)");
    }
    expected = t.end;
    previous = &t;
  }
  if (expected != data_size) {
    fail(std::to_string(data_size - expected) + " unused bytes after the last tensor (the data " +
         std::string("section is ") + std::to_string(data_size) + " bytes, tensors cover " +
         std::to_string(expected) + ")");
  }
  return layout;
}

/// Narrows a double to float rounding to odd (truncate, then set the last bit if inexact). A
/// following round-to-nearest-even to a format with at least two fewer significand bits is then
/// exactly the direct round-to-nearest-even of the double (Boldo & Melquiond, "When double
/// rounding is odd", 2005), avoiding double-rounding errors for float16 and bfloat16.
/// @pre `v` is NaN, infinite or within float's finite range.
[[nodiscard]] inline float narrow_round_to_odd(double v) noexcept {
  float f = static_cast<float>(v);
  if (!std::isfinite(v) || static_cast<double>(f) == v) return f;
  if (std::abs(static_cast<double>(f)) > std::abs(v)) f = std::nextafter(f, 0.0f);  // truncate
  return std::bit_cast<float>(std::bit_cast<std::uint32_t>(f) | 1u);
}

/// Encodes one value as `as`, little-endian, into `dst`. Floating targets round to nearest even
/// (float64 → float32/float16/bfloat16); a finite value that would become infinite, an integer
/// source that does not fit the floating target exactly, a non-integral or out-of-range value for
/// an integer target, and anything but 0/1 for BOOL are refused (returns false).
template <class Scalar>
[[nodiscard]] bool encode_safetensors_element(Scalar v, DType as, std::byte* dst) noexcept {
  static_assert(std::endian::native == std::endian::little,
                "hilm safetensors writer supports little-endian hosts only");
  if constexpr (std::same_as<Scalar, bool>) {
    return encode_safetensors_element(static_cast<std::uint8_t>(v), as, dst);
  } else {
    auto store = [dst](auto value) { std::memcpy(dst, &value, sizeof(value)); };
    auto integer = [&](auto zero) {
      decltype(zero) out{};
      if (!convert_one(v, /*round_floats=*/false, out)) return false;
      store(out);
      return true;
    };
    auto narrow16 = [&](auto to_bits, auto from_bits) {
      float f = 0;
      if constexpr (std::floating_point<Scalar>) {
        if (std::isfinite(v) && std::abs(static_cast<double>(v)) >
                                    static_cast<double>(std::numeric_limits<float>::max())) {
          return false;
        }
        f = narrow_round_to_odd(static_cast<double>(v));
      } else {
        f = static_cast<float>(v);  // checked for exactness below
      }
      const std::uint16_t bits = to_bits(f);
      const float back = from_bits(bits);
      if (std::isinf(back) && !std::isinf(f)) return false;
      if constexpr (!std::floating_point<Scalar>) {
        if (static_cast<long double>(back) != static_cast<long double>(v)) return false;
      }
      store(bits);
      return true;
    };
    switch (as) {
      case DType::Bool: {
        if (!(v == Scalar(0) || v == Scalar(1))) return false;
        store(static_cast<std::uint8_t>(v == Scalar(1) ? 1 : 0));
        return true;
      }
      case DType::Int8:
        return integer(std::int8_t{});
      case DType::Int16:
        return integer(std::int16_t{});
      case DType::Int32:
        return integer(std::int32_t{});
      case DType::Int64:
        return integer(std::int64_t{});
      case DType::UInt8:
        return integer(std::uint8_t{});
      case DType::UInt16:
        return integer(std::uint16_t{});
      case DType::UInt32:
        return integer(std::uint32_t{});
      case DType::UInt64:
        return integer(std::uint64_t{});
      case DType::Float16:
        return narrow16([](float f) { return float_to_half(f); },
                        [](std::uint16_t b) { return half_to_float(b); });
      case DType::BFloat16:
        return narrow16([](float f) { return float_to_bfloat16(f); },
                        [](std::uint16_t b) { return bfloat16_to_float(b); });
      case DType::Float32: {
        float out = 0;
        if (!convert_one(v, /*round_floats=*/std::floating_point<Scalar>, out)) {
          return false;
        }
        store(out);
        return true;
      }
      case DType::Float64: {
        double out = 0;
        if (!convert_one(v, /*round_floats=*/false, out)) return false;
        store(out);
        return true;
      }
    }
    return false;
  }
}

/// Checks that a string survives JSON serialisation (valid UTF-8); used to refuse bad names at
/// `add()` time rather than at `write()`.
[[nodiscard]] inline bool json_serialisable(const std::string& s) {
  try {
    (void)nlohmann::json(s).dump();
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

}  // namespace hilm::detail

#endif  // HILM_IO_DETAIL_SAFETENSORS_FORMAT_HPP

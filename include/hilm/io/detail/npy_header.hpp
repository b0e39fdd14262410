/// @file
/// Implementation details of the `.npy` header: the Python-literal dictionary parser, the
/// `descr` codes and the header writer. Public API: `hilm/io/npy.hpp`.
///
/// Format reference: numpy's "NEP 1 — A simple file format for NumPy arrays" and the docstring of
/// `numpy/lib/format.py` (magic `\x93NUMPY`, major/minor version bytes, little-endian header
/// length of 2 bytes in version 1.0 and 4 bytes in 2.0/3.0, then an ASCII (1.0, 2.0) or UTF-8
/// (3.0) Python literal dict with the keys 'descr', 'fortran_order' and 'shape', padded with
/// spaces and terminated by '\n' so that the data start at a multiple of 64 bytes).
#ifndef HILM_IO_DETAIL_NPY_HEADER_HPP
#define HILM_IO_DETAIL_NPY_HEADER_HPP

#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/io/dtype.hpp>

namespace hilm::detail {

/// The six magic bytes every `.npy` file starts with.
inline constexpr std::string_view npy_magic{"\x93NUMPY", 6};

/// numpy aligns the data to this many bytes (`ARRAY_ALIGN` in format.py since numpy 1.14).
inline constexpr std::size_t npy_alignment = 64;

/// Largest accepted extent of one axis (2^48): larger values cannot describe a real file and are
/// rejected early so that later size arithmetic stays far from overflow.
inline constexpr std::uint64_t npy_max_dim = std::uint64_t{1} << 48;

/// Deepest nesting accepted while skipping an unsupported (structured) `descr` value; bounds the
/// recursion on hostile input.
inline constexpr int npy_max_nesting = 32;

/// The three entries of the header dictionary, still undecoded.
struct NpyDict {
  std::string descr;            // the dtype string, e.g. "<f4" (empty if not a string)
  bool descr_is_string = true;  // false for structured dtypes (a list) or other literals
  std::string descr_text;       // raw text of the descr value, for error messages
  bool fortran_order = false;
  std::vector<Index> shape;
};

/// Recursive-descent parser for the subset of Python literals that numpy writes in headers.
class NpyDictParser {
 public:
  NpyDictParser(std::string_view text, const std::string& path) : text_(text), path_(path) {}

  NpyDict parse() {
    NpyDict dict;
    bool have_descr = false, have_order = false, have_shape = false;
    skip_space();
    expect('{', "the header dictionary must start with '{'");
    skip_space();
    while (peek() != '}') {
      const std::string key = parse_string("a quoted key");
      skip_space();
      expect(':', "expected ':' after key '" + key + "'");
      skip_space();
      if (key == "descr") {
        if (have_descr) fail("duplicate key 'descr'");
        have_descr = true;
        parse_descr(dict);
      } else if (key == "fortran_order") {
        if (have_order) fail("duplicate key 'fortran_order'");
        have_order = true;
        dict.fortran_order = parse_bool();
      } else if (key == "shape") {
        if (have_shape) fail("duplicate key 'shape'");
        have_shape = true;
        dict.shape = parse_shape();
      } else {
        fail("unexpected key '" + key + "' (expected 'descr', 'fortran_order' and 'shape')");
      }
      skip_space();
      if (peek() == ',') {
        ++pos_;
        skip_space();
      } else if (peek() != '}') {
        fail("expected ',' or '}' after the value of '" + key + "'");
      }
    }
    ++pos_;  // '}'
    skip_space();
    if (pos_ != text_.size()) fail("unexpected text after the closing '}'");
    if (!have_descr) fail("missing key 'descr'");
    if (!have_order) fail("missing key 'fortran_order'");
    if (!have_shape) fail("missing key 'shape'");
    return dict;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    hilm::detail::raise<io_error>(
        path_, "malformed .npy header: " + what + " (at header byte " + std::to_string(pos_) + ")");
  }

  [[nodiscard]] char peek() const {
    if (pos_ >= text_.size()) fail("unexpected end of the header dictionary");
    return text_[pos_];
  }

  void expect(char c, const std::string& what) {
    if (peek() != c) fail(what);
    ++pos_;
  }

  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  // A single- or double-quoted Python string; backslash escapes are kept verbatim (no valid key or
  // supported descr contains one).
  std::string parse_string(const std::string& what) {
    const char quote = peek();
    if (quote != '\'' && quote != '"') fail("expected " + what);
    ++pos_;
    std::string out;
    while (peek() != quote) {
      if (text_[pos_] == '\\') {
        out += text_[pos_++];
        (void)peek();
      }
      out += text_[pos_++];
    }
    ++pos_;
    return out;
  }

  bool parse_bool() {
    if (text_.substr(pos_, 4) == "True") {
      pos_ += 4;
      return true;
    }
    if (text_.substr(pos_, 5) == "False") {
      pos_ += 5;
      return false;
    }
    fail("'fortran_order' must be True or False");
  }

  void parse_descr(NpyDict& dict) {
    const std::size_t start = pos_;
    const char c = peek();
    if (c == '\'' || c == '"') {
      dict.descr = parse_string("a dtype string");
      dict.descr_is_string = true;
    } else {
      skip_value(0);
      dict.descr_is_string = false;
    }
    dict.descr_text = std::string(text_.substr(start, pos_ - start));
    if (dict.descr_text.size() > 60) dict.descr_text = dict.descr_text.substr(0, 57) + "...";
  }

  // Skips any literal (used only to report structured dtypes clearly).
  void skip_value(int depth) {
    if (depth > npy_max_nesting) fail("dtype description nested too deeply");
    const char c = peek();
    if (c == '\'' || c == '"') {
      (void)parse_string("a string");
      return;
    }
    if (c == '[' || c == '(' || c == '{') {
      const char close = c == '[' ? ']' : (c == '(' ? ')' : '}');
      ++pos_;
      skip_space();
      while (peek() != close) {
        skip_value(depth + 1);
        skip_space();
        if (peek() == ',' || peek() == ':') {
          ++pos_;
          skip_space();
        } else if (peek() != close) {
          fail("expected ',' or a closing bracket in the dtype description");
        }
      }
      ++pos_;
      return;
    }
    const std::size_t start = pos_;
    while (pos_ < text_.size() &&
           std::string_view(",:)]} \t\n\r").find(text_[pos_]) == std::string_view::npos) {
      ++pos_;
    }
    if (pos_ == start) fail("expected a value");
  }

  // A tuple of non-negative integers: (), (5,), (3, 4), (3, 4,). Python 2's "3L" is accepted.
  std::vector<Index> parse_shape() {
    expect('(', "'shape' must be a tuple such as (3, 4)");
    std::vector<Index> shape;
    skip_space();
    bool comma_after_last = false;
    while (peek() != ')') {
      shape.push_back(parse_dim());
      comma_after_last = false;
      if (shape.size() > 64) fail("'shape' has more than 64 dimensions");
      skip_space();
      if (peek() == ',') {
        ++pos_;
        skip_space();
        comma_after_last = true;
      } else if (peek() != ')') {
        fail("expected ',' or ')' in 'shape'");
      }
    }
    ++pos_;
    // (5) is the integer 5 in Python, not a tuple.
    if (shape.size() == 1 && !comma_after_last) fail("'shape' must be a tuple such as (5,)");
    return shape;
  }

  Index parse_dim() {
    if (peek() == '-') fail("'shape' has a negative dimension");
    if (peek() < '0' || peek() > '9') fail("'shape' must hold non-negative integers");
    std::uint64_t value = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      value = value * 10 + static_cast<std::uint64_t>(text_[pos_] - '0');
      if (value > npy_max_dim) {
        fail("'shape' has an absurd dimension (more than 2^48 elements along one axis)");
      }
      ++pos_;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'L' || text_[pos_] == 'l')) ++pos_;
    return static_cast<Index>(value);
  }

  std::string_view text_;
  const std::string& path_;
  std::size_t pos_ = 0;
};

/// A decoded `descr`.
struct NpyDescr {
  DType dtype = DType::Float64;
  bool big_endian = false;
};

/// Maps a numpy dtype string ("<f4", "|b1", ">i8", "=f4", "<?") to a DType and byte order. `|`,
/// `=` and a missing order character mean native order; 1-byte types are never big-endian.
/// @throws io_error "unsupported dtype '<c8'" for anything else (complex, strings, objects,
///         dates, structured dtypes).
[[nodiscard]] inline NpyDescr decode_npy_descr(const NpyDict& dict, const std::string& path) {
  auto unsupported = [&]() {
    hilm::detail::raise<io_error>(
        path, "unsupported dtype " +
                  (dict.descr_is_string ? "'" + dict.descr + "'"
                                        : dict.descr_text + " (structured or not a dtype string)") +
                  "; supported: bool, int8-int64, uint8-uint64, float16, float32, float64");
  };
  if (!dict.descr_is_string) unsupported();
  std::string_view s = dict.descr;
  char order = '=';
  if (!s.empty() && (s[0] == '<' || s[0] == '>' || s[0] == '|' || s[0] == '=')) {
    order = s[0];
    s.remove_prefix(1);
  }
  NpyDescr out;
  if (s == "b1" || s == "?")
    out.dtype = DType::Bool;
  else if (s == "i1")
    out.dtype = DType::Int8;
  else if (s == "i2")
    out.dtype = DType::Int16;
  else if (s == "i4")
    out.dtype = DType::Int32;
  else if (s == "i8")
    out.dtype = DType::Int64;
  else if (s == "u1")
    out.dtype = DType::UInt8;
  else if (s == "u2")
    out.dtype = DType::UInt16;
  else if (s == "u4")
    out.dtype = DType::UInt32;
  else if (s == "u8")
    out.dtype = DType::UInt64;
  else if (s == "f2")
    out.dtype = DType::Float16;
  else if (s == "f4")
    out.dtype = DType::Float32;
  else if (s == "f8")
    out.dtype = DType::Float64;
  else
    unsupported();
  constexpr bool native_big = std::endian::native == std::endian::big;
  if (dtype_size(out.dtype) == 1) {
    out.big_endian = false;
  } else {
    out.big_endian = order == '>' || ((order == '|' || order == '=') && native_big);
  }
  return out;
}

/// numpy's dtype string for a type and byte order ("|b1", "|u1", "<f4", ">i8").
/// @throws invalid_argument for bfloat16, which numpy cannot store.
[[nodiscard]] inline std::string encode_npy_descr(DType dtype, bool big_endian) {
  std::string kind;
  switch (dtype) {
    case DType::Bool:
      return "|b1";
    case DType::Int8:
      return "|i1";
    case DType::UInt8:
      return "|u1";
    case DType::Int16:
    case DType::Int32:
    case DType::Int64:
      kind = "i";
      break;
    case DType::UInt16:
    case DType::UInt32:
    case DType::UInt64:
      kind = "u";
      break;
    case DType::Float16:
    case DType::Float32:
    case DType::Float64:
      kind = "f";
      break;
    case DType::BFloat16:
      hilm::detail::raise<invalid_argument>(
          "hilm::make_npy_header: dtype bfloat16 has no .npy (numpy) representation");
  }
  return std::string(big_endian ? ">" : "<") + kind + std::to_string(dtype_size(dtype));
}

/// Python's repr of a shape tuple: "()", "(5,)", "(3, 4)".
[[nodiscard]] inline std::string npy_shape_repr(std::span<const Index> shape) {
  std::string out = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::to_string(shape[i]);
  }
  if (shape.size() == 1) out += ",";
  out += ")";
  return out;
}

/// Stores `value` little-endian into `n` bytes of `out`.
inline void append_le(std::string& out, std::uint64_t value, int n) {
  for (int i = 0; i < n; ++i) out += static_cast<char>((value >> (8 * i)) & 0xFFu);
}

}  // namespace hilm::detail

#endif  // HILM_IO_DETAIL_NPY_HEADER_HPP

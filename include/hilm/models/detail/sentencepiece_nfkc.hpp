/// @file
/// UTF-8 <-> code points and the NFKC normalisation that hilm::SentencePiece applies before
/// tokenising (the JavaScript tokenizer calls `String.prototype.normalize("NFKC")`).
///
/// The algorithm is Unicode Standard Annex #15 (Unicode Normalization Forms), §1.3 and §3: full
/// compatibility decomposition, canonical ordering of combining marks by combining class
/// (Unicode Standard §3.11, D108/D109), then canonical composition (D117) of primary composites,
/// where a mark is blocked from its starter by an intervening character of class 0 or of a class
/// at least its own. Its data (decompositions, classes, composition pairs) come from the
/// generated table sentencepiece_nfkc_table.hpp (Unicode 14.0 data, every code point), plus the
/// algorithmic composition of Hangul jamo. ASCII text is returned as is. Characters assigned
/// after Unicode 14.0 pass through unchanged (Node 20 knows Unicode 17; no character added since
/// has a decomposition that matters to the USE-lite vocabulary).
#ifndef HILM_MODELS_DETAIL_SENTENCEPIECE_NFKC_HPP
#define HILM_MODELS_DETAIL_SENTENCEPIECE_NFKC_HPP

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <hilm/models/detail/sentencepiece_nfkc_table.hpp>

namespace hilm::detail {

inline constexpr char32_t utf8_replacement_character = 0xFFFD;

/// Decodes UTF-8 into code points. A malformed sequence (bad lead or continuation byte,
/// overlong form, surrogate, value above U+10FFFF, truncated tail) becomes one U+FFFD per
/// maximal ill-formed subpart, as the WHATWG Encoding Standard's UTF-8 decoder (which Node's
/// `fs.readFileSync(path, "utf-8")` uses) does.
[[nodiscard]] inline std::u32string utf8_to_code_points(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      out.push_back(lead);
      ++i;
      continue;
    }
    std::size_t need = 0;
    char32_t cp = 0;
    unsigned char lower = 0x80;
    unsigned char upper = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      need = 1;
      cp = lead & 0x1Fu;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      need = 2;
      cp = lead & 0x0Fu;
      if (lead == 0xE0) lower = 0xA0;  // no overlong forms
      if (lead == 0xED) upper = 0x9F;  // no surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      need = 3;
      cp = lead & 0x07u;
      if (lead == 0xF0) lower = 0x90;
      if (lead == 0xF4) upper = 0x8F;  // nothing above U+10FFFF
    } else {
      out.push_back(utf8_replacement_character);
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    bool ok = true;
    for (std::size_t k = 0; k < need; ++k, ++j) {
      const auto byte = j < n ? static_cast<unsigned char>(text[j]) : 0;
      if (j >= n || byte < lower || byte > upper) {
        ok = false;
        break;
      }
      lower = 0x80;
      upper = 0xBF;
      cp = (cp << 6) | (byte & 0x3Fu);
    }
    out.push_back(ok ? cp : utf8_replacement_character);
    i = j;
  }
  return out;
}

/// Appends the UTF-8 encoding of the code point `cp` (assumed a Unicode scalar value).
inline void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

/// The UTF-8 encoding of `code_points`.
[[nodiscard]] inline std::string code_points_to_utf8(std::u32string_view code_points) {
  std::string out;
  out.reserve(code_points.size());
  for (const char32_t cp : code_points) append_utf8(out, cp);
  return out;
}

/// Canonical combining class of `cp` (0 for starters and for code points the table omits).
[[nodiscard]] inline std::uint32_t nfkc_combining_class(char32_t cp) {
  if (cp < 0x300) return 0;
  const auto* first = std::begin(nfkc_combining_classes);
  const auto* last = std::end(nfkc_combining_classes);
  const auto* it = std::lower_bound(
      first, last, cp, [](const NfkcCombiningClass& e, char32_t c) { return e.code_point < c; });
  return it != last && it->code_point == cp ? it->ccc : 0;
}

/// The primary composite of the canonical pair (`a`, `b`), or 0 when there is none. Hangul
/// jamo compose algorithmically (Unicode §3.12, "Conjoining Jamo Behavior": L + V -> LV
/// syllable, LV + T -> LVT syllable); every other pair comes from the table.
[[nodiscard]] inline char32_t nfkc_compose_pair(char32_t a, char32_t b) {
  constexpr char32_t s_base = 0xAC00, l_base = 0x1100, v_base = 0x1161, t_base = 0x11A7;
  constexpr char32_t l_count = 19, v_count = 21, t_count = 28, s_count = 11172;
  if (a >= l_base && a < l_base + l_count && b >= v_base && b < v_base + v_count) {
    return s_base + ((a - l_base) * v_count + (b - v_base)) * t_count;
  }
  if (a >= s_base && a < s_base + s_count && (a - s_base) % t_count == 0 && b > t_base &&
      b < t_base + t_count) {
    return a + (b - t_base);
  }
  const auto* first = std::begin(nfkc_compositions);
  const auto* last = std::end(nfkc_compositions);
  const auto* it =
      std::lower_bound(first, last, std::pair<char32_t, char32_t>{a, b},
                       [](const NfkcComposition& e, std::pair<char32_t, char32_t> k) {
                         return e.first != k.first ? e.first < k.first : e.second < k.second;
                       });
  return it != last && it->first == a && it->second == b ? it->composite : 0;
}

/// Appends the full compatibility decomposition of `cp` (itself when the table has none).
inline void nfkc_append_decomposition(std::u32string& out, char32_t cp) {
  if (cp < 0xA0) {
    out.push_back(cp);
    return;
  }
  const auto* first = std::begin(nfkc_decompositions);
  const auto* last = std::end(nfkc_decompositions);
  const auto* it = std::lower_bound(
      first, last, cp, [](const NfkcDecomposition& e, char32_t c) { return e.code_point < c; });
  if (it == last || it->code_point != cp) {
    out.push_back(cp);
    return;
  }
  for (std::uint32_t k = 0; k < it->length; ++k) {
    out.push_back(nfkc_decomposition_data[it->start + k]);
  }
}

/// Canonical ordering (Unicode §3.11 D109): a stable sort of every run of non-starters by
/// combining class.
inline void nfkc_canonical_order(std::u32string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    if (nfkc_combining_class(s[i]) == 0) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && nfkc_combining_class(s[j]) != 0) ++j;
    std::stable_sort(
        s.begin() + static_cast<std::ptrdiff_t>(i), s.begin() + static_cast<std::ptrdiff_t>(j),
        [](char32_t a, char32_t b) { return nfkc_combining_class(a) < nfkc_combining_class(b); });
    i = j;
  }
}

/// Canonical composition (Unicode §3.11 D117) of a canonically ordered string, in place.
inline void nfkc_canonical_compose(std::u32string& s) {
  if (s.empty()) return;
  std::size_t starter = 0;
  bool have_starter = nfkc_combining_class(s[0]) == 0;
  std::size_t out = 1;
  std::uint32_t last_class = have_starter ? 0 : 256;
  for (std::size_t i = 1; i < s.size(); ++i) {
    const char32_t c = s[i];
    const std::uint32_t cls = nfkc_combining_class(c);
    // Not blocked: nothing between the starter and c, or everything between has a lower,
    // non-zero class.
    const bool adjacent = out == starter + 1;
    if (have_starter && (adjacent || (last_class != 0 && last_class < cls))) {
      const char32_t composite = nfkc_compose_pair(s[starter], c);
      if (composite != 0) {
        s[starter] = composite;
        continue;
      }
    }
    if (cls == 0) {
      starter = out;
      have_starter = true;
      last_class = 0;
    } else {
      last_class = cls;
    }
    s[out++] = c;
  }
  s.resize(out);
}

/// NFKC of `code_points` on the covered ranges (see the file comment).
[[nodiscard]] inline std::u32string nfkc_normalize(std::u32string_view code_points) {
  const bool ascii =
      std::all_of(code_points.begin(), code_points.end(), [](char32_t c) { return c < 0x80; });
  if (ascii) return std::u32string(code_points);
  std::u32string decomposed;
  decomposed.reserve(code_points.size());
  for (const char32_t cp : code_points) nfkc_append_decomposition(decomposed, cp);
  nfkc_canonical_order(decomposed);
  nfkc_canonical_compose(decomposed);
  return decomposed;
}

}  // namespace hilm::detail

#endif  // HILM_MODELS_DETAIL_SENTENCEPIECE_NFKC_HPP

/// @file
/// Implementation of hilm::SentencePiece (`hilm/models/sentencepiece.hpp`): parsing `vocab.json`,
/// the piece trie and the unigram Viterbi segmentation.
///
/// Sources. The unigram model and its Viterbi segmentation: Kudo, "Subword Regularization"
/// (ACL 2018), §3; Kudo & Richardson, "SentencePiece" (EMNLP 2018 demo). The exact behaviour
/// reproduced here — which pieces are candidates, how ties and the value 0 are treated, how the
/// path is read back, how unknown pieces merge — is that of the JavaScript tokenizer in
/// `@energetic-ai/embeddings@0.2.0` (the runtime USE-lite ships with), observed from its
/// behaviour and recorded in tests/data/models/use_lite/README.md.
#ifndef HILM_MODELS_DETAIL_SENTENCEPIECE_HPP
#define HILM_MODELS_DETAIL_SENTENCEPIECE_HPP

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/models/detail/sentencepiece_nfkc.hpp>

#include <nlohmann/json.hpp>

namespace hilm::detail {

/// U+2581 LOWER ONE EIGHTH BLOCK, sentencepiece's word-boundary marker.
inline constexpr char32_t sentencepiece_separator = 0x2581;

/// The number of UTF-16 code units of `cp` (the unit of JavaScript's `String.length`).
[[nodiscard]] inline std::size_t utf16_units(char32_t cp) { return cp >= 0x10000 ? 2 : 1; }

/// A vocabulary as read from `vocab.json`: piece text and score per id.
struct SentencePieceVocabulary {
  std::vector<std::string> pieces;
  std::vector<double> scores;
};

/// Parses the text of `vocab.json` (read from `path`): a JSON array of `[piece, score]` pairs,
/// id = position; a `null` score is 0 (what JavaScript arithmetic makes of it).
/// @throws io_error naming `path` when the text is not such an array or is empty.
[[nodiscard]] inline SentencePieceVocabulary parse_sentencepiece_vocabulary(
    const std::string& text, const std::string& path) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    raise<io_error>(path, std::string("the vocabulary is not valid JSON: ") + e.what());
  }
  if (!json.is_array() || json.empty()) {
    raise<io_error>(path, "the vocabulary must be a non-empty JSON array of [piece, score] pairs");
  }
  SentencePieceVocabulary vocabulary;
  vocabulary.pieces.reserve(json.size());
  vocabulary.scores.reserve(json.size());
  for (std::size_t id = 0; id < json.size(); ++id) {
    const nlohmann::json& entry = json[id];
    const bool pair = entry.is_array() && entry.size() == 2 && entry[0].is_string() &&
                      (entry[1].is_number() || entry[1].is_null());
    if (!pair) {
      raise<io_error>(path, "vocabulary entry " + std::to_string(id) +
                                " is not a [piece, score] pair: " + entry.dump());
    }
    vocabulary.pieces.push_back(entry[0].get<std::string>());
    vocabulary.scores.push_back(entry[1].is_null() ? 0.0 : entry[1].get<double>());
  }
  return vocabulary;
}

/// A trie over the code points of the pieces: node 0 is the root, edges in one hash map keyed
/// by (node, code point).
class SentencePieceTrie {
 public:
  /// Inserts `piece` with `id` and `score`; a later insertion of the same text replaces it.
  void insert(std::u32string_view piece, std::int32_t id, double score) {
    std::int32_t node = 0;
    for (const char32_t cp : piece) {
      const auto [it, inserted] = edges_.try_emplace(key(node, cp), std::int32_t{0});
      if (inserted) {
        it->second = static_cast<std::int32_t>(ids_.size());
        ids_.push_back(-1);
        scores_.push_back(0.0);
      }
      node = it->second;
    }
    if (node == 0) return;  // the empty piece is never matched
    ids_[static_cast<std::size_t>(node)] = id;
    scores_[static_cast<std::size_t>(node)] = score;
  }

  /// Calls `visit(length, id, score)` for every piece that is a prefix of `text`, shortest first.
  template <class Visit>
  void for_each_prefix(std::u32string_view text, Visit&& visit) const {
    std::int32_t node = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      const auto it = edges_.find(key(node, text[i]));
      if (it == edges_.end()) return;
      node = it->second;
      const auto n = static_cast<std::size_t>(node);
      if (ids_[n] >= 0) visit(i + 1, ids_[n], scores_[n]);
    }
  }

 private:
  static std::uint64_t key(std::int32_t node, char32_t cp) {
    return (static_cast<std::uint64_t>(node) << 21) | static_cast<std::uint64_t>(cp);
  }

  std::unordered_map<std::uint64_t, std::int32_t> edges_;
  std::vector<std::int32_t> ids_{-1};
  std::vector<double> scores_{0.0};
};

/// What the tokenizer sees: NFKC of the text, every U+0020 replaced by U+2581 and one U+2581
/// put in front (nothing for an empty result).
[[nodiscard]] inline std::u32string sentencepiece_preprocess(std::string_view text) {
  std::u32string normalized = nfkc_normalize(utf8_to_code_points(text));
  if (normalized.empty()) return normalized;
  std::u32string out;
  out.reserve(normalized.size() + 1);
  out.push_back(sentencepiece_separator);
  for (const char32_t cp : normalized) out.push_back(cp == U' ' ? sentencepiece_separator : cp);
  return out;
}

/// One candidate piece ending at a position: where it starts, its id and its score.
struct SentencePieceCandidate {
  std::size_t start;
  std::int32_t id;
  double score;
};

/// Unigram Viterbi segmentation of the preprocessed `symbols` into ids. `back_length[id]` is
/// the piece's length in UTF-16 units, by which the path is read back (as the reference does).
[[nodiscard]] inline std::vector<std::int32_t> sentencepiece_viterbi(
    std::u32string_view symbols, const SentencePieceTrie& trie,
    const std::vector<std::size_t>& back_length) {
  const std::size_t n = symbols.size();
  // Candidates grouped by end position; scanning starts in increasing order keeps each group
  // sorted by start, the order in which the reference visits them.
  std::vector<std::vector<SentencePieceCandidate>> ending(n + 1);
  for (std::size_t i = 0; i < n; ++i) {
    bool any = false;
    trie.for_each_prefix(symbols.substr(i), [&](std::size_t length, std::int32_t id, double s) {
      ending[i + length].push_back({i, id, s});
      any = true;
    });
    // No piece starts with this code point: it becomes the unknown piece (id 0, score 0).
    if (!any) ending[i + 1].push_back({i, 0, 0.0});
  }
  // best == 0 means "not reached yet" in the reference, and ties go to the later candidate.
  std::vector<double> best(n + 1, 0.0);
  std::vector<std::int32_t> word(n + 1, 0);
  for (std::size_t end = 0; end <= n; ++end) {
    for (const SentencePieceCandidate& c : ending[end]) {
      const double score = c.score + best[c.start];
      if (best[end] == 0.0 || score >= best[end]) {
        best[end] = score;
        word[end] = c.id;
      }
    }
  }
  std::vector<std::int32_t> reversed;
  auto at = static_cast<std::ptrdiff_t>(n);
  while (at > 0) {
    const std::int32_t id = word[static_cast<std::size_t>(at)];
    reversed.push_back(id);
    at -= static_cast<std::ptrdiff_t>(back_length[static_cast<std::size_t>(id)]);
  }
  // Runs of consecutive unknown pieces become one.
  std::vector<std::int32_t> ids;
  ids.reserve(reversed.size());
  for (auto it = reversed.rbegin(); it != reversed.rend(); ++it) {
    if (*it == 0 && !ids.empty() && ids.back() == 0) continue;
    ids.push_back(*it);
  }
  return ids;
}

}  // namespace hilm::detail

#endif  // HILM_MODELS_DETAIL_SENTENCEPIECE_HPP

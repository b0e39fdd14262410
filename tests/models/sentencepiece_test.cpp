// Tests of include/hilm/models/sentencepiece.hpp. Parity: the ids of the real vocab.json equal
// those of the package's JavaScript tokenizer on the fixture sentences and on 102 more
// (tests/data/models/use_lite/, made by scripts/make-use-lite-fixture.mjs) [needs-use-lite]; the
// pinned corpus's size under the tokenizer. Without the model: the segmentation rules on small
// hand-made vocabularies (each with a control that a wrong rule would fail), NFKC cases from
// the Unicode standard, UTF-8 decoding, and the errors of load() and piece().
#include <cstdint>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <hilm/models/sentencepiece.hpp>

#include <nlohmann/json.hpp>

#include "support/catch.hpp"
#include "support/files.hpp"
#include "support/messages.hpp"
#include "support/temp_dir.hpp"

namespace {

using hilm::SentencePiece;
using hilm::test::contains;
using hilm::test::message_of;

std::string sp_vocab_path() { return std::string(HILM_MODELS_DIR) + "/use-lite/dist/vocab.json"; }

std::string sp_fixture(const std::string& name) {
  return std::string(HILM_TEST_DATA_DIR) + "/models/use_lite/" + name;
}

nlohmann::json sp_read_json(const std::string& path) {
  const std::string text = hilm::test::read_file(path);
  REQUIRE_FALSE(text.empty());
  return nlohmann::json::parse(text);
}

// The pieces of `ids`, joined by '|', for readable failure messages.
std::string sp_pieces(const SentencePiece& sp, const std::vector<std::int32_t>& ids) {
  std::string out;
  for (const std::int32_t id : ids) out += sp.piece(id) + "|";
  return out;
}

// A vocabulary with the six reserved entries of the real one (piece 0 is U+FFFD) followed by
// `pieces` (ids 6, 7, ...). Every expected id list in the cases without the model was checked
// against the JavaScript tokenizer of @energetic-ai/embeddings@0.2.0 on the same vocabulary.
SentencePiece sp_small(const std::string& pieces, const std::string& piece0 = "\ufffd") {
  return SentencePiece::from_json(R"([[")" + piece0 +
                                  R"(",0],["<s>",0],["</s>",0],["e1",0],["e2",0],["e3",0],)" +
                                  pieces + "]");
}

}  // namespace

TEST_CASE("SentencePiece gives the JavaScript tokenizer's ids on the fixture sentences",
          "[models][needs-use-lite]") {
  const SentencePiece sp = SentencePiece::load(sp_vocab_path());
  REQUIRE(sp.size() == 8000);
  const nlohmann::json fixture = sp_read_json(sp_fixture("fixture.json"));
  const nlohmann::json tokens = sp_read_json(sp_fixture("tokens.json"));
  std::vector<std::pair<std::string, std::vector<std::int32_t>>> cases;
  for (std::size_t i = 0; i < fixture["sentences"].size(); ++i) {
    cases.emplace_back(fixture["sentences"][i].get<std::string>(),
                       fixture["token_ids"][i].get<std::vector<std::int32_t>>());
  }
  for (const auto& pair : tokens["pairs"]) {
    cases.emplace_back(pair["sentence"].get<std::string>(),
                       pair["ids"].get<std::vector<std::int32_t>>());
  }
  REQUIRE(cases.size() >= 100);
  std::size_t unknown = 0;
  std::size_t long_ones = 0;
  for (const auto& [sentence, expected] : cases) {
    const std::vector<std::int32_t> ids = sp.encode(sentence);
    INFO("sentence: " << sentence << "\nhilm: " << sp_pieces(sp, ids)
                      << "\nJS:   " << sp_pieces(sp, expected));
    CHECK(ids == expected);
    for (const std::int32_t id : expected) unknown += id == SentencePiece::unknown_id ? 1 : 0;
    long_ones += expected.size() > 128 ? 1 : 0;
  }
  // The cases exercise the unknown piece and the 128-position limit (else they prove less).
  CHECK(unknown >= 5);
  CHECK(long_ones >= 1);
}

TEST_CASE("SentencePiece reads the real vocabulary: pieces, scores, null scores as 0",
          "[models][needs-use-lite]") {
  const SentencePiece sp = SentencePiece::load(sp_vocab_path());
  const nlohmann::json vocab = sp_read_json(sp_vocab_path());
  std::size_t nulls = 0;
  for (std::size_t id = 0; id < vocab.size(); ++id) {
    const auto i = static_cast<std::int32_t>(id);
    REQUIRE(sp.piece(i) == vocab[id][0].get<std::string>());
    if (vocab[id][1].is_null()) {
      ++nulls;
      CHECK(sp.score(i) == 0.0);
    } else {
      CHECK(sp.score(i) == vocab[id][1].get<double>());
    }
  }
  CHECK(nulls == 7);
  CHECK(sp.piece(9) == "\u2581the");
  // ':' has a null score: as 0 it beats every other way of covering a colon.
  const std::vector<std::int32_t> colon = sp.encode("a:b");
  CHECK(contains(sp_pieces(sp, colon), "|:|"));
}

TEST_CASE("The pinned corpus is large enough under the USE-lite tokenizer",
          "[models][needs-use-lite]") {
  const SentencePiece sp = SentencePiece::load(sp_vocab_path());
  // HILM_TEST_DATA_DIR is <source>/tests/data.
  std::ifstream in(std::string(HILM_TEST_DATA_DIR) + "/../../data/corpus/gnu-info-sentences.txt");
  REQUIRE(in);
  std::set<std::string> unique;
  std::size_t lines = 0;
  std::size_t tokens = 0;
  for (std::string line; std::getline(in, line);) {
    ++lines;
    unique.insert(line);
    tokens += sp.encode(line).size();
  }
  CHECK(unique.size() == lines);
  CHECK(lines >= 3000);
  CHECK(tokens >= 60000);
}

TEST_CASE("SentencePiece segments by Viterbi over the scores", "[models]") {
  // "▁ab" as one piece (-3) beats "▁a" + "b" (-1 + -2.5 = -3.5).
  const SentencePiece sp = sp_small(R"(["▁a",-1],["b",-2.5],["▁ab",-3],["▁",-4],["a",-4])");
  CHECK(sp.encode("ab") == std::vector<std::int32_t>{8});
  // Control: with "▁ab" costlier (-4), the split wins.
  const SentencePiece split = sp_small(R"(["▁a",-1],["b",-2.5],["▁ab",-4],["▁",-4],["a",-4])");
  CHECK(split.encode("ab") == std::vector<std::int32_t>{6, 7});
  // Spaces become ▁ and one ▁ leads; an empty text has no ids.
  CHECK(sp.encode("ab ab") == std::vector<std::int32_t>{8, 8});
  CHECK(sp.encode("").empty());
  CHECK(sp.encode(" ") == std::vector<std::int32_t>{9, 9});
}

TEST_CASE("SentencePiece: equal scores go to the later start, null scores count as 0", "[models]") {
  // "▁ab" = "▁a" + "b" = -2: the tie goes to the candidate that starts later ("b").
  const SentencePiece tie = sp_small(R"(["▁a",-1],["b",-1],["▁ab",-2],["a",-3])");
  CHECK(tie.encode("ab") == std::vector<std::int32_t>{6, 7});
  // Control: one step off the tie, the whole piece wins.
  const SentencePiece no_tie = sp_small(R"(["▁a",-1],["b",-1.01],["▁ab",-2],["a",-3])");
  CHECK(no_tie.encode("ab") == std::vector<std::int32_t>{8});
  // A null score is 0, so the null piece is preferred over a scored one covering the same text.
  const SentencePiece nulls = sp_small(R"(["▁",-1],[":",null],["▁:",-5])");
  CHECK(nulls.score(7) == 0.0);
  CHECK(nulls.encode(":") == std::vector<std::int32_t>{6, 7});
}

TEST_CASE("SentencePiece: code points no piece starts with become one unknown id per run",
          "[models]") {
  const SentencePiece sp = sp_small(R"(["▁a",-1],["a",-2],["▁",-3])");
  // "▁a" then "xyz" (three unknowns, merged) then "a".
  CHECK(sp.encode("axyza") == std::vector<std::int32_t>{6, 0, 7});
  // Runs separated by a known piece stay separate.
  CHECK(sp.encode("axaya") == std::vector<std::int32_t>{6, 0, 7, 0, 7});
  // Reserved pieces are never matched, even when the text spells them.
  CHECK(sp.encode("a<s>") == std::vector<std::int32_t>{6, 0});
  // Control: once x, y, z are pieces, nothing is unknown.
  const SentencePiece known = sp_small(R"(["▁a",-1],["a",-2],["▁",-3],["x",-9],["y",-9],["z",-9])");
  CHECK(known.encode("axyza") == std::vector<std::int32_t>{6, 9, 10, 11, 7});
}

TEST_CASE("SentencePiece keeps the reference's quirks: unreached positions score 0", "[models]") {
  // No piece ends after "▁" here, so that position keeps the reference's initial best 0 — higher
  // than any real path — and the unknown "a" (score 0) starting there beats "▁a" (-1).
  const SentencePiece sp = sp_small(R"(["▁a",-1],["b",-1],["▁ab",-2])");
  CHECK(sp.encode("ab") == std::vector<std::int32_t>{0, 7});
  // The path is read back by the UTF-16 length of each piece's text, that of piece 0 included:
  // with "<unk>" (5 units) as piece 0, one unknown step jumps back 5 positions.
  const SentencePiece unk5 = sp_small(R"(["▁a",-1],["a",-2],["▁",-3])", "<unk>");
  CHECK(unk5.encode("axyza") == std::vector<std::int32_t>{0, 7});
}

TEST_CASE("SentencePiece normalises with NFKC before segmenting", "[models]") {
  // Facts from the Unicode Character Database: U+FB01 ﬁ ≡ "fi"; U+00A0 NBSP and U+3000 ≡ space;
  // e + U+0301 composes to U+00E9; full-width Ａ (U+FF21) ≡ A; half-width ｶ + ﾞ ≡ ガ (U+30AC).
  const SentencePiece sp = sp_small(
      R"(["▁fi",-1],["▁",-2],["▁caf\u00e9",-1],["▁A",-1],["\u30ac",-1],["f",-3],["i",-3])");
  CHECK(sp.encode("\ufb01") == std::vector<std::int32_t>{6});
  CHECK(sp.encode("\u00a0fi\u3000fi") == std::vector<std::int32_t>{7, 6, 6});
  CHECK(sp.encode("cafe\u0301") == std::vector<std::int32_t>{8});
  CHECK(sp.encode("\uff21") == std::vector<std::int32_t>{9});
  CHECK(sp.encode("\uff76\uff9e") == std::vector<std::int32_t>{7, 10});
  // Canonical ordering: dot below (class 220) sorts before acute (230) whatever the input order.
  using hilm::detail::code_points_to_utf8;
  using hilm::detail::nfkc_normalize;
  CHECK(nfkc_normalize(U"x\u0301\u0323") == U"x\u0323\u0301");
  CHECK(nfkc_normalize(U"e\u0301\u0323") == U"\u1eb9\u0301");  // ẹ then the acute
  CHECK(nfkc_normalize(U"\u1100\u1161\u11a8") == U"\uac01");   // jamo compose to 각
  CHECK(code_points_to_utf8(nfkc_normalize(U"\u2460\u00bd")) ==
        "1"
        "1\u20442");
  // Control: ASCII is untouched.
  CHECK(nfkc_normalize(U"plain ASCII, 1-2-3.") == U"plain ASCII, 1-2-3.");
}

TEST_CASE("SentencePiece decodes invalid UTF-8 to U+FFFD per ill-formed subpart", "[models]") {
  using hilm::detail::utf8_to_code_points;
  CHECK(utf8_to_code_points("a\xff"
                            "b") == U"a\ufffdb");
  CHECK(utf8_to_code_points("\xe2\x82") == U"\ufffd");                  // truncated 3-byte form
  CHECK(utf8_to_code_points("\xc0\xaf") == U"\ufffd\ufffd");            // overlong: two subparts
  CHECK(utf8_to_code_points("\xed\xa0\x80") == U"\ufffd\ufffd\ufffd");  // a surrogate
  CHECK(utf8_to_code_points("\xf0\x9f\x98\x80") == U"\U0001F600");
  const SentencePiece sp = sp_small(R"(["▁a",-1],["a",-2],["▁",-3])");
  CHECK(sp.encode("a\xff\xfe") == std::vector<std::int32_t>{6, 0});
}

TEST_CASE("SentencePiece::load names the file and the problem", "[models]") {
  const hilm::test::TempDir dir;
  const std::string missing = dir.file("missing.json");
  CHECK(contains(message_of<hilm::io_error>([&] { (void)SentencePiece::load(missing); }), missing));
  const auto problem = [&](const std::string& name, const std::string& text) {
    const std::string path = dir.file(name);
    std::ofstream(path) << text;
    const std::string message =
        message_of<hilm::io_error>([&] { (void)SentencePiece::load(path); });
    CHECK(contains(message, path));
    return message;
  };
  CHECK(contains(problem("bad.json", "[[\"a\", 1"), "not valid JSON"));
  CHECK(contains(problem("object.json", "{\"a\": 1}"), "non-empty JSON array"));
  CHECK(contains(problem("empty.json", "[]"), "non-empty JSON array"));
  CHECK(contains(problem("entry.json", "[[\"a\", 1], [\"b\"]]"), "entry 1"));
  CHECK(contains(problem("score.json", "[[\"a\", \"x\"]]"), "entry 0"));
  // Control: a well-formed file loads.
  const std::string good = dir.file("good.json");
  std::ofstream(good) << "[[\"a\", null], [\"b\", -1.5]]";
  CHECK(SentencePiece::load(good).size() == 2);
}

TEST_CASE("SentencePiece::piece and score refuse ids out of range", "[models]") {
  const SentencePiece sp = sp_small(R"(["▁a",-1])");
  CHECK(sp.piece(6) == "\u2581a");
  CHECK(contains(message_of([&] { (void)sp.piece(7); }), "id 7 is not in [0, 7)"));
  CHECK(contains(message_of([&] { (void)sp.score(-1); }), "id -1"));
}

// Tests of include/hilm/io/delimited.hpp: exact values in comma, tab and whitespace files; header
// detection both ways; CRLF, BOM, blank lines, quotes; number syntax and NaN tokens; every error
// naming file, line and column; categorical coding; fixtures copied from causal-learn (values
// parsed independently by Python); every table of ../shared/peer-data when present.
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <hilm/core/random.hpp>
#include <hilm/io/delimited.hpp>

#include "support/catch.hpp"
#include "support/messages.hpp"
#include "support/temp_dir.hpp"

namespace {

#include "data/delimited/expected_values.inc"

using hilm::DelimitedOptions;
using hilm::Index;
using hilm::parse_delimited;
using hilm::read_delimited;
using Header = hilm::DelimitedOptions::Header;

using hilm::test::contains;
using hilm::test::message_of;

// The message of parsing `text` as file "t.csv", which must fail.
std::string parse_error(const std::string& text, const DelimitedOptions& options = {}) {
  return message_of<hilm::io_error>([&] { (void)parse_delimited<double>(text, options, "t.csv"); });
}

hilm::RowMatrix<double> rows(std::initializer_list<std::initializer_list<double>> values) {
  hilm::RowMatrix<double> m(static_cast<Index>(values.size()),
                            static_cast<Index>(values.begin()->size()));
  Index i = 0;
  for (const auto& r : values) {
    Index j = 0;
    for (double v : r) m(i, j++) = v;
    ++i;
  }
  return m;
}

// Exact comparison in which NaN equals NaN.
bool same(const hilm::RowMatrix<double>& a, const hilm::RowMatrix<double>& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
  for (Index i = 0; i < a.size(); ++i) {
    const double x = a.data()[i];
    const double y = b.data()[i];
    if (!(x == y || (std::isnan(x) && std::isnan(y)))) return false;
  }
  return true;
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

TEST_CASE("delimited: comma, tab and whitespace tables read exactly", "[io][delimited]") {
  const auto expected = rows({{1.5, -2.0, 3e-3}, {0.25, 1e10, -7.0}});
  SECTION("comma") {
    const auto t = parse_delimited<double>("a,b,c\n1.5,-2,3e-3\n0.25,1e10,-7\n");
    CHECK(t.delimiter == ',');
    CHECK(t.had_header);
    CHECK(t.names == std::vector<std::string>{"a", "b", "c"});
    CHECK(same(t.data, expected));
    CHECK(t.levels.size() == 3);
    CHECK(t.levels[0].empty());
  }
  SECTION("tab") {
    const auto t = parse_delimited<double>("a\tb\tc\n1.5\t-2\t3e-3\n0.25\t1e10\t-7\n");
    CHECK(t.delimiter == '\t');
    CHECK(t.names == std::vector<std::string>{"a", "b", "c"});
    CHECK(same(t.data, expected));
  }
  SECTION("whitespace runs, leading and trailing blanks, tabs after the first line") {
    // The first line decides the mode: a tab there would select tab mode.
    const auto t = parse_delimited<double>("  a  b   c\n1.5 \t -2   3e-3  \n\t0.25 1e10 -7");
    CHECK(t.delimiter == ' ');
    CHECK(t.names == std::vector<std::string>{"a", "b", "c"});
    CHECK(same(t.data, expected));
  }
  SECTION("explicit delimiter") {
    DelimitedOptions o;
    o.delimiter = ';';
    const auto t = parse_delimited<double>("a;b;c\n1.5;-2;3e-3\n0.25;1e10;-7\n", o);
    CHECK(t.delimiter == ';');
    CHECK(same(t.data, expected));
  }
  SECTION("float scalar") {
    const auto t = parse_delimited<float>("1.5,-2,3e-3\n0.25,1e10,-7\n");
    CHECK(t.data == expected.cast<float>());
  }
}

TEST_CASE("delimited: header detection", "[io][delimited]") {
  SECTION("a non-numeric cell makes a header") {
    const auto t = parse_delimited<double>("x,2\n1,2\n");
    CHECK(t.had_header);
    CHECK(t.names == std::vector<std::string>{"x", "2"});
    CHECK(t.data.rows() == 1);
  }
  SECTION("an all-numeric first line is data (negative control)") {
    const auto t = parse_delimited<double>("1,2\n3,4\n");
    CHECK_FALSE(t.had_header);
    CHECK(t.names.empty());
    CHECK(same(t.data, rows({{1, 2}, {3, 4}})));
  }
  SECTION("missing values and NaN tokens are not names") {
    const auto t = parse_delimited<double>("NA,,nan,inf\n1,2,3,4\n");
    CHECK_FALSE(t.had_header);
    CHECK(same(t.data, rows({{kNaN, kNaN, kNaN, kInf}, {1, 2, 3, 4}})));
  }
  SECTION("Header::Present takes numeric names") {
    DelimitedOptions o;
    o.header = Header::Present;
    const auto t = parse_delimited<double>("0,1\n3,4\n", o);
    CHECK(t.had_header);
    CHECK(t.names == std::vector<std::string>{"0", "1"});
    CHECK(same(t.data, rows({{3, 4}})));
  }
  SECTION("Header::Absent makes a text first line an error") {
    DelimitedOptions o;
    o.header = Header::Absent;
    const auto msg = parse_error("x,y\n1,2\n", o);
    CHECK(contains(msg, "t.csv: line 1, column 1: 'x' is not a number"));
  }
  SECTION("header only gives 0 × k") {
    const auto t = parse_delimited<double>("a,b,c\n");
    CHECK(t.had_header);
    CHECK(t.data.rows() == 0);
    CHECK(t.data.cols() == 3);
    CHECK(t.names.size() == 3);
  }
}

TEST_CASE("delimited: line ends, BOM, blank lines, quotes and spaces", "[io][delimited]") {
  const auto expected = rows({{1, 2}, {3, 4}});
  CHECK(same(parse_delimited<double>("a,b\r\n1,2\r\n3,4\r\n").data, expected));
  CHECK(same(parse_delimited<double>("a,b\n1,2\n3,4").data, expected));             // no final \n
  CHECK(same(parse_delimited<double>("a,b\n1,2\n3,4\n\n \n\r\n").data, expected));  // blank tail
  CHECK(same(parse_delimited<double>("\n\na,b\n1,2\n\n3,4\n").data, expected));     // blank lines
  const auto bom = parse_delimited<double>(
      "\xEF\xBB\xBF"
      "a,b\n1,2\n3,4\n");
  CHECK(bom.names == std::vector<std::string>{"a", "b"});
  CHECK(same(bom.data, expected));
  // Quoted names (R's write.csv), doubled quotes, delimiters inside quotes, spaces around cells.
  const auto q = parse_delimited<double>("\"X1\", \"say \"\"hi\"\"\" ,\"a,b\"\n 1 , \"2\",3\n");
  CHECK(q.names == std::vector<std::string>{"X1", "say \"hi\"", "a,b"});
  CHECK(same(q.data, rows({{1, 2, 3}})));
  // Whitespace mode with quoted names (R's write.table).
  const auto w = parse_delimited<double>("\"my x\" \"y\"\n1 2\n");
  CHECK(w.names == std::vector<std::string>{"my x", "y"});
  // Tab mode keeps empty cells between tabs: a row of missing values is not a blank line.
  const auto tabs = parse_delimited<double>("a\tb\tc\n1\t\t3\n\t\t\n");
  CHECK(same(tabs.data, rows({{1, kNaN, 3}, {kNaN, kNaN, kNaN}})));
}

TEST_CASE("delimited: number syntax and NaN tokens", "[io][delimited]") {
  const auto t = parse_delimited<double>(
      "1e-3,+5,-0,inf,-Infinity,nan,NaN,NA,,.5,5.,1E+2,1e-400,-1e-400,4.9e-324\n");
  REQUIRE(t.data.cols() == 15);
  CHECK(t.data(0, 0) == 1e-3);
  CHECK(t.data(0, 1) == 5.0);
  CHECK(t.data(0, 2) == 0.0);
  CHECK(std::signbit(t.data(0, 2)));
  CHECK(t.data(0, 3) == kInf);
  CHECK(t.data(0, 4) == -kInf);
  for (Index j = 5; j <= 8; ++j) CHECK(std::isnan(t.data(0, j)));
  CHECK(t.data(0, 9) == 0.5);
  CHECK(t.data(0, 10) == 5.0);
  CHECK(t.data(0, 11) == 100.0);
  CHECK(t.data(0, 12) == 0.0);  // underflow → zero, as strtod
  CHECK(t.data(0, 13) == 0.0);
  CHECK(std::signbit(t.data(0, 13)));
  CHECK(t.data(0, 14) == 4.9e-324);
  // Not numbers: these make a header...
  for (const char* cell : {"0x10", "1,5e", "++5", "+-5", "1.5abc", "true", "N/A", "e5", "1e"}) {
    INFO(cell);
    const std::string text = std::string(cell) + "\n";
    DelimitedOptions o;
    o.header = Header::Absent;
    o.delimiter = ';';
    CHECK(contains(parse_error(text, o), "is not a number"));
  }
  // ... and overflow is refused, for double and for float.
  CHECK(
      contains(parse_error("1\n1e400\n"), "line 2, column 1: '1e400' is out of range for float64"));
  CHECK(contains(
      message_of<hilm::io_error>([] { (void)parse_delimited<float>("1\n-1e39\n", {}, "f.csv"); }),
      "f.csv: line 2, column 1: '-1e39' is out of range for float32"));
}

TEST_CASE("delimited: allow_nan = false names the line and the column", "[io][delimited]") {
  DelimitedOptions o;
  o.allow_nan = false;
  CHECK(same(parse_delimited<double>("a,b\n1,2\n", o).data, rows({{1, 2}})));
  CHECK(
      contains(parse_error("a,b\n1,2\n\n3,NA\n", o), "t.csv: line 4, column 2 (b): missing value"));
  CHECK(contains(parse_error("a,b\n1,2\n3,\n", o), "line 3, column 2 (b): missing value"));
  CHECK(contains(parse_error("a,b\n1,inf\n", o), "line 2, column 2 (b): 'inf' is not finite"));
  CHECK(contains(parse_error("1,2\nnan,2\n", o), "line 2, column 1: 'nan' is not finite"));
}

TEST_CASE("delimited: malformed text is rejected naming file, line and column", "[io][delimited]") {
  CHECK(contains(parse_error("a,b,c,d,e,f\n1,2,3,4,5,6\n1,2,3,4,5,6\n\n1,2,3,4,5,6\n"
                             "1,2,3,4,5,6\n1,2,3,4,5\n"),
                 "t.csv: line 7 has 5 fields, expected 6"));
  CHECK(contains(parse_error("a,b\n1,2,3\n"), "line 2 has 3 fields, expected 2"));
  CHECK(contains(parse_error("X1,X2\n1,2\n3,abc\n"),
                 "t.csv: line 3, column 2 (X2): 'abc' is not a number"));
  CHECK(contains(parse_error(""), "t.csv: no data: the file is empty"));
  CHECK(contains(parse_error("\n  \n\r\n"), "empty"));
  CHECK(contains(parse_error("\xEF\xBB\xBF"), "empty"));
  CHECK(contains(parse_error("a,\"b\n1,2\n"), "line 1, column 2: unterminated quoted field"));
  CHECK(contains(parse_error("a,\"b\"x\n1,2\n"), "line 1, column 2: unexpected text after"));
  CHECK(contains(parse_error("\"a\"b c\n1 2\n", {.delimiter = ' '}), "unexpected text after"));
  CHECK_THROWS_AS(parse_delimited<double>("1\n", {.delimiter = '"'}), hilm::invalid_argument);

  hilm::test::TempDir dir;
  const auto missing = dir.file("missing.csv");
  CHECK(contains(message_of<hilm::io_error>([&] { (void)read_delimited<double>(missing); }),
                 missing));
  const auto d = dir.path().string();
  CHECK(contains(message_of<hilm::io_error>([&] { (void)read_delimited<double>(d); }), d));
  const auto file = dir.file("bad.csv");
  std::ofstream(file) << "a,b\n1,2\n3,x\n";
  CHECK(contains(message_of<hilm::io_error>([&] { (void)read_delimited<double>(file); }),
                 file + ": line 3, column 2 (b): 'x' is not a number"));
}

TEST_CASE("delimited: categorical columns become sorted level codes", "[io][delimited]") {
  DelimitedOptions o;
  o.categorical = true;
  const auto path = std::string(HILM_TEST_DATA_DIR) + "/delimited/categorical.csv";
  const auto t = read_delimited<double>(path, o);
  CHECK(t.had_header);  // BOM and CRLF handled, "species" not repeated below
  CHECK(t.names == std::vector<std::string>{"species", "diameter", "height", "count"});
  CHECK(t.levels[0] == std::vector<std::string>{"Angusticeps", "Distichus", "Sagrei"});
  CHECK(t.levels[1] == std::vector<std::string>{"narrow", "wide"});
  CHECK(t.levels[2] == std::vector<std::string>{"high", "low"});
  CHECK(t.levels[3].empty());  // numeric column stays numeric
  CHECK(same(t.data, rows({{2, 0, 1, 3}, {1, 1, 0, kNaN}, {2, 1, kNaN, 1}, {0, 0, 1, 2}})));

  SECTION("without the option a string is an error pointing at the option") {
    const auto msg = message_of<hilm::io_error>([&] { (void)read_delimited<double>(path); });
    CHECK(contains(msg, path + ": line 2, column 1 (species): 'Sagrei' is not a number"));
    CHECK(contains(msg, "categorical"));
  }
  SECTION("numbers inside a categorical column are level strings, sorted byte-wise") {
    const auto c = parse_delimited<double>("k\n10\n2\nx\n2\n", o);
    CHECK(c.levels[0] == std::vector<std::string>{"10", "2", "x"});
    CHECK(same(c.data, rows({{0}, {1}, {2}, {1}})));
  }
  SECTION("a first-line string repeated below its column means no header") {
    const auto c = parse_delimited<double>("a,1\nb,2\na,3\n", o);
    CHECK_FALSE(c.had_header);
    CHECK(c.levels[0] == std::vector<std::string>{"a", "b"});
    CHECK(same(c.data, rows({{0, 1}, {1, 2}, {0, 3}})));
    // Negative control: nothing repeated → header.
    CHECK(parse_delimited<double>("a,1\nb,2\nc,3\n", o).had_header);
  }
  SECTION("missing categorical cells obey allow_nan") {
    o.allow_nan = false;
    CHECK(contains(message_of<hilm::io_error>([&] { (void)read_delimited<double>(path, o); }),
                   "line 3, column 4 (count): missing value ('NA')"));
    CHECK(contains(parse_error("s,v\nx,1\n,2\n", o), "line 3, column 1 (s): missing value"));
  }
  SECTION("a numeric problem in a column that turns out categorical is not an error") {
    const auto c = parse_delimited<double>("s\n1e400\nx\n", o);
    CHECK(c.levels[0] == std::vector<std::string>{"1e400", "x"});
    // ... but it still is in a numeric column.
    CHECK(contains(parse_error("s,v\nx,1e400\n", o),
                   "line 2, column 2 (v): '1e400' is out of range"));
  }
}

TEST_CASE("delimited: causal-learn fixtures match values parsed by Python", "[io][delimited]") {
  const std::string dir = std::string(HILM_TEST_DATA_DIR) + "/delimited/";
  auto check = [&](const std::string& name, char delimiter, int n, int k, const char* const* names,
                   const double* values) {
    INFO(name);
    const auto t = read_delimited<double>(dir + name);
    CHECK(t.delimiter == delimiter);
    CHECK(t.had_header);
    REQUIRE(t.data.rows() == n);
    REQUIRE(t.data.cols() == k);
    for (int j = 0; j < k; ++j) CHECK(t.names[static_cast<std::size_t>(j)] == names[j]);
    int mismatches = 0;
    for (Index i = 0; i < t.data.size(); ++i) mismatches += t.data.data()[i] != values[i];
    CHECK(mismatches == 0);
  };
  check("kci_gaussian_head.csv", ',', kci_gaussian_head_csv_rows, kci_gaussian_head_csv_cols,
        kci_gaussian_head_csv_names, kci_gaussian_head_csv_values);
  check("linear_10_head.txt", '\t', linear_10_head_txt_rows, linear_10_head_txt_cols,
        linear_10_head_txt_names, linear_10_head_txt_values);
  check("cancer_head.txt", ' ', cancer_head_txt_rows, cancer_head_txt_cols, cancer_head_txt_names,
        cancer_head_txt_values);
}

TEST_CASE("delimited: every table in ../shared/peer-data parses", "[io][delimited][peer]") {
  namespace fs = std::filesystem;
  const fs::path peer = fs::path(HILM_TEST_DATA_DIR) / ".." / ".." / ".." / "shared" / "peer-data";
  if (!fs::is_directory(peer)) {
    WARN("skipped: " << peer.string() << " not found");
    SUCCEED();
    return;
  }
  int tables = 0;
  for (const auto& entry : fs::recursive_directory_iterator(peer)) {
    const auto ext = entry.path().extension().string();
    if (!entry.is_regular_file() || (ext != ".csv" && ext != ".txt")) continue;
    const std::string path = entry.path().string();
    INFO(path);
    // Count data lines independently: non-blank lines, minus the header if the first line has a
    // letter in it (all these files name their columns with letters).
    std::ifstream in(path);
    std::string line;
    long lines = 0;
    bool first = true;
    bool letter_header = false;
    while (std::getline(in, line)) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      if (first) {
        letter_header =
            line.find_first_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") !=
            std::string::npos;
        first = false;
      }
      ++lines;
    }
    if (entry.path().filename().string().find("graph") != std::string::npos) {
      // Graph listings ("Graph Nodes:" ...) are not tables: a clean error, not a crash.
      CHECK_THROWS_AS(read_delimited<double>(path, {.categorical = true}), hilm::io_error);
      continue;
    }
    const auto t = read_delimited<double>(path, {.categorical = true});
    CHECK(t.had_header == letter_header);
    CHECK(t.data.rows() == lines - (letter_header ? 1 : 0));
    bool any_levels = false;
    for (const auto& l : t.levels) any_levels = any_levels || !l.empty();
    if (!any_levels) {  // purely numeric: the strict reader agrees
      CHECK(same(read_delimited<double>(path).data, t.data));
    }
    ++tables;
  }
  CHECK(tables >= 60);

  // bnlearn's lizards: three categorical columns; codes follow sorted levels.
  const auto lizards =
      read_delimited<double>((peer / "bnlearn_lizards.csv").string(), {.categorical = true});
  CHECK(lizards.names == std::vector<std::string>{"Species", "Diameter", "Height"});
  CHECK(lizards.levels[0] == std::vector<std::string>{"Distichus", "Sagrei"});
  CHECK(lizards.levels[1] == std::vector<std::string>{"narrow", "wide"});
  CHECK(lizards.levels[2] == std::vector<std::string>{"high", "low"});
  std::ifstream in((peer / "bnlearn_lizards.csv").string());
  std::string line;
  Index sagrei = 0;
  while (std::getline(in, line)) sagrei += line.rfind("Sagrei,", 0) == 0;
  CHECK((lizards.data.col(0).array() == 1.0).count() == sagrei);
  CHECK(sagrei > 0);
}

TEST_CASE("delimited: tab lines before the first row are blank, after it rows of empty cells",
          "[io][delimited]") {
  // Found by the fuzzer: the second pass of categorical coding once restarted from the top and
  // read a leading "\t" line as the header, overrunning the rows found by the first pass.
  DelimitedOptions o;
  o.categorical = true;
  const auto t = parse_delimited<double>("\n\t\n\tX\n\t\n\t\x04\x04", o);
  CHECK(t.delimiter == '\t');
  CHECK(t.names == std::vector<std::string>{"", "X"});
  CHECK(same(t.data, rows({{kNaN, kNaN}, {kNaN, 0}})));
  CHECK(t.levels[1] == std::vector<std::string>{"\x04\x04"});
}

TEST_CASE("delimited: random corruption gives io_error, never a crash", "[io][delimited]") {
  hilm::Random rng(hilm::test::seed(53));
  const std::string good = "\"a\",b,c\r\n1.5,NA,-3e2\r\n\"4\",5,6\n\n7,8,9\n";
  const std::string alphabet = ",\t \"\r\nNa0123456789.-+eE";
  int accepted = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string bad = good;
    const int edits = 1 + static_cast<int>(rng.uniform_index(4));
    for (int e = 0; e < edits; ++e) {
      bad[rng.uniform_index(bad.size())] = alphabet[rng.uniform_index(alphabet.size())];
    }
    DelimitedOptions o;
    o.categorical = rng.bernoulli(0.5);
    o.allow_nan = rng.bernoulli(0.5);
    try {
      const auto t = parse_delimited<float>(bad, o);
      CHECK(t.data.cols() >= 1);
      ++accepted;
    } catch (const hilm::io_error&) {
    }
  }
  CHECK(accepted > 0);
}

TEST_CASE("delimited: DelimitedOptions::validate names the field and the value", "[io]") {
  CHECK(DelimitedOptions{.delimiter = '"'}.validate().value_or("") ==
        "DelimitedOptions::delimiter must not be a quote or a line break, got '\"'");
  CHECK(DelimitedOptions{.delimiter = '\n'}.validate().value_or("") ==
        "DelimitedOptions::delimiter must not be a quote or a line break, got '\\n'");
  CHECK_FALSE(DelimitedOptions{.delimiter = ';'}.validate().has_value());
}

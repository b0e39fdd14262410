// docs/cli.md documents exactly the flags the tool takes: for every subcommand that `hilm --help`
// lists (recursively), the `--flags` of its `--help` equal the `--flags` of its section in
// docs/cli.md (global flags aside). A flag added without docs, or documented without existing,
// fails here.
#include <cctype>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli/run_cli.hpp"
#include "support/catch.hpp"

using hilm::test::run_hilm;

namespace {

const std::string cli_md = HILM_TEST_DATA_DIR "/../../docs/cli.md";

std::set<std::string> flags_in(const std::string& text) {
  static const std::regex flag(R"(--[a-z][a-z0-9-]*)");
  std::set<std::string> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), flag); it != std::sregex_iterator();
       ++it) {
    out.insert(it->str());
  }
  return out;
}

// The names listed under "Subcommands:" in a help text.
std::vector<std::string> subcommands(const std::string& help) {
  std::vector<std::string> out;
  std::istringstream lines(help);
  std::string line;
  bool in_list = false;
  while (std::getline(lines, line)) {
    if (line.rfind("Subcommands:", 0) == 0) {
      in_list = true;
      continue;
    }
    if (!in_list) continue;
    if (line.size() < 3 || line[0] != ' ' || line[2] == ' ') {
      if (!line.empty() && line[0] != ' ') in_list = false;
      continue;
    }
    std::istringstream words(line);
    std::string name;
    words >> name;
    out.push_back(name);
  }
  return out;
}

// The text of the section of docs/cli.md whose heading names `hilm <path>`, up to the next
// heading (headings inside fenced code blocks do not count). Empty if there is none.
std::string section(const std::string& doc, const std::string& path) {
  std::istringstream lines(doc);
  std::string line, text;
  bool fenced = false, inside = false, found = false;
  const std::string key = "`hilm " + path;
  while (std::getline(lines, line)) {
    if (line.rfind("```", 0) == 0) fenced = !fenced;
    const bool heading = !fenced && line.rfind("#", 0) == 0;
    if (heading) {
      inside = false;
      const auto at = line.find(key);
      if (at != std::string::npos) {
        // `hilm sae` must not claim `hilm sae train`: after the path comes the closing backtick
        // or arguments (FILE, KIND, [--flag], ...), never another lower-case subcommand name.
        const std::size_t end = at + key.size();
        const char next = end < line.size() ? line[end] : '`';
        const char after = end + 1 < line.size() ? line[end + 1] : '`';
        if (next == '`' || (next == ' ' && !std::islower(static_cast<unsigned char>(after)))) {
          inside = found = true;
        }
      }
      continue;
    }
    if (inside) text += line + "\n";
  }
  return found ? text : std::string();
}

std::string join(const std::set<std::string>& s) {
  std::string out;
  for (const auto& f : s) out += f + " ";
  return out;
}

}  // namespace

TEST_CASE("cli docs: every subcommand's flags equal its section of docs/cli.md", "[cli]") {
  std::ifstream in(cli_md);
  REQUIRE(in.good());
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string doc = buffer.str();
  const std::set<std::string> global = {"--help", "--threads", "--progress", "--version"};

  std::vector<std::string> pending = {""};
  int leaves = 0;
  while (!pending.empty()) {
    const std::string path = pending.back();
    pending.pop_back();
    std::vector<std::string> args;
    std::istringstream words(path);
    for (std::string w; words >> w;) args.push_back(w);
    args.push_back("--help");
    const auto run = run_hilm(args);
    INFO("hilm " << path << " --help: " << run.err);
    REQUIRE(run.exit_code == 0);
    const auto children = subcommands(run.out);
    if (!children.empty()) {
      for (const auto& c : children) pending.push_back(path.empty() ? c : path + " " + c);
      continue;
    }
    ++leaves;
    std::set<std::string> help_flags = flags_in(run.out);
    for (const auto& g : global) help_flags.erase(g);
    const std::string text = section(doc, path);
    INFO("docs/cli.md section of hilm " << path);
    REQUIRE_FALSE(text.empty());
    std::set<std::string> doc_flags = flags_in(text);
    for (const auto& g : global) doc_flags.erase(g);
    std::set<std::string> undocumented, unknown;
    for (const auto& f : help_flags)
      if (!doc_flags.count(f)) undocumented.insert(f);
    for (const auto& f : doc_flags)
      if (!help_flags.count(f)) unknown.insert(f);
    INFO("in --help but not in the docs: " << join(undocumented));
    INFO("in the docs but not in --help: " << join(unknown));
    CHECK(undocumented.empty());
    CHECK(unknown.empty());
  }
  // info, synth, ci, rank, sae train/encode/eval, nmf, spa, pc, hierarchy, concepts, steer, demo.
  CHECK(leaves >= 14);
}

TEST_CASE("cli docs: the section finder and flag extractor can fail", "[cli]") {
  const std::string doc =
      "# title\n## `hilm a`\ntext --x and --y-z\n```sh\n# not a heading --w\n```\n"
      "## `hilm ab`\n--q\n### `hilm a b`\n--r\n";
  CHECK(flags_in(section(doc, "a")) == std::set<std::string>{"--x", "--y-z", "--w"});
  CHECK(flags_in(section(doc, "ab")) == std::set<std::string>{"--q"});
  CHECK(flags_in(section(doc, "a b")) == std::set<std::string>{"--r"});
  CHECK(section(doc, "c").empty());
  CHECK(subcommands("Usage\nSubcommands:\n  one    first\n  two    second\n") ==
        std::vector<std::string>{"one", "two"});
}

// Rendering of DOT files to SVG with Graphviz's `dot`, for the commands that write graphs
// (`hilm pc --svg`, and any other command that wants it). The library never spawns processes;
// this lives in the tool.
#ifndef HILM_TOOLS_RENDER_SVG_HPP
#define HILM_TOOLS_RENDER_SVG_HPP

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>

namespace hilm::cli {

/// Full path of Graphviz's `dot` found on PATH, or "" when it is not installed.
inline std::string find_dot_executable() {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return {};
  std::stringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    const std::filesystem::path candidate = std::filesystem::path(dir) / "dot";
    std::error_code ec;
    if (std::filesystem::is_regular_file(candidate, ec)) return candidate.string();
  }
  return {};
}

/// Runs `dot -Tsvg dot_path -o svg_path`. Returns false when `dot` is not installed or fails
/// (the caller reports it; a missing renderer is not an error of the command).
inline bool render_svg(const std::string& dot_path, const std::string& svg_path) {
  const std::string dot = find_dot_executable();
  if (dot.empty()) return false;
  auto quote = [](const std::string& s) {
    std::string q = "'";
    for (const char c : s) q += (c == '\'') ? std::string("'\\''") : std::string(1, c);
    return q + "'";
  };
  const std::string cmd =
      quote(dot) + " -Tsvg " + quote(dot_path) + " -o " + quote(svg_path) + " 2>/dev/null";
  return std::system(cmd.c_str()) == 0;
}

}  // namespace hilm::cli

#endif  // HILM_TOOLS_RENDER_SVG_HPP

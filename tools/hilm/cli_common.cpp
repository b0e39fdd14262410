#include "cli_common.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>

#include <hilm/io/atomic_file.hpp>
#include <hilm/io/delimited.hpp>
#include <hilm/io/npy.hpp>

namespace hilm::cli {

Globals& globals() {
  static Globals g;
  return g;
}

std::map<std::string, CommandSetup>& registry() {
  static std::map<std::string, CommandSetup> commands;
  return commands;
}

bool register_command(const std::string& name, CommandSetup setup) {
  registry()[name] = std::move(setup);
  return true;
}

void print_json(nlohmann::json result, double elapsed_seconds) {
  result["elapsed_seconds"] = elapsed_seconds;
  std::cout << result.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  std::cout.flush();
}

namespace {

bool has_extension(const std::string& path, const char* ext) {
  std::string e = std::filesystem::path(path).extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return std::tolower(c); });
  return e == ext;
}

void require_readable(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw bad_input(path, "no such file");
  if (std::filesystem::is_directory(path, ec))
    throw bad_input(path, "is a directory, expected a file");
}

}  // namespace

RowMatrix<double> load_matrix(const std::string& path, bool allow_nonfinite,
                              std::vector<std::string>* names) {
  require_readable(path);
  RowMatrix<double> x;
  if (has_extension(path, ".npy")) {
    x = io::read_npy<double>(path);
  } else {
    auto table = io::read_delimited<double>(path);
    if (names) *names = table.names;
    x = std::move(table.data);
  }
  if (!allow_nonfinite) require_finite(x, path);
  return x;
}

RowMatrix<float> load_matrix_f32(const std::string& path, bool allow_nonfinite) {
  require_readable(path);
  RowMatrix<float> x;
  if (has_extension(path, ".npy")) {
    x = io::read_npy<float>(path);
  } else {
    x = io::read_delimited<double>(path).data.cast<float>();
  }
  if (!allow_nonfinite) require_finite(x, path);
  return x;
}

void write_text(const std::string& path, const std::string& text) {
  io::write_file_atomically(path, [&](std::ostream& out) { out << text; });
}

void make_output_dir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir)) {
    throw bad_input(dir, "cannot create output directory" + (ec ? ": " + ec.message() : ""));
  }
}

std::vector<Index> parse_index_list(const std::string& text, const std::string& flag, Index limit) {
  std::vector<Index> out;
  if (text.empty()) return out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const std::string token =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    std::size_t used = 0;
    long long value = -1;
    try {
      value = std::stoll(token, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (token.empty() || used != token.size() || value < 0) {
      throw usage_error(flag + ": '" + token + "' is not a non-negative index");
    }
    if (limit > 0 && value >= limit) {
      throw usage_error(flag + ": index " + std::to_string(value) +
                        " is out of range (the data have " + std::to_string(limit) +
                        " columns, indices are 0-based)");
    }
    out.push_back(static_cast<Index>(value));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

ProgressCallback progress_bar(const std::string& label) {
  if (!globals().progress) return {};
  struct State {
    Stopwatch clock;
    double last = -1;
  };
  auto state = std::make_shared<State>();
  return [label, state](const Progress& p) {
    const double now = state->clock.seconds();
    const bool finished = p.total > 0 && p.done >= p.total;
    if (!finished && now - state->last < 0.1) return true;
    state->last = now;
    constexpr int width = 30;
    if (p.total > 0) {
      const double fraction = std::clamp(double(p.done) / double(p.total), 0.0, 1.0);
      const int filled = static_cast<int>(fraction * width);
      std::fprintf(stderr, "\r%s [%s%s] %3d%% %lld/%lld %.1fs", label.c_str(),
                   std::string(static_cast<std::size_t>(filled), '#').c_str(),
                   std::string(static_cast<std::size_t>(width - filled), '.').c_str(),
                   static_cast<int>(fraction * 100), static_cast<long long>(p.done),
                   static_cast<long long>(p.total), now);
    } else {
      std::fprintf(stderr, "\r%s %lld %.1fs", label.c_str(), static_cast<long long>(p.done), now);
    }
    if (finished) std::fputc('\n', stderr);
    std::fflush(stderr);
    return true;
  };
}

}  // namespace hilm::cli

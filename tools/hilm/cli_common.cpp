#include "cli_common.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>
#include <map>
#include <mutex>
#include <sstream>
#include <unistd.h>

#include <hilm/io/atomic_file.hpp>
#include <hilm/io/delimited.hpp>
#include <hilm/io/npy.hpp>
#include <hilm/io/safetensors.hpp>

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

// ---------------------------------------------------------------------------------------------
// Validators.

namespace {

std::string format_bound(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::ostringstream out;
  out << v;
  return out.str();
}

std::string describe_interval(double lo, double hi, bool lo_open, bool hi_open) {
  if (std::isinf(lo) && std::isinf(hi)) return "a finite number";
  if (std::isinf(hi))
    return std::string("a finite number ") + (lo_open ? "> " : ">= ") + format_bound(lo);
  if (std::isinf(lo))
    return std::string("a finite number ") + (hi_open ? "< " : "<= ") + format_bound(hi);
  return std::string("a number in ") + (lo_open ? "(" : "[") + format_bound(lo) + ", " +
         format_bound(hi) + (hi_open ? ")" : "]");
}

}  // namespace

CLI::Validator real_in(double lo, double hi, bool lo_open, bool hi_open) {
  const std::string what = describe_interval(lo, hi, lo_open, hi_open);
  return CLI::Validator(
      [=](std::string& input) -> std::string {
        double v = 0;
        std::size_t used = 0;
        try {
          v = std::stod(input, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        const bool parsed = used > 0 && used == input.size();
        const bool ok = parsed && std::isfinite(v) && (lo_open ? v > lo : v >= lo) &&
                        (hi_open ? v < hi : v <= hi);
        if (ok) return {};
        return "must be " + what + ", got '" + input + "'";
      },
      what);
}

CLI::Validator positive_real() {
  return real_in(0, std::numeric_limits<double>::infinity(), true, false);
}
CLI::Validator nonnegative_real() {
  return real_in(0, std::numeric_limits<double>::infinity(), false, false);
}
CLI::Validator finite_real() {
  return real_in(-std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity());
}

CLI::Validator integer_in(long long lo, long long hi) {
  const std::string what =
      hi == std::numeric_limits<long long>::max()
          ? "an integer >= " + std::to_string(lo)
          : "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  return CLI::Validator(
      [=](std::string& input) -> std::string {
        long long v = 0;
        std::size_t used = 0;
        try {
          v = std::stoll(input, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used > 0 && used == input.size() && v >= lo && v <= hi) return {};
        return "must be " + what + ", got '" + input + "'";
      },
      what);
}

CLI::Validator integer_from(long long lo) {
  return integer_in(lo, std::numeric_limits<long long>::max());
}

// ---------------------------------------------------------------------------------------------
// Results.

namespace {

void find_nonfinite(const nlohmann::json& j, const std::string& path, std::string& found) {
  if (!found.empty()) return;
  if (j.is_number_float()) {
    const double v = j.get<double>();
    if (!std::isfinite(v)) found = (path.empty() ? "(value)" : path) + " = " + format_bound(v);
  } else if (j.is_object()) {
    for (auto it = j.begin(); it != j.end() && found.empty(); ++it) {
      find_nonfinite(it.value(), path.empty() ? it.key() : path + "." + it.key(), found);
    }
  } else if (j.is_array()) {
    for (std::size_t i = 0; i < j.size() && found.empty(); ++i) {
      find_nonfinite(j[i], path + "[" + std::to_string(i) + "]", found);
    }
  }
}

}  // namespace

void require_finite_json(const nlohmann::json& j, const std::string& what) {
  std::string found;
  find_nonfinite(j, "", found);
  if (!found.empty()) {
    throw numerical_failure(what + ": the result holds a non-finite number (" + found +
                            "); nothing was written");
  }
}

void print_json(nlohmann::json result, double elapsed_seconds) {
  if (globals().rank != 0) return;  // under mpirun, rank 0 reports
  result["elapsed_seconds"] = elapsed_seconds;
  require_finite_json(result, "hilm");
  std::cout << result.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  std::cout.flush();
}

// ---------------------------------------------------------------------------------------------
// Outputs.

namespace {

std::string temp_name_for(const std::string& target) {
  static std::atomic<unsigned> counter{0};
  const std::filesystem::path t(target);
  const std::filesystem::path dir = t.has_parent_path() ? t.parent_path() : std::filesystem::path();
  return (dir / ("." + t.filename().string() + ".hilm-tmp." + std::to_string(::getpid()) + "." +
                 std::to_string(counter++)))
      .string();
}

}  // namespace

OutputSet::~OutputSet() {
  if (committed_) return;
  std::error_code ignored;
  for (const auto& f : files_) std::filesystem::remove(f.temp, ignored);
  // Directories this command created, deepest first; `remove` only deletes empty ones.
  for (auto it = created_dirs_.rbegin(); it != created_dirs_.rend(); ++it) {
    std::filesystem::remove(*it, ignored);
  }
}

std::string OutputSet::file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw bad_input(path, "is a directory, expected a file name");
  const fs::path parent = fs::path(path).has_parent_path() ? fs::path(path).parent_path() : ".";
  if (!fs::is_directory(parent, ec)) {
    throw bad_input(path, "cannot write: the directory " + parent.string() + " does not exist");
  }
  for (const auto& f : files_) {
    if (fs::weakly_canonical(f.target, ec) == fs::weakly_canonical(path, ec)) {
      throw usage_error(path + " is given for two outputs");
    }
  }
  files_.push_back({temp_name_for(path), path});
  return files_.back().temp;
}

void OutputSet::directory(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    if (!fs::is_directory(dir, ec)) throw bad_input(dir, "exists and is not a directory");
    return;
  }
  // Create each missing level, remembering it for the rollback.
  std::vector<fs::path> missing;
  for (fs::path p = fs::path(dir).lexically_normal(); !p.empty() && !fs::exists(p, ec);
       p = p.parent_path()) {
    missing.push_back(p);
    if (!p.has_parent_path() || p.parent_path() == p) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (!fs::create_directory(*it, ec) && ec) {
      throw bad_input(dir, "cannot create output directory: " + ec.message());
    }
    created_dirs_.push_back(it->string());
  }
}

void OutputSet::on_commit(std::function<void()> action) { actions_.push_back(std::move(action)); }

void OutputSet::commit() {
  namespace fs = std::filesystem;
  for (const auto& f : files_) {
    std::error_code ec;
    if (!fs::exists(f.temp, ec)) continue;  // an optional output that was not produced
    fs::rename(f.temp, f.target, ec);
    if (ec) throw bad_input(f.target, "cannot move the result into place: " + ec.message());
  }
  committed_ = true;
  for (auto& action : actions_) action();
}

void finish(OutputSet& outputs, nlohmann::json result, double elapsed_seconds) {
  result["elapsed_seconds"] = elapsed_seconds;
  require_finite_json(result, "hilm");
  outputs.commit();
  print_json(std::move(result), elapsed_seconds);
}

namespace {

template <class Scalar>
void write_checked_npy(const std::string& path, const std::string& name,
                       const Eigen::Ref<const RowMatrix<Scalar>>& m) {
  for (Index i = 0; i < m.rows(); ++i) {
    for (Index j = 0; j < m.cols(); ++j) {
      if (!std::isfinite(static_cast<double>(m(i, j)))) {
        throw numerical_failure(name + ": the result holds a non-finite value (" +
                                format_bound(static_cast<double>(m(i, j))) + " at row " +
                                std::to_string(i) + ", column " + std::to_string(j) +
                                "; an overflow?); nothing was written");
      }
    }
  }
  try {
    hilm::write_npy(path, m);
  } catch (const hilm::io_error& e) {
    throw bad_input("", e.what());
  }
}

}  // namespace

void write_result_npy(const std::string& path, const std::string& name,
                      const Eigen::Ref<const RowMatrix<float>>& m) {
  write_checked_npy<float>(path, name, m);
}
void write_result_npy(const std::string& path, const std::string& name,
                      const Eigen::Ref<const RowMatrix<double>>& m) {
  write_checked_npy<double>(path, name, m);
}

// ---------------------------------------------------------------------------------------------
// Inputs.

namespace {

bool has_extension(const std::string& path, const char* ext) {
  std::string e = std::filesystem::path(path).extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return std::tolower(c); });
  return e == ext;
}

std::string shape_string(const std::vector<Index>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

RowMatrix<double> read_safetensors_matrix(const DataInput& input) {
  const auto file = hilm::SafetensorsFile::open(input.path);
  const auto& tensors = file.tensors();
  auto list = [&] {
    std::string names;
    for (std::size_t i = 0; i < tensors.size(); ++i) {
      names += (i ? ", " : "") + tensors[i].name + " " + shape_string(tensors[i].shape);
    }
    return names;
  };
  std::string name = input.tensor;
  if (name.empty()) {
    if (tensors.empty()) throw bad_input(input.path, "the file holds no tensor");
    if (tensors.size() > 1) {
      throw usage_error(input.path + " holds " + std::to_string(tensors.size()) +
                        " tensors; choose one with --tensor NAME: " + list());
    }
    name = tensors.front().name;
  } else if (!file.contains(name)) {
    throw usage_error("--tensor: " + input.path + " holds no tensor named '" + name +
                      "'; it holds: " + list());
  }
  const auto& info = file.info(name);
  if (info.shape.size() != 2) {
    throw bad_input(input.path, "tensor " + name + " has shape " + shape_string(info.shape) +
                                    "; a data matrix needs 2 dimensions (rows = samples)");
  }
  return file.matrix<double>(name);
}

}  // namespace

void require_regular_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) throw bad_input(path, "no such file");
  if (fs::is_directory(st)) throw bad_input(path, "is a directory, expected a file");
  if (!fs::is_regular_file(st)) {
    throw bad_input(path, "not a regular file (a FIFO, socket or device cannot be read as data)");
  }
}

void add_data_option(CLI::App* cmd, DataInput& data, const std::string& description,
                     bool required) {
  auto* opt = cmd->add_option("--data", data.path, description);
  if (required) opt->required();
  cmd->add_option("--tensor", data.tensor,
                  "Tensor to use when --data is a .safetensors file holding several");
}

RowMatrix<double> load_matrix(const DataInput& input, bool allow_nonfinite,
                              std::vector<std::string>* names) {
  require_regular_file(input.path);
  const bool safetensors = has_extension(input.path, ".safetensors");
  if (!input.tensor.empty() && !safetensors) {
    throw usage_error("--tensor applies to .safetensors data only (" + input.path + ")");
  }
  RowMatrix<double> x;
  if (has_extension(input.path, ".npy")) {
    x = hilm::read_npy<double>(input.path);
  } else if (safetensors) {
    x = read_safetensors_matrix(input);
  } else {
    auto table = hilm::read_delimited<double>(input.path);
    if (names) *names = table.names;
    x = std::move(table.data);
  }
  if (!allow_nonfinite) require_finite(x, input.path);
  return x;
}

RowMatrix<float> load_matrix_f32(const DataInput& input, bool allow_nonfinite) {
  if (has_extension(input.path, ".npy")) {
    require_regular_file(input.path);
    if (!input.tensor.empty()) {
      throw usage_error("--tensor applies to .safetensors data only (" + input.path + ")");
    }
    RowMatrix<float> x = hilm::read_npy<float>(input.path);
    if (!allow_nonfinite) require_finite(x, input.path);
    return x;
  }
  const RowMatrix<double> x = load_matrix(input, allow_nonfinite);
  const double limit = static_cast<double>(std::numeric_limits<float>::max());
  for (Index i = 0; i < x.rows(); ++i) {
    for (Index j = 0; j < x.cols(); ++j) {
      if (std::abs(x(i, j)) > limit) {
        throw bad_input(input.path, "value " + format_bound(x(i, j)) + " at row " +
                                        std::to_string(i) + ", column " + std::to_string(j) +
                                        " does not fit in float32");
      }
    }
  }
  return x.cast<float>();
}

void require_rows(const RowMatrix<double>& x, const std::string& file, Index min_rows,
                  const std::string& why) {
  if (x.rows() < min_rows) {
    throw bad_input(file, "has " + std::to_string(x.rows()) + " row" + (x.rows() == 1 ? "" : "s") +
                              "; " + why + " needs at least " + std::to_string(min_rows));
  }
}

void require_rows(const RowMatrix<float>& x, const std::string& file, Index min_rows,
                  const std::string& why) {
  if (x.rows() < min_rows) {
    throw bad_input(file, "has " + std::to_string(x.rows()) + " row" + (x.rows() == 1 ? "" : "s") +
                              "; " + why + " needs at least " + std::to_string(min_rows));
  }
}

void write_text(const std::string& path, const std::string& text) {
  hilm::write_file_atomically(path, [&](std::ostream& out) { out << text; });
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

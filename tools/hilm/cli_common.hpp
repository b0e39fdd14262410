// Shared plumbing of the `hilm` tool: subcommand registry, exit-code policy, JSON output, data
// loading, atomic outputs and the progress bar. Only the tool includes this; the library never
// prints.
#ifndef HILM_TOOLS_CLI_COMMON_HPP
#define HILM_TOOLS_CLI_COMMON_HPP

#include <chrono>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <hilm/core/progress.hpp>
#include <hilm/core/types.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace hilm::cli {

/// Exit codes of DESIGN.md §3.
enum ExitCode : int { Ok = 0, Usage = 2, BadInput = 3, Numerical = 4, Internal = 1 };

/// Usage error detected after parsing (inconsistent flags, index out of range): exit 2.
class usage_error : public std::runtime_error {
 public:
  explicit usage_error(const std::string& what) : std::runtime_error(what) {}
};

/// Bad input data (exit 3): `file` is named in the one-line message "file: problem".
class bad_input : public std::runtime_error {
 public:
  bad_input(const std::string& file, const std::string& problem)
      : std::runtime_error(file.empty() ? problem : file + ": " + problem) {}
};

/// A numerical failure that leaves no usable answer (exit 4).
class numerical_failure : public std::runtime_error {
 public:
  explicit numerical_failure(const std::string& what) : std::runtime_error(what) {}
};

/// Options shared by every subcommand (`--threads`, `--progress`).
struct Globals {
  int threads = 0;  ///< 0 = all cores.
  bool progress = false;
};
Globals& globals();

/// A subcommand: `setup` adds it to the root app (name, options, callback).
using CommandSetup = std::function<void(CLI::App& root)>;

/// Registers a subcommand; call it from a namespace-scope initialiser in <name>_command.cpp:
///   [[maybe_unused]] const bool registered = hilm::cli::register_command("info", &setup_info);
/// Commands appear in `--help` in name order.
bool register_command(const std::string& name, CommandSetup setup);

/// All registered subcommands by name (used by main.cpp).
std::map<std::string, CommandSetup>& registry();

/// Wall-clock stopwatch for `elapsed_seconds`.
class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  [[nodiscard]] double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

/// Prints one JSON object on one line of stdout, with "elapsed_seconds" added. Use for the single
/// result of a command, and once per query with --json-lines.
void print_json(nlohmann::json result, double elapsed_seconds);

/// Loads a data matrix (rows = samples) from `.npy` or delimited text (`.csv`, `.tsv`, `.txt`,
/// anything else that is not `.npy`). NaN/Inf are rejected (exit 3, naming the first bad row and
/// column) unless `allow_nonfinite`. Column names from a header row go to `names` when given.
RowMatrix<double> load_matrix(const std::string& path, bool allow_nonfinite = false,
                              std::vector<std::string>* names = nullptr);
RowMatrix<float> load_matrix_f32(const std::string& path, bool allow_nonfinite = false);

/// Throws bad_input naming the first non-finite entry (row, column; 0-based) of `x`.
template <class Derived>
void require_finite(const Eigen::MatrixBase<Derived>& x, const std::string& file) {
  for (Index i = 0; i < x.rows(); ++i) {
    for (Index j = 0; j < x.cols(); ++j) {
      if (!std::isfinite(static_cast<double>(x(i, j)))) {
        throw bad_input(file, "non-finite value " + std::to_string(static_cast<double>(x(i, j))) +
                                  " at row " + std::to_string(i) + ", column " + std::to_string(j));
      }
    }
  }
}

/// Writes text atomically (temporary file, then rename).
void write_text(const std::string& path, const std::string& text);

/// Creates a directory (and parents) for outputs; exit 3 if impossible.
void make_output_dir(const std::string& dir);

/// Parses "3,5,7" into indices; empty string → empty list. Exit 2 on a malformed list; when
/// `limit` > 0 every index must be < limit.
std::vector<Index> parse_index_list(const std::string& text, const std::string& flag,
                                    Index limit = 0);

/// A progress callback for library estimators: draws a bar on stderr when `--progress` is on,
/// does nothing (returns true) otherwise.
ProgressCallback progress_bar(const std::string& label);

}  // namespace hilm::cli

#endif  // HILM_TOOLS_CLI_COMMON_HPP

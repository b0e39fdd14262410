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
  int rank = 0;   ///< This process's MPI rank (0 without MPI); only rank 0 prints.
  int ranks = 1;  ///< Number of MPI ranks (1 without MPI).
};
Globals& globals();

/// A subcommand: `setup` adds it to the root app (name, options, callback).
using CommandSetup = std::function<void(CLI::App& root)>;

/// Registers a subcommand; call it from a namespace-scope initialiser in <name>_command.cpp,
/// named after the command (the tool may be compiled as one translation unit):
///   const bool registered_info = hilm::cli::register_command("info", &setup_info);
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

// ---------------------------------------------------------------------------------------------
// Option validation. CLI11's own Range and PositiveNumber let NaN through (every comparison with
// NaN is false); these reject NaN and ±Inf and name the allowed range in the message, which CLI11
// prefixes with the option's name. A failed check is a usage error (exit 2).

/// A finite real in the interval from `lo` to `hi`; `lo_open`/`hi_open` exclude the end points.
/// Either end may be ±infinity (then only finiteness is required on that side).
CLI::Validator real_in(double lo, double hi, bool lo_open = false, bool hi_open = false);
/// A finite real > 0.
CLI::Validator positive_real();
/// A finite real >= 0.
CLI::Validator nonnegative_real();
/// Any finite real.
CLI::Validator finite_real();
/// An integer in [lo, hi].
CLI::Validator integer_in(long long lo, long long hi);
/// An integer >= lo.
CLI::Validator integer_from(long long lo);

/// Prints one JSON object on one line of stdout, with "elapsed_seconds" added. Use for the single
/// result of a command, and once per query with --json-lines.
/// @throws numerical_failure (exit 4) naming the field when the result holds NaN or ±Inf: no
///         command writes a non-finite number into a result.
void print_json(nlohmann::json result, double elapsed_seconds);

/// Throws numerical_failure naming the first non-finite number in `j` by its JSON path.
void require_finite_json(const nlohmann::json& j, const std::string& what);

/// The outputs of one command, which succeeds or fails as a whole. Files are written under
/// temporary names beside their destination and renamed into place by `commit()`; if the
/// command fails first, the destructor removes the temporary files and every output directory
/// the command created, so a failing command leaves nothing new behind.
class OutputSet {
 public:
  OutputSet() = default;
  OutputSet(const OutputSet&) = delete;
  OutputSet& operator=(const OutputSet&) = delete;
  ~OutputSet();

  /// Registers output file `path`; returns the temporary path to write it to. Its directory
  /// must exist (or have been registered with `directory`).
  std::string file(const std::string& path);
  /// Registers an output directory: created (with missing parents) now if absent, and removed
  /// again if the command fails.
  void directory(const std::string& dir);
  /// Runs `action` at commit time, after the files are in place (for outputs that are written
  /// atomically by other means, such as a model directory).
  void on_commit(std::function<void()> action);
  /// Moves every file into place, then runs the commit actions.
  void commit();

 private:
  struct Staged {
    std::string temp, target;
  };
  std::vector<Staged> files_;
  std::vector<std::string> created_dirs_;
  std::vector<std::function<void()>> actions_;
  bool committed_ = false;
};

/// Validates `result` (finite numbers only), commits `outputs`, then prints `result`. The end of
/// every command that writes files.
void finish(OutputSet& outputs, nlohmann::json result, double elapsed_seconds);

/// Writes a real matrix to `path` (a temporary path from an OutputSet) as `.npy`, after checking
/// that it is finite (numerical_failure naming `name` otherwise).
void write_result_npy(const std::string& path, const std::string& name,
                      const Eigen::Ref<const RowMatrix<float>>& m);
void write_result_npy(const std::string& path, const std::string& name,
                      const Eigen::Ref<const RowMatrix<double>>& m);

/// A data input: its path and, for a `.safetensors` file holding several tensors, the tensor.
struct DataInput {
  std::string path;
  std::string tensor;  ///< `--tensor NAME`; empty: the file's only tensor.
};

/// Adds `--data` (required unless `required` is false) and `--tensor` to `cmd`.
void add_data_option(CLI::App* cmd, DataInput& data, const std::string& description,
                     bool required = true);

/// Loads a data matrix (rows = samples) from `.npy`, `.safetensors` (one 2-d tensor, or the one
/// `input.tensor` names) or delimited text (`.csv`, `.tsv`, `.txt`, anything else). Refuses
/// directories, FIFOs and devices (exit 3). NaN/Inf are rejected (exit 3, naming the first bad row
/// and column) unless `allow_nonfinite`. Column names from a header row go to `names` when given.
RowMatrix<double> load_matrix(const DataInput& input, bool allow_nonfinite = false,
                              std::vector<std::string>* names = nullptr);
RowMatrix<float> load_matrix_f32(const DataInput& input, bool allow_nonfinite = false);
inline RowMatrix<double> load_matrix(const std::string& path, bool allow_nonfinite = false,
                                     std::vector<std::string>* names = nullptr) {
  return load_matrix(DataInput{path, {}}, allow_nonfinite, names);
}

/// Exit 3 naming `file` unless the data have at least `min_rows` rows (`why` completes "needs").
void require_rows(const RowMatrix<double>& x, const std::string& file, Index min_rows,
                  const std::string& why);
void require_rows(const RowMatrix<float>& x, const std::string& file, Index min_rows,
                  const std::string& why);

/// Exit 3 unless `path` is an existing regular file (never opens it: a FIFO would block).
void require_regular_file(const std::string& path);

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

/// Parses "3,5,7" into indices; empty string → empty list. Exit 2 on a malformed list; when
/// `limit` > 0 every index must be < limit.
std::vector<Index> parse_index_list(const std::string& text, const std::string& flag,
                                    Index limit = 0);

/// A progress callback for library estimators: draws a bar on stderr when `--progress` is on,
/// does nothing (returns true) otherwise.
ProgressCallback progress_bar(const std::string& label);

}  // namespace hilm::cli

#endif  // HILM_TOOLS_CLI_COMMON_HPP

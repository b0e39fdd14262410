// Runs the built `hilm` binary and captures its exit code, stdout and stderr.
#ifndef HILM_TESTS_CLI_RUN_CLI_HPP
#define HILM_TESTS_CLI_RUN_CLI_HPP

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <vector>

#include "support/temp_dir.hpp"

namespace hilm::test {

struct CliRun {
  int exit_code = -1;  ///< process exit status; 128 + signal when killed by a signal
  std::string out;
  std::string err;
};

inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

/// Runs `hilm args...` with a 60 s timeout (a hang is reported as exit 124).
inline CliRun run_hilm(const std::vector<std::string>& args) {
  static TempDir scratch;
  static int counter = 0;
  const std::string err_file = scratch.file("stderr" + std::to_string(counter++));
  std::string cmd = "timeout 60 " + shell_quote(HILM_CLI_PATH);
  for (const auto& a : args) cmd += " " + shell_quote(a);
  cmd += " 2>" + shell_quote(err_file);
  CliRun run;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) return run;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    run.out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) run.exit_code = 128 + WTERMSIG(status);
  std::ifstream err(err_file);
  std::stringstream ss;
  ss << err.rdbuf();
  run.err = ss.str();
  return run;
}

}  // namespace hilm::test

#endif  // HILM_TESTS_CLI_RUN_CLI_HPP

// Runs the built `hilm` binary and captures its exit code, stdout and stderr.
#ifndef HILM_TESTS_CLI_RUN_CLI_HPP
#define HILM_TESTS_CLI_RUN_CLI_HPP

#include <array>
#include <cstdio>
#include <fcntl.h>
#include <string>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "support/files.hpp"
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
  run.err = read_file(err_file);
  return run;
}

/// Starts `hilm args...` in the background (stdout and stderr to /dev/null); returns its pid,
/// or -1 when it could not be started. Reap it with `waitpid`.
inline pid_t spawn_hilm(const std::vector<std::string>& args) {
  std::vector<std::string> argv_storage = {HILM_CLI_PATH};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int null_fd = ::open("/dev/null", O_WRONLY);
    if (null_fd >= 0) {
      ::dup2(null_fd, 1);
      ::dup2(null_fd, 2);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

}  // namespace hilm::test

#endif  // HILM_TESTS_CLI_RUN_CLI_HPP

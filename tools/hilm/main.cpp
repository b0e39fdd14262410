// `hilm`: the command-line tool. Subcommands live in <name>_command.cpp and register themselves;
// this file owns the global flags and the exit-code policy of DESIGN.md §3:
//   0 success · 2 usage error · 3 bad input (one stderr line naming the file and the problem)
//   4 numerical failure · 1 internal error (a bug: please report it).
#include <cstdio>
#include <exception>
#include <iostream>
#include <new>

#include <hilm/core/error.hpp>
#include <hilm/core/threads.hpp>
#include <hilm/version.hpp>

#include "cli_common.hpp"
#include "cli_mpi.hpp"

namespace {

int fail(int code, const std::string& message) {
  // Under mpirun every rank fails the same way (collective errors); rank 0 reports.
  if (hilm::cli::globals().rank == 0) std::cerr << "hilm: " << message << '\n';
  return code;
}

// The commands that run distributed under mpirun (cli_mpi.hpp).
bool runs_distributed(const std::string& name) { return name == "nmf" || name == "pc"; }

}  // namespace

int main(int argc, char** argv) {
  using namespace hilm::cli;
#if defined(HILM_CLI_MPI)
  hilm::MpiSession session(&argc, &argv);
  globals().rank = world().rank();
  globals().ranks = world().size();
#endif
  CLI::App app{"hilm: learn identifiable latent concepts, their hierarchy and steer with them",
               "hilm"};
  app.set_version_flag("--version", std::string("hilm ") + hilm::version_string);
  app.require_subcommand(1);
  app.fallthrough();  // global flags are accepted after the subcommand too
  app.add_option("--threads", globals().threads, "Threads to use (0 = all cores)")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--progress", globals().progress, "Draw a progress bar on stderr for long work");
  for (auto& [name, setup] : registry()) setup(app);
  app.parse_complete_callback([&app] {
    hilm::set_num_threads(globals().threads);
    if (!distributed()) return;
    for (const auto* sub : app.get_subcommands()) {
      if (!runs_distributed(sub->get_name()))
        throw usage_error("hilm " + sub->get_name() + " runs on one process; under mpirun with " +
                          std::to_string(globals().ranks) + " ranks only nmf and pc run");
    }
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the message and the hint to use --help
    return ExitCode::Usage;
  } catch (const usage_error& e) {
    return fail(ExitCode::Usage, e.what());
  } catch (const hilm::invalid_argument& e) {
    return fail(ExitCode::Usage, e.what());
  } catch (const bad_input& e) {
    return fail(ExitCode::BadInput, e.what());
  } catch (const hilm::io_error& e) {
    return fail(ExitCode::BadInput, e.what());
  } catch (const numerical_failure& e) {
    return fail(ExitCode::Numerical, e.what());
  } catch (const hilm::numerical_error& e) {
    return fail(ExitCode::Numerical, e.what());
  } catch (const std::bad_alloc&) {
    return fail(ExitCode::Numerical, "out of memory");
  } catch (const std::exception& e) {
    return fail(ExitCode::Internal, std::string("internal error: ") + e.what());
  }
  return ExitCode::Ok;
}

// The hilm tool under mpirun. Built with HILM_WITH_MPI (CMake defines HILM_CLI_MPI for the tool),
// main() initialises MPI and records this process's rank; `hilm nmf` and `hilm pc` then run
// distributed when there is more than one rank (docs/scale.md, "The tool under mpirun"): every
// rank reads its own part of the .npy, the ranks compute together, and rank 0 alone writes the
// outputs and prints the JSON (with "ranks"). Errors are collective (hilm::collective), so every
// rank ends with the same exit code and rank 0 prints the message once. Other commands refuse to
// run on more than one rank. Without HILM_CLI_MPI, distributed() is always false.
#ifndef HILM_TOOLS_CLI_MPI_HPP
#define HILM_TOOLS_CLI_MPI_HPP

#if defined(HILM_CLI_MPI)
#include <hilm/dist/communicator.hpp>
#endif

#include "cli_common.hpp"

namespace hilm::cli {

/// True when the tool runs on more than one MPI rank.
inline bool distributed() { return globals().ranks > 1; }

#if defined(HILM_CLI_MPI)
/// MPI_COMM_WORLD; first called by main() after MPI is initialised.
inline const Communicator& world() {
  static const Communicator comm;
  return comm;
}
#endif

}  // namespace hilm::cli

#endif  // HILM_TOOLS_CLI_MPI_HPP

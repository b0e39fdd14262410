// main() of hilm_test_dist: MPI is initialised (and finalised) around the Catch2 session, and the
// process's exit status is the maximum over the ranks, so that mpirun and ctest see a failure on
// any rank. Every rank runs every test case; collectives inside them must stay in step, so the
// tests use CHECK (which continues) rather than REQUIRE between collectives.
#if __has_include(<catch2/catch_session.hpp>)
#include <catch2/catch_session.hpp>
#else
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#endif

#include <hilm/dist/communicator.hpp>

int main(int argc, char** argv) {
  hilm::MpiSession session(&argc, &argv);
  const hilm::Communicator world;
  const int failed = Catch::Session().run(argc, argv);
  return world.all_reduce_max(failed) == 0 ? 0 : 1;
}

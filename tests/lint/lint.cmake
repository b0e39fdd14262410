# Repository checks that need no compiler (bash + awk), ctest label "lint":
#   ctest --test-dir build -L lint
# "lint: parallel regions guarded" runs scripts/check-parallel-regions.sh on include/, tools/ and
# examples/: every OpenMP parallel region must run its work through hilm::detail::ParallelGuard or
# be marked `// hilm-nothrow: <reason>` (issue 13; the rule is in the script's header).
# "lint: parallel-region check rejects unguarded fixtures" runs the same script on
# fixtures/parallel_regions/, whose bad regions it must report exactly — so the check can fail.
find_program(HILM_BASH bash)
if(NOT HILM_BASH)
  message(STATUS "hilm: bash not found, lint tests skipped")
  return()
endif()
set(_hilm_parallel_check "${PROJECT_SOURCE_DIR}/scripts/check-parallel-regions.sh")
add_test(NAME "lint: parallel regions guarded"
         COMMAND "${HILM_BASH}" "${_hilm_parallel_check}")
add_test(NAME "lint: parallel-region check rejects unguarded fixtures"
         COMMAND "${HILM_BASH}" "${CMAKE_CURRENT_LIST_DIR}/expect_findings.sh"
                 "${_hilm_parallel_check}" "${CMAKE_CURRENT_LIST_DIR}/fixtures/parallel_regions")
set_tests_properties("lint: parallel regions guarded"
                     "lint: parallel-region check rejects unguarded fixtures"
                     PROPERTIES LABELS "lint")

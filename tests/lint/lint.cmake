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
                 "${CMAKE_CURRENT_LIST_DIR}/fixtures/parallel_regions" "${HILM_BASH}"
                 "${_hilm_parallel_check}" "${CMAKE_CURRENT_LIST_DIR}/fixtures/parallel_regions")
set_tests_properties("lint: parallel regions guarded"
                     "lint: parallel-region check rejects unguarded fixtures"
                     PROPERTIES LABELS "lint")

# "lint: house rules hold" runs scripts/check-house.sh on include/ with docs/development.md's
# Long kernels table: no include cycle between modules, no production header including synth/ or
# testing/, one namespace rule, at most 300 lines of implementation in public headers, no function
# over 150 lines unless named (issue 14; the rules are in the script's header). "lint: house check
# rejects a bad tree" runs it on fixtures/house/, which breaks each rule, with smaller limits.
set(_hilm_house_check "${PROJECT_SOURCE_DIR}/scripts/check-house.sh")
set(_hilm_house_fixture "${CMAKE_CURRENT_LIST_DIR}/fixtures/house")
add_test(NAME "lint: house rules hold"
         COMMAND "${HILM_BASH}" "${_hilm_house_check}" "${PROJECT_SOURCE_DIR}/include"
                 "${PROJECT_SOURCE_DIR}/docs/development.md")
add_test(NAME "lint: house check rejects a bad tree"
         COMMAND "${CMAKE_COMMAND}" -E env MAX_FUNCTION_LINES=10 DETAIL_BUDGET=3
                 "${HILM_BASH}" "${CMAKE_CURRENT_LIST_DIR}/expect_findings.sh" "${_hilm_house_fixture}"
                 "${HILM_BASH}" "${_hilm_house_check}" "${_hilm_house_fixture}/include"
                 "${_hilm_house_fixture}/development.md")
set_tests_properties("lint: house rules hold" "lint: house check rejects a bad tree"
                     PROPERTIES LABELS "lint")

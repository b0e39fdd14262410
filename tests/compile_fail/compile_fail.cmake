# Compile-fail checks of the concept layer (Eigen's failtest idea): every case is a pair
# <case>_ok.cpp / <case>_ko.cpp that differ in one respect. Both are compiled with -fsyntax-only as
# ctest tests labelled `compile_fail`: the ok file must compile; the ko file must FAIL, and the
# compiler output must match the regular expression on its `// expect: <regex>` line, so that a
# non-conforming source is known to be rejected with a message that says what is missing (not
# merely rejected). Included by tests/CMakeLists.txt.

get_target_property(_hilm_cf_eigen_dirs Eigen3::Eigen INTERFACE_INCLUDE_DIRECTORIES)
set(_hilm_cf_flags -std=c++20 -fsyntax-only "-I${PROJECT_SOURCE_DIR}/include")
foreach(_dir IN LISTS _hilm_cf_eigen_dirs)
  list(APPEND _hilm_cf_flags -isystem "${_dir}")
endforeach()

file(GLOB _hilm_cf_ko_files CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/*_ko.cpp")
list(SORT _hilm_cf_ko_files)
foreach(_ko IN LISTS _hilm_cf_ko_files)
  get_filename_component(_name "${_ko}" NAME_WE)
  string(REGEX REPLACE "_ko$" "" _case "${_name}")
  set(_ok "${CMAKE_CURRENT_LIST_DIR}/${_case}_ok.cpp")
  if(NOT EXISTS "${_ok}")
    message(FATAL_ERROR "compile_fail: ${_case}_ko.cpp has no ${_case}_ok.cpp partner")
  endif()
  file(STRINGS "${_ko}" _expect_lines REGEX "^// expect: ")
  list(LENGTH _expect_lines _expect_count)
  if(NOT _expect_count EQUAL 1)
    message(FATAL_ERROR "compile_fail: ${_case}_ko.cpp needs exactly one '// expect: <regex>' line")
  endif()
  string(REGEX REPLACE "^// expect: " "" _expect "${_expect_lines}")

  add_test(NAME "compile_fail: ${_case} (ok compiles)"
           COMMAND ${CMAKE_CXX_COMPILER} ${_hilm_cf_flags} -Wall -Wextra -Werror "${_ok}")
  add_test(NAME "compile_fail: ${_case} (ko is rejected with its message)"
           COMMAND ${CMAKE_CXX_COMPILER} ${_hilm_cf_flags} "${_ko}")
  set_tests_properties("compile_fail: ${_case} (ok compiles)" PROPERTIES LABELS compile_fail)
  # PASS_REGULAR_EXPRESSION ignores the exit code: the test passes only if the diagnostic appears,
  # which a successful compilation never prints.
  set_tests_properties("compile_fail: ${_case} (ko is rejected with its message)" PROPERTIES
                       LABELS compile_fail PASS_REGULAR_EXPRESSION "${_expect}")
endforeach()

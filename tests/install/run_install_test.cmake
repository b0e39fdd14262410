# Script mode (cmake -P): install, then build and run a consumer of the installed package.
foreach(_var HILM_BUILD_DIR PREFIX CONSUMER_SOURCE CONSUMER_BUILD CXX)
  if(NOT DEFINED ${_var})
    message(FATAL_ERROR "run_install_test.cmake: ${_var} is not set")
  endif()
endforeach()

file(REMOVE_RECURSE "${PREFIX}" "${CONSUMER_BUILD}")

function(run_step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "step failed (${_rc}): ${ARGN}\n${_out}\n${_err}")
  endif()
endfunction()

run_step("${CMAKE_COMMAND}" --install "${HILM_BUILD_DIR}" --prefix "${PREFIX}")
foreach(_header version.hpp hilm.hpp)
  if(NOT EXISTS "${PREFIX}/include/hilm/${_header}")
    message(FATAL_ERROR "install did not place include/hilm/${_header} under ${PREFIX}")
  endif()
endforeach()
run_step("${CMAKE_COMMAND}" -S "${CONSUMER_SOURCE}" -B "${CONSUMER_BUILD}"
         "-DCMAKE_PREFIX_PATH=${PREFIX}" "-DCMAKE_CXX_COMPILER=${CXX}" -DCMAKE_BUILD_TYPE=Release)
run_step("${CMAKE_COMMAND}" --build "${CONSUMER_BUILD}")
run_step("${CONSUMER_BUILD}/hilm_consumer")
message(STATUS "install test passed")

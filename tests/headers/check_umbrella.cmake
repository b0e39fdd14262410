# Script mode (cmake -P), ctest "headers: hilm/hilm.hpp includes every public header":
# include/hilm/hilm.hpp, the convenience umbrella, must include every public header (everything
# under include/hilm except detail/, the optional MPI layer dist/ and itself) and nothing that
# does not exist; and neither the library, the tool nor the tests may include it (tests/install/,
# the consumer of an installed hilm, is the one exception). Globs at test time, so a header added
# since configuring counts.
cmake_minimum_required(VERSION 3.21)
foreach(_var INCLUDE_DIR SOURCE_DIR)
  if(NOT DEFINED ${_var})
    message(FATAL_ERROR "check_umbrella.cmake: ${_var} is not set")
  endif()
endforeach()

set(_umbrella "${INCLUDE_DIR}/hilm/hilm.hpp")
file(STRINGS "${_umbrella}" _lines REGEX "^#include <hilm/")
set(_listed)
foreach(_line IN LISTS _lines)
  string(REGEX REPLACE "^#include <([^>]+)>.*$" "\\1" _name "${_line}")
  list(APPEND _listed "${_name}")
endforeach()

file(GLOB_RECURSE _headers RELATIVE "${INCLUDE_DIR}" "${INCLUDE_DIR}/hilm/*.hpp")
set(_problems)
foreach(_header IN LISTS _headers)
  # hilm/dist/ is the optional MPI layer (needs <mpi.h>): users include it by name.
  if(_header MATCHES "/detail/" OR _header MATCHES "^hilm/dist/" OR _header STREQUAL "hilm/hilm.hpp")
    continue()
  endif()
  if(NOT _header IN_LIST _listed)
    list(APPEND _problems "hilm/hilm.hpp does not include the public header <${_header}>")
  endif()
endforeach()
foreach(_name IN LISTS _listed)
  if(NOT EXISTS "${INCLUDE_DIR}/${_name}")
    list(APPEND _problems "hilm/hilm.hpp includes <${_name}>, which does not exist")
  elseif(_name MATCHES "/detail/")
    list(APPEND _problems "hilm/hilm.hpp includes the detail header <${_name}>")
  endif()
endforeach()

file(GLOB_RECURSE _sources "${SOURCE_DIR}/include/*.hpp" "${SOURCE_DIR}/tools/*.hpp"
     "${SOURCE_DIR}/tools/*.cpp" "${SOURCE_DIR}/tests/*.hpp" "${SOURCE_DIR}/tests/*.cpp")
foreach(_source IN LISTS _sources)
  if(_source STREQUAL _umbrella OR _source MATCHES "/tests/install/")
    continue()
  endif()
  file(STRINGS "${_source}" _uses REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]hilm/hilm\\.hpp[>\"]")
  if(_uses)
    file(RELATIVE_PATH _rel "${SOURCE_DIR}" "${_source}")
    list(APPEND _problems "${_rel} includes <hilm/hilm.hpp>: include the specific headers instead")
  endif()
endforeach()

if(_problems)
  list(JOIN _problems "\n  " _text)
  message(FATAL_ERROR "umbrella header check failed:\n  ${_text}")
endif()
list(LENGTH _listed _count)
message(STATUS "hilm/hilm.hpp includes all ${_count} public headers; nothing in hilm includes it")

# ctest entry "install: find_package consumer": installs this build tree into a temporary prefix,
# then configures, builds and runs tests/install/ against that prefix with find_package(hilm 0.1).
set(_hilm_install_prefix "${CMAKE_BINARY_DIR}/install-test/prefix")
set(_hilm_consumer_build "${CMAKE_BINARY_DIR}/install-test/consumer")
add_test(NAME "install: find_package consumer"
  COMMAND "${CMAKE_COMMAND}"
    -D "HILM_BUILD_DIR=${CMAKE_BINARY_DIR}"
    -D "PREFIX=${_hilm_install_prefix}"
    -D "CONSUMER_SOURCE=${CMAKE_CURRENT_SOURCE_DIR}/install"
    -D "CONSUMER_BUILD=${_hilm_consumer_build}"
    -D "CXX=${CMAKE_CXX_COMPILER}"
    -P "${CMAKE_CURRENT_SOURCE_DIR}/install/run_install_test.cmake")
set_tests_properties("install: find_package consumer" PROPERTIES LABELS "install" TIMEOUT 600
                     COST 100)  # about 40 s (it compiles <hilm/hilm.hpp>): start it early

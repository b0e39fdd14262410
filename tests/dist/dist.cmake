# The MPI layer's tests (include/hilm/dist/), built only with HILM_WITH_MPI. One executable with its
# own main (MPI is initialised before Catch2 runs), registered once per rank count 1–4 under
# mpirun --oversubscribe (the 2-core machine runs 4 ranks), ctest label "dist": `ctest -L dist` runs
# them alone, `ctest -LE dist` leaves them out. A test that hangs (a rank waiting in a collective
# another rank never reaches) is ended by the TIMEOUT and fails.
file(GLOB _dist_sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/*_test.cpp")
add_executable(hilm_test_dist "${CMAKE_CURRENT_LIST_DIR}/main.cpp" ${_dist_sources})
target_link_libraries(hilm_test_dist PRIVATE hilm::mpi hilm_dev_flags Catch2::Catch2)
target_include_directories(hilm_test_dist PRIVATE "${CMAKE_CURRENT_LIST_DIR}/..")
foreach(_ranks 1 2 3 4)
  add_test(NAME "mpi: hilm_test_dist on ${_ranks} ranks"
           COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${_ranks} --oversubscribe
                   ${MPIEXEC_PREFLAGS} $<TARGET_FILE:hilm_test_dist> ${MPIEXEC_POSTFLAGS}
                   --rng-seed ${HILM_TEST_SEED})
  # Open MPI refuses root unless told (CI machines run as root); one OpenMP thread per rank.
  set_tests_properties("mpi: hilm_test_dist on ${_ranks} ranks" PROPERTIES
    LABELS dist TIMEOUT 120 PROCESSORS ${_ranks}
    ENVIRONMENT "OMPI_ALLOW_RUN_AS_ROOT=1;OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1;OMP_NUM_THREADS=1")
endforeach()

# The tool under mpirun (`hilm nmf`, `hilm pc`; tools/hilm/cli_mpi.hpp), when the tool is built in
# this MPI build: a plain test executable that starts `mpirun -np N hilm …` (1–4 ranks) and
# compares with the tool on one process. Label "dist" too.
if(TARGET hilm_cli)
  find_package(nlohmann_json 3 REQUIRED)
  add_executable(hilm_test_dist_cli "${CMAKE_CURRENT_LIST_DIR}/cli/mpi_cli_test.cpp")
  target_link_libraries(hilm_test_dist_cli PRIVATE hilm::hilm hilm_dev_flags Catch2::Catch2WithMain
                                                   nlohmann_json::nlohmann_json)
  target_include_directories(hilm_test_dist_cli PRIVATE "${CMAKE_CURRENT_LIST_DIR}/..")
  target_compile_definitions(hilm_test_dist_cli PRIVATE HILM_CLI_PATH="$<TARGET_FILE:hilm_cli>"
                                                        HILM_MPIEXEC="${MPIEXEC_EXECUTABLE}"
                                                        HILM_TEST_DATA_DIR="${HILM_TEST_DATA_DIR}"
                                                        HILM_TEST_BINARY_DIR="${CMAKE_CURRENT_BINARY_DIR}")
  add_dependencies(hilm_test_dist_cli hilm_cli)
  add_test(NAME "mpi: hilm nmf and pc under mpirun" COMMAND hilm_test_dist_cli
           --rng-seed ${HILM_TEST_SEED})
  set_tests_properties("mpi: hilm nmf and pc under mpirun" PROPERTIES
    LABELS dist TIMEOUT 900
    ENVIRONMENT "OMPI_ALLOW_RUN_AS_ROOT=1;OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1;OMP_NUM_THREADS=1")
endif()

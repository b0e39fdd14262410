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

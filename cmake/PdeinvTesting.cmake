# Test helpers: GoogleTest programs registered with CTest, MPI ones launched through mpiexec
# at 1 and 2 ranks, so `ctest` runs everything.
include_guard(GLOBAL)
find_package(GTest QUIET)
if(NOT GTest_FOUND)
  pdeinv_missing("GoogleTest" "libgtest-dev")
endif()
find_program(PDEINV_MPIEXEC NAMES mpiexec mpirun REQUIRED)
# Open MPI refuses root and more ranks than cores unless told; CI runs as root on 2 cores.
set(PDEINV_MPIEXEC_FLAGS --allow-run-as-root --oversubscribe CACHE STRING "extra mpiexec flags")

# pdeinv_add_test(NAME <name> SOURCES <files> [RANKS 1 2] [ARGS ...] [TIMEOUT s])
# Builds one GoogleTest program and registers it once per rank count as <name>_np<r>.
function(pdeinv_add_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;RANKS;ARGS" ${ARGN})
  if(NOT T_RANKS)
    set(T_RANKS 1 2)
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  add_executable(${T_NAME} ${T_SOURCES} ${PROJECT_SOURCE_DIR}/tests/test_main.cpp)
  target_link_libraries(${T_NAME} PRIVATE pdeinv::pdeinv GTest::gtest)
  target_compile_options(${T_NAME} PRIVATE -Wall -Wextra)
  target_compile_definitions(${T_NAME} PRIVATE PDEINV_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  foreach(np ${T_RANKS})
    add_test(NAME ${T_NAME}_np${np}
             COMMAND ${PDEINV_MPIEXEC} ${PDEINV_MPIEXEC_FLAGS} -n ${np} $<TARGET_FILE:${T_NAME}> ${T_ARGS}
             WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
    # Label "unit": the GoogleTest programs (ctest -L unit), which scripts/run_sanitizers.sh
    # runs under ASan and UBSan.
    set_tests_properties(${T_NAME}_np${np} PROPERTIES TIMEOUT ${T_TIMEOUT} PROCESSORS ${np}
                         LABELS unit
                         ENVIRONMENT "OMPI_MCA_rmaps_base_oversubscribe=1;OMP_NUM_THREADS=1")
  endforeach()
endfunction()

# pdeinv_add_error_test(NAME <name> EXPECT <regex> ARGS <driver args...> [RANKS 1 2])
# Runs the pdeinv driver with bad input and passes only if it exits non-zero and prints the
# expected message exactly once, with no PETSc traceback and no crash.
function(pdeinv_add_error_test)
  cmake_parse_arguments(T "ABORT_EXPECTED" "NAME;EXPECT" "ARGS;RANKS" ${ARGN})
  if(NOT T_RANKS)
    set(T_RANKS 1 2)
  endif()
  foreach(np ${T_RANKS})
    add_test(NAME error_${T_NAME}_np${np}
             COMMAND ${CMAKE_COMMAND}
                     "-DLAUNCH=${PDEINV_MPIEXEC};${PDEINV_MPIEXEC_FLAGS};-n;${np}"
                     -DPROGRAM=$<TARGET_FILE:pdeinv_driver>
                     "-DARGS=${T_ARGS}"
                     "-DEXPECT=${T_EXPECT}" -DABORT_EXPECTED=${T_ABORT_EXPECTED}
                     -P ${PROJECT_SOURCE_DIR}/tests/expect_error.cmake
             WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
    set_tests_properties(error_${T_NAME}_np${np} PROPERTIES TIMEOUT 120 PROCESSORS ${np})
  endforeach()
endfunction()

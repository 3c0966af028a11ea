pdeinv_add_test(NAME test_reduced_functional SOURCES inverse/test_reduced_functional.cpp)

# `pdeinv -verify` end to end: the table, a non-zero exit on failure, and verify.json.
foreach(np 1 2)
  add_test(NAME driver_verify_poisson_np${np}
           COMMAND ${CMAKE_COMMAND}
                   "-DLAUNCH=${PDEINV_MPIEXEC};${PDEINV_MPIEXEC_FLAGS};-n;${np}"
                   -DPROGRAM=$<TARGET_FILE:pdeinv_driver>
                   "-DARGS=-options_file;apps/verify_poisson.opts"
                   -DOUTDIR=${CMAKE_BINARY_DIR}/test_output/verify_np${np}
                   -P ${PROJECT_SOURCE_DIR}/tests/check_verify_json.cmake
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(driver_verify_poisson_np${np} PROPERTIES TIMEOUT 300 PROCESSORS ${np})
endforeach()

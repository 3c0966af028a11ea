# The Bayesian layer: the randomized generalized eigensolver against dense eigenproblems.
pdeinv_add_test(NAME test_generalized_eigensolver SOURCES bayes/test_generalized_eigensolver.cpp)

# pdeinv -mode identify on a parameter field: the spectrum of the misfit Hessian against the
# BiLaplacian prior for the Poisson problem of apps/verify_poisson.opts (49 sensors, 1 % noise).
# With 60 requested pairs the misfit Hessian's rank, 49, is found, and 48 of its eigenvalues
# exceed 1 (the next is 0.80).
foreach(np 1 2)
  add_test(NAME driver_identify_field_np${np}
           COMMAND ${PDEINV_MPIEXEC} ${PDEINV_MPIEXEC_FLAGS} -n ${np} $<TARGET_FILE:pdeinv_driver>
                   -options_file apps/verify_poisson.opts -verify 0 -mode identify -identify_rank 60
                   -output ${CMAKE_BINARY_DIR}/test_output/identify_field_np${np}
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(driver_identify_field_np${np} PROPERTIES
                       PASS_REGULAR_EXPRESSION "49 computed.*effective rank \\(eigenvalues > 1\\): 48\n.*wrote .*identify.json and 4 direction"
                       TIMEOUT 120 PROCESSORS ${np})
endforeach()
set(PDEINV_FIELD_IDENTIFY -mode identify -mesh_faces 4,4 -truth x -obs_type grid -obs_grid 3,3)
pdeinv_add_error_test(NAME identify_field_without_prior_inverse
                      EXPECT "the field spectrum needs a prior with an invertible Hessian \\(-reg_type l2, bilaplacian, or h1 with -reg_delta > 0\\); got -reg_type h1"
                      ARGS ${PDEINV_FIELD_IDENTIFY} -reg_type h1)
pdeinv_add_error_test(NAME identify_field_rank_zero EXPECT "-identify_rank must be at least 1, got 0"
                      ARGS ${PDEINV_FIELD_IDENTIFY} -identify_rank 0)

# pdeinv -mode invert -identify_rank r: the spectrum at the estimate after the inversion (the
# flagship options file asks for it), and a prior without an inverse refused before the run.
add_test(NAME driver_invert_identify_np2
         COMMAND ${PDEINV_MPIEXEC} ${PDEINV_MPIEXEC_FLAGS} -n 2 $<TARGET_FILE:pdeinv_driver>
                 -options_file apps/verify_poisson.opts -verify 0 -mode invert -identify_rank 60
                 -plot 0 -output ${CMAKE_BINARY_DIR}/test_output/invert_identify_np2
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(driver_invert_identify_np2 PROPERTIES
                     PASS_REGULAR_EXPRESSION "converged: .*at the estimate, what the data determine about the field: 665 parameters, 49 observations.*49 computed.*effective rank \\(eigenvalues > 1\\): 4[0-9]\n"
                     TIMEOUT 120 PROCESSORS 2)
pdeinv_add_error_test(NAME invert_identify_without_prior_inverse
                      EXPECT "the field spectrum needs a prior with an invertible Hessian"
                      ARGS -mode invert -mesh_faces 4,4 -truth x -obs_type grid -obs_grid 3,3 -reg_type h1 -identify_rank 5)

# The Laplace approximation against the dense posterior of the same operators, at 1 and 2 ranks.
pdeinv_add_test(NAME test_laplace SOURCES bayes/test_laplace.cpp)

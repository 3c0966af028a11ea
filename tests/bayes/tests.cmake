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

# pdeinv -mode invert -laplace_rank r: the Laplace approximation at the MAP point of the problem
# of apps/verify_poisson.opts (49 sensors: the misfit Hessian has rank 49, so 60 pairs hold all
# of it), at 1 and 2 ranks; the two runs' KL divergence, information gain, variance traces,
# eigenvalues above 1 and sample sums agree to 1e-5 (the MAP points themselves differ at the
# 1e-6 level, the optimizer's tolerance; the prior samples agree to rounding, drawn by point
# location). The 2-rank run makes the plots (laplace.png).
foreach(np 1 2)
  set(plot 0)
  if(np EQUAL 2)
    set(plot 1)
  endif()
  add_test(NAME driver_invert_laplace_np${np}
           COMMAND ${PDEINV_MPIEXEC} ${PDEINV_MPIEXEC_FLAGS} -n ${np} $<TARGET_FILE:pdeinv_driver>
                   -options_file apps/verify_poisson.opts -verify 0 -mode invert -laplace_rank 60
                   -laplace_samples 2 -plot ${plot}
                   -output ${CMAKE_BINARY_DIR}/test_output/invert_laplace_np${np}
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(driver_invert_laplace_np${np} PROPERTIES
                       PASS_REGULAR_EXPRESSION "converged: .*Laplace approximation at the estimate \\(Gauss-Newton misfit Hessian, 49 eigenpairs.*prior variance exact\n.*wrote .*laplace.json"
                       TIMEOUT 120 PROCESSORS ${np} FIXTURES_SETUP invert_laplace_np${np})
endforeach()
add_test(NAME invert_laplace_rank_independent
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/bayes/compare_laplace.py
                 ${CMAKE_BINARY_DIR}/test_output/invert_laplace_np1
                 ${CMAKE_BINARY_DIR}/test_output/invert_laplace_np2 1e-5)
set_tests_properties(invert_laplace_rank_independent PROPERTIES
                     FIXTURES_REQUIRED "invert_laplace_np1;invert_laplace_np2")
# The sampled prior-variance estimator and the Newton Hessian, at 2 ranks.
add_test(NAME driver_invert_laplace_sampled_newton_np2
         COMMAND ${PDEINV_MPIEXEC} ${PDEINV_MPIEXEC_FLAGS} -n 2 $<TARGET_FILE:pdeinv_driver>
                 -options_file apps/verify_poisson.opts -verify 0 -mode invert -laplace_rank 60
                 -laplace_hessian newton -laplace_prior_variance sampled
                 -laplace_variance_samples 100 -plot 0 -output none
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(driver_invert_laplace_sampled_newton_np2 PROPERTIES
                     PASS_REGULAR_EXPRESSION "Laplace approximation at the estimate \\(Newton misfit Hessian, .*prior variance sampled from 100 samples \\(relative standard error 0.14 per dof\\)"
                     TIMEOUT 120 PROCESSORS 2)
# Bad input, refused before the inversion runs.
set(PDEINV_LAPLACE -mode invert -mesh_faces 4,4 -truth x -obs_type grid -obs_grid 3,3)
pdeinv_add_error_test(NAME laplace_without_gaussian_prior
                      EXPECT "-laplace_rank needs a Gaussian prior \\(-reg_type bilaplacian\\), not -reg_type h1"
                      ARGS ${PDEINV_LAPLACE} -reg_type h1 -laplace_rank 5)
pdeinv_add_error_test(NAME laplace_rank_negative
                      EXPECT "-laplace_rank must be non-negative, got -2"
                      ARGS ${PDEINV_LAPLACE} -reg_type bilaplacian -laplace_rank -2)
pdeinv_add_error_test(NAME laplace_prior_variance_unknown
                      EXPECT "-laplace_prior_variance must be auto, exact or sampled, got 'approx'"
                      ARGS ${PDEINV_LAPLACE} -reg_type bilaplacian -laplace_rank 5 -laplace_prior_variance approx)
pdeinv_add_error_test(NAME laplace_hessian_unknown
                      EXPECT "-laplace_hessian must be gauss_newton or newton, got 'bfgs'"
                      ARGS ${PDEINV_LAPLACE} -reg_type bilaplacian -laplace_rank 5 -laplace_hessian bfgs)
pdeinv_add_error_test(NAME laplace_variance_samples_one
                      EXPECT "-laplace_variance_samples must be at least 2, got 1"
                      ARGS ${PDEINV_LAPLACE} -reg_type bilaplacian -laplace_rank 5 -laplace_variance_samples 1)
pdeinv_add_error_test(NAME laplace_too_many_samples
                      EXPECT "-laplace_samples writes one file per sample: at most 1000, got 5000"
                      ARGS ${PDEINV_LAPLACE} -reg_type bilaplacian -laplace_rank 5 -laplace_samples 5000)
pdeinv_add_error_test(NAME laplace_regions
                      EXPECT "the Laplace approximation is implemented for a parameter field, not for -parameter_space scalars or -parameter_regions"
                      ARGS -options_file apps/verify_regions.opts -verify 0 -mode invert -laplace_rank 5)

# MCMC kernels and diagnostics on a linear-Gaussian problem, against its exact posterior.
pdeinv_add_test(NAME test_mcmc SOURCES bayes/test_mcmc.cpp)

# pdeinv -mode sample on the problem of apps/verify_poisson.opts: the MAP point, the Laplace
# approximation, two chains; each kernel at one rank count (gpcn at both), with the report.
set(PDEINV_SAMPLE -options_file apps/verify_poisson.opts -verify 0 -mode sample -laplace_rank 60
                  -mcmc_burn_in 50 -chains 2 -plot 0 -monitor 0)
foreach(run "gpcn;1;200" "gpcn;2;200" "pcn;1;300" "mala;2;150" "hmc;2;60")
  list(GET run 0 kernel)
  list(GET run 1 np)
  list(GET run 2 samples)
  # Two runs follow state QoIs along the chains: the flux through the bottom, the state at
  # the centre (their Laplace intervals from Laplace samples).
  set(qoi "")
  set(qoi_text "weighted parameter mean, weight 1")
  set(fixture "")
  if(kernel STREQUAL "gpcn")
    # At 2 ranks the two chains run concurrently, one per rank (-chain_groups 2): the same
    # chains as the 1-rank run's (compared below).
    set(fixture sample_gpcn_np${np})
    if(np EQUAL 2)
      set(qoi -chain_groups 2)
    endif()
  elseif(kernel STREQUAL "pcn")
    set(qoi -qoi boundary_flux -qoi_boundary_ids 1)
    set(qoi_text "flux through Face Sets 1")
  elseif(kernel STREQUAL "hmc")
    set(qoi -qoi state_point -qoi_point 0.5,0.5)
    set(qoi_text "state at \\(0.5, 0.5\\)")
  endif()
  add_test(NAME driver_sample_${kernel}_np${np}
           COMMAND ${PDEINV_MPIEXEC} ${PDEINV_MPIEXEC_FLAGS} -n ${np} $<TARGET_FILE:pdeinv_driver>
                   ${PDEINV_SAMPLE} -mcmc_kernel ${kernel} -mcmc_samples ${samples} ${qoi}
                   -output ${CMAKE_BINARY_DIR}/test_output/sample_${kernel}_np${np}
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(driver_sample_${kernel}_np${np} PROPERTIES
                       PASS_REGULAR_EXPRESSION "MCMC \\(${kernel}, 2 chain\\(s\\) of ${samples} samples.*split R-hat [0-9.]+\n  QoI \\(${qoi_text}\\): at the MAP point .*MCMC mean .*Laplace mean .*wrote .*mcmc.json"
                       TIMEOUT 240 PROCESSORS ${np} FIXTURES_SETUP "${fixture}")
endforeach()
add_test(NAME sample_chain_groups_match_sequential_chains
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/bayes/compare_chains.py
                 ${CMAKE_BINARY_DIR}/test_output/sample_gpcn_np1
                 ${CMAKE_BINARY_DIR}/test_output/sample_gpcn_np2 1e-8)
set_tests_properties(sample_chain_groups_match_sequential_chains PROPERTIES
                     FIXTURES_REQUIRED "sample_gpcn_np1;sample_gpcn_np2")
set(PDEINV_SAMPLE_SMALL -mode sample -mesh_faces 4,4 -truth x -obs_type grid -obs_grid 3,3
                        -reg_type bilaplacian)
pdeinv_add_error_test(NAME sample_unknown_kernel
                      EXPECT "-mcmc_kernel must be pcn, mala, gpcn or hmc, got 'metropolis'"
                      ARGS ${PDEINV_SAMPLE_SMALL} -mcmc_kernel metropolis)
pdeinv_add_error_test(NAME sample_zero_samples EXPECT "-mcmc_samples must be at least 1, got 0"
                      ARGS ${PDEINV_SAMPLE_SMALL} -mcmc_samples 0)
pdeinv_add_error_test(NAME sample_negative_step
                      EXPECT "-mcmc_step must be positive \\(or 0 for the kernel's default\\), got -0.1"
                      ARGS ${PDEINV_SAMPLE_SMALL} -mcmc_step -0.1)
pdeinv_add_error_test(NAME sample_gpcn_without_laplace
                      EXPECT "-mcmc_kernel gpcn needs the Laplace approximation: give -laplace_rank r > 0"
                      ARGS ${PDEINV_SAMPLE_SMALL} -mcmc_kernel gpcn)
pdeinv_add_error_test(NAME sample_without_gaussian_prior
                      EXPECT "-mode sample needs a Gaussian prior \\(-reg_type bilaplacian\\), not -reg_type h1"
                      ARGS -mode sample -mesh_faces 4,4 -truth x -obs_type grid -obs_grid 3,3 -reg_type h1)
pdeinv_add_error_test(NAME sample_zero_chains EXPECT "-chains must lie between 1 and 64, got 0"
                      ARGS ${PDEINV_SAMPLE_SMALL} -chains 0)
pdeinv_add_error_test(NAME laplace_rank_above_parameters
                      EXPECT "-laplace_rank 5000 exceeds the number of parameters \\(25\\)"
                      ARGS ${PDEINV_SAMPLE_SMALL} -laplace_rank 5000)
pdeinv_add_error_test(NAME sample_chain_groups_above_chains
                      EXPECT "-chain_groups must lie between 1 and -chains \\(2\\), got 3"
                      ARGS ${PDEINV_SAMPLE_SMALL} -chains 2 -chain_groups 3)
pdeinv_add_error_test(NAME sample_chain_groups_above_ranks RANKS 1
                      EXPECT "-chain_groups 2 exceeds the 1 MPI rank\\(s\\): every group needs at least one rank"
                      ARGS ${PDEINV_SAMPLE_SMALL} -chains 2 -chain_groups 2)
pdeinv_add_error_test(NAME sample_regions
                      EXPECT "-mode sample is implemented for a parameter field, not for -parameter_space scalars, -parameter_regions or an initial state"
                      ARGS -options_file apps/verify_regions.opts -verify 0 -mode sample)
# The samples file cannot be written (a directory stands at its path): one error, no abort.
add_test(NAME sample_unwritable_samples_file_setup
         COMMAND ${CMAKE_COMMAND} -E make_directory
                 ${CMAKE_BINARY_DIR}/test_output/sample_unwritable/mcmc_samples.h5)
set_tests_properties(sample_unwritable_samples_file_setup PROPERTIES
                     FIXTURES_SETUP sample_unwritable)
pdeinv_add_error_test(NAME sample_unwritable_samples_file
                      EXPECT "HDF5: cannot create the file in '.*/sample_unwritable/mcmc_samples.h5'"
                      ARGS ${PDEINV_SAMPLE_SMALL} -mcmc_samples 4 -mcmc_burn_in 0 -plot 0
                           -output ${CMAKE_BINARY_DIR}/test_output/sample_unwritable)
set_tests_properties(error_sample_unwritable_samples_file_np1
                     error_sample_unwritable_samples_file_np2 PROPERTIES
                     FIXTURES_REQUIRED sample_unwritable)
pdeinv_add_error_test(NAME sample_save_every_negative
                      EXPECT "-mcmc_save_every must be non-negative, got -1"
                      ARGS ${PDEINV_SAMPLE_SMALL} -mcmc_save_every -1)
pdeinv_add_error_test(NAME sample_qoi_flux_without_boundary
                      EXPECT "-qoi boundary_flux needs the boundary part: -qoi_boundary_ids id1\\[,id2,...\\]"
                      ARGS ${PDEINV_SAMPLE_SMALL} -qoi boundary_flux)
pdeinv_add_error_test(NAME sample_too_few_samples
                      EXPECT "-mcmc_samples: the autocorrelation estimates need at least 4 samples per chain, got 2"
                      ARGS ${PDEINV_SAMPLE_SMALL} -mcmc_samples 2)

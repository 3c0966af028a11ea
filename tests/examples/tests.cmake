# The transient examples of apps/examples/, small (coarser mesh, fewer sensors and steps), through
# the driver at 2 ranks: each must converge (the driver exits 2 otherwise) and write every
# documented output, and the adjoint must keep within its checkpoint budget (-ts_checkpoints).
# (This fragment is included before tests/optim/tests.cmake: it sets its own variables.)
set(PDEINV_EXAMPLE_CHECK /usr/bin/python3 ${PROJECT_SOURCE_DIR}/tests/optim/check_inversion.py)
set(PDEINV_EXAMPLE_OUT ${CMAKE_BINARY_DIR}/test_output)
# name | options file | checkpoint budget | overrides
set(PDEINV_EXAMPLE_heat_initial_condition_BUDGET 3)
set(PDEINV_EXAMPLE_heat_initial_condition_ARGS
    -mesh_faces 16,16 -obs_grid 10,10 -ts_final_time 0.005 -ts_dt 0.001 -output_times 0,0.005)
set(PDEINV_EXAMPLE_advection_source_BUDGET 4)
set(PDEINV_EXAMPLE_advection_source_ARGS
    -mesh_faces 16,16 -obs_grid 4,4 -ts_final_time 1 -ts_dt 0.2 -obs_times 0.2,0.4,0.6,0.8,1
    -output_times 0.5,1)
foreach(example heat_initial_condition advection_source)
  set(budget ${PDEINV_EXAMPLE_${example}_BUDGET})
  add_test(NAME driver_example_${example}_np2
           COMMAND ${PDEINV_MPIEXEC} ${PDEINV_MPIEXEC_FLAGS} -n 2 $<TARGET_FILE:pdeinv_driver>
                   -options_file apps/examples/${example}.opts ${PDEINV_EXAMPLE_${example}_ARGS}
                   -ts_checkpoints ${budget} -plot 0 -monitor 0
                   -output ${PDEINV_EXAMPLE_OUT}/example_${example}
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(driver_example_${example}_np2 PROPERTIES TIMEOUT 120 PROCESSORS 2
                       PASS_REGULAR_EXPRESSION "converged: CONVERGED"
                       FIXTURES_SETUP example_${example})
  add_test(NAME example_${example}_outputs
           COMMAND ${PDEINV_EXAMPLE_CHECK} checkpoints ${PDEINV_EXAMPLE_OUT}/example_${example}
                   ${budget})
  set_tests_properties(example_${example}_outputs PROPERTIES FIXTURES_REQUIRED example_${example})
endforeach()

# The posterior example (apps/examples/posterior_flagship.opts), short chains at 2 ranks: the MAP
# point, the Laplace step and HMC run, and the report compares the QoI's intervals.
add_test(NAME driver_example_posterior_flagship_np2
         COMMAND ${PDEINV_MPIEXEC} ${PDEINV_MPIEXEC_FLAGS} -n 2 $<TARGET_FILE:pdeinv_driver>
                 -options_file apps/examples/posterior_flagship.opts -mcmc_samples 30
                 -mcmc_burn_in 10 -chains 2 -mcmc_progress 0 -plot 0 -monitor 0
                 -output ${PDEINV_EXAMPLE_OUT}/example_posterior_flagship
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(driver_example_posterior_flagship_np2 PROPERTIES TIMEOUT 180 PROCESSORS 2
                     PASS_REGULAR_EXPRESSION "converged: CONVERGED.*Laplace approximation at the estimate.*MCMC \\(hmc, 2 chain\\(s\\) of 30 samples.*QoI \\(weighted parameter mean, weight \\(\\(x-0.6\\)\\^2\\+\\(y-0.45\\)\\^2<0.04\\)\\): at the MAP point [0-9.]+\n    MCMC mean .*Laplace mean")

# The CT example (apps/examples/ct/run_ct.sh): four low-dose reconstructions of the Shepp–Logan
# phantom (full and limited angle; Poisson and least squares) at 2 ranks, and its figures.
add_test(NAME example_ct_np2
         COMMAND ${PROJECT_SOURCE_DIR}/apps/examples/ct/run_ct.sh -r 2 -o ${PDEINV_EXAMPLE_OUT}/ct
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(example_ct_np2 PROPERTIES TIMEOUT 180 PROCESSORS 2
                     PASS_REGULAR_EXPRESSION "ct_plots: wrote")

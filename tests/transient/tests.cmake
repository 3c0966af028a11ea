# Transient operators and ARKODE integration (issue 5, items 1–2).
pdeinv_add_test(NAME test_transient SOURCES transient/test_transient.cpp TIMEOUT 600)
# Exact discrete adjoint, checkpointing and time-series observations (issue 5, items 3–5).
pdeinv_add_test(NAME test_transient_adjoint SOURCES transient/test_transient_adjoint.cpp TIMEOUT 600)

# The transient driver: a small heat-equation inversion's derivative checks (pdeinv -verify,
# which includes the space-time dot product) and bad input, each one clear error.
set(PDEINV_TRANSIENT_SMALL -mode invert -problem transient -mesh_faces 6,6 -mesh_simplex 0
    -state_element Q1 -parameter_element Q1 -poisson_source 1 -initial_state 0
    -truth 0.3*x -obs_type grid -obs_grid 3,3 -ts_final_time 0.1 -ts_dt 0.02 -reg_type h1)
foreach(np 1 2)
  add_test(NAME driver_verify_transient_np${np}
           COMMAND ${CMAKE_COMMAND}
                   "-DLAUNCH=${PDEINV_MPIEXEC};${PDEINV_MPIEXEC_FLAGS};-n;${np}"
                   -DPROGRAM=$<TARGET_FILE:pdeinv_driver>
                   "-DARGS=-options_file;apps/verify_transient.opts"
                   -DOUTDIR=${CMAKE_BINARY_DIR}/test_output/verify_transient_np${np}
                   -P ${PROJECT_SOURCE_DIR}/tests/check_verify_json.cmake
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(driver_verify_transient_np${np} PROPERTIES TIMEOUT 300 PROCESSORS ${np})
endforeach()
pdeinv_add_error_test(NAME transient_nonpositive_dt EXPECT "-ts_dt must be positive, got 0"
                      ARGS ${PDEINV_TRANSIENT_SMALL} -ts_dt 0)
pdeinv_add_error_test(NAME transient_nonpositive_final_time EXPECT "-ts_final_time must be positive, got -1"
                      ARGS ${PDEINV_TRANSIENT_SMALL} -ts_final_time -1)
pdeinv_add_error_test(NAME transient_observation_time_outside EXPECT "observation time 0.2 \\(-obs_times, entry 1\\) is outside the simulated interval \\[0, 0.1\\]"
                      ARGS ${PDEINV_TRANSIENT_SMALL} -obs_times 0.05,0.2)
pdeinv_add_error_test(NAME transient_checkpoint_budget_zero EXPECT "-ts_checkpoints must be at least 1 \\(one stored time level\\), got 0"
                      ARGS ${PDEINV_TRANSIENT_SMALL} -ts_checkpoints 0)
pdeinv_add_error_test(NAME transient_unknown_tableau EXPECT "unknown tableau 'rk4' \\(-ts_tableau\\); available: sdirk2, esdirk3, esdirk4"
                      ARGS ${PDEINV_TRANSIENT_SMALL} -ts_tableau rk4)
pdeinv_add_error_test(NAME transient_too_many_steps EXPECT "-ts_dt 1e-09 makes 1e\\+08 steps to -ts_final_time 0.1, more than -ts_max_steps 100000"
                      ARGS ${PDEINV_TRANSIENT_SMALL} -ts_dt 1e-9)
pdeinv_add_error_test(NAME transient_newton_hessian EXPECT "-hessian newton: transient problems provide the Gauss-Newton Hessian only"
                      ARGS ${PDEINV_TRANSIENT_SMALL} -hessian newton)
pdeinv_add_error_test(NAME transient_unrolled_adjoint EXPECT "-adjoint unrolled applies to steady problems"
                      ARGS ${PDEINV_TRANSIENT_SMALL} -adjoint unrolled)

# pdeinv -mode forward -problem transient: ARKODE (adaptive ESDIRK3) on the heat equation with a
# known solution; the L2 error at the final time must be below 1e-5.
foreach(np 1 2)
  add_test(NAME driver_forward_transient_np${np}
           COMMAND ${PDEINV_MPIEXEC} ${PDEINV_MPIEXEC_FLAGS} -n ${np} $<TARGET_FILE:pdeinv_driver>
                   -mode forward -problem transient -mesh_faces 16,16 -mesh_simplex 0
                   -state_element Q2 -poisson_source 0 "-initial_state" "sin(pi*x)*sin(pi*y)"
                   "-exact" "exp(-2*pi^2*t)*sin(pi*x)*sin(pi*y)" -ts_final_time 0.1 -ts_adapt 1
                   -ts_rtol 1e-6 -output none
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(driver_forward_transient_np${np} PROPERTIES
                       PASS_REGULAR_EXPRESSION "L2 error +[0-9.]+e-(0[6-9]|1[0-9])" TIMEOUT 120
                       PROCESSORS ${np})
endforeach()

# An adaptive run whose steps collapse ends at -ts_max_steps with one clear error (ARKODE's own
# step limit counts per call, and the solver steps one call at a time).
pdeinv_add_error_test(NAME transient_max_steps_enforced
                      EXPECT "transient solve: -ts_max_steps 10 adaptive steps taken and t = [0-9.e-]+ of 1 reached"
                      ARGS -problem transient -mesh_faces 16,16 -ts_final_time 1 -ts_dt 1 -ts_adapt 1
                           -initial_state sin\(pi*x\)*sin\(pi*y\) -ts_max_steps 10)

pdeinv_add_test(NAME test_tao_problem SOURCES optim/test_tao_problem.cpp TIMEOUT 600)

# The flagship inversion (coarse) through the driver: converges, writes every documented output,
# gives the same estimate on 1 and 2 ranks; Morozov's principle; kill -9 and -restart.
set(PDEINV_INVERT ${PDEINV_MPIEXEC} ${PDEINV_MPIEXEC_FLAGS})
# A small inversion for the error tests.
set(PDEINV_SMALL -mode invert -mesh_faces 4,4 -truth x -obs_type grid -obs_grid 3,3)
set(PDEINV_INVERT_ARGS -options_file apps/poisson_h1.opts -mesh_refine 0 -tao_gttol 1e-9
    -state_ksp_rtol 1e-12 -plot 0 -monitor 0)
set(PDEINV_CHECK /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/optim/check_inversion.py)
set(PDEINV_OUT ${CMAKE_BINARY_DIR}/test_output)
foreach(np 1 2)
  add_test(NAME driver_invert_np${np}
           COMMAND ${PDEINV_INVERT} -n ${np} $<TARGET_FILE:pdeinv_driver> ${PDEINV_INVERT_ARGS}
                   -output ${PDEINV_OUT}/invert_np${np}
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(driver_invert_np${np} PROPERTIES TIMEOUT 300 PROCESSORS ${np}
                       FIXTURES_SETUP invert_np${np})
  add_test(NAME invert_outputs_np${np} COMMAND ${PDEINV_CHECK} converged ${PDEINV_OUT}/invert_np${np})
  set_tests_properties(invert_outputs_np${np} PROPERTIES FIXTURES_REQUIRED invert_np${np})
endforeach()
add_test(NAME invert_same_on_1_and_2_ranks
         COMMAND ${PDEINV_CHECK} same ${PDEINV_OUT}/invert_np1 ${PDEINV_OUT}/invert_np2 1e-6)
set_tests_properties(invert_same_on_1_and_2_ranks PROPERTIES FIXTURES_REQUIRED "invert_np1;invert_np2")

# -mode evaluate at a run's estimate, on another rank count: the run's final cost (the estimate
# is stored by dof position), and J, ∇J written in full precision.
add_test(NAME driver_evaluate_estimate_np1
         COMMAND $<TARGET_FILE:pdeinv_driver> ${PDEINV_INVERT_ARGS} -mode evaluate
                 -evaluate_at ${PDEINV_OUT}/invert_np2 -output ${PDEINV_OUT}/evaluate_np1
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(driver_evaluate_estimate_np1 PROPERTIES TIMEOUT 120
                     FIXTURES_REQUIRED invert_np2 FIXTURES_SETUP evaluate_np1)
add_test(NAME evaluate_matches_run
         COMMAND ${PDEINV_CHECK} evaluate ${PDEINV_OUT}/invert_np2 ${PDEINV_OUT}/evaluate_np1 1e-10)
set_tests_properties(evaluate_matches_run PROPERTIES FIXTURES_REQUIRED evaluate_np1)
pdeinv_add_error_test(NAME evaluate_at_missing_run EXPECT "cannot read parameter file 'tests/data/estimate.txt' \\(-evaluate_at\\)"
                      ARGS ${PDEINV_SMALL} -mode evaluate -evaluate_at tests/data)
# PETSc's own TAO derivative tests run (they are read at the first evaluation, not refused).
add_test(NAME invert_tao_test_gradient
         COMMAND $<TARGET_FILE:pdeinv_driver> ${PDEINV_SMALL} -tao_test_gradient -tao_max_it 1
                 -monitor 0 -output none
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(invert_tao_test_gradient PROPERTIES TIMEOUT 60
                     PASS_REGULAR_EXPRESSION "Testing hand-coded Gradient")

add_test(NAME driver_invert_morozov
         COMMAND ${PDEINV_INVERT} -n 2 $<TARGET_FILE:pdeinv_driver> ${PDEINV_INVERT_ARGS}
                 -reg_weight 1 -reg_weight_choice morozov -output ${PDEINV_OUT}/invert_morozov
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(driver_invert_morozov PROPERTIES TIMEOUT 600 PROCESSORS 2
                     FIXTURES_SETUP invert_morozov)
add_test(NAME invert_morozov_misfit
         COMMAND ${PDEINV_CHECK} morozov ${PDEINV_OUT}/invert_morozov 0.1)
set_tests_properties(invert_morozov_misfit PROPERTIES FIXTURES_REQUIRED invert_morozov)

# (PT-Scotch's partition differs from run to run, and with it the rounding of every solve; the
# reproducible 'simple' partitioner makes the comparison about the restart alone.)
add_test(NAME invert_kill_and_restart
         COMMAND ${PDEINV_CHECK} restart 1e-8 -- ${PDEINV_INVERT} -n 2
                 $<TARGET_FILE:pdeinv_driver> ${PDEINV_INVERT_ARGS} -mesh_partitioner simple -output
                 ${PDEINV_OUT}/invert_restart
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(invert_kill_and_restart PROPERTIES TIMEOUT 600 PROCESSORS 2)
# A checkpoint restarts on another rank count (2 -> 1, 1 -> 2): the iterate is stored by dof
# position, the fingerprint holds nothing that depends on the partition.
foreach(pair "2;1" "1;2")
  list(GET pair 0 from)
  list(GET pair 1 to)
  add_test(NAME invert_restart_${from}_to_${to}_ranks
           COMMAND ${PDEINV_CHECK} restart 1e-8 --restart-ranks ${to} -- ${PDEINV_INVERT} -n ${from}
                   $<TARGET_FILE:pdeinv_driver> ${PDEINV_INVERT_ARGS} -output
                   ${PDEINV_OUT}/invert_restart_${from}_to_${to}
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(invert_restart_${from}_to_${to}_ranks PROPERTIES TIMEOUT 600 PROCESSORS 2)
endforeach()

# Bad input to an inversion: one clear error and a non-zero exit, at 1 and 2 ranks.
pdeinv_add_error_test(NAME unknown_tao_type EXPECT "unknown TAO type 'lbfgs' \\(-tao_type\\); available: blmvm, bnls"
                      ARGS ${PDEINV_SMALL} -tao_type lbfgs)
pdeinv_add_error_test(NAME unwritable_output EXPECT "cannot create output directory 'CMakeLists.txt/run' \\(-output\\)"
                      ARGS ${PDEINV_SMALL} -output CMakeLists.txt/run)
pdeinv_add_error_test(NAME restart_without_checkpoint EXPECT "cannot read restart file 'tests/data/checkpoint.txt' \\(-restart\\)"
                      ARGS ${PDEINV_SMALL} -restart -output tests/data)
pdeinv_add_error_test(NAME restart_from_other_problem EXPECT "restart file 'tests/data/other_problem/checkpoint.txt' \\(-restart\\) is from a different problem"
                      ARGS ${PDEINV_SMALL} -restart -output tests/data/other_problem)
# A wrong answer is not reported as plain success: a coefficient e^m that underflows makes the
# operator singular (the error names the input), and a converged inversion whose misfit is far
# from its expected value N/2 is flagged (here: 81 unknowns over-fit 9 nearly noise-free values).
pdeinv_add_error_test(NAME singular_operator_names_parameter EXPECT "zero pivot.*\\[at -parameter '-800'\\]"
                      ARGS -mesh_faces 8,8 -parameter -800)
pdeinv_add_error_test(NAME singular_truth_names_truth EXPECT "zero pivot.*\\[the forward solve making synthetic data at -truth '-800'\\]"
                      ARGS ${PDEINV_SMALL} -truth -800)
add_test(NAME invert_flags_implausible_misfit
         COMMAND $<TARGET_FILE:pdeinv_driver> -mode invert -mesh_faces 8,8 -truth x -obs_type grid
                 -obs_grid 3,3 -noise_sigma 1e-6 -reg_weight 1e3 -monitor 0 -output none
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(invert_flags_implausible_misfit PROPERTIES TIMEOUT 60
                     PASS_REGULAR_EXPRESSION "warning: the misfit is [0-9.e+]+ times its expected value")

# TAO's limits and tolerances: negative values are refused (TAO would stop at once or never).
pdeinv_add_error_test(NAME tao_max_it_negative EXPECT "-tao_max_it must be non-negative, got -5"
                      ARGS ${PDEINV_SMALL} -tao_max_it -5)
pdeinv_add_error_test(NAME tao_gttol_negative EXPECT "-tao_gttol must be a non-negative number, got -1"
                      ARGS ${PDEINV_SMALL} -tao_gttol -1)

# A corrupt checkpoint is rejected when read, naming the file and the field.
pdeinv_add_error_test(NAME restart_negative_iteration EXPECT "restart file 'tests/data/corrupt_checkpoint_iteration/checkpoint.txt' \\(-restart\\) is corrupt: the iteration is -3, not a count"
                      ARGS ${PDEINV_SMALL} -restart -output tests/data/corrupt_checkpoint_iteration)
pdeinv_add_error_test(NAME restart_nan_state EXPECT "restart file 'tests/data/corrupt_checkpoint_state/checkpoint.txt' \\(-restart\\) is corrupt: state 'gnorm0' is 'nan', not a finite number"
                      ARGS ${PDEINV_SMALL} -restart -output tests/data/corrupt_checkpoint_state)
pdeinv_add_error_test(NAME restart_nan_value EXPECT "restart iterate 'tests/data/corrupt_checkpoint_values/checkpoint.dat' \\(-restart\\) is corrupt: entry 1 is -?nan"
                      ARGS ${PDEINV_SMALL} -restart -output tests/data/corrupt_checkpoint_values)
# An iteration beyond PetscInt (its cast would be undefined); a count of entries beyond what the
# file holds (it would be allocated before the read finds the file short).
pdeinv_add_error_test(NAME restart_huge_iteration EXPECT "restart file 'tests/data/corrupt_checkpoint_huge_iteration/checkpoint.txt' \\(-restart\\) is corrupt: the iteration is 1e300, not a count"
                      ARGS ${PDEINV_SMALL} -restart -output tests/data/corrupt_checkpoint_huge_iteration)
pdeinv_add_error_test(NAME restart_count_beyond_file EXPECT "cannot read restart iterate 'tests/data/corrupt_checkpoint_count/checkpoint.dat' \\(-restart\\): missing or truncated"
                      ARGS ${PDEINV_SMALL} -restart -output tests/data/corrupt_checkpoint_count)
pdeinv_add_error_test(NAME bounds_with_unbounded_tao_type EXPECT "-tao_type lmvm does not handle bounds"
                      ARGS ${PDEINV_SMALL} -tao_type lmvm -bound_lower 0)
pdeinv_add_error_test(NAME unknown_mode EXPECT "unknown mode 'inverse' \\(-mode\\); available: forward, invert, verify, identify, evaluate"
                      ARGS -mode inverse)

# Inversions for a few global scalars (a Gaussian source's strength and position; one value per
# region) run to convergence at 1 and 2 ranks (vectors held on rank 0 must not hang).
foreach(case source regions)
  foreach(np 1 2)
    add_test(NAME driver_invert_${case}_np${np}
             COMMAND ${PDEINV_INVERT} -n ${np} $<TARGET_FILE:pdeinv_driver>
                     -options_file apps/verify_${case}.opts -verify 0 -mode invert -plot 0
                     -output ${PDEINV_OUT}/invert_${case}_np${np}
             WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
    set_tests_properties(driver_invert_${case}_np${np} PROPERTIES TIMEOUT 120 PROCESSORS ${np}
                         PASS_REGULAR_EXPRESSION "converged: CONVERGED")
  endforeach()
endforeach()
pdeinv_add_test(NAME test_weight_choice SOURCES optim/test_weight_choice.cpp)
pdeinv_add_error_test(NAME bound_outside_map_range EXPECT "-bound_upper 5 is outside the range of the sigmoid parameter map"
                      ARGS ${PDEINV_SMALL} -tao_type bqnls -param_map_type sigmoid -param_map_lower -1
                           -param_map_upper 2 -bound_upper 5)

# The weight choice's options out of range: one clear error (before, a zero tolerance or weight
# made the weight choice loop until killed).
set(PDEINV_WEIGHT_SMALL -mode invert -mesh_faces 4,4 -obs_type grid -obs_grid 3,3 -truth x)
pdeinv_add_error_test(NAME reg_weight_zero EXPECT "-reg_weight must be positive and finite, got 0"
                      ARGS ${PDEINV_WEIGHT_SMALL} -reg_weight 0)
pdeinv_add_error_test(NAME morozov_rtol_zero EXPECT "-morozov_rtol must lie in \\(0, 1\\), got 0"
                      ARGS ${PDEINV_WEIGHT_SMALL} -reg_weight_choice morozov -morozov_rtol 0)
pdeinv_add_error_test(NAME lcurve_weight_negative
                      EXPECT "-lcurve_weights: every weight must be positive and finite, got -2"
                      ARGS ${PDEINV_WEIGHT_SMALL} -reg_weight_choice lcurve -lcurve_weights 1,-2)

# Identical 2-rank runs of the flagship give bitwise-identical estimates (PT-Scotch's partition
# is seeded and single-threaded; every other step is deterministic).
foreach(run a b)
  add_test(NAME flagship_reproducible_run_${run}
           COMMAND ${PDEINV_INVERT} -n 2 $<TARGET_FILE:pdeinv_driver>
                   -options_file apps/poisson_bilaplacian.opts -identify_rank 0 -plot 0 -monitor 0
                   -output ${PDEINV_OUT}/flagship_reproducible_${run}
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(flagship_reproducible_run_${run} PROPERTIES TIMEOUT 300 PROCESSORS 2
                       FIXTURES_SETUP flagship_reproducible_${run})
endforeach()
add_test(NAME flagship_bitwise_reproducible
         COMMAND ${CMAKE_COMMAND} -E compare_files
                 ${PDEINV_OUT}/flagship_reproducible_a/estimate.dat
                 ${PDEINV_OUT}/flagship_reproducible_b/estimate.dat)
set_tests_properties(flagship_bitwise_reproducible PROPERTIES
                     FIXTURES_REQUIRED "flagship_reproducible_a;flagship_reproducible_b")

# Data-space Gauss–Newton (-tao_gncg_step data_space) and the blocked solve on PETSc's Cholesky
# factor; the step refused, naming the option, where it does not apply.
pdeinv_add_test(NAME test_data_space SOURCES optim/test_data_space.cpp)
pdeinv_add_error_test(NAME data_space_with_scalar_parameters
                      EXPECT "-tao_gncg_step data_space: the parameters are the operator's scalars"
                      ARGS -options_file apps/verify_source.opts -verify 0 -mode invert
                           -tao_gncg_step data_space -output none)
pdeinv_add_error_test(NAME data_space_with_total_variation
                      EXPECT "-tao_gncg_step data_space needs a regularization with an inverse Hessian"
                      ARGS ${PDEINV_SMALL} -reg_type tv -tao_gncg_step data_space -output none)
pdeinv_add_error_test(NAME data_space_unknown_value EXPECT "tao_gncg_step"
                      ARGS ${PDEINV_SMALL} -tao_gncg_step exact)

# Bounds inside pdeinvgncg: the flagship with m >= 0 (conductivity >= 1): every iterate is
# feasible by construction (projected line search; tests/optim_gncg checks it at every
# iterate), and the bound, which the truth satisfies, lowers the error (0.367 unconstrained).
foreach(np 1 2)
  add_test(NAME invert_gncg_lower_bound_np${np}
           COMMAND ${PDEINV_MPIEXEC} ${PDEINV_MPIEXEC_FLAGS} -n ${np} $<TARGET_FILE:pdeinv_driver>
                   -options_file apps/poisson_bilaplacian.opts -identify_rank 0 -output none -plot 0
                   -bound_lower 0
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(invert_gncg_lower_bound_np${np} PROPERTIES TIMEOUT 120 PROCESSORS ${np}
                       PASS_REGULAR_EXPRESSION "converged: CONVERGED_[A-Z]+ after [0-9]+ iterations \\(tao pdeinvgncg\\)(.|\n)*relative parameter error 2\\.9[0-9]+e-01")
endforeach()

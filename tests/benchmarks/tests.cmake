# The subsurface speed benchmark (apps/benchmarks/subsurf.opts) at 16², 1 and 2 ranks: the same
# Newton iterations and final cost (10 and 22.0966 since the prior samples use the consistent mass
# matrix) with the default direct solves and with every solve
# iterative to tight tolerance (what scripts/bench_subsurf.sh --reference checks at larger n).
set(PDEINV_SUBSURF -options_file apps/benchmarks/subsurf.opts
                   -mesh_file meshes/structured_square_16.msh -plot 0)
foreach(np 1 2)
  foreach(solver direct iterative)
    set(extra)
    if(solver STREQUAL "iterative")
      set(extra -state_solver iterative -state_ksp_rtol 1e-13 -reg_A_solver iterative
                -reg_mass_solver iterative)
    endif()
    add_test(NAME driver_subsurf_${solver}_np${np}
             COMMAND ${PDEINV_MPIEXEC} ${PDEINV_MPIEXEC_FLAGS} -n ${np} $<TARGET_FILE:pdeinv_driver>
                     ${PDEINV_SUBSURF} ${extra}
                     -output ${CMAKE_BINARY_DIR}/test_output/subsurf_${solver}_np${np}
             WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
    set_tests_properties(driver_subsurf_${solver}_np${np} PROPERTIES
                         PASS_REGULAR_EXPRESSION "converged: CONVERGED_GRTOL after (9|1[01]) iterations.*cost 2\\.20966[12]e\\+01.*time per phase.*pdeinvHessAction"
                         TIMEOUT 120 PROCESSORS ${np})
  endforeach()
endforeach()

# Options read on some ranks only (PCTELESCOPE's inner solver lives on one rank of two) count as
# used: the run converges instead of one rank stopping on "never used" while the other waits.
add_test(NAME driver_subsurf_telescope_np2
         COMMAND ${PDEINV_MPIEXEC} ${PDEINV_MPIEXEC_FLAGS} -n 2 $<TARGET_FILE:pdeinv_driver>
                 ${PDEINV_SUBSURF} -output none -state_ksp_type preonly -state_pc_type telescope
                 -state_pc_telescope_reduction_factor 2 -state_pc_telescope_ignore_dm
                 -state_telescope_ksp_type preonly -state_telescope_pc_type cholesky
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(driver_subsurf_telescope_np2 PROPERTIES
                     PASS_REGULAR_EXPRESSION "converged: CONVERGED_GRTOL after (9|1[01]) iterations.*cost 2\\.20966[12]e\\+01"
                     TIMEOUT 60 PROCESSORS 2)
# An option no rank reads is still an error, at 2 ranks as at 1.
pdeinv_add_error_test(NAME unused_option_on_every_rank
                      EXPECT "option -state_telescope_pc_type cholesky was set but never used"
                      ARGS -mesh_faces 4,4 -state_telescope_pc_type cholesky)

# Bad input of the options the benchmark added.
set(PDEINV_SMALL_PRIOR -mode invert -mesh_faces 4,4 -obs_type grid -obs_grid 3,3
                       -reg_type bilaplacian)
pdeinv_add_error_test(NAME truth_prior_sample_negative
                      EXPECT "-truth_prior_sample must be a non-negative seed"
                      ARGS ${PDEINV_SMALL_PRIOR} -truth_prior_sample -3)
pdeinv_add_error_test(NAME truth_prior_sample_and_truth
                      EXPECT "give either -truth or -truth_prior_sample, not both"
                      ARGS ${PDEINV_SMALL_PRIOR} -truth x -truth_prior_sample 1)
pdeinv_add_error_test(NAME truth_prior_sample_without_gaussian_prior
                      EXPECT "-truth_prior_sample needs a Gaussian prior \\(-reg_type bilaplacian\\), not -reg_type h1"
                      ARGS -mode invert -mesh_faces 4,4 -obs_type grid -obs_grid 3,3 -reg_type h1
                           -truth_prior_sample 1)
pdeinv_add_error_test(NAME obs_random_box_inverted
                      EXPECT "-obs_random_upper must lie above -obs_random_lower in every coordinate"
                      ARGS -verify -mesh_faces 4,4 -truth x -obs_type random -obs_random 5
                           -obs_random_lower 0.5,0.5 -obs_random_upper 0.9,0.2)
pdeinv_add_error_test(NAME obs_random_box_length
                      EXPECT "-obs_random_lower and -obs_random_upper need 2 coordinates each"
                      ARGS -verify -mesh_faces 4,4 -truth x -obs_type random -obs_random 5
                           -obs_random_lower 0.5)
pdeinv_add_error_test(NAME obs_random_box_outside_mesh
                      EXPECT "-obs_random 5: only 0 of .* uniform draws in the mesh's bounding box fell inside the mesh"
                      ARGS -verify -mesh_faces 4,4 -truth x -obs_type random -obs_random 5
                           -obs_random_lower 2,2 -obs_random_upper 3,3)
pdeinv_add_error_test(NAME unknown_linear_solver
                      EXPECT "-state_solver must be direct, iterative or auto, got 'lu'"
                      ARGS -mesh_faces 4,4 -state_solver lu)
# A singular state matrix (e^m underflows to 0) is a failed factorization named as such, not a
# state of NaNs (the direct solver has no convergence test of its own).
pdeinv_add_error_test(NAME singular_operator_direct_solve
                      EXPECT "DIVERGED_PC_FAILED \\(zero pivot in the factorization: the matrix is singular, or not positive definite, at this point\\)"
                      ARGS -mesh_faces 8,8 -parameter -800)

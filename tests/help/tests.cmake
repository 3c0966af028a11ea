# -help (core/session.hpp): with no other option, with -mode invert and no problem, and with a
# whole problem, at 1 and 2 ranks: exit status 0, every option of every mode (a few of each)
# and the registered components once, before any line of PETSc's help; then PETSc's general
# help and the options of the solvers pdeinv configures.
set(PDEINV_HELP_FLAGS "-mesh_file " "-reg_weight_choice " "-verify_seed " "-identify_rank "
    "-identify_max_it " "-obs_type " "-ts_dt " "-noise_sigma " "-tao_pdeinv_pc "
    "-{state_,reg_A_,reg_mass_,reg_tv_,reg_l1_,ts_stage_,ts_newton_}solver "
    "-poisson_source_model " "-reg_epsilon " "-obs_xray_angles ")
set(PDEINV_HELP_PETSC_FLAGS "-state_ksp_type <" "-state_snes_type <" "-tao_type <now pdeinvgncg"
    "-tao_gncg_newton")
set(PDEINV_HELP_ARGS_plain -help)
set(PDEINV_HELP_ARGS_invert -mode invert -help)
set(PDEINV_HELP_ARGS_problem -options_file apps/poisson_h1.opts -help)
foreach(case plain invert problem)
  foreach(np 1 2)
    add_test(NAME help_${case}_np${np}
             COMMAND ${CMAKE_COMMAND}
                     "-DLAUNCH=${PDEINV_MPIEXEC};${PDEINV_MPIEXEC_FLAGS};-n;${np}"
                     -DPROGRAM=$<TARGET_FILE:pdeinv_driver> "-DARGS=${PDEINV_HELP_ARGS_${case}}"
                     "-DFLAGS=${PDEINV_HELP_FLAGS}" "-DPETSC_FLAGS=${PDEINV_HELP_PETSC_FLAGS}"
                     -P ${CMAKE_CURRENT_LIST_DIR}/check_help.cmake
             WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
    set_tests_properties(help_${case}_np${np} PROPERTIES TIMEOUT 120 PROCESSORS ${np})
  endforeach()
endforeach()

# The catalogue is complete: runs of every mode, with -options_catalog_check, read no option
# -help does not list (the run fails at its end otherwise).
set(PDEINV_CATALOG_OUT ${CMAKE_BINARY_DIR}/test_output/options_catalog)
set(PDEINV_CATALOG_forward -options_file apps/forward_poisson.opts -mesh_refine 0
    -exact 0 -exact_gradient 0,0)
set(PDEINV_CATALOG_forward_transient -problem transient -mesh_faces 6,6 -mesh_simplex 0
    -state_element Q1 -parameter_element Q1 -initial_state x*y -ts_final_time 0.02)
set(PDEINV_CATALOG_invert_h1 -options_file apps/poisson_h1.opts -mesh_refine 0 -plot 0
    -monitor 0 -checkpoint_every 5)
set(PDEINV_CATALOG_invert_bilaplacian -options_file apps/poisson_bilaplacian.opts -mesh_refine 0
    -identify_rank 4 -plot 0 -monitor 0)
set(PDEINV_CATALOG_invert_morozov_sigmoid -options_file apps/poisson_h1.opts -mesh_refine 0
    -plot 0 -monitor 0 -reg_weight_choice morozov -param_map_type sigmoid -param_map_lower -1
    -param_map_upper 3 -tao_type bqnls -bound_lower -0.5 -bound_upper 2.5)
set(PDEINV_CATALOG_invert_tv -options_file apps/poisson_tv.opts -mesh_refine 0 -plot 0
    -monitor 0 -reg_tv_pc_type cholesky)
set(PDEINV_CATALOG_invert_transient -options_file apps/examples/heat_initial_condition.opts
    -mesh_faces 8,8 -obs_grid 5,5 -plot 0 -monitor 0)
set(PDEINV_CATALOG_invert_advection -options_file apps/examples/advection_source.opts
    -mesh_faces 8,8 -obs_grid 3,3 -ts_dt 0.25 -obs_times 0.5,1 -output_times 1 -plot 0 -monitor 0)
set(PDEINV_CATALOG_verify_poisson -options_file apps/verify_poisson.opts)
set(PDEINV_CATALOG_verify_elasticity -options_file apps/verify_elasticity.opts -mesh_faces 6,6)
set(PDEINV_CATALOG_verify_nonlinear -options_file apps/verify_nonlinear.opts -mesh_refine 0)
set(PDEINV_CATALOG_verify_regions -options_file apps/verify_regions.opts)
set(PDEINV_CATALOG_verify_transient -options_file apps/verify_transient.opts)
set(PDEINV_CATALOG_identify_scalars -options_file apps/verify_source.opts -mode identify)
set(PDEINV_CATALOG_identify_field -options_file apps/verify_poisson.opts -mode identify
    -identify_rank 4)
foreach(case forward forward_transient invert_h1 invert_bilaplacian invert_morozov_sigmoid
             invert_tv invert_transient invert_advection verify_poisson verify_elasticity verify_nonlinear
             verify_regions verify_transient identify_scalars identify_field)
  add_test(NAME options_catalog_${case}
           COMMAND ${PDEINV_MPIEXEC} ${PDEINV_MPIEXEC_FLAGS} -n 1 $<TARGET_FILE:pdeinv_driver>
                   ${PDEINV_CATALOG_${case}} -options_catalog_check
                   -output ${PDEINV_CATALOG_OUT}/${case}
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(options_catalog_${case} PROPERTIES TIMEOUT 120
                       FAIL_REGULAR_EXPRESSION "pdeinv: error")
endforeach()
# And the check itself: an operator added by a plugin reads its data field -<name>_source,
# which the catalogue cannot list. (The plugin is built by tests/extension/tests.cmake, included
# before this fragment.)
add_test(NAME options_catalog_check_catches_an_unlisted_option
         COMMAND ${CMAKE_COMMAND}
                 "-DCOMMAND=$<TARGET_FILE:pdeinv_driver>;-plugin;${PDEINV_EXTENSION_PLUGIN};-options_file;reaction_diffusion.opts;-mode;verify;-output;none;-options_catalog_check"
                 "-DEXPECT=pdeinv: error: options read but missing from the -help catalogue: -reaction_diffusion_source"
                 -P ${CMAKE_CURRENT_LIST_DIR}/expect_failure.cmake
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}/apps/extension_example)
set_tests_properties(options_catalog_check_catches_an_unlisted_option PROPERTIES TIMEOUT 120
                     FIXTURES_REQUIRED extension_example)

# The generator fails the build, naming file:line, on a getter call it cannot read.
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(PDEINV_GENERATOR_no_group "src/widget/widget.cpp:4: no group for the options read in readWidget\\(\\)")
set(PDEINV_GENERATOR_unknown_prefix "src/widget/widget.cpp:3: cannot tell the prefix of opts.getInt\\(\\)")
set(PDEINV_GENERATOR_non_literal_name "src/mesh/mesh.cpp:4: the option name 'name' is not a string literal")
set(PDEINV_GENERATOR_wrong_arguments "src/mesh/mesh.cpp:3: getInt\\(\\) with 2 arguments \\(expected 3\\)")
set(PDEINV_GENERATOR_unknown_default "src/mesh/mesh.cpp:3: cannot show the default 'defaultRefinement\\(comm\\)'")
foreach(case no_group unknown_prefix non_literal_name wrong_arguments unknown_default)
  add_test(NAME option_catalog_generator_refuses_${case}
           COMMAND ${CMAKE_COMMAND}
                   "-DCOMMAND=${Python3_EXECUTABLE};${PROJECT_SOURCE_DIR}/scripts/gen_option_catalog.py;${CMAKE_CURRENT_LIST_DIR}/generator_cases/${case};${CMAKE_BINARY_DIR}/test_output/generator_${case}.cpp"
                   "-DEXPECT=gen_option_catalog.py: error: ${PDEINV_GENERATOR_${case}}"
                   -P ${CMAKE_CURRENT_LIST_DIR}/expect_failure.cmake)
  set_tests_properties(option_catalog_generator_refuses_${case} PROPERTIES TIMEOUT 60)
endforeach()

# A PETSc error (here an option value PETSc cannot use) is one "pdeinv: error:" line and exit
# status 1 at 1 and 2 ranks: no traceback, no MPI abort.
pdeinv_add_error_test(NAME petsc_unknown_ksp_type
                      EXPECT "pdeinv: error: Unable to find requested KSP type nonsense"
                      ARGS -mesh_faces 4,4 -state_ksp_type nonsense)
pdeinv_add_error_test(NAME petsc_unparsable_real
                      EXPECT "pdeinv: error: Input string 1e-6abc has no numeric value"
                      ARGS -mode invert -mesh_faces 4,4 -obs_type grid -obs_grid 3,3 -truth x
                           -tao_gttol 1e-6abc)
# ... unless PETSc's own error handling is asked for: -on_error_abort aborts, as in any PETSc
# program (no core file, whatever the system's setting).
foreach(np 1 2)
  add_test(NAME petsc_on_error_abort_aborts_np${np}
           COMMAND ${CMAKE_COMMAND}
                   "-DCOMMAND=/bin/sh;-c;ulimit -c 0 && exec \"$0\" \"$@\";${PDEINV_MPIEXEC};${PDEINV_MPIEXEC_FLAGS};-n;${np};$<TARGET_FILE:pdeinv_driver>;-mesh_faces;4,4;-state_ksp_type;nonsense;-output;none;-on_error_abort"
                   "-DEXPECT=PETSC ERROR: PetscAbortErrorHandler: KSPSetType\\(\\)"
                   "-DREJECT=pdeinv: error"
                   -P ${CMAKE_CURRENT_LIST_DIR}/expect_failure.cmake
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(petsc_on_error_abort_aborts_np${np} PROPERTIES TIMEOUT 60 PROCESSORS ${np})
endforeach()

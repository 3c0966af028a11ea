# The extension path (docs/extending.md): apps/extension_example/, an outside project that
# adds an operator as a plugin (its residual only; AD does the rest), is built against this
# build installed into a temporary prefix (tests/consumer/run_consumer_test.cmake); the stock
# pdeinv loads it with -plugin, lists its operator among pdeinv's, passes pdeinv's generic
# derivative tests on it and inverts with it from its options file — no main.cpp of its own.
set(PDEINV_EXTENSION_DIR ${CMAKE_BINARY_DIR}/extension_example_test)
set(PDEINV_EXTENSION_PLUGIN ${PDEINV_EXTENSION_DIR}/build/libreaction_diffusion.so)
add_test(NAME extension_example_build
         COMMAND ${CMAKE_COMMAND} -DBUILD_DIR=${CMAKE_BINARY_DIR} -DWORK_DIR=${PDEINV_EXTENSION_DIR}
                 "-DGENERATOR=${CMAKE_GENERATOR}" "-DCXX_COMPILER=${CMAKE_CXX_COMPILER}"
                 -DSOURCE_DIR=${PROJECT_SOURCE_DIR}/apps/extension_example
                 -DPROGRAM=pdeinv -DRUN_PROGRAM=$<TARGET_FILE:pdeinv_driver>
                 "-DARGS=-plugin;${PDEINV_EXTENSION_PLUGIN};-list_operators"
                 "-DEXPECT=reaction_diffusion — -div\\(grad u\\) \\+ exp\\(m\\) u = f"
                 -P ${PROJECT_SOURCE_DIR}/tests/consumer/run_consumer_test.cmake)
set_tests_properties(extension_example_build PROPERTIES TIMEOUT 300
                     FIXTURES_SETUP extension_example)
foreach(mode verify invert)
  add_test(NAME extension_example_${mode}_np2
           COMMAND ${PDEINV_MPIEXEC} ${PDEINV_MPIEXEC_FLAGS} -n 2 $<TARGET_FILE:pdeinv_driver>
                   -plugin ${PDEINV_EXTENSION_PLUGIN}
                   -options_file reaction_diffusion.opts -mode ${mode} -output none
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}/apps/extension_example)
  # Exit status: non-zero when a derivative check fails or the inversion does not converge.
  set_tests_properties(extension_example_${mode}_np2 PROPERTIES TIMEOUT 120 PROCESSORS 2
                       FIXTURES_REQUIRED extension_example
                       ENVIRONMENT "OMPI_MCA_rmaps_base_oversubscribe=1;OMP_NUM_THREADS=1")
endforeach()

# -help with the plugin lists its operator's options (its data fields) beside pdeinv's own.
add_test(NAME extension_example_help_lists_plugin_options
         COMMAND ${CMAKE_COMMAND} -DPROGRAM=$<TARGET_FILE:pdeinv_driver>
                 "-DARGS=-plugin;${PDEINV_EXTENSION_PLUGIN};-help"
                 "-DEXPECT=reaction_diffusion data fields:.*-reaction_diffusion_source <expression> \\(default 1\\)"
                 -P ${CMAKE_CURRENT_LIST_DIR}/expect_output.cmake)
set_tests_properties(extension_example_help_lists_plugin_options PROPERTIES TIMEOUT 60
                     FIXTURES_REQUIRED extension_example)

# A plugin that cannot be loaded, or has no entry point: one clear error, at 1 and 2 ranks.
pdeinv_add_error_test(NAME plugin_missing EXPECT "cannot load plugin 'nope.so'"
                      ARGS -plugin nope.so)
pdeinv_add_error_test(NAME plugin_without_entry_point
                      EXPECT "has no entry point pdeinv_register_plugin\\(\\)"
                      ARGS -plugin $<TARGET_FILE:pdeinv>)

# The registry listing: every registered component, one line each (also at the end of -help),
# and exit status 0.
add_test(NAME driver_list_operators
         COMMAND ${CMAKE_COMMAND} -DPROGRAM=$<TARGET_FILE:pdeinv_driver> -DARGS=-list_operators
                 "-DEXPECT=poisson — .*exp — .*grid — .*gaussian — .*bilaplacian — .*pdeinvgncg — "
                 -P ${CMAKE_CURRENT_LIST_DIR}/expect_output.cmake)
add_test(NAME driver_help_lists_components
         COMMAND ${CMAKE_COMMAND} -DPROGRAM=$<TARGET_FILE:pdeinv_driver> "-DARGS=-help;-mesh_faces;2,2"
                 "-DEXPECT=PDE operators \\(-operator_type\\):.*optimizers \\(-tao_type\\):"
                 -P ${CMAKE_CURRENT_LIST_DIR}/expect_output.cmake
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(driver_list_operators driver_help_lists_components PROPERTIES TIMEOUT 60)

# The layer order (scripts/check_layers.py, the one place it is written): no include from a
# lower layer to a higher one.
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND)
  add_test(NAME layering COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/scripts/check_layers.py
                                 ${PROJECT_SOURCE_DIR})
  set_tests_properties(layering PROPERTIES TIMEOUT 60)
endif()

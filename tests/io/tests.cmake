# io: JSON writer, run records, plot data (tests/io/test_io.cpp), and the plot script.
pdeinv_add_test(NAME test_io SOURCES io/test_io.cpp
                ARGS -io_plot_dir ${CMAKE_BINARY_DIR}/test_output/plot_results)
# test_io_np2 writes test_output/plot_results/np2/fields.h5 for the plot script test.
set_tests_properties(test_io_np2 PROPERTIES FIXTURES_SETUP io_plot_data)

# scripts/plot_results.py with Debian's python (matplotlib, h5py) on that file.
add_test(NAME plot_results_script
         COMMAND ${CMAKE_COMMAND} -DPYTHON=/usr/bin/python3
                 -DSCRIPT=${PROJECT_SOURCE_DIR}/scripts/plot_results.py
                 -DDIR=${CMAKE_BINARY_DIR}/test_output/plot_results/np2
                 -P ${CMAKE_CURRENT_LIST_DIR}/run_plot_script.cmake)
set_tests_properties(plot_results_script PROPERTIES FIXTURES_REQUIRED io_plot_data TIMEOUT 120
                     SKIP_REGULAR_EXPRESSION "SKIPPED: ")

# Options files (pdeinv::runMain checks them before PETSc reads them): a bad one is one
# "pdeinv: error:" line naming the file and a non-zero exit, at 1 and 2 ranks; a valid YAML
# file is used.
pdeinv_add_error_test(NAME options_file_missing
                      EXPECT "cannot open options file 'tests/data/nope.opts' \\(-options_file\\)"
                      ARGS -options_file tests/data/nope.opts)
pdeinv_add_error_test(NAME options_file_unbalanced_quote
                      EXPECT "options file 'tests/data/bad_quote.opts' line 3: unbalanced double quote"
                      ARGS -options_file tests/data/bad_quote.opts)
pdeinv_add_error_test(NAME options_file_malformed_line
                      EXPECT "options file 'tests/data/bad_line.opts' line 2: expected an option \\(-name \\[value\\]\\), got 'mesh_refine'"
                      ARGS -options_file tests/data/bad_line.opts)
pdeinv_add_error_test(NAME options_file_no_name EXPECT "option -options_file needs a file name"
                      ARGS -mesh_refine 0 -options_file)
pdeinv_add_error_test(NAME options_file_yaml_missing
                      EXPECT "cannot open options file 'tests/data/nope.yaml' \\(-options_file_yaml\\)"
                      ARGS -options_file_yaml tests/data/nope.yaml)
pdeinv_add_error_test(NAME options_file_yaml_malformed
                      EXPECT "malformed YAML in options file 'tests/data/bad.yaml' line 4, column 9: did not find expected ','"
                      ARGS -options_file_yaml tests/data/bad.yaml)
# Files PETSc would follow until its stack overflows: one that includes itself (in upper case,
# as PETSc compares names), a YAML merge key that names its own mapping.
pdeinv_add_error_test(NAME options_file_includes_itself
                      EXPECT "options files include each other: 'tests/data/include_self.opts' -> 'tests/data/include_self.opts'"
                      ARGS -options_file tests/data/include_self.opts)
pdeinv_add_error_test(NAME options_file_yaml_alias_cycle
                      EXPECT "options file 'tests/data/alias_cycle.yaml' line 3: an alias makes a mapping contain itself"
                      ARGS -options_file_yaml tests/data/alias_cycle.yaml)
pdeinv_add_error_test(NAME options_file_yaml_not_a_mapping
                      EXPECT "options file 'tests/data/bad_top.yaml' line 1: the top level must be a mapping"
                      ARGS -options_file_yaml tests/data/bad_top.yaml)
foreach(np 1 2)
  add_test(NAME driver_options_file_yaml_np${np}
           COMMAND ${PDEINV_MPIEXEC} ${PDEINV_MPIEXEC_FLAGS} -n ${np} $<TARGET_FILE:pdeinv_driver>
                   -options_file_yaml tests/data/good.yaml -output none
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(driver_options_file_yaml_np${np} PROPERTIES TIMEOUT 120 PROCESSORS ${np}
                       PASS_REGULAR_EXPRESSION "mesh +60 cells")
endforeach()
# A key given twice (literally or through nesting) would be kept silently by PETSc: refused.
pdeinv_add_error_test(NAME yaml_duplicate_key
                      EXPECT "options file 'tests/data/duplicate_key.yaml' line 5: option -mesh_refine is given twice \\(also on line 4\\)"
                      ARGS -options_file_yaml tests/data/duplicate_key.yaml)

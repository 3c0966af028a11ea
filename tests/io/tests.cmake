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

# io: JSON writer, run records, plot data (tests/io/test_io.cpp), and the plot script.
pdeinv_add_test(NAME test_io SOURCES io/test_io.cpp
                ARGS -io_plot_dir ${CMAKE_BINARY_DIR}/test_output/plot_results)
# test_io_np2 writes test_output/plot_results/np2/fields.h5 for the plot script test.
set_tests_properties(test_io_np2 PROPERTIES FIXTURES_SETUP io_plot_data)

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

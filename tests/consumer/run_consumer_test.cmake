# Checks the exported CMake package end to end (cmake -P script, run by CTest):
#   1. cmake --install BUILD_DIR into WORK_DIR/prefix,
#   2. configure and build tests/consumer (find_package(pdeinv)) against that prefix,
#   3. run the consumer (through LAUNCH, e.g. "mpiexec;-n;2", if given) and check its output.
# Variables: BUILD_DIR, WORK_DIR (wiped first); optional GENERATOR, CXX_COMPILER, LAUNCH.
foreach(v BUILD_DIR WORK_DIR)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "run_consumer_test.cmake: pass -D${v}=...")
  endif()
endforeach()
get_filename_component(consumer_src "${CMAKE_CURRENT_LIST_DIR}" ABSOLUTE)
set(prefix "${WORK_DIR}/prefix")
set(build "${WORK_DIR}/build")
file(REMOVE_RECURSE "${WORK_DIR}")

function(step what)
  message(STATUS "consumer test: ${what}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc STREQUAL "0")
    message(FATAL_ERROR "consumer test: ${what} failed (${rc}):\n${out}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

step("install ${BUILD_DIR} into ${prefix}"
     ${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}")

set(configure_args -S "${consumer_src}" -B "${build}" "-DCMAKE_PREFIX_PATH=${prefix}"
                   -DCMAKE_BUILD_TYPE=Release)
if(GENERATOR)
  list(APPEND configure_args -G "${GENERATOR}")
endif()
if(CXX_COMPILER)
  list(APPEND configure_args "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
endif()
step("configure tests/consumer against ${prefix}" ${CMAKE_COMMAND} ${configure_args})
step("build tests/consumer" ${CMAKE_COMMAND} --build "${build}")

find_program(consumer pdeinv_consumer PATHS "${build}" NO_DEFAULT_PATH REQUIRED)
string(JOIN " " launch_text ${LAUNCH} pdeinv_consumer)
step("run ${launch_text}" ${LAUNCH} "${consumer}")
message(STATUS "${step_output}")
if(NOT step_output MATCHES "pdeinv_consumer: box mesh with 32 cells")
  message(FATAL_ERROR "consumer test: unexpected output from pdeinv_consumer")
endif()
message(STATUS "consumer test: passed")

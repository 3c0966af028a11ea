# Checks the exported CMake package end to end (cmake -P script, run by CTest):
#   1. cmake --install BUILD_DIR into WORK_DIR/prefix,
#   2. configure and build an outside project (find_package(pdeinv)) against that prefix into
#      WORK_DIR/build: tests/consumer by default, or SOURCE_DIR,
#   3. run its PROGRAM with ARGS (through LAUNCH, e.g. "mpiexec;-n;2", if given) and check its
#      output matches EXPECT.
# Variables: BUILD_DIR, WORK_DIR (wiped first); optional GENERATOR, CXX_COMPILER, LAUNCH, and
# SOURCE_DIR, PROGRAM, ARGS, EXPECT (default: tests/consumer's pdeinv_consumer and its output);
# RUN_PROGRAM, a full path, runs that program instead of the consumer's PROGRAM.
foreach(v BUILD_DIR WORK_DIR)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "run_consumer_test.cmake: pass -D${v}=...")
  endif()
endforeach()
if(NOT SOURCE_DIR)
  set(SOURCE_DIR "${CMAKE_CURRENT_LIST_DIR}")
  set(PROGRAM pdeinv_consumer)
  set(EXPECT "pdeinv_consumer: box mesh with 32 cells")
endif()
foreach(v PROGRAM EXPECT)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "run_consumer_test.cmake: with SOURCE_DIR, pass -D${v}=...")
  endif()
endforeach()
get_filename_component(consumer_src "${SOURCE_DIR}" ABSOLUTE)
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
step("configure ${consumer_src} against ${prefix}" ${CMAKE_COMMAND} ${configure_args})
step("build ${consumer_src}" ${CMAKE_COMMAND} --build "${build}")

if(RUN_PROGRAM)  # a program of pdeinv's own (the stock driver loading a plugin just built)
  set(consumer "${RUN_PROGRAM}")
else()
  find_program(consumer ${PROGRAM} PATHS "${build}" NO_DEFAULT_PATH REQUIRED)
endif()
string(JOIN " " launch_text ${LAUNCH} ${PROGRAM} ${ARGS})
step("run ${launch_text}" ${LAUNCH} "${consumer}" ${ARGS})
message(STATUS "${step_output}")
if(NOT step_output MATCHES "${EXPECT}")
  message(FATAL_ERROR "consumer test: output of ${PROGRAM} does not match '${EXPECT}'")
endif()
message(STATUS "consumer test: passed")

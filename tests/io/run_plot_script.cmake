# Runs scripts/plot_results.py on DIR (fields.h5 written by test_io_np2) with a fake
# history.csv, and checks fields.png and convergence.png exist and are not empty; then checks
# that a missing directory is one "plot_results: error:" line and a non-zero exit.
#   cmake -DPYTHON=/usr/bin/python3 -DSCRIPT=scripts/plot_results.py -DDIR=<dir> -P this
execute_process(COMMAND ${PYTHON} -c "import matplotlib, h5py, numpy"
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
if(NOT rc EQUAL 0)
  message("SKIPPED: ${PYTHON} lacks matplotlib or h5py (Debian packages python3-matplotlib, "
          "python3-h5py)")
  return()
endif()
if(NOT EXISTS "${DIR}/fields.h5")
  message(FATAL_ERROR "${DIR}/fields.h5 is missing (written by test_io_np2)")
endif()
file(WRITE "${DIR}/history.csv"
     "iteration,cost,misfit,regularization,gradient_norm,step,cg_iterations,pde_solves,elapsed_s\n"
     "0,12.5,12.5,0,3.1,0,0,1,0.01\n"
     "1,2.0,1.7,0.3,0.9,1,4,10,0.05\n"
     "2,0.31,0.2,0.11,0.05,1,7,26,0.12\n"
     "3,0.25,0.15,0.1,2e-3,1,9,46,0.2\n"
     "4,0.249,0.149,0.1,4e-6,1,11,70,0.3\n")
file(REMOVE "${DIR}/fields.png" "${DIR}/convergence.png")
execute_process(COMMAND ${PYTHON} ${SCRIPT} ${DIR} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "plot_results.py failed (exit status ${rc})")
endif()
foreach(png fields.png convergence.png)
  file(SIZE "${DIR}/${png}" size)
  if(NOT size GREATER 1000)
    message(FATAL_ERROR "${DIR}/${png} is missing or empty")
  endif()
endforeach()

execute_process(COMMAND ${PYTHON} ${SCRIPT} ${DIR}/no_such_dir RESULT_VARIABLE rc
                OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(REGEX MATCHALL "plot_results: error: " lines "${err}")
list(LENGTH lines n)
if(rc EQUAL 0 OR NOT n EQUAL 1 OR NOT err MATCHES "no_such_dir' does not exist"
   OR err MATCHES "Traceback")
  message(FATAL_ERROR "a missing directory should be one error line and a non-zero exit; got "
                      "exit ${rc}:\n${err}")
endif()

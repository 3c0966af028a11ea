# Runs PROGRAM with ARGS (cmake -P script, run by CTest) and passes only if it exits 0 and its
# output matches EXPECT (a CTest PASS_REGULAR_EXPRESSION alone would ignore the exit status).
execute_process(COMMAND ${PROGRAM} ${ARGS} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE out)
message(STATUS "${out}")
if(NOT rc STREQUAL "0")
  message(FATAL_ERROR "${PROGRAM} exited with ${rc}")
endif()
if(NOT out MATCHES "${EXPECT}")
  message(FATAL_ERROR "the output of ${PROGRAM} does not match '${EXPECT}'")
endif()

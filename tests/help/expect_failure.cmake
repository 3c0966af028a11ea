# Runs COMMAND and passes only if it exits with a non-zero status and its output matches EXPECT
# (and, if given, does not match REJECT).
execute_process(COMMAND ${COMMAND} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out
                TIMEOUT 100)
message("exit status: ${rc}\noutput:\n${out}")
if(rc STREQUAL "0")
  message(FATAL_ERROR "expected a non-zero exit status")
endif()
if(NOT out MATCHES "${EXPECT}")
  message(FATAL_ERROR "the output does not match '${EXPECT}'")
endif()
if(DEFINED REJECT AND out MATCHES "${REJECT}")
  message(FATAL_ERROR "the output matches '${REJECT}'")
endif()

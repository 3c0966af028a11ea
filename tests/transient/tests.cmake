# Transient operators and ARKODE integration (issue 5, items 1–2).
pdeinv_add_test(NAME test_transient SOURCES transient/test_transient.cpp TIMEOUT 600)
# Exact discrete adjoint, checkpointing and time-series observations (issue 5, items 3–5).
pdeinv_add_test(NAME test_transient_adjoint SOURCES transient/test_transient_adjoint.cpp TIMEOUT 600)

# Transient operators and ARKODE integration (issue 5, items 1–2).
pdeinv_add_test(NAME test_transient SOURCES transient/test_transient.cpp TIMEOUT 600)

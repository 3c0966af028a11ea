pdeinv_add_test(NAME test_inversion SOURCES workflow/test_inversion.cpp)

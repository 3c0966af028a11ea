pdeinv_add_test(NAME test_tao_problem SOURCES optim/test_tao_problem.cpp TIMEOUT 600)

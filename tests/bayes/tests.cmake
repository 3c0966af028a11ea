# The Bayesian layer: the randomized generalized eigensolver against dense eigenproblems.
pdeinv_add_test(NAME test_generalized_eigensolver SOURCES bayes/test_generalized_eigensolver.cpp)

# The inexact Gauss–Newton–CG TAO type (pdeinvgncg): convergence, TAO's tolerances, negative
# curvature, failed evaluations, restarts; and a comparison with TAO's bnls and bntr.
pdeinv_add_test(NAME test_tao_gncg SOURCES optim_gncg/test_tao_gncg.cpp)
pdeinv_add_test(NAME test_gncg_comparison SOURCES optim_gncg/test_gncg_comparison.cpp)

# Operators from their residual alone (physics/ad_operator.hpp): an AD-only nonlinear operator
# passes the generic derivative checks and the reduced functional's Newton-Hessian Taylor test,
# the built-in Poisson's hand kernels equal their AD twin, and a wrong hand kernel beside its
# AD twin is caught — at 1 and 2 ranks.
pdeinv_add_test(NAME test_ad_operator SOURCES physics_ad/test_ad_operator.cpp)

# Linear elasticity: the Lamé pair by Gauss-Newton (noise-free recovery, and with noise the
# Jacobian's singular values), and the operator's derivative checks on a 3-D box mesh.
pdeinv_add_test(NAME test_elasticity SOURCES physics_elasticity/test_elasticity.cpp)

# Linear elasticity: the Lamé pair by Gauss-Newton (noise-free recovery, and with noise the
# Jacobian's singular values), and the operator's derivative checks on a 3-D box mesh.
pdeinv_add_test(NAME test_elasticity SOURCES physics_elasticity/test_elasticity.cpp)
pdeinv_add_error_test(NAME elasticity_poisson_ratio
                      EXPECT "-elasticity_poisson_ratio must lie in \\(0, 0.5\\), got 0.5"
                      ARGS -operator elasticity -mesh_faces 4,4 -elasticity_poisson_ratio 0.5)

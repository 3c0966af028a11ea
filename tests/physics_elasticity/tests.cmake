# Linear elasticity: the Lamé pair by Gauss-Newton (noise-free recovery, and with noise the
# Jacobian's singular values), and the operator's derivative checks on a 3-D box mesh.
pdeinv_add_test(NAME test_elasticity SOURCES physics_elasticity/test_elasticity.cpp)
pdeinv_add_error_test(NAME elasticity_poisson_ratio
                      EXPECT "-elasticity_poisson_ratio must lie in \\(0, 0.5\\), got 0.5"
                      ARGS -operator_type elasticity -mesh_faces 4,4 -elasticity_poisson_ratio 0.5)

# pdeinv -mode identify (Gauss–Newton for a few global scalars, with the Jacobian's singular
# values): the Gaussian source's strength and centre from 49 sensors with 1 % noise.
foreach(np 1 2)
  add_test(NAME driver_identify_source_np${np}
           COMMAND ${PDEINV_MPIEXEC} ${PDEINV_MPIEXEC_FLAGS} -n ${np} $<TARGET_FILE:pdeinv_driver>
                   -options_file apps/verify_source.opts -verify 0 -mode identify -output none
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(driver_identify_source_np${np} PROPERTIES
                       PASS_REGULAR_EXPRESSION "converged after.*singular values of the weighted Jacobian.*least determined.*max relative error against -truth_scalars: [0-9.]+e-0[3-9]"
                       TIMEOUT 120 PROCESSORS ${np})
endforeach()

# The stiff-inclusion example (apps/examples/elasticity_inclusion.opts) converges at 2 ranks.
add_test(NAME driver_example_elasticity_inclusion_np2
         COMMAND ${PDEINV_MPIEXEC} ${PDEINV_MPIEXEC_FLAGS} -n 2 $<TARGET_FILE:pdeinv_driver>
                 -options_file apps/examples/elasticity_inclusion.opts -output none
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(driver_example_elasticity_inclusion_np2 PROPERTIES
                     PASS_REGULAR_EXPRESSION "converged: CONVERGED.*relative parameter error [1-4]\\.[0-9]+e-01"
                     TIMEOUT 120 PROCESSORS 2)

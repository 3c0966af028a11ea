pdeinv_add_test(NAME test_registered_components SOURCES analysis/test_registered_components.cpp)

# Bad operator options: one clear error naming the option, at 1 and 2 ranks.
pdeinv_add_error_test(NAME source_diffusivity_nonpositive
                      EXPECT "-advection_diffusion_source_diffusivity must be positive and finite, got 0"
                      ARGS -operator_type advection_diffusion_source -mesh_faces 4,4 -advection_diffusion_source_diffusivity 0)
pdeinv_add_test(NAME test_verdict SOURCES analysis/test_verdict.cpp)
# Taylor steps by option, validated.
pdeinv_add_error_test(NAME verify_steps_out_of_range
                      EXPECT "-verify_steps must lie in \\[4, 40\\] \\(three slopes need four steps\\), got 2"
                      ARGS -verify -mesh_faces 4,4 -truth x -obs_type grid -obs_grid 3,3 -verify_steps 2)
pdeinv_add_error_test(NAME verify_h0_nonpositive EXPECT "-verify_h0 must be positive"
                      ARGS -verify -mesh_faces 4,4 -truth x -obs_type grid -obs_grid 3,3 -verify_h0 -1)

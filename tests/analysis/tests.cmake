pdeinv_add_test(NAME test_registered_components SOURCES analysis/test_registered_components.cpp)

# Bad operator options: one clear error naming the option, at 1 and 2 ranks.
pdeinv_add_error_test(NAME source_diffusivity_nonpositive
                      EXPECT "-advection_diffusion_source_diffusivity must be positive and finite, got 0"
                      ARGS -operator_type advection_diffusion_source -mesh_faces 4,4 -advection_diffusion_source_diffusivity 0)

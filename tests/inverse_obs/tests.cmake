# Observation operators (inverse layer): point evaluation, its transpose, point generators and
# observation data files.
pdeinv_add_test(NAME test_observation SOURCES inverse_obs/test_observation.cpp)
# The X-ray transform (CT, -obs_type xray): exact chord integrals, adjoint, analytic sinograms.
pdeinv_add_test(NAME test_xray SOURCES inverse_obs/test_xray.cpp)

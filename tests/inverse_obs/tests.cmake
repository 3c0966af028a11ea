# Observation operators (inverse layer): point evaluation, its transpose, point generators and
# observation data files.
pdeinv_add_test(NAME test_observation SOURCES inverse_obs/test_observation.cpp)

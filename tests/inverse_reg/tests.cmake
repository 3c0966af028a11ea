# Regularizations and priors (inverse layer), and the forms they are built from (fem layer:
# facet mass matrix, anisotropic stiffness).
pdeinv_add_test(NAME test_prior_forms SOURCES fem/test_prior_forms.cpp)
pdeinv_add_test(NAME test_regularization SOURCES inverse_reg/test_regularization.cpp)

pdeinv_add_test(NAME test_reduced_functional SOURCES inverse/test_reduced_functional.cpp)
pdeinv_add_test(NAME test_noise SOURCES inverse/test_noise.cpp)
pdeinv_add_test(NAME test_unrolled_adjoint SOURCES inverse/test_unrolled_adjoint.cpp)

# `pdeinv -verify` end to end: the table, a non-zero exit on failure, and verify.json.
# nonlinear_unrolled: the same nonlinear problem with -adjoint unrolled.
set(PDEINV_VERIFY_ARGS_nonlinear_unrolled -options_file apps/verify_nonlinear.opts -adjoint unrolled)
# regions_l2: region parameters with a regularization of the field m = Eθ (the Gauss–Newton
# Hessian's Taylor test then carries (Ev)ᵀ∇²R(Ev)).
set(PDEINV_VERIFY_ARGS_regions_l2 -options_file apps/verify_regions.opts -reg_type l2)
# The likelihoods beyond Gaussian, each on data drawn from its own noise model: the misfit's
# own checks (Taylor tests on the scale σ, the Gauss–Newton weight symmetric and positive
# semi-definite) and the reduced functional's gradient, Newton and Gauss–Newton Hessians.
foreach(misfit huber student_t laplace poisson bernoulli)
  set(PDEINV_VERIFY_ARGS_misfit_${misfit} -options_file apps/verify_poisson.opts -misfit_type ${misfit})
endforeach()
# constraint_mean: the equality constraint's penalty (μ = 1e8) inside the reduced functional.
set(PDEINV_VERIFY_ARGS_constraint_mean -options_file apps/verify_poisson.opts -constraint_mean 0.5)
# ct: the identity operator observed by the X-ray transform, photon counts, Poisson likelihood,
# total variation (the CT example's problem on a coarse mesh).
set(PDEINV_VERIFY_ARGS_ct -verify -operator_type identity -mesh_file meshes/structured_square_16.msh
    -truth 10*shepp_logan -obs_type xray -obs_xray_angles 12 -obs_xray_bins 24
    -obs_xray_photons 20 -misfit_type poisson -reg_type tv -reg_epsilon 1e-2 -m_init 1
    -verify_h0 1e-2)
# reg_tv, reg_l1: the smoothed total variation and L1 regularizations (not quadratic: their
# Hessians enter the reduced functional's Newton and Gauss-Newton Taylor tests). Random
# directions vary on the mesh scale and √(|Dm|² + ε) bends within √ε = 0.1 of Dm = 0: the
# Taylor steps start at 1e-2 (-verify_h0) to be in the asymptotic range.
foreach(reg tv l1)
  set(PDEINV_VERIFY_ARGS_reg_${reg} -verify -mesh_file meshes/square_inclusion_coarse.msh
      -mesh_refine 1 -state_element P2 -parameter_element P1
      -truth "log(2+7*exp(-((x-.5)^2+(y-.5)^2)/0.02))" -obs_type grid -obs_grid 7,7
      -noise_relative 0.01 -reg_type ${reg} -reg_gamma 0.1 -reg_epsilon 1e-2 -m_init 0.5
      -verify_h0 1e-2)
endforeach()
foreach(case poisson regions regions_l2 source elasticity nonlinear nonlinear_unrolled
        misfit_huber misfit_student_t misfit_laplace misfit_poisson misfit_bernoulli
        constraint_mean reg_tv reg_l1 ct)
  if(NOT DEFINED PDEINV_VERIFY_ARGS_${case})
    set(PDEINV_VERIFY_ARGS_${case} -options_file apps/verify_${case}.opts)
  endif()
  foreach(np 1 2)
    add_test(NAME driver_verify_${case}_np${np}
             COMMAND ${CMAKE_COMMAND}
                     "-DLAUNCH=${PDEINV_MPIEXEC};${PDEINV_MPIEXEC_FLAGS};-n;${np}"
                     -DPROGRAM=$<TARGET_FILE:pdeinv_driver>
                     "-DARGS=${PDEINV_VERIFY_ARGS_${case}}"
                     -DOUTDIR=${CMAKE_BINARY_DIR}/test_output/verify_${case}_np${np}
                     -P ${PROJECT_SOURCE_DIR}/tests/check_verify_json.cmake
             WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
    set_tests_properties(driver_verify_${case}_np${np} PROPERTIES TIMEOUT 300 PROCESSORS ${np})
  endforeach()
endforeach()

# Bad input to the inverse problem: one clear error and a non-zero exit, at 1 and 2 ranks.
set(PDEINV_SENSORS -verify -mesh_faces 4,4 -obs_type file -obs_file tests/data/obs_sensors.csv)
pdeinv_add_error_test(NAME nan_in_data EXPECT "obs_data_nan.csv.*(NaN|nan)"
                      ARGS ${PDEINV_SENSORS} -data_file tests/data/obs_data_nan.csv)
pdeinv_add_error_test(NAME data_length_mismatch EXPECT "obs_data_short.csv"
                      ARGS ${PDEINV_SENSORS} -data_file tests/data/obs_data_short.csv)
pdeinv_add_error_test(NAME observation_point_outside EXPECT "observation point 1 \\(1.5, 0.2\\) is outside the mesh"
                      ARGS -verify -mesh_faces 4,4 -truth x -obs_points 0.5,0.5,1.5,0.2)
pdeinv_add_error_test(NAME nonpositive_sigma EXPECT "-noise_sigma must be positive, got -0.1"
                      ARGS -verify -mesh_faces 4,4 -truth x -obs_type grid -obs_grid 3,3 -noise_sigma -0.1)
pdeinv_add_error_test(NAME unknown_regularization EXPECT "unknown regularization 'tikhonovv' \\(-reg_type\\); available: bilaplacian, h1, l2, none"
                      ARGS -verify -mesh_faces 4,4 -truth x -obs_type grid -obs_grid 3,3 -reg_type tikhonovv)
pdeinv_add_error_test(NAME region_not_listed EXPECT "a cell has Cell Sets value 11, which is not among the parameter regions"
                      ARGS -verify -mesh_file meshes/square_inclusion_coarse.msh -parameter_element P0
                           -parameter_regions 10 -truth x -obs_type grid -obs_grid 3,3)
# Likelihoods and noise models: data the likelihood cannot have, bad parameters, outliers of
# counts, an unknown noise model, and Morozov's rule with a non-Gaussian misfit.
set(PDEINV_GRID -verify -mesh_faces 4,4 -truth x -obs_type grid -obs_grid 3,3)
pdeinv_add_error_test(NAME poisson_misfit_needs_counts
                      EXPECT "-misfit_type poisson needs counts \\(non-negative integers\\) as data, but the data contain [0-9.e-]+"
                      ARGS ${PDEINV_GRID} -misfit_type poisson -noise_type gaussian)
pdeinv_add_error_test(NAME bernoulli_misfit_needs_binary_data
                      EXPECT "-misfit_type bernoulli needs binary data \\(0 or 1\\), but the data contain [0-9.e-]+"
                      ARGS ${PDEINV_GRID} -misfit_type bernoulli -noise_type poisson)
pdeinv_add_error_test(NAME tv_epsilon_not_positive
                      EXPECT "option -reg_epsilon .the smoothing ε of .* must be positive, got 0"
                      ARGS ${PDEINV_GRID} -reg_type tv -reg_epsilon 0)
pdeinv_add_error_test(NAME error_weight_negative
                      EXPECT "-error_weight must be non-negative everywhere, got -1 somewhere"
                      ARGS -mode invert -mesh_faces 4,4 -truth x -obs_type grid -obs_grid 3,3
                           -error_weight x-1 -output none)
pdeinv_add_error_test(NAME log_counts_without_poisson_noise
                      EXPECT "-noise_log_counts needs poisson noise .-noise_type poisson., got gaussian"
                      ARGS ${PDEINV_GRID} -noise_log_counts)
pdeinv_add_error_test(NAME xray_angles_not_positive
                      EXPECT "option -obs_xray_angles must be positive, got 0"
                      ARGS -verify -mesh_faces 4,4 -truth x -operator_type identity
                           -obs_type xray -obs_xray_bins 8)
pdeinv_add_error_test(NAME xray_on_a_dirichlet_state
                      EXPECT "-obs_type xray observes every dof of the field, but it has Dirichlet"
                      ARGS -verify -mesh_file meshes/structured_square_16.msh -truth x
                           -obs_type xray -obs_xray_angles 3 -obs_xray_bins 8)
pdeinv_add_error_test(NAME xray_on_quadrilaterals
                      EXPECT "-obs_type xray needs a P0 field, or a P1 field on triangles .* got P1 on quadrilaterals"
                      ARGS -verify -mesh_faces 4,4 -truth x -operator_type identity
                           -obs_type xray -obs_xray_angles 3 -obs_xray_bins 8)
pdeinv_add_error_test(NAME student_t_nu_not_positive EXPECT "-misfit_nu must be positive and finite, got 0"
                      ARGS ${PDEINV_GRID} -misfit_type student_t -noise_type gaussian -misfit_nu 0)
pdeinv_add_error_test(NAME huber_delta_negative EXPECT "-misfit_huber_delta must be positive and finite, got -1"
                      ARGS ${PDEINV_GRID} -misfit_type huber -misfit_huber_delta -1)
pdeinv_add_error_test(NAME laplace_smoothing_nan EXPECT "-misfit_laplace_smoothing must be positive and finite, got nan"
                      ARGS ${PDEINV_GRID} -misfit_type laplace -misfit_laplace_smoothing nan)
pdeinv_add_error_test(NAME unknown_noise_model EXPECT "unknown noise model 'cauchy' \\(-noise_type\\); available: gaussian, laplace, student_t, poisson, bernoulli"
                      ARGS ${PDEINV_GRID} -noise_type cauchy)
pdeinv_add_error_test(NAME outlier_fraction_above_one EXPECT "-noise_outlier_fraction must be in .0, 1., got 1.5"
                      ARGS ${PDEINV_GRID} -noise_outlier_fraction 1.5)
pdeinv_add_error_test(NAME outliers_of_counts EXPECT "-noise_outlier_fraction needs a noise model with a scale \\(gaussian, laplace, student_t\\), not poisson"
                      ARGS ${PDEINV_GRID} -misfit_type poisson -noise_outlier_fraction 0.1)
pdeinv_add_error_test(NAME morozov_needs_gaussian_misfit EXPECT "-reg_weight_choice morozov aims at the Gaussian misfit's expected value N/2; with -misfit_type huber"
                      ARGS -mode invert -output none -mesh_faces 4,4 -truth x -obs_type grid -obs_grid 3,3
                           -misfit_type huber -reg_type l2 -reg_weight_choice morozov)

# Equality constraints on a linear functional of the field (penalty).
pdeinv_add_error_test(NAME constraint_mean_and_integral EXPECT "give either -constraint_mean or -constraint_integral, not both"
                      ARGS ${PDEINV_GRID} -constraint_mean 1 -constraint_integral 1)
pdeinv_add_error_test(NAME constraint_penalty_zero EXPECT "-constraint_penalty must be positive and finite, got 0"
                      ARGS ${PDEINV_GRID} -constraint_mean 1 -constraint_penalty 0)
pdeinv_add_error_test(NAME constraint_weight_integrates_to_zero EXPECT "-constraint_weight 'x-0.5' integrates to zero over the domain"
                      ARGS ${PDEINV_GRID} -constraint_mean 1 -constraint_weight x-0.5)
pdeinv_add_error_test(NAME constraint_with_laplace EXPECT "-laplace_rank: the Laplace approximation needs a Gaussian prior; -constraint_mean"
                      ARGS -mode invert -output none -options_file apps/poisson_bilaplacian.opts -mesh_refine 0
                           -identify_rank 0 -laplace_rank 5 -constraint_mean 0.2)
foreach(np 1 2)
  add_test(NAME invert_constraint_mean_np${np}
           COMMAND ${PDEINV_MPIEXEC} ${PDEINV_MPIEXEC_FLAGS} -n ${np} $<TARGET_FILE:pdeinv_driver>
                   -options_file apps/poisson_bilaplacian.opts -identify_rank 0 -output none -plot 0
                   -constraint_integral 0.1 -constraint_weight x<0.5
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(invert_constraint_mean_np${np} PROPERTIES TIMEOUT 120 PROCESSORS ${np}
                       PASS_REGULAR_EXPRESSION "converged: (.|\n)*constraint: integral of m weighted by 'x<0.5' = 0.09999[0-9]+ \\(target 0.1, violation -?[0-9.]+e-0[5-9]\\)")
endforeach()

# Robust likelihoods at work: the flagship with 5 % gross outliers (20 σ), Student-t misfit.
# The Gaussian misfit's error grows to 0.88 there; Student-t keeps it at 0.381 (clean: 0.367).
foreach(np 1 2)
  add_test(NAME invert_student_t_with_outliers_np${np}
           COMMAND ${PDEINV_MPIEXEC} ${PDEINV_MPIEXEC_FLAGS} -n ${np} $<TARGET_FILE:pdeinv_driver>
                   -options_file apps/poisson_bilaplacian.opts -identify_rank 0 -output none -plot 0
                   -misfit_type student_t -noise_type gaussian -noise_outlier_fraction 0.05
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(invert_student_t_with_outliers_np${np} PROPERTIES TIMEOUT 120 PROCESSORS ${np}
                       PASS_REGULAR_EXPRESSION "converged: CONVERGED_[A-Z]+ after [0-9]+ iterations.*\n.*misfit [0-9.e+]+ \\(student_t\\)(.|\n)*relative parameter error 3\\.[0-9]+e-01")
endforeach()

pdeinv_add_error_test(NAME sigma_list_length EXPECT "-noise_sigma has 2 values; give one, or one per observation \\(9\\)"
                      ARGS -verify -mesh_faces 4,4 -truth x -obs_type grid -obs_grid 3,3 -noise_sigma 0.1,0.2)

# Scalar parameters of the operator (-parameter_space scalars): the parameter list must match
# the operator's scalars, the Gaussian source needs a positive width and a centre per dimension.
pdeinv_add_test(NAME test_scalar_parameters SOURCES inverse/test_scalar_parameters.cpp)
set(PDEINV_GAUSSIAN -verify -mesh_faces 4,4 -obs_type grid -obs_grid 3,3 -poisson_source_model gaussian)
pdeinv_add_error_test(NAME scalar_list_length
                      EXPECT "-truth_scalars has 2 values; operator 'poisson' has 3 scalar parameters \\(a, x0, y0\\)"
                      ARGS ${PDEINV_GAUSSIAN} -parameter_space scalars -truth_scalars 1,0.5)
pdeinv_add_error_test(NAME scalar_init_length
                      EXPECT "-scalars_init has 4 values; operator 'poisson' has 3 scalar parameters \\(a, x0, y0\\)"
                      ARGS ${PDEINV_GAUSSIAN} -parameter_space scalars -truth_scalars 1,0.5,0.5 -scalars_init 1,2,3,4)
pdeinv_add_error_test(NAME source_width_nonpositive
                      EXPECT "-poisson_source_width must be positive, got 0"
                      ARGS ${PDEINV_GAUSSIAN} -parameter_space scalars -truth_scalars 1,0.5,0.5 -poisson_source_width 0)
pdeinv_add_error_test(NAME source_center_length
                      EXPECT "-poisson_source_center has 3 values; the mesh is 2-D, give 2"
                      ARGS ${PDEINV_GAUSSIAN} -parameter_space scalars -truth_scalars 1,0.5,0.5 -poisson_source_center 0.5,0.5,0.5)
pdeinv_add_error_test(NAME scalars_without_scalar_operator
                      EXPECT "-parameter_space scalars: operator 'poisson' declares no scalar parameters"
                      ARGS -verify -mesh_faces 4,4 -obs_type grid -obs_grid 3,3 -parameter_space scalars -truth_scalars 1)

# -adjoint: the unrolled gradient applies to steady field problems solved by Newton line search
# with a Jacobian rebuilt at every iterate, and offers the Gauss-Newton Hessian only.
set(PDEINV_NONLINEAR -verify -mesh_faces 4,4 -operator_type nonlinear_diffusion -truth x -obs_type grid -obs_grid 3,3)
pdeinv_add_error_test(NAME adjoint_unknown EXPECT "-adjoint must be implicit or unrolled, got 'reverse'"
                      ARGS ${PDEINV_NONLINEAR} -adjoint reverse)
pdeinv_add_error_test(NAME adjoint_unrolled_trust_region
                      EXPECT "the unrolled adjoint differentiates Newton line-search iterations \\(-state_snes_type newtonls\\); got -state_snes_type newtontr"
                      ARGS ${PDEINV_NONLINEAR} -adjoint unrolled -state_snes_type newtontr)
pdeinv_add_error_test(NAME adjoint_unrolled_lagged_jacobian
                      EXPECT "the unrolled adjoint needs the Jacobian rebuilt at every Newton iterate; got -state_snes_lag_jacobian 2"
                      ARGS ${PDEINV_NONLINEAR} -adjoint unrolled -state_snes_lag_jacobian 2)
pdeinv_add_error_test(NAME adjoint_unrolled_scalars
                      EXPECT "-adjoint unrolled applies to parameter fields, not to -parameter_space scalars"
                      ARGS -verify -mesh_faces 4,4 -obs_type grid -obs_grid 3,3 -poisson_source_model gaussian
                           -parameter_space scalars -truth_scalars 1,0.5,0.5 -adjoint unrolled)
pdeinv_add_error_test(NAME adjoint_unrolled_newton_hessian
                      EXPECT "-hessian newton: -adjoint unrolled offers the Gauss-Newton Hessian only; use -hessian gauss_newton or -adjoint implicit"
                      ARGS ${PDEINV_NONLINEAR} -mode invert -adjoint unrolled -hessian newton)

# bench_unrolled end to end on a small mesh at 2 ranks: the table is printed, and after two full
# Newton steps the unrolled gradient is consistent with the computed J to the difference's floor
# (the figures of docs/nonlinear_adjoints.md are measured with the default, larger mesh).
add_test(NAME bench_unrolled_small_np2
         COMMAND ${PDEINV_MPIEXEC} ${PDEINV_MPIEXEC_FLAGS} -n 2 $<TARGET_FILE:bench_unrolled>
                 -mesh_faces 8,8 -bench_repeat 1 -bench_rtols 1e-1,1e-10)
set_tests_properties(bench_unrolled_small_np2 PROPERTIES PROCESSORS 2 TIMEOUT 120
                     PASS_REGULAR_EXPRESSION "\\| 1e-01 \\| 2 \\(0\\) \\|[^|]*\\|[^|]*\\|[^|]*\\|[^|]*\\|[^|]*\\|[^|]*\\| [0-9.]+e-(0[6-9]|1[0-9]) \\|")
# pdeinv's halving line search, when no step length down to the minimum decreases ‖F‖ enough.
pdeinv_add_error_test(NAME halving_line_search_fails
                      EXPECT "forward solve diverged: Newton DIVERGED_LINE_SEARCH after 0 iterations"
                      ARGS ${PDEINV_NONLINEAR} -nonlinear_diffusion_source 100 -state_snes_linesearch_type halving
                           -state_snes_linesearch_minlambda 0.9)

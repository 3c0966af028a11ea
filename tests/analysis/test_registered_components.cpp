// The generic derivative harness: every registered component — PDE operator, observation
// operator, misfit, parameter map, regularization — goes through the verification library's
// checks (Taylor remainders, adjoint dot products, symmetry), at 1 and 2 ranks. Registering a
// new component adds it here without new test code. Then the reduced functional of the
// Poisson problem with pointwise observations and H1 / BiLaplacian regularization is checked
// against the figures the design asks for, and its gradient is compared across rank counts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "../test_util.hpp"
#include "pdeinv/analysis/derivative_check.hpp"
#include "pdeinv/analysis/verification.hpp"
#include "pdeinv/core/session.hpp"
#include "pdeinv/problem/inverse_problem.hpp"

using namespace pdeinv;
using pdeinv::test::meshPath;
using pdeinv::test::ScopedOptions;
using pdeinv::test::sourceDir;

namespace {

void expectPassed(const std::vector<CheckResult>& checks, const std::string& context) {
  for (const auto& c : checks) {
    std::ostringstream figures;
    if (c.kind == "taylor") {
      figures << " slopes";
      for (PetscReal s : c.slope) figures << ' ' << s;
    } else {
      figures << " rel. error " << c.relativeError;
    }
    EXPECT_TRUE(c.passed) << context << ": " << c.component << " " << c.kind << " " << c.what
                          << figures.str();
  }
}

// Options a component type needs to be constructible; types not listed use their defaults.
std::string observationOptions(const std::string& type) {
  static const std::map<std::string, std::string> opts = {
      {"points", "-obs_points 0.3,0.3,0.7,0.2,0.5,0.9,0.05,0.5"},
      {"grid", "-obs_grid 4,5"},
      {"random", "-obs_random 12 -obs_seed 3"},
      {"file", "-obs_file " + sourceDir() + "/tests/data/obs_sensors.csv"},
      {"xray", "-obs_xray_angles 7 -obs_xray_bins 11 -obs_xray_photons 50"},
  };
  auto it = opts.find(type);
  return it == opts.end() ? "" : it->second;
}

const std::string kPoisson = "-mesh_file " + meshPath("unit_square_coarse.msh") +
                             " -state_element P2 -parameter_element P1 -state_ksp_rtol 1e-13";

// Option sets under which an operator is checked besides its defaults (variants that declare
// scalar parameters get the scalar-mode checks too).
std::vector<std::string> operatorVariants(const std::string& name) {
  static const std::map<std::string, std::vector<std::string>> variants = {
      {"poisson",
       {"-poisson_source_model gaussian -poisson_source_width 0.2 -poisson_source_center 0.4,0.6 "
        "-poisson_source_strength 3"}},
      {"elasticity", {"-elasticity_parameters lame -elasticity_lambda 1.5 -elasticity_mu 0.8"}},
  };
  std::vector<std::string> out = {""};
  auto it = variants.find(name);
  if (it != variants.end()) out.insert(out.end(), it->second.begin(), it->second.end());
  return out;
}

// The reduced functional in the operator's scalar parameters θ (synthetic data from a θ near
// the defaults, starting at the defaults): the design's acceptance figures.
void checkScalarInverse(const std::string& options, const SteadySolver& solver) {
  std::string truth;
  for (PetscReal t : solver.scalars()) {
    if (!truth.empty()) truth += ',';
    truth += std::to_string(1.1 * t + 0.05);
  }
  ScopedOptions o(options + " -parameter_space scalars -truth_scalars " + truth +
                  " -parameter_fixed 0.3*sin(3*x)+0.5*y -obs_type grid -obs_grid 6,6" +
                  " -noise_relative 0.01");
  auto inv = InverseProblem::fromOptions(PETSC_COMM_WORLD);
  auto theta = inv->initialGuess();
  const auto checks = checkReducedFunctional(inv->objective(), theta, 71);
  expectPassed(checks, options + " (scalar mode)");
  EXPECT_TRUE(inv->objective().newtonAvailable()) << options;
  for (const auto& c : checks) {
    int inRange = 0;
    if (c.kind == "taylor" && c.what == "gradient") {
      for (PetscReal s : c.slope) inRange += std::abs(s - 2.0) <= 0.1;
      EXPECT_GE(inRange, 3) << options << " gradient";
    } else if (c.kind == "taylor") {
      for (PetscReal s : c.slope) inRange += s >= 2.9;
      EXPECT_GE(inRange, 3) << options << " " << c.what;
    } else {
      EXPECT_LE(c.relativeError, 1e-10) << options << " " << c.what;
    }
  }
}

}  // namespace

TEST(RegisteredComponents, every_operator_passes_its_checks) {
  for (const auto& name : operatorRegistry().names()) {
    for (const auto& variant : operatorVariants(name)) {
      for (const std::string& mesh : {kPoisson, std::string("-mesh_faces 5,5 -state_element Q2")}) {
        const std::string options =
            mesh + " -operator_type " + name + " -state_ksp_rtol 1e-13 " + variant;
        std::unique_ptr<SteadyProblem> p;
        {
          ScopedOptions o(options);
          p = SteadyProblem::fromOptions(PETSC_COMM_WORLD);
          auto m = p->parameter().createVector();
          p->parameter().interpolate(Expression("0.3*sin(3*x) + 0.5*y", "-m"), m);
          const auto checks = checkOperator(p->solver(), m, 11);
          expectPassed(checks, "operator " + name + " " + variant);
          // One ∂R/∂θ and one ∂²R/∂θ² check for an operator with scalar parameters.
          const auto scalarChecks = std::count_if(checks.begin(), checks.end(), [](const auto& c) {
            return c.what.find("dtheta") != std::string::npos;
          });
          EXPECT_EQ(scalarChecks, p->solver().numScalars() > 0 ? 2 : 0) << options;
        }
        if (p->solver().numScalars() > 0) checkScalarInverse(options, p->solver());
      }
    }
  }
}

TEST(RegisteredComponents, every_observation_operator_passes_its_checks) {
  ScopedOptions o(kPoisson);
  auto p = SteadyProblem::fromOptions(PETSC_COMM_WORLD);
  // The X-ray transform observes a field without Dirichlet conditions (-operator_type
  // identity's state): a P1 field on the same mesh.
  FunctionSpace field(p->state().mesh(), {1, 1}, "field");
  for (const auto& type : observationRegistry().names()) {
    ScopedOptions t("-obs_type " + type + " " + observationOptions(type));
    const FunctionSpace& V = type == "xray" ? field : p->state();
    auto u = V.createVector();
    auto B = observationFromOptions(V);
    EXPECT_GT(B->size(), 0) << type;
    expectPassed(checkObservation(*B, type, u, 21), "observation " + type);
  }
}

TEST(RegisteredComponents, every_misfit_passes_its_checks) {
  // Each misfit on data drawn from its own noise model (counts for poisson, 0/1 for
  // bernoulli) around predictions c_i, checked at predictions y near them.
  const PetscInt n = 17;
  Owned<Vec> d, sigma, y;
  PDEINV_CALL(VecCreateMPI(PETSC_COMM_WORLD, PETSC_DECIDE, n, d.out()));
  PDEINV_CALL(VecDuplicate(d, sigma.out()));
  PDEINV_CALL(VecDuplicate(d, y.out()));
  std::vector<PetscReal> clean(n), s(n);
  for (PetscInt i = 0; i < n; ++i) {
    clean[i] = 1.5 * std::sin(0.7 * i + 0.3);
    s[i] = 0.1 + 0.05 * (i % 4);
  }
  auto fill = [&](const std::vector<PetscReal>& values, Vec v) {
    PetscInt lo = 0, hi = 0;
    PDEINV_CALL(VecGetOwnershipRange(v, &lo, &hi));
    for (PetscInt i = lo; i < hi; ++i) PDEINV_CALL(VecSetValue(v, i, values[i], INSERT_VALUES));
    PDEINV_CALL(VecAssemblyBegin(v));
    PDEINV_CALL(VecAssemblyEnd(v));
  };
  fill(s, sigma);
  std::vector<PetscReal> near(n);
  for (PetscInt i = 0; i < n; ++i) near[i] = clean[i] + 0.3 * s[i] * std::cos(1.3 * i);
  fill(near, y);
  for (const auto& name : misfitRegistry().names()) {
    fill(drawSyntheticData(clean, s, 5, name), d);
    auto misfit = misfitRegistry().create(name, d, sigma, Options("misfit_"));
    expectPassed(checkMisfit(*misfit, y, 31), "misfit " + name);
  }
}

TEST(RegisteredComponents, every_parameter_map_passes_its_checks) {
  ScopedOptions o("-param_map_lower 0.5 -param_map_upper 4");
  Owned<Vec> m;
  PDEINV_CALL(VecCreateMPI(PETSC_COMM_WORLD, 23, PETSC_DETERMINE, m.out()));
  fillRandom(m, 4);
  for (const auto& name : parameterMapRegistry().names()) {
    auto map = parameterMapRegistry().create(name, Options("param_map_"));
    expectPassed(checkParameterMap(*map, m, 41), "parameter map " + name);
  }
}

TEST(RegisteredComponents, every_regularization_passes_its_checks) {
  ScopedOptions o(kPoisson);
  auto p = SteadyProblem::fromOptions(PETSC_COMM_WORLD);
  auto m = p->parameter().createVector();
  p->parameter().interpolate(Expression("0.3*sin(3*x) + 0.5*y", "-m"), m);
  for (const auto& type : regularizationRegistry().names()) {
    ScopedOptions t("-reg_type " + type);
    auto R = regularizationFromOptions(p->parameter());
    expectPassed(checkRegularization(*R, m, 51), "regularization " + type);
  }
}

namespace {
// The design's acceptance figures for the reduced functional.
void checkPoissonInverse(const std::string& reg) {
  ScopedOptions o(kPoisson + " -truth log(2+7*exp(-((x-.5)^2+(y-.5)^2)/0.02)) -obs_type grid " +
                  "-obs_grid 6,6 -noise_relative 0.01 -m_init 0.5 " + reg);
  auto inv = InverseProblem::fromOptions(PETSC_COMM_WORLD);
  auto m = inv->initialGuess();
  auto checks = checkReducedFunctional(inv->objective(), m, 61);
  expectPassed(checks, reg);
  for (const auto& c : checks) {
    if (c.kind == "taylor" && c.what == "gradient") {
      int inRange = 0;
      for (PetscReal s : c.slope) inRange += std::abs(s - 2.0) <= 0.1;
      EXPECT_GE(inRange, 3) << reg;
    } else if (c.kind == "taylor") {
      int inRange = 0;
      for (PetscReal s : c.slope) inRange += s >= 2.9;
      EXPECT_GE(inRange, 3) << reg;
    } else {
      EXPECT_LE(c.relativeError, 1e-10) << reg << " " << c.what;
    }
  }
  // Dot-product tests of the linear actions inside it.
  expectPassed(checkObservation(inv->observation(), "grid", inv->objective().state(), 62), reg);
  auto p = inv->forward().parameter().createVector();
  inv->map().apply(m, p);
  for (const auto& c : checkOperator(inv->forward().solver(), p, 63)) {
    if (c.kind == "dot_product") {
      EXPECT_LE(c.relativeError, 1e-10) << reg << " " << c.what;
    }
  }
}
}  // namespace

TEST(PoissonInverse, h1_regularized_derivatives_meet_the_acceptance_figures) {
  checkPoissonInverse("-reg_type h1 -reg_gamma 1e-2");
}

TEST(PoissonInverse, bilaplacian_prior_derivatives_meet_the_acceptance_figures) {
  checkPoissonInverse("-reg_type bilaplacian -reg_gamma 0.1 -reg_delta 1");
}

TEST(PoissonInverse, gradient_is_the_same_on_one_rank_and_distributed) {
  // Solved on PETSC_COMM_WORLD and, on every rank, alone on PETSC_COMM_SELF; the gradient's
  // layout differs, so compare layout-free numbers: its norm and its action on a smooth field.
  auto measure = [](MPI_Comm comm) {
    ScopedOptions o(kPoisson + " -truth log(2+7*exp(-((x-.5)^2+(y-.5)^2)/0.02)) -obs_type grid " +
                    "-obs_grid 6,6 -noise_relative 0.01 -m_init 0.5 -reg_type h1 -reg_gamma 1e-2");
    auto inv = InverseProblem::fromOptions(comm);
    auto m = inv->initialGuess();
    auto g = inv->objective().createParameterVector();
    const PetscReal J = inv->objective().gradient(m, g);
    auto w = inv->objective().createParameterVector();
    inv->forward().parameter().interpolate(Expression("cos(3*x)*y + x", "-w"), w);
    PetscReal n = 0;
    PetscScalar gw = 0;
    VecNorm(g, NORM_2, &n);
    VecDot(g, w, &gw);
    return std::vector<PetscReal>{J, n, gw};
  };
  const auto world = measure(PETSC_COMM_WORLD);
  const auto self = measure(PETSC_COMM_SELF);
  for (size_t i = 0; i < world.size(); ++i) {
    EXPECT_NEAR(world[i], self[i], 1e-8 * std::abs(self[i])) << "quantity " << i;
  }
}

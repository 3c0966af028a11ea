// Linear elasticity with the Lamé pair θ = (λ, μ) as global scalars: a cantilever clamped at
// x = 0 under its own weight. Gauss–Newton on the 2×2 system recovers θ from noise-free
// displacements; with 1% noise the observation Jacobian J = ∂(B u)/∂θ (k tangent solves) is
// formed and its singular values, condition number and least-determined direction printed.
// The operator's derivatives are also checked on a 3-D box mesh.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <sstream>

#include "../test_util.hpp"
#include "pdeinv/analysis/identifiability.hpp"
#include "pdeinv/analysis/verification.hpp"
#include "pdeinv/core/session.hpp"
#include "pdeinv/problem/inverse_problem.hpp"

using namespace pdeinv;
using pdeinv::test::ScopedOptions;

namespace {

const std::string kLame =
    "-operator_type elasticity -elasticity_parameters lame -elasticity_lambda 1 -elasticity_mu 1"
    " -mesh_faces 12,6 -mesh_upper 2,1 -mesh_simplex 0 -state_element Q2 -parameter_element Q1"
    " -bc_dirichlet_ids 4 -state_ksp_rtol 1e-13 -obs_type grid -obs_grid 8,4"
    " -obs_grid_lower 0.2,0.1 -obs_grid_upper 1.9,0.9";
const std::vector<PetscReal> kTruth = {1.5, 0.8};

}  // namespace

TEST(Elasticity, gauss_newton_recovers_the_lame_pair_from_noise_free_data) {
  // Data with σ = 1e-12 (noise at round-off): the estimate must be the truth.
  ScopedOptions o(kLame + " -parameter_space scalars -truth_scalars 1.5,0.8 -scalars_init 1,1" +
                  " -noise_sigma 1e-12");
  o.set("-bc_dirichlet_label", "Face Sets");
  auto inv = InverseProblem::fromOptions(PETSC_COMM_WORLD);
  ASSERT_EQ(inv->forward().solver().numScalars(), 2);
  ASSERT_TRUE(inv->objective().newtonAvailable());
  auto theta = inv->initialGuess();
  const auto rep = gaussNewtonScalars(*inv, theta);
  EXPECT_TRUE(rep.converged);
  const int steps = rep.iterations;
  const auto& t = rep.theta;
  PetscReal err = 0;
  for (size_t i = 0; i < 2; ++i) err = std::max(err, std::abs(t[i] - kTruth[i]) / kTruth[i]);
  if (rankOf(PETSC_COMM_WORLD) == 0) {
    std::printf(
        "lame noise-free: %d GN steps, (lambda, mu) = (%.12f, %.12f), max rel. error %.2e\n", steps,
        t[0], t[1], err);
  }
  EXPECT_LT(err, 1e-6);
}

TEST(Elasticity, noisy_lame_pair_singular_values_and_least_determined_direction) {
  ScopedOptions o(kLame + " -parameter_space scalars -truth_scalars 1.5,0.8 -scalars_init 1,1" +
                  " -noise_relative 0.01 -noise_seed 11");
  o.set("-bc_dirichlet_label", "Face Sets");
  auto inv = InverseProblem::fromOptions(PETSC_COMM_WORLD);
  auto theta = inv->initialGuess();
  // Gauss–Newton with the Jacobian from k tangent solves, and its SVD at the estimate
  // (analysis/identifiability.hpp).
  const auto rep = gaussNewtonScalars(*inv, theta);
  printIdentifiability(PETSC_COMM_WORLD, rep);
  EXPECT_TRUE(rep.converged);
  const auto& t = rep.theta;
  const auto& s = rep.singularValues;
  const std::vector<std::vector<PetscReal>>& cov = rep.covariance;
  if (rankOf(PETSC_COMM_WORLD) == 0) {
    std::printf(
        "lame 1%% noise: (lambda, mu) = (%.6f, %.6f), truth (1.5, 0.8); least-determined "
        "direction (%.4f, %.4f)\n",
        t[0], t[1], rep.directions[1][0], rep.directions[1][1]);
  }
  EXPECT_GT(s[1], 0);
  EXPECT_GE(s[0], s[1]);
  // The estimate lies within a few standard deviations of the truth.
  EXPECT_LT(std::abs(t[0] - 1.5), 5 * std::sqrt(cov[0][0]) + 1e-8);
  EXPECT_LT(std::abs(t[1] - 0.8), 5 * std::sqrt(cov[1][1]) + 1e-8);
}

TEST(Elasticity, derivatives_pass_on_a_3d_box_mesh) {
  for (const std::string variant : {"", " -elasticity_parameters lame -elasticity_lambda 1.2"}) {
    ScopedOptions o(
        "-operator_type elasticity -mesh_dim 3 -mesh_faces 3,3,3 -mesh_simplex 0"
        " -state_element Q1 -parameter_element Q1 -state_ksp_rtol 1e-13"
        " -elasticity_body_force 0,0,-1" +
        variant);
    auto p = SteadyProblem::fromOptions(PETSC_COMM_WORLD);
    EXPECT_EQ(p->state().components(), 3);
    auto m = p->parameter().createVector();
    p->parameter().interpolate(Expression("0.3*sin(3*x) + 0.5*y - 0.2*z", "-m"), m);
    for (const auto& c : checkOperator(p->solver(), m, 13)) {
      std::ostringstream figures;
      if (c.exact) figures << " exact (remainder at round-off)";
      for (PetscReal sl : c.slope)
        figures << (c.exact ? "" : " ") << (c.exact ? "" : std::to_string(sl));
      if (rankOf(PETSC_COMM_WORLD) == 0) {
        std::printf("3-D%s: %s %s %s:%s rel. error %.2e\n", variant.c_str(), c.component.c_str(),
                    c.kind.c_str(), c.what.c_str(), figures.str().c_str(), c.relativeError);
      }
      EXPECT_TRUE(c.passed) << variant << ": " << c.component << " " << c.kind << " " << c.what
                            << figures.str() << " rel. error " << c.relativeError;
    }
  }
}

// Noise models of the inverse problem: per-observation σ in the observations' original order,
// relative σ, and a synthetic noise draw that does not depend on the number of ranks.
#include <gtest/gtest.h>

#include <cmath>

#include "../test_util.hpp"
#include "pdeinv/problem/inverse_problem.hpp"

using namespace pdeinv;
using pdeinv::test::ScopedOptions;

namespace {
const char* kBase =
    "-mesh_faces 6,6 -truth 1+x*y -obs_type points -obs_points "
    "0.1,0.1,0.9,0.1,0.5,0.5,0.2,0.8";
}

TEST(Noise, per_observation_sigma_follows_the_original_point_order) {
  ScopedOptions o(std::string(kBase) + " -noise_sigma 0.1,0.2,0.3,0.4");
  auto inv = InverseProblem::fromOptions(PETSC_COMM_WORLD);
  const auto sigma = inv->observation().toOriginalOrder(inv->sigma());
  ASSERT_EQ(sigma.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_DOUBLE_EQ(sigma[i], 0.1 * (i + 1));
  // The misfit weights each residual by its own σ: at the data, Φ = 0; shifted by σ_i, Φ = n/2.
  auto y = inv->observation().createObservationVector();
  VecCopy(inv->data(), y);
  EXPECT_NEAR(inv->misfit().value(y), 0.0, 1e-14);
  VecAXPY(y, 1.0, inv->sigma());
  EXPECT_NEAR(inv->misfit().value(y), 2.0, 1e-12);
}

TEST(Noise, relative_sigma_scales_with_the_largest_observation) {
  ScopedOptions o(std::string(kBase) + " -noise_relative 0.05");
  auto inv = InverseProblem::fromOptions(PETSC_COMM_WORLD);
  // u solves −Δu = 1 with u = 0 on the boundary; σ = 0.05·max|B u| for every observation.
  PetscReal smin = 0, smax = 0;
  VecMin(inv->sigma(), nullptr, &smin);
  VecMax(inv->sigma(), nullptr, &smax);
  EXPECT_GT(smin, 0);
  EXPECT_DOUBLE_EQ(smin, smax);
}

TEST(Noise, synthetic_data_are_the_same_on_any_number_of_ranks) {
  // Drawn in original order from the seed: the distributed and the one-rank problems agree.
  auto draw = [](MPI_Comm comm) {
    ScopedOptions o(std::string(kBase) + " -noise_sigma 0.01 -noise_seed 42");
    auto inv = InverseProblem::fromOptions(comm);
    return inv->observation().toOriginalOrder(inv->data());
  };
  const auto world = draw(PETSC_COMM_WORLD), self = draw(PETSC_COMM_SELF);
  ASSERT_EQ(world.size(), self.size());
  for (size_t i = 0; i < world.size(); ++i) EXPECT_NEAR(world[i], self[i], 1e-12) << i;
}

TEST(Noise, prior_samples_are_the_same_on_any_number_of_ranks) {
  // White noise drawn by each dof's location (core/random.hpp), then one A-solve: compare
  // layout-free numbers of the distributed and the one-rank sample (to the solver tolerance).
  auto draw = [](MPI_Comm comm) {
    ScopedOptions o("-mesh_file " + pdeinv::test::meshPath("unit_square_coarse.msh") +
                    " -parameter_element P2 -reg_type bilaplacian -reg_gamma 0.1 -reg_delta 1" +
                    " -reg_A_ksp_rtol 1e-12");
    auto p = SteadyProblem::fromOptions(comm);
    auto prior = regularizationFromOptions(p->parameter());
    auto x = p->parameter().createVector(), w = p->parameter().createVector();
    EXPECT_TRUE(prior->sample(7, x));
    p->parameter().interpolate(Expression("cos(3*x)*y + x", "-w"), w);
    PetscReal n = 0;
    PetscScalar xw = 0;
    VecNorm(x, NORM_2, &n);
    VecDot(x, w, &xw);
    return std::vector<PetscReal>{n, xw};
  };
  const auto world = draw(PETSC_COMM_WORLD), self = draw(PETSC_COMM_SELF);
  for (size_t i = 0; i < world.size(); ++i) {
    EXPECT_NEAR(world[i], self[i], 1e-8 * std::abs(self[i])) << "quantity " << i;
  }
}

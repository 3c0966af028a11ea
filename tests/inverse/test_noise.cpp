// Noise models of the inverse problem: per-observation σ in the observations' original order,
// relative σ, and a synthetic noise draw that does not depend on the number of ranks.
#include <gtest/gtest.h>

#include <cmath>

#include "../test_util.hpp"
#include "pdeinv/inverse/misfit.hpp"
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

namespace {
struct Moments {
  PetscReal mean = 0, var = 0;
};
Moments moments(const std::vector<PetscReal>& x) {
  Moments m;
  for (PetscReal v : x) m.mean += v;
  m.mean /= static_cast<PetscReal>(x.size());
  for (PetscReal v : x) m.var += (v - m.mean) * (v - m.mean);
  m.var /= static_cast<PetscReal>(x.size() - 1);
  return m;
}
// Draws n observations around `clean` with σ = `sigma` from the noise model of `options`.
std::vector<PetscReal> draws(const std::string& options, const std::string& misfit, PetscReal clean,
                             PetscReal sigma, size_t n = 40000) {
  ScopedOptions o(options);
  return drawSyntheticData(std::vector<PetscReal>(n, clean), std::vector<PetscReal>(n, sigma), 3,
                           misfit);
}
}  // namespace

TEST(Noise, every_noise_model_draws_its_distribution) {
  // Mean and variance of 40 000 draws within 4.5 standard errors of the exact ones (the
  // standard error of a variance from its fourth moment).
  const PetscReal n = 40000;
  auto expectMoments = [&](const std::vector<PetscReal>& x, PetscReal mean, PetscReal var,
                           PetscReal kurtosis, const std::string& what) {
    const auto m = moments(x);
    EXPECT_NEAR(m.mean, mean, 4.5 * std::sqrt(var / n)) << what;
    EXPECT_NEAR(m.var, var, 4.5 * var * std::sqrt((kurtosis - 1) / n)) << what;
  };
  // Gaussian: the same numbers as addGaussianNoise.
  const auto g = draws("", "gaussian", 1.0, 0.5);
  EXPECT_EQ(g, addGaussianNoise(std::vector<PetscReal>(g.size(), 1.0),
                                std::vector<PetscReal>(g.size(), 0.5), 3));
  expectMoments(g, 1.0, 0.25, 3, "gaussian");
  expectMoments(draws("", "laplace", -2.0, 0.5), -2.0, 0.25, 6, "laplace");
  // Student-t with ν = 9: variance σ² ν/(ν − 2), kurtosis 3 + 6/(ν − 4).
  expectMoments(draws("-noise_nu 9", "student_t", 0.0, 1.0), 0.0, 9.0 / 7.0, 3 + 6.0 / 5.0,
                "student_t");
  // Huber assumes Gaussian noise.
  EXPECT_EQ(draws("", "huber", 1.0, 0.5), g);
  // Poisson: both the inversion (λ < 30) and the rejection (λ ≥ 30) branch; integer counts.
  for (PetscReal lambda : {3.5, 80.0}) {
    const auto k = draws("", "poisson", std::log(lambda), 1.0);
    for (PetscReal v : k) ASSERT_EQ(v, std::floor(v)) << lambda;
    expectMoments(k, lambda, lambda, 3 + 1 / lambda, "poisson " + std::to_string(lambda));
  }
  // Bernoulli: P(1) = 1/(1 + e^{−0.4}).
  const PetscReal p = 1 / (1 + std::exp(-0.4));
  const auto b = draws("", "bernoulli", 0.4, 1.0);
  for (PetscReal v : b) ASSERT_TRUE(v == 0 || v == 1);
  expectMoments(b, p, p * (1 - p), 1 / (p * (1 - p)) - 3, "bernoulli");
  // -noise_type overrides the misfit's model.
  EXPECT_EQ(draws("-noise_type gaussian", "laplace", 1.0, 0.5), g);
}

TEST(Noise, outliers_replace_exactly_the_requested_fraction) {
  const auto x = draws("-noise_outlier_fraction 0.05 -noise_outlier_size 30", "gaussian", 0.0, 1.0);
  size_t outliers = 0;
  for (PetscReal v : x) outliers += std::abs(std::abs(v) - 30) < 1e-12;
  EXPECT_EQ(outliers, 2000u);  // exactly 5 % of 40 000
  // The other observations keep their noise draw.
  const auto clean = draws("", "gaussian", 0.0, 1.0);
  size_t same = 0;
  for (size_t i = 0; i < x.size(); ++i) same += x[i] == clean[i];
  EXPECT_EQ(same + outliers, x.size());
}

TEST(Noise, bad_noise_and_misfit_options_are_refused) {
  auto refused = [](const std::string& options, const std::string& misfit,
                    const std::string& expected) {
    ScopedOptions o(options);
    try {
      drawSyntheticData({0.1, 0.2}, {1.0, 1.0}, 1, misfit);
      ADD_FAILURE() << options << ": no error";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
  };
  refused("-noise_type cauchy", "gaussian", "unknown noise model 'cauchy' (-noise_type)");
  refused("-noise_outlier_fraction 1", "gaussian", "-noise_outlier_fraction must be in [0, 1)");
  refused("-noise_outlier_fraction -0.1", "gaussian", "-noise_outlier_fraction must be in [0, 1)");
  refused("-noise_outlier_size 0", "gaussian", "-noise_outlier_size must be positive");
  refused("-noise_nu -2", "student_t", "-noise_nu must be positive");
  refused("-noise_outlier_fraction 0.1", "poisson", "needs a noise model with a scale");
}

// MCMC on a linear-Gaussian problem, whose posterior is known in closed form: the
// advection–diffusion source problem (linear in the source m) with the BiLaplacian prior and 16
// sensors. The exact posterior N(m_post, (H + Γ_pr⁻¹)⁻¹) comes from dense matrices (Eigen).
// Every kernel (pcn, mala with the prior and with the Laplace reference, gpcn, hmc) must reproduce the posterior mean and variance of three
// quantities (the mean of m, and m at the dofs of largest and smallest posterior variance)
// within 3 Monte Carlo standard errors, computed from the chain's own effective sample size.
// At 1 and 2 ranks. Also the diagnostics against an AR(1) chain, whose autocorrelation time is
// known, and bad settings.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <functional>
#include <string>

#include "bayes_util.hpp"
#include "pdeinv/bayes/diagnostics.hpp"
#include "pdeinv/bayes/laplace.hpp"
#include "pdeinv/bayes/mcmc.hpp"
#include "pdeinv/core/random.hpp"
#include "pdeinv/core/vec_ops.hpp"
#include "pdeinv/forward/steady_solver.hpp"
#include "pdeinv/inverse/quantity_of_interest.hpp"
#include "pdeinv/inverse/regularization.hpp"

using namespace pdeinv;
using pdeinv::test::dense;
using pdeinv::test::operators;

namespace {

const std::string kLinearProblem =
    "-operator_type advection_diffusion_source -mesh_faces 6,6 -state_element Q1 "
    "-parameter_element Q1 -truth 2*exp(-((x-.5)^2+(y-.5)^2)/0.05) -obs_type grid -obs_grid 3,3 "
    "-noise_relative 0.3 -reg_type bilaplacian -reg_gamma 0.1 -reg_delta 1 -m_init 0 "
    "-state_ksp_rtol 1e-13";

// Sets v from a dense vector (the same on every rank).
void assign(Vec v, const Eigen::VectorXd& x) {
  PetscInt lo = 0, hi = 0;
  PDEINV_CALL(VecGetOwnershipRange(v, &lo, &hi));
  PetscScalar* a = nullptr;
  PDEINV_CALL(VecGetArray(v, &a));
  for (PetscInt i = lo; i < hi; ++i) a[i - lo] = x(i);
  PDEINV_CALL(VecRestoreArray(v, &a));
}

double sampleMean(const std::vector<double>& x) {
  double s = 0;
  for (double v : x) s += v;
  return s / static_cast<double>(x.size());
}

double sampleVariance(const std::vector<double>& x) {
  const double m = sampleMean(x);
  double s = 0;
  for (double v : x) s += (v - m) * (v - m);
  return s / static_cast<double>(x.size() - 1);
}

}  // namespace

TEST(Diagnostics, ar1_chain_has_the_known_autocorrelation_time) {
  // x_{k+1} = φ x_k + √(1−φ²) ε: τ = (1 + φ)/(1 − φ) = 9 for φ = 0.8.
  const double phi = 0.8;
  std::vector<double> x(20000);
  x[0] = 0;
  for (size_t k = 1; k < x.size(); ++k)
    x[k] = phi * x[k - 1] + std::sqrt(1 - phi * phi) * standardNormal(3, k);
  const double tau = integratedAutocorrelationTime(x);
  EXPECT_NEAR(tau, 9.0, 1.0);
  EXPECT_NEAR(effectiveSampleSize(x), static_cast<double>(x.size()) / tau, 1e-9);
  const auto rho = autocorrelation(x, 3);
  EXPECT_NEAR(rho[1], phi, 0.02);
  EXPECT_NEAR(rho[2], phi * phi, 0.03);
  // Independent draws: τ ≈ 1. Chains from one distribution: R̂ ≈ 1; shifted chains: R̂ > 1.1.
  std::vector<double> iid(4000);
  for (size_t k = 0; k < iid.size(); ++k) iid[k] = standardNormal(5, k);
  EXPECT_NEAR(integratedAutocorrelationTime(iid), 1.0, 0.15);
  std::vector<std::vector<double>> chains(4, std::vector<double>(1000));
  for (size_t c = 0; c < 4; ++c)
    for (size_t k = 0; k < 1000; ++k) chains[c][k] = standardNormal(7 + c, k);
  EXPECT_LT(splitRhat(chains), 1.01);
  for (double& v : chains[2]) v += 1.0;
  EXPECT_GT(splitRhat(chains), 1.1);
  EXPECT_THROW(splitRhat({{1.0, 2.0}}), InputError);
}

TEST(Mcmc, every_kernel_reproduces_the_exact_gaussian_posterior) {
  auto ops = operators(kLinearProblem);
  auto& inv = *ops.inv;
  auto& prior = *inv.regularization();
  Vec m = ops.m;
  const Eigen::MatrixXd H = dense(ops.A, m), B = dense(ops.B, m);
  const Eigen::MatrixXd Cpost = (H + B).inverse();
  // The posterior mean: one Newton step from m (J is quadratic).
  Owned<Vec> g, mpost;
  PDEINV_CALL(VecDuplicate(m, g.out()));
  PDEINV_CALL(VecDuplicate(m, mpost.out()));
  inv.objective().gradient(m, g);
  const Eigen::VectorXd mean = pdeinv::test::gathered(m) - Cpost * pdeinv::test::gathered(g);
  assign(mpost, mean);
  const auto n = Cpost.rows();

  // Three linear quantities q = cᵀm.
  Eigen::Index jmax = 0, jmin = 0;
  Cpost.diagonal().maxCoeff(&jmax);
  Cpost.diagonal().minCoeff(&jmin);
  std::vector<Eigen::VectorXd> c(3, Eigen::VectorXd::Zero(n));
  c[0].setConstant(1.0 / static_cast<double>(n));
  c[1](jmax) = 1;
  c[2](jmin) = 1;
  std::vector<Owned<Vec>> cv;
  for (const auto& ci : c) {
    Owned<Vec> v;
    PDEINV_CALL(VecDuplicate(m, v.out()));
    assign(v, ci);
    cv.push_back(std::move(v));
  }

  RandomizedEigenOptions eig;
  eig.rank = 30;
  LaplaceApproximation laplace(prior, mpost, ops.A, eig);
  PosteriorTarget target(inv.objective(), prior);
  // A state quantity carried along the chains: Σ u(m). Every 25th sample checks that the value
  // the chain reports is the one of its current point (a re-solve there).
  auto stateSum = [&](Vec) { return pdeinv::sum(inv.objective().state()); };
  target.setStateQoi(stateSum);
  int stateChecks = 0;

  struct Run {
    McmcKernel kernel;
    int samples;
    MalaReference reference = MalaReference::laplace;
  };
  for (auto run :
       {Run{McmcKernel::pcn, 6000}, Run{McmcKernel::mala, 3000, MalaReference::prior},
        Run{McmcKernel::mala, 1000}, Run{McmcKernel::gpcn, 2000}, Run{McmcKernel::hmc, 1000}}) {
    McmcSettings s;
    s.kernel = run.kernel;
    s.malaReference = run.reference;
    s.samples = run.samples;
    s.burnIn = 300;
    s.seed = 11;
    Owned<Vec> state;
    PDEINV_CALL(VecDuplicate(m, state.out()));
    PDEINV_CALL(VecCopy(mpost, state));
    std::vector<std::vector<double>> q(3);
    const auto r = runChain(target, &laplace, state, s, [&](int k, Vec x, PetscReal qState) {
      for (size_t i = 0; i < 3; ++i) {
        PetscScalar d = 0;
        PDEINV_CALL(VecDot(cv[i], x, &d));
        q[i].push_back(PetscRealPart(d));
      }
      if (k % 25 == 0) {
        inv.objective().value(x);
        const PetscReal expected = stateSum(x);
        EXPECT_NEAR(qState, expected, 1e-8 * std::abs(expected))
            << mcmcKernelName(run.kernel) << " sample " << k;
        ++stateChecks;
      }
    });
    EXPECT_EQ(r.proposals, run.samples);
    for (size_t i = 0; i < 3; ++i) {
      const double exactMean = c[i].dot(mean), exactVar = c[i].dot(Cpost * c[i]);
      const double ess = effectiveSampleSize(q[i]);
      const double zMean = (sampleMean(q[i]) - exactMean) / std::sqrt(exactVar / ess);
      const double zVar = (sampleVariance(q[i]) - exactVar) / (exactVar * std::sqrt(2.0 / ess));
      PetscPrintf(PETSC_COMM_WORLD,
                  "%-4s q%zu: acceptance %.3f step %.3g  ESS %7.1f of %d  z(mean) %+5.2f  "
                  "z(variance) %+5.2f  (%ld forward, %ld adjoint solves)\n",
                  mcmcKernelName(run.kernel), i, r.acceptance, r.step, ess, run.samples, zMean,
                  zVar, r.forwardSolves, r.adjointSolves);
      EXPECT_LT(std::abs(zMean), 3.0) << mcmcKernelName(run.kernel) << " q" << i;
      EXPECT_LT(std::abs(zVar), 3.0) << mcmcKernelName(run.kernel) << " q" << i;
      EXPECT_GT(ess, 30.0) << mcmcKernelName(run.kernel) << " q" << i;
    }
  }
  EXPECT_EQ(stateChecks, (6000 + 3000 + 1000 + 2000 + 1000) / 25);
}

TEST(Mcmc, bad_settings_are_input_errors) {
  auto ops = operators(kLinearProblem);
  PosteriorTarget target(ops.inv->objective(), *ops.inv->regularization());
  auto run = [&](McmcSettings s) { runChain(target, nullptr, ops.m, s, {}); };
  McmcSettings zero;
  zero.samples = 0;
  EXPECT_THROW(run(zero), InputError);
  McmcSettings negative;
  negative.step = -0.1;
  EXPECT_THROW(run(negative), InputError);
  McmcSettings beta;
  beta.step = 1.5;
  EXPECT_THROW(run(beta), InputError);
  McmcSettings gpcn;
  gpcn.kernel = McmcKernel::gpcn;  // needs the Laplace approximation
  EXPECT_THROW(run(gpcn), InputError);
  EXPECT_THROW(mcmcKernelFromName("metropolis"), InputError);
}

// The QoIs on a state known exactly: −∇·(e^c ∇u) = 0 with u = y on the bottom and top and no
// flux through the sides has u = y, which Q2 holds exactly; the flux e^c ∂u/∂n through the bottom
// (outward normal −y) is then −e^c per unit length, through the top +e^c, and u(x₀) = y₀.
TEST(QuantityOfInterest, flux_and_point_values_of_a_known_state) {
  const double c0 = 0.3;
  pdeinv::test::ScopedOptions o(
      "-mesh_faces 5,5 -state_element Q2 -parameter_element Q1 -poisson_source 0 "
      "-bc_dirichlet_ids 1,3 -bc_dirichlet_value y "
      "-truth 0.3 -obs_type grid -obs_grid 3,3 -noise_relative 0.01 -reg_type bilaplacian "
      "-m_init 0.3");
  o.set("-bc_dirichlet_label", "Face Sets");
  auto inv = InverseProblem::fromOptions(PETSC_COMM_WORLD);
  auto x = inv->initialGuess();
  auto& solver = inv->forward().solver();
  inv->objective().value(x);
  const double e = std::exp(c0);
  EXPECT_NEAR(BoundaryFluxQoi(solver, "Face Sets", {1}, 1.0).value(x), -e, 1e-10);
  EXPECT_NEAR(BoundaryFluxQoi(solver, "Face Sets", {1}, -1.0).value(x), e, 1e-10);
  EXPECT_NEAR(BoundaryFluxQoi(solver, "Face Sets", {3}, 1.0).value(x), e, 1e-10);
  EXPECT_NEAR(BoundaryFluxQoi(solver, "Face Sets", {1, 2, 3, 4}, 1.0).value(x), 0.0, 1e-10);
  EXPECT_NEAR(StatePointQoi(solver, {0.3, 0.7}).value(x), 0.7, 1e-12);
  ParameterMeanQoi mean(inv->parameterSpace(), "x<0.5");
  EXPECT_NEAR(mean.value(x), c0, 1e-12);
  ASSERT_NE(mean.linearWeights(), nullptr);
  // Bad input: one InputError each, naming the option.
  auto contains = [](const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  };
  auto message = [&](const std::function<void()>& f) {
    try {
      f();
    } catch (const InputError& err) {
      return std::string(err.what());
    }
    return std::string("no error");
  };
  EXPECT_PRED2(contains, message([&] { BoundaryFluxQoi(solver, "Face Sets", {7}, 1.0); }),
               "-qoi_boundary_ids: label 'Face Sets' has no value 7 (its "
               "values are 1, 2, 3, 4)");
  EXPECT_PRED2(contains, message([&] { BoundaryFluxQoi(solver, "bottom", {1}, 1.0); }),
               "-qoi_boundary_label: mesh has no label 'bottom'");
  EXPECT_PRED2(contains, message([&] { StatePointQoi(solver, {1.5, 0.5}); }), "-qoi_point");
  EXPECT_PRED2(contains, message([&] { StatePointQoi(solver, {0.5}); }),
               "-qoi_point needs 2 coordinates, got 1");
  EXPECT_PRED2(contains, message([&] { ParameterMeanQoi(inv->parameterSpace(), "x-0.5"); }),
               "-qoi_weight 'x-0.5' integrates to zero");
}

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

#include "bayes_util.hpp"
#include "pdeinv/bayes/diagnostics.hpp"
#include "pdeinv/bayes/laplace.hpp"
#include "pdeinv/bayes/mcmc.hpp"
#include "pdeinv/core/random.hpp"
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
    const auto r = runChain(target, &laplace, state, s, [&](int, Vec x) {
      for (size_t i = 0; i < 3; ++i) {
        PetscScalar d = 0;
        PDEINV_CALL(VecDot(cv[i], x, &d));
        q[i].push_back(PetscRealPart(d));
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

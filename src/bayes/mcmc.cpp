#include "pdeinv/bayes/mcmc.hpp"

#include <petsctime.h>

#include <cmath>
#include <limits>

#include "pdeinv/bayes/laplace.hpp"
#include "pdeinv/core/error.hpp"
#include "pdeinv/core/random.hpp"
#include "pdeinv/core/vec_ops.hpp"
#include "pdeinv/forward/steady_solver.hpp"
#include "pdeinv/inverse/objective.hpp"
#include "pdeinv/inverse/regularization.hpp"

namespace pdeinv {

namespace {
constexpr PetscReal kInfinity = std::numeric_limits<PetscReal>::infinity();

// Keys of the random numbers of one step: the purpose in the low bits.
enum Purpose : std::uint64_t { kProposal = 1, kAccept = 2, kTime = 3 };
unsigned long drawSeed(unsigned long seed, long step, Purpose p) {
  return static_cast<unsigned long>(
      combineKeys(combineKeys(seed, static_cast<std::uint64_t>(step)), p));
}
}  // namespace

PosteriorTarget::PosteriorTarget(Objective& J, Regularization& prior)
    : J_(J), prior_(prior), work_(J.createParameterVector()) {}

Owned<Vec> PosteriorTarget::createVector() const {
  return J_.createParameterVector();
}

void PosteriorTarget::observe(Vec m) {
  if (stateQoi_) lastQoi_ = stateQoi_(m);
}

PetscReal PosteriorTarget::misfit(Vec m) {
  lastQoi_ = std::numeric_limits<PetscReal>::quiet_NaN();
  try {
    J_.value(m);
  } catch (const ForwardSolveFailure&) {
    return kInfinity;
  }
  observe(m);
  return J_.misfitValue();
}

PetscReal PosteriorTarget::misfitGradient(Vec m, Vec g) {
  lastQoi_ = std::numeric_limits<PetscReal>::quiet_NaN();
  try {
    J_.gradient(m, g);
  } catch (const ForwardSolveFailure&) {
    return kInfinity;
  }
  observe(m);
  prior_.gradient(m, work_);
  PDEINV_CALL(VecAXPY(g, -1.0, work_));
  return J_.misfitValue();
}

PetscReal PosteriorTarget::potentialGradient(Vec m, Vec g) {
  lastQoi_ = std::numeric_limits<PetscReal>::quiet_NaN();
  PetscReal U = 0;
  try {
    U = J_.gradient(m, g);
  } catch (const ForwardSolveFailure&) {
    return kInfinity;
  }
  observe(m);
  return U;
}

const char* mcmcKernelName(McmcKernel k) {
  switch (k) {
    case McmcKernel::mala:
      return "mala";
    case McmcKernel::gpcn:
      return "gpcn";
    case McmcKernel::hmc:
      return "hmc";
    default:
      return "pcn";
  }
}

McmcKernel mcmcKernelFromName(const std::string& name) {
  for (auto k : {McmcKernel::pcn, McmcKernel::mala, McmcKernel::gpcn, McmcKernel::hmc})
    if (name == mcmcKernelName(k)) return k;
  throw InputError("-mcmc_kernel must be pcn, mala, gpcn or hmc, got '" + name + "'");
}

double McmcSettings::defaultStep() const {
  switch (kernel) {
    case McmcKernel::gpcn:
      return 0.5;
    case McmcKernel::mala:
      return 0.1;
    case McmcKernel::hmc:
      return 0.5;
    default:
      return 0.2;
  }
}

double McmcSettings::defaultTarget() const {
  switch (kernel) {
    case McmcKernel::mala:
      return 0.574;
    case McmcKernel::hmc:
      return 0.65;
    default:
      return 0.25;
  }
}

void McmcSettings::validate() const {
  require(samples >= 1, "-mcmc_samples must be at least 1, got " + std::to_string(samples));
  require(burnIn >= 0, "-mcmc_burn_in must be non-negative, got " + std::to_string(burnIn));
  require(
      step >= 0 && std::isfinite(step),
      "-mcmc_step must be positive (or 0 for the kernel's default), got " + std::to_string(step));
  require((kernel != McmcKernel::pcn && kernel != McmcKernel::gpcn) || step <= 1,
          "-mcmc_step: the pCN step β must lie in (0, 1], got " + std::to_string(step));
  require(kernel != McmcKernel::mala || step <= 2,
          "-mcmc_step: the MALA step δ must lie in (0, 2], got " + std::to_string(step));
  require(targetAcceptance >= 0 && targetAcceptance < 1,
          "-mcmc_target_acceptance must lie in (0, 1), got " + std::to_string(targetAcceptance));
  require(hmcTime > 0 && std::isfinite(hmcTime),
          "-hmc_time must be positive, got " + std::to_string(hmcTime));
}

McmcResult runChain(PosteriorTarget& target, LaplaceApproximation* laplace, Vec start,
                    const McmcSettings& s, const McmcRecord& record,
                    const std::function<void(int, double)>& progress, int progressEvery) {
  s.validate();
  const bool needsLaplace = s.kernel == McmcKernel::gpcn || s.kernel == McmcKernel::hmc;
  require(!needsLaplace || laplace != nullptr,
          std::string("-mcmc_kernel ") + mcmcKernelName(s.kernel) +
              " needs the Laplace approximation (-laplace_rank r > 0)");
  PetscLogDouble t0 = 0;
  PDEINV_CALL(PetscTime(&t0));
  auto& J = target.objective();
  const auto counts0 = J.counts();
  auto& prior = target.prior();
  auto m0 = like(start);
  require(prior.mean(m0),
          "MCMC needs a Gaussian prior (-reg_type bilaplacian), not -reg_type " + prior.name());

  // Work vectors: the proposal v, deviations, gradients.
  auto v = like(start), xi = like(start), g = like(start), gv = like(start), Cg = like(start),
       Cgv = like(start), w1 = like(start), w2 = like(start);
  double step = s.step > 0 ? s.step : s.defaultStep();
  const double targetAcc = s.targetAcceptance > 0 ? s.targetAcceptance : s.defaultTarget();
  McmcResult r;

  // The current state's cached quantities (each kernel uses its own).
  Vec m = start;
  PetscReal phi = 0, wm = 0, U = 0;
  // gpcn: b = Γ_pr⁻¹(m* − m0) and log dπ/dN(m*, Γ_post) up to a constant.
  Owned<Vec> b;
  auto gpcnWeight = [&](Vec x, PetscReal phiX) {
    PDEINV_CALL(VecWAXPY(w1, -1.0, laplace->map(), x));  // x − m*
    PetscReal value = -phiX - dot(w1, b);
    const auto& BU = laplace->priorPrecisionTimesEigenvectors();
    const auto& lambda = laplace->eigenvalues();
    for (size_t i = 0; i < BU.size(); ++i) {
      const PetscReal c = dot(BU[i], w1);
      value += 0.5 * lambda[i] * c * c;
    }
    return value;
  };
  // mala against the reference Gaussian N(centre, C): the prior, or the Laplace approximation
  // (then Φ is replaced by Ψ = −w, w the gpcn weight, and ∇Φ by ∇Ψ); ρ(u, v) below with
  // g = ∇Φ(u) (or ∇Ψ(u)) and Cg = C g.
  const bool laplaceReference = s.kernel == McmcKernel::mala && laplace != nullptr &&
                                s.malaReference == MalaReference::laplace;
  Vec centre = laplaceReference ? laplace->map() : m0.get();
  // Ψ(x) and g = ∇Ψ(x) = ∇Φ(x) + b − Σ λ_i c_i Γ_pr⁻¹u_i with c_i = (Γ_pr⁻¹u_i)ᵀ(x − m*) for
  // the Laplace reference; Φ and ∇Φ for the prior.
  auto malaPotential = [&](Vec x, Vec gx) {
    const PetscReal phiX = target.misfitGradient(x, gx);
    if (!laplaceReference || !std::isfinite(phiX)) return phiX;
    const PetscReal psi = -gpcnWeight(x, phiX);  // leaves x − m* in w1
    PDEINV_CALL(VecAXPY(gx, 1.0, b));
    const auto& BU = laplace->priorPrecisionTimesEigenvectors();
    const auto& lambda = laplace->eigenvalues();
    for (size_t i = 0; i < BU.size(); ++i)
      PDEINV_CALL(VecAXPY(gx, -lambda[i] * dot(BU[i], w1), BU[i]));
    return psi;
  };
  auto applyC = [&](Vec gx, Vec out) {
    if (laplaceReference) {
      laplace->covarianceApply(gx, out);
    } else {
      prior.applyHessianInverse(gx, out);
    }
  };
  auto rho = [&](Vec u, Vec vv, PetscReal phiU, Vec gU, Vec CgU, double delta) {
    PDEINV_CALL(VecWAXPY(w1, -1.0, u, vv));  // v − u
    PetscReal value = phiU + 0.5 * dot(w1, gU);
    PDEINV_CALL(VecWAXPY(w1, 1.0, u, vv));  // u + v (deviations from the centre below)
    PDEINV_CALL(VecAXPY(w1, -2.0, centre));
    value += 0.25 * delta * dot(w1, gU) + 0.25 * delta * dot(gU, CgU);
    return value;
  };
  // ξ = a prior sample minus the prior mean.
  auto priorDeviation = [&](unsigned long seed) {
    prior.sample(seed, xi);
    PDEINV_CALL(VecAXPY(xi, -1.0, m0));
  };
  // hmc: Hamiltonian kinetic part ½ vᵀ Γ_post⁻¹ v.
  auto kinetic = [&](Vec vel) {
    laplace->precisionApply(vel, w2);
    return 0.5 * dot(vel, w2);
  };

  if (laplace) {
    b = like(start);
    PDEINV_CALL(VecWAXPY(w1, -1.0, m0, laplace->map()));
    prior.hessianApply(m, w1, b);
  }
  switch (s.kernel) {
    case McmcKernel::pcn:
      phi = target.misfit(m);
      break;
    case McmcKernel::gpcn:
      phi = target.misfit(m);
      wm = gpcnWeight(m, phi);
      break;
    case McmcKernel::mala:
      phi = malaPotential(m, g);
      if (std::isfinite(phi)) applyC(g, Cg);
      break;
    case McmcKernel::hmc:
      U = target.potentialGradient(m, g);
      laplace->covarianceApply(g, Cg);
      break;
  }
  require(std::isfinite(phi) && std::isfinite(U),
          "MCMC: the forward problem cannot be solved at the chain's starting point");
  PetscReal q = target.lastStateQoi();  // the state QoI at the current point

  const long total = s.burnIn + s.samples;
  long acceptedAfter = 0;
  for (long k = 0; k < total; ++k) {
    const bool burning = k < s.burnIn;
    const unsigned long proposalSeed = drawSeed(s.seed, k, kProposal);
    double logAlpha = -kInfinity;
    PetscReal phiV = 0, wv = 0, Uv = 0;
    switch (s.kernel) {
      case McmcKernel::pcn: {
        // v = m0 + √(1−β²)(m − m0) + β ξ
        priorDeviation(proposalSeed);
        const double beta = std::min(step, 1.0);
        PDEINV_CALL(VecWAXPY(v, -1.0, m0, m));
        PDEINV_CALL(VecAXPBYPCZ(v, 1.0, beta, std::sqrt(1 - beta * beta), m0, xi));
        phiV = target.misfit(v);
        if (std::isfinite(phiV)) logAlpha = phi - phiV;
        break;
      }
      case McmcKernel::gpcn: {
        priorDeviation(proposalSeed);
        laplace->posteriorDeviation(xi, xi);
        const double beta = std::min(step, 1.0);
        PDEINV_CALL(VecWAXPY(v, -1.0, laplace->map(), m));
        PDEINV_CALL(VecAXPBYPCZ(v, 1.0, beta, std::sqrt(1 - beta * beta), laplace->map(), xi));
        phiV = target.misfit(v);
        if (std::isfinite(phiV)) {
          wv = gpcnWeight(v, phiV);
          logAlpha = wv - wm;
        }
        break;
      }
      case McmcKernel::mala: {
        // v = c + [(2 − δ) u − 2δ C g + √(8δ) ξ] / (2 + δ), u = m − c, ξ ~ N(0, C)
        const double delta = step;
        priorDeviation(proposalSeed);
        if (laplaceReference) laplace->posteriorDeviation(xi, xi);
        PDEINV_CALL(VecWAXPY(v, -1.0, centre, m));
        PDEINV_CALL(VecAXPBYPCZ(v, -2 * delta / (2 + delta), std::sqrt(8 * delta) / (2 + delta),
                                (2 - delta) / (2 + delta), Cg, xi));
        PDEINV_CALL(VecAXPY(v, 1.0, centre));
        phiV = malaPotential(v, gv);
        if (std::isfinite(phiV)) {
          applyC(gv, Cgv);
          logAlpha = rho(m, v, phi, g, Cg, delta) - rho(v, m, phiV, gv, Cgv, delta);
        }
        break;
      }
      case McmcKernel::hmc: {
        // Velocity ~ N(0, Γ_post); integration time T jittered by ±20 %.
        priorDeviation(proposalSeed);
        laplace->posteriorDeviation(xi, xi);
        const double T = s.hmcTime * (0.8 + 0.4 * uniform01(drawSeed(s.seed, k, kTime), 0));
        const long L = std::max(1L, std::lround(T / step));
        const double H0 = U + kinetic(xi);
        PDEINV_CALL(VecCopy(m, v));
        PDEINV_CALL(VecCopy(Cg, Cgv));
        Uv = U;
        bool failed = false;
        for (long l = 0; l < L && !failed; ++l) {
          PDEINV_CALL(VecAXPY(xi, -0.5 * step, Cgv));
          PDEINV_CALL(VecAXPY(v, step, xi));
          Uv = target.potentialGradient(v, gv);
          if (!std::isfinite(Uv)) {
            failed = true;
            break;
          }
          laplace->covarianceApply(gv, Cgv);
          PDEINV_CALL(VecAXPY(xi, -0.5 * step, Cgv));
        }
        if (!failed) {
          const double H1 = Uv + kinetic(xi);
          if (std::isfinite(H1)) logAlpha = H0 - H1;
        }
        break;
      }
    }
    const double alpha = std::isfinite(logAlpha) ? std::min(1.0, std::exp(logAlpha)) : 0.0;
    const bool accept = uniform01(drawSeed(s.seed, k, kAccept), 0) < alpha;
    if (accept) {
      PDEINV_CALL(VecCopy(v, m));
      phi = phiV, wm = wv, U = Uv;
      q = target.lastStateQoi();  // the last evaluation was at v (hmc: the trajectory's end)
      if (s.kernel == McmcKernel::mala) {
        PDEINV_CALL(VecCopy(gv, g));
        PDEINV_CALL(VecCopy(Cgv, Cg));
      } else if (s.kernel == McmcKernel::hmc) {
        PDEINV_CALL(VecCopy(gv, g));
        PDEINV_CALL(VecCopy(Cgv, Cg));
      }
    }
    if (burning) {
      if (s.adapt) {
        step *= std::exp((alpha - targetAcc) / std::pow(static_cast<double>(k + 1), 0.6));
        if (s.kernel == McmcKernel::pcn || s.kernel == McmcKernel::gpcn) step = std::min(step, 1.0);
        // δ = 2 proposes independently of the current state; beyond, the proposal turns into
        // a reflection through the centre.
        if (s.kernel == McmcKernel::mala) step = std::min(step, 2.0);
      }
    } else {
      ++r.proposals;
      acceptedAfter += accept;
      if (record) record(static_cast<int>(k - s.burnIn), m, q);
    }
    if (progress && progressEvery > 0 && (k + 1) % progressEvery == 0)
      progress(static_cast<int>(k + 1),
               r.proposals > 0 ? static_cast<double>(acceptedAfter) / r.proposals : alpha);
  }
  r.accepted = acceptedAfter;
  r.acceptance = r.proposals > 0 ? static_cast<double>(r.accepted) / r.proposals : 0.0;
  r.step = step;
  const auto& c = J.counts();
  r.forwardSolves = c.forward - counts0.forward;
  r.adjointSolves = c.adjoint - counts0.adjoint;
  PetscLogDouble t1 = 0;
  PDEINV_CALL(PetscTime(&t1));
  r.seconds = t1 - t0;
  return r;
}

}  // namespace pdeinv

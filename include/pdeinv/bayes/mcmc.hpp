#pragma once
// Markov chain Monte Carlo for the posterior  π(m) ∝ exp(−Φ(m)) · N(m; m0, Γ_pr)  of a
// PDE-constrained inverse problem, with kernels that are well defined on function space (their
// acceptance rates do not degrade as the mesh is refined):
//
//   pcn    preconditioned Crank–Nicolson (Cotter, Roberts, Stuart & White 2013):
//          v = m0 + √(1−β²)(m − m0) + β ξ,  ξ ~ N(0, Γ_pr);  accept with exp(Φ(m) − Φ(v)).
//          One forward solve per step.
//   mala   the prior-preconditioned Crank–Nicolson Langevin proposal (∞-MALA; the same paper,
//          §4.3): with u = m − m0, g = ∇Φ(m) and step δ,
//            v = m0 + [(2 − δ) u − 2δ Γ_pr g + √(8δ) ξ] / (2 + δ),
//          accepted with exp(ρ(u, v) − ρ(v, u)),
//            ρ(u, v) = Φ(u) + ½ (v − u)ᵀg(u) + (δ/4)(u + v)ᵀg(u) + (δ/4) g(u)ᵀΓ_pr g(u).
//          One gradient (forward + adjoint) per step. With a Laplace approximation the
//          reference is N(m*, Γ_post) instead of the prior (MalaReference below; the default).
//   gpcn   generalized pCN (Rudolf & Sprungk 2018; Pinski, Simpson, Stuart & Weber 2015), the
//          Laplace approximation N(m*, Γ_post) as the reference measure:
//            v = m* + √(1−β²)(m − m*) + β η,  η ~ N(0, Γ_post),
//          accepted with exp(w(v) − w(m)),
//            w(x) = −Φ(x) − (x − m*)ᵀΓ_pr⁻¹(m* − m0) + ½ Σ_i λ_i (u_iᵀΓ_pr⁻¹(x − m*))²
//          (log dπ/dN(m*, Γ_post) up to a constant, from the low-rank posterior precision
//          Γ_post⁻¹ = Γ_pr⁻¹ + Γ_pr⁻¹ U Λ Uᵀ Γ_pr⁻¹). One forward solve per step.
//   hmc    Hamiltonian Monte Carlo whose mass matrix is the Laplace posterior precision
//          Γ_post⁻¹: in the velocity v = Γ_post p ~ N(0, Γ_post), leapfrog steps
//            v ← v − (ε/2) Γ_post ∇U(m),  m ← m + ε v,  v ← v − (ε/2) Γ_post ∇U(m),
//          U = Φ + ½‖m − m0‖²_{Γ_pr⁻¹}, H = U(m) + ½ vᵀΓ_post⁻¹v, accepted with exp(H₀ − H₁).
//          For a Gaussian posterior equal to the Laplace one the flow is a rotation with period
//          2π, so an integration time T = π/2 (-hmc_time) gives independent samples; the number
//          of steps is round(T/ε), T jittered by ±20 % per proposal against periodicity.
//          L gradients per step.
//
// Step size (β, δ or ε) adapted during burn-in by the Robbins–Monro rule
// log s ← log s + (α − α*) / k^0.6 toward a target acceptance α* (0.25 for pcn and gpcn, 0.574
// for mala, 0.65 for hmc), then fixed. Every random number is drawn by (seed, its purpose, the
// step index) and prior draws by point location (bilaplacian_prior.hpp), so a chain is the same
// on any number of ranks. A forward solve that fails for a proposal rejects it.
#include <petscvec.h>

#include <functional>
#include <limits>
#include <string>

#include "pdeinv/core/handle.hpp"

namespace pdeinv {

class Objective;
class Regularization;
class LaplaceApproximation;

// The posterior through what the kernels need: Φ, ∇Φ, and the Gaussian prior. Built on an
// objective J = Φ + R whose regularization R is the prior's negative log-density.
class PosteriorTarget {
 public:
  PosteriorTarget(Objective& J, Regularization& prior);
  Owned<Vec> createVector() const;
  // Φ(m); +∞ when the forward solve fails.
  PetscReal misfit(Vec m);
  // Φ(m) and g = ∇Φ(m); +∞ (g untouched) when the forward solve fails.
  PetscReal misfitGradient(Vec m, Vec g);
  // U(m) = Φ(m) + R(m) and g = ∇U(m).
  PetscReal potentialGradient(Vec m, Vec g);
  Regularization& prior() { return prior_; }
  Objective& objective() { return J_; }
  // A quantity of the state to carry along the chain (e.g. a flux): evaluated after every
  // successful solve (the objective's state is then the point's), so that a chain knows it for
  // its current point without solving again. lastStateQoi(): its value at the last point
  // evaluated (NaN without one, or after a failed solve).
  void setStateQoi(std::function<PetscReal(Vec)> q) { stateQoi_ = std::move(q); }
  PetscReal lastStateQoi() const { return lastQoi_; }

 private:
  void observe(Vec m);
  Objective& J_;
  Regularization& prior_;
  Owned<Vec> work_;
  std::function<PetscReal(Vec)> stateQoi_;
  PetscReal lastQoi_ = std::numeric_limits<PetscReal>::quiet_NaN();
};

enum class McmcKernel { pcn, mala, gpcn, hmc };
// The Gaussian reference of mala: the prior (∞-MALA as above) or, when a Laplace approximation
// is given, N(m*, Γ_post): the same proposal and acceptance with m0 → m*, Γ_pr → Γ_post and
// Φ → Ψ = −w (w as for gpcn), ∇Ψ = ∇Φ + Γ_pr⁻¹(m* − m0) − Σ λ_i u_i'u_i'ᵀ(m − m*) with
// u_i' = Γ_pr⁻¹u_i. The prior reference needs δ ≲ 1/λ_max (the data-informed directions move
// by the prior's scale otherwise); the Laplace reference takes steps of the posterior's scale.
enum class MalaReference { prior, laplace };
const char* mcmcKernelName(McmcKernel k);
// InputError listing the kernels for an unknown name.
McmcKernel mcmcKernelFromName(const std::string& name);

struct McmcSettings {
  McmcKernel kernel = McmcKernel::pcn;
  int samples = 1000;  // kept after burn-in (> 0)
  int burnIn = 200;    // steps first, adapting the step size when adapt
  double step = 0;     // β, δ or ε; 0: the kernel's default (pcn 0.2, gpcn 0.5, mala 0.1,
                       // hmc 0.5)
  bool adapt = true;
  double targetAcceptance = 0;  // 0: the kernel's default
  double hmcTime = 1.5707963267948966;
  MalaReference malaReference = MalaReference::laplace;  // prior when no Laplace is given
  unsigned long seed = 1;
  // InputError naming the option of the first field out of range.
  void validate() const;
  double defaultStep() const;
  double defaultTarget() const;
};

struct McmcResult {
  long accepted = 0, proposals = 0;           // after burn-in
  double acceptance = 0;                      // accepted / proposals
  double step = 0;                            // the step size used after burn-in
  long forwardSolves = 0, adjointSolves = 0;  // the whole chain, burn-in included
  double seconds = 0;
};

// Runs one chain from start (its state after the chain is in start). laplace is required for
// gpcn and hmc (InputError otherwise). record(k, m, q) is called for every kept sample k =
// 0..samples−1, q the target's state QoI at m (NaN without one); progress(k, acceptance) every
// progressEvery steps (0: never).
using McmcRecord = std::function<void(int, Vec, PetscReal)>;
McmcResult runChain(PosteriorTarget& target, LaplaceApproximation* laplace, Vec start,
                    const McmcSettings& settings, const McmcRecord& record,
                    const std::function<void(int, double)>& progress = {}, int progressEvery = 0);

}  // namespace pdeinv

#pragma once
// Regularization / prior R(m) on a parameter FE space, with its derivatives:
//   value R(m), gradient ∇R(m) (a parameter-space vector, i.e. the derivative as a dual
//   vector: ⟨∇R(m), dm⟩ = R'(m) dm in the Euclidean dof inner product), and Hessian action.
//
// Types (-reg_type, registry "regularization"), all centred at m0 (-reg_m0 expression):
//   none
//   l2           R = ½ γ ‖m − m0‖²_M                          (M the mass matrix)
//   h1           R = ½ γ (m − m0)ᵀ K_Θ (m − m0) + ½ δ ‖m − m0‖²_M  (K_Θ stiffness; δ ≥ 0)
//   tv, l1       smoothed total variation γ∫√(|∇m|² + ε) and L1 norm γ∫√((m − m0)² + ε)
//                (total_variation.hpp: primal-dual Newton, options -reg_epsilon,
//                -reg_primal_dual, -reg_pc_shift)
//   bilaplacian  Gaussian prior N(m0, C), C = A⁻¹ M A⁻¹, A = γ(−∇·Θ∇) + δ I (weak form
//                A = γ K_Θ + δ M [+ Robin β M_∂Ω]);  R = ½ ‖A(m − m0)‖²_{M⁻¹}
//                Θ anisotropic via -reg_theta (dim×dim, row-major); -reg_robin adds the
//                boundary term with β = √(γδ)/1.42 (as in hIPPYlib) to reduce boundary effects.
// Options: -reg_gamma (> 0, default 1), -reg_delta (≥ 0; h1 default 0, bilaplacian default 1,
// where δ = 0 is refused: A would be singular), -reg_m0 (default 0), -reg_theta (h1 and
// bilaplacian; symmetric positive definite, default I), -reg_robin (bilaplacian, default false).
// All matrices are assembled once, at construction. Linear solves keep their preconditioners:
// mass solves (CG + Jacobi, rtol 1e-14) under -reg_mass_ksp_*/-reg_mass_pc_*, solves with A
// (CG + hypre BoomerAMG, rtol 1e-12) under -reg_A_ksp_*/-reg_A_pc_* (bilaplacian_prior.hpp
// says why the mass solve is tighter).
// applyHessianInverse: l2 (a mass solve), h1 when δ > 0 (or m has Dirichlet conditions), and
// bilaplacian (A⁻¹ M A⁻¹). sample: bilaplacian only (see bilaplacian_prior.hpp).
// Dirichlet-constrained parameter dofs (if the space has any) are not part of m and do not
// enter R.
#include <memory>
#include <string>
#include <vector>

#include "pdeinv/core/handle.hpp"
#include "pdeinv/core/options.hpp"
#include "pdeinv/core/registry.hpp"
#include "pdeinv/fem/function_space.hpp"

namespace pdeinv {

class Regularization {
 public:
  virtual ~Regularization() = default;
  virtual std::string name() const = 0;
  virtual PetscReal value(Vec m) = 0;
  virtual void gradient(Vec m, Vec g) = 0;
  // out = ∇²R(m) dm
  virtual void hessianApply(Vec m, Vec dm, Vec out) = 0;
  // Quadratic priors only: out = (∇²R)⁻¹ r (used to precondition CG); false if not available.
  virtual bool applyHessianInverse(Vec /*r*/, Vec /*out*/) { return false; }
  // Gaussian priors only: a sample m0 + C^{1/2} w from white noise drawn with `seed`;
  // false if the regularization is not a Gaussian prior.
  virtual bool sample(unsigned long /*seed*/, Vec /*out*/) { return false; }
  // Gaussian priors only: out = m0, the prior's mean; false if not a Gaussian prior.
  virtual bool mean(Vec /*out*/) { return false; }
  // Optimizers call this at each new iterate m_k, before the Hessian actions and
  // preconditioner applications of that iteration (restart: the first iterate of a solve).
  // Nonlinear regularizations set up their Hessian model and preconditioner here (the
  // primal-dual total variation steps its dual variable); quadratic ones need nothing.
  virtual void linearizeAt(Vec /*m*/, bool /*restart*/) {}
  // out ≈ (∇²R)⁻¹ r, a symmetric positive definite preconditioner for Hessians ∇²(misfit) + ∇²R
  // at the point of the last linearizeAt: the Hessian inverse where there is one (the default),
  // otherwise the regularization's own choice (total variation: its Hessian plus a small mass
  // shift, factored); false if none.
  virtual bool applyPreconditioner(Vec r, Vec out) { return applyHessianInverse(r, out); }
};

// The parameters of the built-in types, as read from options (each type reads the ones it
// uses), or set in code. prefix is the options prefix: it names options in error messages and
// prefixes the solvers (<prefix>mass_, <prefix>A_).
struct RegularizationSettings {
  PetscReal gamma = 1;
  PetscReal delta = 0;
  std::vector<PetscReal> theta;  // dim×dim, row-major; empty = identity
  bool robin = false;
  std::string m0 = "0";  // expression (a vector space takes one component per entry)
  std::string prefix = "reg_";

  std::string flag(const std::string& name) const { return "-" + prefix + name; }
  // InputError naming the option when γ ≤ 0, δ < 0, or Θ is not dim×dim symmetric positive
  // definite.
  void validate(int dim) const;
  // Θ, or the identity when none was given.
  std::vector<PetscReal> thetaOrIdentity(int dim) const;
  // m0 interpolated into V ("0" is zero in every component); InputError for a bad expression.
  Owned<Vec> interpolateM0(const FunctionSpace& V) const;
};

// The quadratic built-in types constructed in code (the registered factories read the settings
// from options and call these; the bilaplacian prior is BiLaplacianPrior).
std::unique_ptr<Regularization> makeL2Regularization(const FunctionSpace& parameter,
                                                     const RegularizationSettings& settings);
std::unique_ptr<Regularization> makeH1Regularization(const FunctionSpace& parameter,
                                                     const RegularizationSettings& settings);

using RegularizationRegistry = Registry<Regularization, const FunctionSpace&, const Options&>;
RegularizationRegistry& regularizationRegistry();
// -reg_type (default "h1") under prefix "reg_".
std::unique_ptr<Regularization> regularizationFromOptions(const FunctionSpace& parameter,
                                                          const Options& opts = Options("reg_"));

}  // namespace pdeinv

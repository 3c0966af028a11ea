#pragma once
// Regularization / prior R(m) on a parameter FE space, with its derivatives:
//   value R(m), gradient ∇R(m) (a parameter-space vector, i.e. the derivative as a dual
//   vector: ⟨∇R(m), dm⟩ = R'(m) dm in the Euclidean dof inner product), and Hessian action.
//
// Types (-reg_type, registry "regularization"), all centred at m0 (-reg_m0 expression):
//   none
//   l2           R = ½ γ ‖m − m0‖²_M                          (M the mass matrix)
//   h1           R = ½ γ (m − m0)ᵀ K (m − m0) + ½ δ ‖m − m0‖²_M  (K stiffness; δ ≥ 0)
//   bilaplacian  Gaussian prior N(m0, C), C = A⁻¹ M A⁻¹, A = γ(−∇·Θ∇) + δ I (weak form
//                A = γ K_Θ + δ M [+ Robin β M_∂Ω]);  R = ½ ‖A(m − m0)‖²_{M⁻¹}
//                Θ anisotropic via -reg_theta (dim×dim, row-major); -reg_robin adds the
//                boundary term with β = √(γδ)/1.42 (as in hIPPYlib) to reduce boundary effects.
// Options: -reg_gamma, -reg_delta, -reg_m0, -reg_theta, -reg_robin.
#include <memory>
#include <string>

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
};

using RegularizationRegistry = Registry<Regularization, const FunctionSpace&, const Options&>;
RegularizationRegistry& regularizationRegistry();
// -reg_type (default "h1") under prefix "reg_".
std::unique_ptr<Regularization> regularizationFromOptions(const FunctionSpace& parameter,
                                                          const Options& opts = Options("reg_"));

}  // namespace pdeinv

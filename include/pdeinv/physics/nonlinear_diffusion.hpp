#pragma once
// Nonlinear diffusion with a log-conductivity:  −∇·((1 + u²) e^m ∇u) = f,  u = g on Γ_D.
//
// Weak residual R(u, m)(v) = ∫ k(u) e^m ∇u·∇v − f v dx with k(u) = 1 + u²:
//   f0 = −f,  f1 = k(u) e^m ∇u.
// Derivatives:
//   ∂R/∂u:  g2 = k'(u) e^m ∇u  (∂f1/∂u),  g3 = k(u) e^m I  (∂f1/∂∇u)  — not symmetric
//   ∂R/∂m:  g2 = k(u) e^m ∇u
// Second-order terms of λᵀR = ∫ k(u) e^m ∇u·∇λ (for Newton Hessians and unrolled Newton):
//   state side (test φ):      f0 = e^m [k''(u) du ∇u·∇λ + k'(u) ∇du·∇λ + k'(u) dm ∇u·∇λ]
//                             f1 = e^m [k'(u) du + k(u) dm] ∇λ
//   parameter side (test ψ):  f0 = e^m [k'(u) du ∇u·∇λ + k(u) ∇du·∇λ + k(u) dm ∇u·∇λ]
// Solved by SNES (Newton with line search): the operator is not linear in u.
#include "pdeinv/physics/pde_operator.hpp"

namespace pdeinv {

class NonlinearDiffusion final : public PdeOperator {
 public:
  std::string name() const override { return "nonlinear_diffusion"; }
  ResidualKernels residual() const override;
  JacobianKernels stateJacobian() const override;
  JacobianKernels parameterJacobian() const override;
  bool hasSecondOrder() const override { return true; }
  ResidualKernels secondOrderState() const override;
  ResidualKernels secondOrderParameter() const override;
  std::vector<DataField> dataFields() const override {
    return {{"source", "1", "right-hand side f(x, y, z)"}};
  }
};

}  // namespace pdeinv

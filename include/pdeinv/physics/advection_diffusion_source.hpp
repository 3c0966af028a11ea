#pragma once
// Steady advection–diffusion whose parameter is the source:  −κ Δu + β·∇u = m,  u = g on Γ_D
// (recovering a pollutant source m from sensor data).
//
// Weak residual: R(u, m)(v) = ∫ κ ∇u·∇v + (β·∇u) v − m v dx,  f0 = β·∇u − m, f1 = κ ∇u.
// R is linear in u and in m, and has no data fields.
// Derivatives:
//   ∂R/∂u:  g1 = β (∂f0/∂∇u),  g3 = κ I (∂f1/∂∇u)   — not symmetric for β ≠ 0: the adjoint
//           solve is a genuine transpose solve (KSPSolveTranspose), advection reversed.
//   ∂R/∂m:  g0 = −1 (∂f0/∂m; state test × parameter trial)
//   second-order terms of λᵀR: all zero (R is affine in (u, m) jointly, no u–m product);
//           declared, as zero kernels, so that Newton Hessians are available (with the
//           identity parameter map they coincide with Gauss–Newton).
// Options: -advection_diffusion_source_diffusivity κ > 0 (default 0.05),
//          -advection_diffusion_source_velocity bx,by[,bz] (constant β, default 1,0.5).
#include "pdeinv/physics/pde_operator.hpp"

namespace pdeinv {

class AdvectionDiffusionSource final : public PdeOperator {
 public:
  std::string name() const override { return "advection_diffusion_source"; }
  ResidualKernels residual() const override;
  JacobianKernels stateJacobian() const override;
  JacobianKernels parameterJacobian() const override;
  bool hasSecondOrder() const override { return true; }
  ResidualKernels secondOrderState() const override;
  ResidualKernels secondOrderParameter() const override;
  bool linearInState() const override { return true; }
  void setFromOptions(const Options& opts) override;
  // constants = (β_x, β_y, β_z, κ)
  std::vector<PetscScalar> constants() const override;

 private:
  std::vector<PetscScalar> velocity_ = {1.0, 0.5, 0.0};
  PetscReal diffusivity_ = 0.05;
};

}  // namespace pdeinv

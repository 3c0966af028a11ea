#pragma once
// Steady advection–diffusion with a log-diffusivity:  −∇·(e^m ∇u) + β·∇u = f,  u = g on Γ_D.
//
// Weak residual: R(u, m)(v) = ∫ e^m ∇u·∇v + (β·∇u − f) v dx,  f0 = β·∇u − f, f1 = e^m ∇u.
// Derivatives:
//   ∂R/∂u:  g1 = β (∂f0/∂∇u),  g3 = e^m I (∂f1/∂∇u)   — not symmetric: the adjoint solve is a
//           genuine transpose solve (KSPSolveTranspose), advection reversed.
//   ∂R/∂m:  g2 = e^m ∇u
// Options: -advection_diffusion_velocity bx,by[,bz] (constant β), -advection_diffusion_source.
#include "pdeinv/physics/log_diffusion.hpp"

namespace pdeinv {

class AdvectionDiffusion final : public LogDiffusionOperator {
 public:
  std::string name() const override { return "advection_diffusion"; }
  ResidualKernels residual() const override;
  JacobianKernels stateJacobian() const override;
  void setFromOptions(const Options& opts) override;
  std::vector<PetscScalar> constants() const override { return velocity_; }

 private:
  std::vector<PetscScalar> velocity_ = {1.0, 0.5, 0.0};
};

}  // namespace pdeinv

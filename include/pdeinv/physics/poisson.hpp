#pragma once
// Poisson equation with a log-coefficient:  −∇·(e^m ∇u) = f  in Ω,  u = g on Γ_D.
//
// Weak residual:  R(u, m)(v) = ∫ e^m ∇u·∇v − f v dx,  i.e. f0 = −f, f1 = e^m ∇u.
// Derivatives:
//   ∂R/∂u:  g3 = e^m I                           (∂f1/∂∇u)
//   ∂R/∂m:  g2 = e^m ∇u                          (∂f1/∂m; f0 does not depend on m)
// The log parametrisation keeps the conductivity e^m positive for every m.
#include "pdeinv/physics/log_diffusion.hpp"

namespace pdeinv {

class PoissonLogCoefficient final : public LogDiffusionOperator {
 public:
  std::string name() const override { return "poisson"; }
  ResidualKernels residual() const override;
  JacobianKernels stateJacobian() const override;
  bool scalarElliptic() const override { return true; }
  bool symmetricJacobian() const override { return true; }
};

}  // namespace pdeinv

#pragma once
// Poisson equation with a log-coefficient:  −∇·(e^m ∇u) = f  in Ω,  u = g on Γ_D.
//
// Weak residual:  R(u, m)(v) = ∫ e^m ∇u·∇v − f v dx,  i.e. f0 = −f, f1 = e^m ∇u.
// Derivatives:
//   ∂R/∂u:  g3 = e^m I                           (∂f1/∂∇u)
//   ∂R/∂m:  g2 = e^m ∇u                          (∂f1/∂m; f0 does not depend on m)
// The log parametrisation keeps the conductivity e^m positive for every m.
#include "pdeinv/physics/pde_operator.hpp"

namespace pdeinv {

class PoissonLogCoefficient final : public PdeOperator {
 public:
  std::string name() const override { return "poisson"; }
  ResidualKernels residual() const override;
  JacobianKernels stateJacobian() const override;
  JacobianKernels parameterJacobian() const override;
  bool hasSecondOrder() const override { return true; }
  ResidualKernels secondOrderState() const override;
  ResidualKernels secondOrderParameter() const override;
  bool linearInState() const override { return true; }
  bool scalarElliptic() const override { return true; }
  bool symmetricJacobian() const override { return true; }
  std::vector<DataField> dataFields() const override {
    return {{"source", "1", "right-hand side f(x, y, z)"}};
  }
};

}  // namespace pdeinv

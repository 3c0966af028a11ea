#pragma once
// LogDiffusionOperator: the common part of operators whose only dependence on the parameter is
// a log-diffusivity, R(u, m)(v) = ∫ e^m ∇u·∇v + (terms without m) dx, with a source f as
// data field 1. It supplies what follows from the diffusion term alone:
//   ∂R/∂m:  g2 = e^m ∇u   (∂f1/∂m)
//   second-order terms of λᵀR (see PdeOperator and kernels.hpp)
// and leaves the residual and ∂R/∂u (which carry the operator's other terms) to the subclass.
#include "pdeinv/physics/pde_operator.hpp"

namespace pdeinv {

class LogDiffusionOperator : public PdeOperator {
 public:
  JacobianKernels parameterJacobian() const override;
  bool hasSecondOrder() const override { return true; }
  ResidualKernels secondOrderState() const override;
  ResidualKernels secondOrderParameter() const override;
  JacobianKernels secondOrderBlock(SecondOrderBlock block) const override;
  bool linearInState() const override { return true; }
  std::vector<DataField> dataFields() const override {
    return {{"source", "1", "right-hand side f(x, y, z)"}};
  }
};

}  // namespace pdeinv

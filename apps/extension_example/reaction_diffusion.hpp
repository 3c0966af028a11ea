#pragma once
// ReactionDiffusion: −Δu + e^m u = f — a new PDE operator defined outside pdeinv.
// It fills in pdeinv::PdeOperator's contract (pdeinv/physics/pde_operator.hpp): the residual,
// ∂R/∂u, ∂R/∂m, the second-order terms for Newton Hessians, and the properties the solvers use.
#include "pdeinv/physics/pde_operator.hpp"

class ReactionDiffusion : public pdeinv::PdeOperator {
 public:
  // The name selects it (-operator reaction_diffusion) and prefixes its options
  // (-reaction_diffusion_source).
  std::string name() const override { return "reaction_diffusion"; }
  pdeinv::ResidualKernels residual() const override;
  pdeinv::JacobianKernels stateJacobian() const override;
  pdeinv::JacobianKernels parameterJacobian() const override;
  bool hasSecondOrder() const override { return true; }
  pdeinv::ResidualKernels secondOrderState() const override;
  pdeinv::ResidualKernels secondOrderParameter() const override;
  // R is linear in u, and ∂R/∂u = −Δ + e^m is symmetric positive definite: CG + AMG.
  bool linearInState() const override { return true; }
  bool scalarElliptic() const override { return true; }
  bool symmetricJacobian() const override { return true; }
  // e^m is not a polynomial: two quadrature points more than the elements need.
  int extraQuadraturePoints() const override { return 2; }
  // The source f, a data field: -reaction_diffusion_source <expr> (default 1).
  std::vector<DataField> dataFields() const override {
    return {{"source", "1", "right-hand side f(x, y, z)"}};
  }
};

// Adds "reaction_diffusion" to pdeinv::operatorRegistry(); call once before building a problem.
void registerReactionDiffusion();

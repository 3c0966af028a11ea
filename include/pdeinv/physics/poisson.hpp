#pragma once
// Poisson equation with a log-coefficient:  −∇·(e^m ∇u) = f  in Ω,  u = g on Γ_D.
//
// Weak residual:  R(u, m)(v) = ∫ e^m ∇u·∇v − f v dx,  i.e. f0 = −f, f1 = e^m ∇u.
// Derivatives:
//   ∂R/∂u:  g3 = e^m I                           (∂f1/∂∇u)
//   ∂R/∂m:  g2 = e^m ∇u                          (∂f1/∂m; f0 does not depend on m)
// The log parametrisation keeps the conductivity e^m positive for every m.
//
// Source models (-poisson_source_model):
//   field      f is the data field -poisson_source <expr> (default)
//   gaussian   f(x) = a exp(−|x − x₀|² / (2w²)) with the scalar parameters θ = (a, x₀, y₀[, z₀])
//              (see PdeOperator's scalar-parameter contract); defaults -poisson_source_strength a,
//              -poisson_source_center x₀,y₀[,z₀]; fixed width -poisson_source_width w > 0.
//              ∂R/∂θ_k = −∂f/∂θ_k (an f0 term), with the exact second derivatives of f.
#include "pdeinv/physics/log_diffusion.hpp"

namespace pdeinv {

class PoissonLogCoefficient final : public LogDiffusionOperator {
 public:
  std::string name() const override { return "poisson"; }
  ResidualKernels residual() const override;
  JacobianKernels stateJacobian() const override;
  bool scalarElliptic() const override { return true; }
  bool symmetricJacobian() const override { return true; }
  void setFromOptions(const Options& opts) override;
  std::vector<DataField> dataFields() const override;
  std::vector<PetscScalar> constants() const override;
  std::vector<ScalarParameter> scalarParameters(int dim) const override;
  std::vector<ResidualKernels> scalarDerivative(int dim) const override;
  std::vector<ResidualKernels> scalarSecondDerivative(int dim) const override;
  // The field-source model's residual under automatic differentiation (the gaussian model,
  // with scalar parameters, has none).
  std::unique_ptr<PdeOperator> adTwin() const override;

 private:
  bool gaussian_ = false;
  PetscReal strength_ = 1, width_ = 0.1;
  std::vector<PetscReal> center_;
  std::string centerFlag_;
};

}  // namespace pdeinv

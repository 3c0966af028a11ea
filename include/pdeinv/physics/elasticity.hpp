#pragma once
// Linear elasticity (small strain) with a log Young's modulus:
//
//   R(u, m)(v) = ∫ σ(u):ε(v) − f·v dx,   σ = e^m (2μ ε(u) + λ tr ε(u) I),   ε = (∇u + ∇uᵀ)/2,
//
// a vector state u (dim components), f a constant body force (-elasticity_body_force,
// default 0,-1[,0]). Two parameterisations (-elasticity_parameters):
//   young   (default) E = e^m with a fixed Poisson ratio ν (-elasticity_poisson_ratio, 0 < ν < 0.5,
//           default 0.3): λ = ν/((1+ν)(1−2ν)), μ = 1/(2(1+ν)) per unit E.
//   lame    the Lamé pair θ = (lambda, mu) as global scalars (defaults -elasticity_lambda,
//           -elasticity_mu); e^m then only scales the stiffness (m = 0, the default of
//           -parameter_fixed, gives exactly C(λ, μ)).
// In both, σ is linear in u and proportional to e^m, so
//   ∂R/∂u:   g3 = e^m C                              (C_ijkl = μ(δ_ik δ_jl + δ_il δ_jk) + λ δ_ij
//   δ_kl) ∂R/∂m:   g2 = σ(u) λᵀR second order: state side f1 = dm σ(λ), parameter side f0 = σ(du +
//   dm u):ε(λ) ∂R/∂λ:   f1 = e^m tr ε I,  ∂R/∂μ: f1 = 2 e^m ε;  ∂²R/∂θ² = 0; ∂/∂u of those: g3
//   blocks.
#include "pdeinv/physics/pde_operator.hpp"

namespace pdeinv {

class Elasticity final : public PdeOperator {
 public:
  std::string name() const override { return "elasticity"; }
  ResidualKernels residual() const override;
  JacobianKernels stateJacobian() const override;
  JacobianKernels parameterJacobian() const override;
  bool hasSecondOrder() const override { return true; }
  ResidualKernels secondOrderState() const override;
  ResidualKernels secondOrderParameter() const override;
  bool linearInState() const override { return true; }
  bool symmetricJacobian() const override { return true; }
  bool spdElliptic() const override { return true; }  // CG + BoomerAMG (GMRES/ILU stalls)
  int stateComponents(int dim) const override { return dim; }
  void setFromOptions(const Options& opts) override;
  std::vector<PetscScalar> constants() const override;
  std::vector<ScalarParameter> scalarParameters(int dim) const override;
  // The residual under automatic differentiation, with this operator's constants (both
  // parameterisations: the kernels read λ, μ as the hand-written ones do).
  std::unique_ptr<PdeOperator> adTwin() const override;
  std::vector<ResidualKernels> scalarDerivative(int dim) const override;
  std::vector<ResidualKernels> scalarSecondDerivative(int dim) const override;
  bool scalarStateCoupled() const override { return lame_; }
  std::vector<JacobianKernels> scalarStateCoupling(int dim) const override;

 private:
  bool lame_ = false;
  PetscReal nu_ = 0.3, lambda_ = 1, mu_ = 1;
  std::vector<PetscReal> force_;
};

}  // namespace pdeinv

#pragma once
// ReducedFunctional: the objective of the inverse problem as a function of the parameter alone,
//
//   J(m) = Φ(B u(m)) + R(m),   where u(m) solves  R_pde(u, g(m)) = 0,
//
// with Φ the misfit, B the observation operator, R the regularization and g the parameter map.
// Derivatives come from the Lagrangian L = Φ(Bu) + R(m) + λᵀ R_pde(u, p), p = g(m):
//
//   adjoint            R_uᵀ λ = −Bᵀ Φ'(Bu)                                  (one transpose solve)
//   gradient           ∇J = ∇R(m) + g'(m) ⊙ R_pᵀ λ
//   incremental state  R_u du = −R_p dp,   dp = g'(m) ⊙ dm                 (one tangent solve)
//   incremental adj.   R_uᵀ dλ = −Bᵀ Φ'' B du − [W_uu du + W_up dp]        (one transpose solve)
//   Hessian action     H dm = ∇²R dm + g' ⊙ (R_pᵀ dλ + [W_pu du + W_pp dp])
//                               + [g'' ⊙ (R_pᵀ λ) ⊙ dm]
// where W = ∂²(λᵀ R_pde) are the operator's second-order terms. The bracketed terms are the
// Newton additions; Gauss–Newton drops them (and is then positive semi-definite).
//
// The state, the adjoint and ∂R/∂p (assembled) are cached for the current m; any call with a
// different m recomputes them. Every PDE solve is counted.
//
// With RegionParameters the optimisation variable is θ ∈ ℝᵏ instead of the field, m = Eθ:
// value J(Eθ), gradient Eᵀ∇J(Eθ), Hessian action Eᵀ H E dθ.
//
// Scalar mode (the second constructor): the optimisation variable is the operator's own scalar
// parameters θ ∈ ℝᵏ (PdeOperator::scalarParameters, e.g. a source's strength and position), a
// root vector (all k entries on rank 0); the field m is fixed. With R_θ = [∂R/∂θ_0 … ∂R/∂θ_k−1]
// (k state vectors, assembled once per θ):
//   adjoint            R_uᵀ λ = −Bᵀ Φ'(Bu)
//   gradient           g_k = (∂R/∂θ_k)ᵀ λ
//   incremental state  R_u du = −Σ_k dθ_k ∂R/∂θ_k
//   incremental adj.   R_uᵀ dλ = −Bᵀ Φ'' B du − [W_uu du + Σ_k dθ_k (∂²R/∂u∂θ_k)ᵀ λ]
//   Hessian action     (H dθ)_k = (∂R/∂θ_k)ᵀ dλ + [λᵀ Σ_l ∂²R/∂θ_k∂θ_l dθ_l + λᵀ ∂²R/∂θ_k∂u du]
// There is no regularization in θ (k is small against the data).
//
// Unrolled adjoint (AdjointMode::Unrolled, -adjoint unrolled). The implicit gradient above is
// exact only at a converged state. The unrolled one is the exact derivative of what the solver
// computed: the K executed Newton iterations from a fixed start u_0 = 0,
//   u_{k+1} = u_k + α_k s_k,   J_k s_k = −R(u_k, p),   J_k = ∂R/∂u(u_k, p),
// with the line-search step lengths α_k held fixed: exact for full steps and for the halving line
// search (forward/line_search.hpp), whose α_k are piecewise constant in p; PETSc's bt
// interpolates α_k, and that dependence on p is left out. With d_k = α_k s_k, the reverse sweep
// from ū = Bᵀ Φ'(B u_K) is, for k = K−1 … 0,
//   J_kᵀ z = −ū                                                   (one transpose solve at u_k)
//   p̄ += α_k (∂R/∂p)(u_k)ᵀ z + ∂²(zᵀR)/∂p∂u d_k
//   ū  = (1 − α_k) ū + ∂²(zᵀR)/∂u∂u d_k
// and then ∇J = g'(m) ⊙ p̄ + ∇R(m). The second-order terms are the operator's Newton kernels
// (secondOrderState/Parameter with λ = z, du = d_k, dm = 0), so the mode needs them. It costs K
// transpose solves (each with its own Jacobian and preconditioner) and stores the K + 1
// iterates. Hessian actions stay Gauss–Newton at the final iterate (the Newton Hessian is not
// offered in this mode).
#include <memory>
#include <string>

#include "pdeinv/fem/assembler.hpp"
#include "pdeinv/forward/steady_solver.hpp"
#include "pdeinv/inverse/misfit.hpp"
#include "pdeinv/inverse/objective.hpp"
#include "pdeinv/inverse/observation.hpp"
#include "pdeinv/inverse/parameter_map.hpp"
#include "pdeinv/inverse/region_parameters.hpp"
#include "pdeinv/inverse/regularization.hpp"

namespace pdeinv {

enum class AdjointMode { Implicit, Unrolled };

class ReducedFunctional final : public Objective {
 public:
  // regularization may be null (no regularization). All references must outlive this object.
  ReducedFunctional(SteadySolver& solver, const ObservationOperator& observation, Misfit& misfit,
                    Regularization* regularization, const ParameterMap& map,
                    const RegionParameters* regions = nullptr);
  // Scalar mode: θ of the solver's operator is the variable; fixedField is the field m the
  // operator sees (copied). The map is not applied.
  ReducedFunctional(SteadySolver& solver, const ObservationOperator& observation, Misfit& misfit,
                    Vec fixedField);
  ~ReducedFunctional();

  Owned<Vec> createParameterVector() const override;
  PetscReal value(Vec m) override;
  // Returns J(m) and fills g = ∇J(m).
  PetscReal gradient(Vec m, Vec g) override;
  // out = H(m) dm.
  void hessianApply(Vec m, Vec dm, Vec out, HessianType type) override;
  using Objective::hessianApply;
  void hessianApply(Vec m, Vec dm, Vec out) { hessianApply(m, dm, out, HessianType::GaussNewton); }

  // Parts of the last value: Φ(B u) and R(m).
  PetscReal misfitValue() const override { return misfit_; }
  PetscReal regularizationValue() const override { return reg_; }
  const SolveCounts& counts() const override { return counts_; }
  // The state u(m) for the m of the last evaluation.
  Vec state() const override { return u_; }
  // B u(m) for the m of the last evaluation.
  Vec predictedObservations() const { return y_; }
  bool newtonAvailable() const override;
  std::string newtonUnavailableReason() const override;
  std::string dataSpaceUnavailableReason() const override;
  void observationJacobian(Vec x, std::vector<Owned<Vec>>& rows,
                           std::vector<PetscReal>& W) override;
  bool scalarMode() const { return scalarMode_; }
  // Implicit (default) or unrolled gradients, see above. Throws for scalar mode and for
  // operators without second-order kernels.
  void setAdjointMode(AdjointMode mode);
  AdjointMode adjointMode() const { return adjointMode_; }

 private:
  // du = R_u⁻¹ rhs (tangent solve), then rhs = Bᵀ Φ'' B du (Gauss–Newton part of dλ's rhs).
  void incrementalState(Vec rhs, Vec du, bool newton);
  // The operator's second-order terms of λᵀR at the state u (see PdeOperator):
  //   wState = ∂²(λᵀR)/∂u∂u du + ∂²(λᵀR)/∂u∂p dp,  wParam = ∂²(λᵀR)/∂p∂u du + ∂²(λᵀR)/∂p∂p dp;
  // either output may be null.
  void secondOrder(Vec u, Vec lambda, Vec du, Vec dp, Vec wState, Vec wParam);
  // rhs += W_uu du + W_up dp at the solution, with the adjoint λ.
  void addSecondOrderState(Vec du, Vec dp, Vec rhs);
  // W_uu, W_up, W_pp assembled at the current (u, λ, p), once per m (W_pu = W_upᵀ): a Newton
  // Hessian action then costs sparse mat-vecs instead of two assembly passes (the speed contract).
  void assembleSecondOrder();
  // gphys_ = p̄ by the reverse sweep through the recorded Newton iterations.
  void unrolledAdjoint();
  // dλ = −R_u⁻ᵀ rhs (transpose solve).
  void incrementalAdjoint(Vec rhs, Vec dlambda);
  void updateScalars(Vec theta);
  const std::vector<Owned<Vec>>& scalarDerivatives();
  PetscReal scalarGradient(Vec theta, Vec g);
  void scalarHessian(Vec theta, Vec dtheta, Vec out, HessianType type);
  PetscReal fieldGradient(Vec m, Vec g);
  void fieldHessian(Vec m, Vec dm, Vec out, HessianType type);
  Vec toField(Vec x, Vec buffer) const;
  void update(Vec m);
  void updateAdjoint();
  Mat parameterJacobian();

  SteadySolver& solver_;
  const ObservationOperator& obs_;
  Misfit& misfitModel_;
  Regularization* regularization_;
  const ParameterMap* map_;
  const RegionParameters* regions_;
  bool scalarMode_ = false;
  AdjointMode adjointMode_ = AdjointMode::Implicit;
  std::vector<PetscReal> theta_;      // scalar mode: θ of the cached state
  std::vector<Owned<Vec>> dRdTheta_;  // scalar mode: ∂R/∂θ_k at θ
  bool haveDRdTheta_ = false;
  Owned<Vec> xField_, dxField_;  // E θ, E dθ (region parameters only)
  Owned<Vec> m_, p_, u_, y_, lambda_, gphys_;
  Owned<Mat> Rp_;  // ∂R/∂p at the current m
  bool haveState_ = false, haveAdjoint_ = false, haveRp_ = false;
  PetscReal misfit_ = 0, reg_ = 0;
  SolveCounts counts_;
  // Second-order terms: assemblers on the state and the parameter space (see PdeOperator).
  std::unique_ptr<Assembler> secondState_, secondParam_;
  Owned<Mat> Wuu_, Wup_, Wpp_;  // null Wuu_ for operators linear in u; W_pu = W_upᵀ
  bool haveW_ = false;
  struct HessianWork {
    Owned<Vec> dp, hp, hr, t, rhs, du, dlambda, Bdu, HBdu;
  } hessWork_;
};

}  // namespace pdeinv

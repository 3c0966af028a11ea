#pragma once
// Data-space Gauss–Newton step: for few observations (n_obs ≪ n_params) the Gauss–Newton
// system (Jᵀ W J + R) p = −g is solved exactly through the n_obs × n_obs data space instead of
// by CG in parameter space (Sherman–Morrison–Woodbury, in the symmetric form that needs no W⁻¹):
//
//   Ĵ = W^½ J,   K = I + Ĵ C Ĵᵀ,   p = −(C g − C Ĵᵀ K⁻¹ Ĵ C g),   C = R⁻¹,
//
// with J = ∂y/∂x from n_obs adjoint solves sharing one operator (Objective::observationJacobian,
// one batched solve with a direct solver), W = ∂²Φ/∂y² and C the regularization's inverse
// Hessian (the prior covariance), applied n_obs + 1 times. Cost per step: n_obs adjoint solves
// and n_obs + 1 covariance actions, against 2 PDE solves and one covariance action per CG
// iteration; which is cheaper depends on n_obs and on how many CG iterations the problem needs
// (README, "Data-space Gauss–Newton"). Used by pdeinvgncg with -tao_gncg_step data_space.
#include <petscvec.h>

#include <functional>
#include <vector>

#include "pdeinv/core/handle.hpp"
#include "pdeinv/inverse/objective.hpp"

namespace pdeinv {

class DataSpaceStep {
 public:
  // covariance(r, out): out = C r, the regularization's inverse Hessian (SPD).
  DataSpaceStep(Objective& J, std::function<void(Vec, Vec)> covariance);
  // p = −(Jᵀ W J + R)⁻¹ g at x.
  void compute(Vec x, Vec g, Vec p);
  // Observations of the last step, and the covariance actions of all steps.
  PetscInt observations() const { return nObs_; }
  PetscInt covarianceActions() const { return covarianceActions_; }

 private:
  Objective& J_;
  std::function<void(Vec, Vec)> covariance_;
  std::vector<Owned<Vec>> rows_, Z_;
  std::vector<PetscReal> W_;
  PetscInt nObs_ = 0, covarianceActions_ = 0;
};

}  // namespace pdeinv

#pragma once
// Objective: what an optimizer and the derivative checks need from an inverse problem's
// objective J(x) — value, gradient, Hessian-vector product and its parts. ReducedFunctional
// (steady PDEs) and TransientReducedFunctional (time-dependent PDEs) implement it; TaoProblem,
// the verification checks and the pdeinv app work with any implementation.
#include <petscvec.h>

#include <string>
#include <vector>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/handle.hpp"

namespace pdeinv {

enum class HessianType { GaussNewton, Newton };

// PDE solves by kind. For transient problems one "solve" is one time step of that kind.
struct SolveCounts {
  PetscInt forward = 0, adjoint = 0, tangent = 0, incrementalAdjoint = 0;
};

class Objective {
 public:
  virtual ~Objective() = default;
  // A vector like the optimisation variable.
  virtual Owned<Vec> createParameterVector() const = 0;
  virtual PetscReal value(Vec x) = 0;
  // Returns J(x) and fills g = ∇J(x).
  virtual PetscReal gradient(Vec x, Vec g) = 0;
  // out = H(x) dx.
  virtual void hessianApply(Vec x, Vec dx, Vec out, HessianType type) = 0;
  // Parts of the last value: the misfit and the regularization.
  virtual PetscReal misfitValue() const = 0;
  virtual PetscReal regularizationValue() const = 0;
  virtual const SolveCounts& counts() const = 0;
  // The state of the last evaluation (for transient problems: at the final time).
  virtual Vec state() const = 0;
  virtual bool newtonAvailable() const = 0;
  // Why newtonAvailable() is false, for the error message that names the option to change.
  virtual std::string newtonUnavailableReason() const { return "no Newton Hessian"; }

  // Data-space Gauss–Newton (optim/data_space_step.hpp). The misfit's Gauss–Newton Hessian is
  // Jᵀ W J, with J = ∂y/∂x the derivative of the n_obs predicted observations y and
  // W = ∂²Φ/∂y² (n_obs × n_obs). observationJacobian fills rows[i] = ∇_x y_i (x-like vectors;
  // n_obs adjoint solves sharing one operator, batched) and W (row-major, the same on every
  // rank). An objective that cannot says why in dataSpaceUnavailableReason (empty: it can).
  virtual std::string dataSpaceUnavailableReason() const {
    return "this objective does not provide the observation Jacobian";
  }
  virtual void observationJacobian(Vec /*x*/, std::vector<Owned<Vec>>& /*rows*/,
                                   std::vector<PetscReal>& /*W*/) {
    throw InputError("data-space Gauss-Newton: " + dataSpaceUnavailableReason());
  }
};

}  // namespace pdeinv

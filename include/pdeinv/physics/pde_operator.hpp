#pragma once
// PdeOperator: a steady PDE R(u, m) = 0 written as pointwise kernels.
//
// A new operator supplies, in PETSc's pointwise convention (see fem/assembler.hpp):
//   residual()           f0, f1                R
//   stateJacobian()      g0..g3 w.r.t. u       ∂R/∂u
//   parameterJacobian()  g0..g3 w.r.t. m       ∂R/∂m
// Kernels see the state as u[], u_x[] and the coefficient fields as PETSc auxiliary fields
// a[], a_x[]: a[aOff[0]] is the parameter m, then the operator's data fields in order.
// Registering the operator by name (registerOperator) makes it selectable with -operator and
// puts it under the generic derivative tests.
#include <petscsys.h>

#include <memory>
#include <string>
#include <vector>

#include "pdeinv/core/options.hpp"
#include "pdeinv/core/registry.hpp"
#include "pdeinv/fem/assembler.hpp"

namespace pdeinv {

class PdeOperator {
 public:
  virtual ~PdeOperator() = default;
  virtual std::string name() const = 0;

  virtual ResidualKernels residual() const = 0;
  virtual JacobianKernels stateJacobian() const = 0;
  virtual JacobianKernels parameterJacobian() const = 0;

  // Second-order terms of the adjoint-weighted residual λᵀR, for the Newton Hessian. Given
  // the adjoint λ and a direction (du, dm), two vectors are assembled as residuals:
  //   on the state space (test φ_i):      w_u = ∂²(λᵀR)/∂u∂u du + ∂²(λᵀR)/∂u∂m dm
  //     kernels see u[] = u and a[] = (m, data..., λ, du, dm)
  //   on the parameter space (test ψ_j):  w_m = ∂²(λᵀR)/∂m∂u du + ∂²(λᵀR)/∂m∂m dm
  //     kernels see u[] = m and a[] = (u, data..., λ, du, dm)
  // Operators without them (hasSecondOrder() false) get Gauss–Newton Hessians only.
  virtual bool hasSecondOrder() const { return false; }
  virtual ResidualKernels secondOrderState() const { return {}; }
  virtual ResidualKernels secondOrderParameter() const { return {}; }

  // R linear in u: one linear solve, and ∂R/∂u does not depend on u.
  virtual bool linearInState() const { return false; }
  // Symmetric positive definite scalar elliptic ∂R/∂u: CG with algebraic multigrid by default.
  virtual bool scalarElliptic() const { return false; }
  // ∂R/∂u symmetric: the transpose solve is the tangent solve with the same KSP.
  virtual bool symmetricJacobian() const { return false; }
  virtual int stateComponents(int /*dim*/) const { return 1; }
  virtual int parameterComponents(int /*dim*/) const { return 1; }
  // Coefficient fields besides m, given as expressions under the option -<name>_<field>.
  struct DataField {
    std::string name, defaultExpression, help;
  };
  virtual std::vector<DataField> dataFields() const { return {}; }
  // Non-polynomial coefficients (e^m) need more quadrature than the element degree suggests.
  virtual int extraQuadraturePoints() const { return 1; }
  // Reads the operator's own options (prefix "<name>_"), e.g. a velocity.
  virtual void setFromOptions(const Options& /*opts*/) {}
  // Constants handed to every kernel as PETSc's constants[] array.
  virtual std::vector<PetscScalar> constants() const { return {}; }
};

using OperatorRegistry = Registry<PdeOperator>;
// All registered operators (the built-in ones are registered on first use).
OperatorRegistry& operatorRegistry();

}  // namespace pdeinv

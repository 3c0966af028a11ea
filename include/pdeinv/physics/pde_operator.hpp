#pragma once
// PdeOperator: a steady PDE R(u, m) = 0 written as pointwise kernels.
//
// A new operator supplies, in PETSc's pointwise convention (see fem/assembler.hpp):
//   residual()           f0, f1                R
//   stateJacobian()      g0..g3 w.r.t. u       ∂R/∂u
//   parameterJacobian()  g0..g3 w.r.t. m       ∂R/∂m
// Kernels see the state as u[], u_x[] and the coefficient fields as PETSc auxiliary fields
// a[], a_x[]: a[aOff[0]] is the parameter m, then the operator's data fields in order.
// Registering the operator by name (registerOperator) makes it selectable with -operator_type and
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
  // Optional, for speed: the Newton Hessian's blocks as Jacobian kernels of the two kernel
  // sets above with respect to the direction (same u[] and a[]):
  //   Wuu: ∂/∂du of secondOrderState()       (state rows, state columns)
  //   Wum: ∂/∂dm of secondOrderState()       (state rows, parameter columns)
  //   Wmm: ∂/∂dm of secondOrderParameter()   (parameter rows, parameter columns)
  // A block left empty is read off the residual kernels by probing them (exact, since they are
  // linear in the direction, but ~4 kernel calls per point instead of one); checkOperator
  // compares every block given here with its probed value.
  enum class SecondOrderBlock { Wuu, Wum, Wmm };
  virtual JacobianKernels secondOrderBlock(SecondOrderBlock /*block*/) const { return {}; }
  // The same operator with every kernel from automatic differentiation of its residual
  // (physics/ad_operator.hpp), when it has one: checkOperator compares the two kernel sets, so a
  // wrong hand-written derivative is caught. Null when the operator has no AD form.
  virtual std::unique_ptr<PdeOperator> adTwin() const { return nullptr; }

  // R linear in u: one linear solve, and ∂R/∂u does not depend on u.
  virtual bool linearInState() const { return false; }
  // The kernels use the time t (a time-dependent source, say). Transient solvers then assemble
  // R at every stage time; otherwise R(t, u) = R(u) (Dirichlet values aside, see
  // FunctionSpace::boundaryValuesDependOnTime).
  virtual bool timeDependent() const { return false; }
  // Symmetric positive definite scalar elliptic ∂R/∂u: CG with algebraic multigrid by default.
  virtual bool scalarElliptic() const { return false; }
  // Symmetric positive definite elliptic ∂R/∂u, scalar or a system (linear elasticity): the
  // solvers default to CG with algebraic multigrid for these too.
  virtual bool spdElliptic() const { return scalarElliptic(); }
  // ∂R/∂u symmetric: the transpose solve is the tangent solve with the same KSP.
  virtual bool symmetricJacobian() const { return false; }
  // A boundary value problem: Dirichlet conditions by default (-bc_dirichlet_ids 1 on the
  // label "boundary"). False for operators without boundary conditions (identity: u = m).
  virtual bool boundaryValueProblem() const { return true; }
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
  // Constants handed to every kernel as PETSc's constants[] array (followed by θ and dθ when
  // the operator has scalar parameters, see below).
  virtual std::vector<PetscScalar> constants() const { return {}; }

  // ---- Scalar parameters θ ∈ ℝᵏ that enter R directly (a source's strength and position) ----
  //
  // Contract. An operator that declares k = scalarParameters(dim).size() > 0 scalars receives
  // them in every kernel call through constants[], after its own constants():
  //
  //   constants = (constants()…,  θ_0 … θ_{k−1},  dθ_0 … dθ_{k−1}),   numConstants = n_op + 2k
  //
  // so a kernel reads θ_l = constants[numConstants − 2k + l] and dθ_l = constants[numConstants
  // − k + l]. dθ is zero except in the Newton term below. θ has the declared defaults (usually
  // taken from the operator's options) unless an inverse problem in scalar mode sets it; θ then
  // lives on every rank (it is replicated, not distributed).
  //
  // Each list below has one entry per scalar (k of them, for the mesh dimension dim):
  //   scalarDerivative()        k residual kernels (f0, f1): entry k is ∂R/∂θ_k, i.e. the
  //                             derivatives ∂f0/∂θ_k, ∂f1/∂θ_k of the residual kernels. Each is
  //                             assembled like a residual into a state-space vector.
  //   scalarSecondDerivative()  optional, k residual kernels: entry k is Σ_l ∂²R/∂θ_k∂θ_l dθ_l
  //                             (dθ from constants). Needed for the Newton Hessian in θ.
  //   scalarStateCoupled()      true when ∂²R/∂u∂θ ≠ 0, i.e. ∂R/∂θ_k depends on u. Then
  //   scalarStateCoupling()     must give k Jacobian kernels (g0..g3 w.r.t. u) of the
  //                             scalarDerivative() kernels; without them Newton in θ is
  //                             unavailable (Gauss–Newton always works).
  // All these kernels see u[], a[] = (m, data…) exactly as residual() does. ∂R/∂u and ∂R/∂m
  // may depend on θ too (they get the same constants). Newton in θ also needs W_uu (from
  // secondOrderState() with dm = 0) unless R is linear in u.
  // checkOperator (so `pdeinv -verify` and the generic harness) adds Taylor tests of ∂R/∂θ and
  // Σ∂²R/∂θ² whenever an operator declares scalars; one that declares them only under an
  // option is listed with it in operatorVariants (tests/analysis/test_registered_components.cpp)
  // and then also gets the reduced-functional checks in θ.
  struct ScalarParameter {
    std::string name;
    PetscReal defaultValue = 0;
    std::string help;
  };
  virtual std::vector<ScalarParameter> scalarParameters(int /*dim*/) const { return {}; }
  virtual std::vector<ResidualKernels> scalarDerivative(int /*dim*/) const { return {}; }
  virtual std::vector<ResidualKernels> scalarSecondDerivative(int /*dim*/) const { return {}; }
  virtual bool scalarStateCoupled() const { return false; }
  virtual std::vector<JacobianKernels> scalarStateCoupling(int /*dim*/) const { return {}; }
  // constants[] with θ at its declared defaults and dθ = 0 (what kernels see when nothing sets θ).
  std::vector<PetscScalar> defaultConstants(int dim) const {
    std::vector<PetscScalar> c = constants();
    const auto declared = scalarParameters(dim);
    for (const auto& s : declared) c.push_back(s.defaultValue);
    c.insert(c.end(), declared.size(), 0.0);
    return c;
  }
  // Newton's method in θ has every term it needs.
  bool scalarNewtonAvailable(int dim) const {
    const auto k = scalarParameters(dim).size();
    return k > 0 && scalarSecondDerivative(dim).size() == k &&
           (!scalarStateCoupled() || scalarStateCoupling(dim).size() == k) &&
           (linearInState() || hasSecondOrder());
  }
};

using OperatorRegistry = Registry<PdeOperator>;
// All registered operators (the built-in ones are registered on first use).
OperatorRegistry& operatorRegistry();

}  // namespace pdeinv

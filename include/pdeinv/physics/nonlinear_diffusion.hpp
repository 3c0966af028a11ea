#pragma once
// Nonlinear diffusion with a log-conductivity:  −∇·((1 + u²) e^m ∇u) = f,  u = g on Γ_D,
// solved by SNES (Newton with line search): the operator is not linear in u.
//
// Only the residual is written, R(u, m)(v) = ∫ k(u) e^m ∇u·∇v − f v dx with k(u) = 1 + u²;
// ∂R/∂u (not symmetric), ∂R/∂m, the second-order terms of λᵀR (Newton Hessians, the unrolled
// adjoint) and the Hessian blocks come from automatic differentiation (ad_operator.hpp). The
// hand-derived kernels this replaced (90 + 32 lines) assembled within 1.1–1.3× of these
// (docs/extending.md §0).
#include <vector>

#include "pdeinv/physics/ad_operator.hpp"

namespace pdeinv {

struct NonlinearDiffusionPhysics : AdPhysics {
  static constexpr const char* name = "nonlinear_diffusion";
  static constexpr int numDataFields = 1;
  static constexpr int extraQuadraturePoints = 1;  // as the hand-written kernels had
  static constexpr int stateComponents(int) { return 1; }
  static constexpr int parameterComponents(int) { return 1; }
  static std::vector<PdeOperator::DataField> dataFields() {
    return {{"source", "1", "right-hand side f(x, y, z)"}};
  }
  template <class T>
  static void residual(const PointArgs<T>& p, T f0[], T f1[]) {
    f0[0] = T(-p.data[0][0]);
    const T w = (1.0 + p.u[0] * p.u[0]) * exp(p.m[0]);
    for (int k = 0; k < p.dim; ++k) f1[k] = w * p.grad_u[k];
  }
};

using NonlinearDiffusion = AdOperator<NonlinearDiffusionPhysics>;

}  // namespace pdeinv

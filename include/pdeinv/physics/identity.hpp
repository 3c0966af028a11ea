#pragma once
// The identity "PDE":  u = m, as the L2 projection  ∫ (u − m) v dx = 0  of the parameter onto
// the state space (u = m exactly when both spaces are the same element). For inverse problems
// whose forward map is an observation of the field itself — CT (the X-ray transform of the
// attenuation, -obs_type xray), deblurring, denoising, interpolation from sensors — so that the
// observation, misfit, regularization, optimizer and uncertainty layers apply unchanged. A
// forward solve is one mass-matrix solve (factored once: ∂R/∂u = M does not depend on m).
#include <vector>

#include "pdeinv/physics/ad_operator.hpp"

namespace pdeinv {

struct IdentityPhysics : AdPhysics {
  static constexpr const char* name = "identity";
  static constexpr bool linearInState = true;
  static constexpr bool spdElliptic = true;
  static constexpr bool symmetricJacobian = true;
  static constexpr int extraQuadraturePoints = 0;      // the integrand is a polynomial
  static constexpr bool boundaryValueProblem = false;  // no Dirichlet conditions by default
  static constexpr int stateComponents(int) { return 1; }
  static constexpr int parameterComponents(int) { return 1; }
  template <class T>
  static void residual(const PointArgs<T>& p, T f0[], T f1[]) {
    f0[0] = p.u[0] - p.m[0];
    for (int k = 0; k < p.dim; ++k) f1[k] = T(0.0);
  }
};

using IdentityOperator = AdOperator<IdentityPhysics>;

}  // namespace pdeinv

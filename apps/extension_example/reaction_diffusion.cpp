// A PDE operator added to pdeinv from outside, as a plugin: −Δu + e^m u = f, with m a log
// reaction rate and f the data field "source" (-reaction_diffusion_source <expr>). Only the
// residual is written; pdeinv differentiates it (automatic differentiation at the quadrature
// point, pdeinv/physics/ad_operator.hpp) for ∂R/∂u, ∂R/∂m and the Newton Hessian's terms.
//
//   mpiexec -n 2 pdeinv -plugin ./libreaction_diffusion.so -options_file reaction_diffusion.opts
//       -mode verify        (then -mode invert)
#include "pdeinv/core/plugin.hpp"
#include "pdeinv/physics/ad_operator.hpp"

struct ReactionDiffusion : pdeinv::AdPhysics {
  static constexpr const char* name = "reaction_diffusion";
  static constexpr int numDataFields = 1;
  static constexpr bool linearInState = true, spdElliptic = true, symmetricJacobian = true;
  static constexpr int extraQuadraturePoints = 2;  // e^m is not a polynomial
  static constexpr int stateComponents(int) { return 1; }
  static constexpr int parameterComponents(int) { return 1; }
  static std::vector<pdeinv::PdeOperator::DataField> dataFields() {
    return {{"source", "1", "right-hand side f(x, y, z)"}};
  }
  // R(u, m)(v) = ∫ (e^m u − f) v + ∇u·∇v dx
  template <class T>
  static void residual(const pdeinv::PointArgs<T>& p, T f0[], T f1[]) {
    f0[0] = exp(p.m[0]) * p.u[0] - p.data[0][0];
    for (int k = 0; k < p.dim; ++k) f1[k] = p.grad_u[k];
  }
};

PDEINV_PLUGIN {
  pdeinv::registerAdOperator<ReactionDiffusion>("-div(grad u) + exp(m) u = f, log reaction rate m");
}

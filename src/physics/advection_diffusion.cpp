#include "pdeinv/physics/advection_diffusion.hpp"

#include "pdeinv/core/error.hpp"
#include "pdeinv/physics/kernels.hpp"

namespace pdeinv {
namespace {

// f0 = β·∇u − f, with β = constants[0..dim) and the source f = aux field 1.
void f0_u(PDEINV_POINT_F(f0)) {
  PetscScalar adv = 0;
  for (PetscInt d = 0; d < dim; ++d) adv += constants[d] * u_x[d];
  f0[0] = adv - a[aOff[1]];
}

// ∂f0/∂∇u = β
void g1_uu(PDEINV_POINT_G(g1)) {
  for (PetscInt d = 0; d < dim; ++d) g1[d] = constants[d];
}

}  // namespace

ResidualKernels AdvectionDiffusion::residual() const {
  return {f0_u, kernels::logDiffusionFlux};
}
JacobianKernels AdvectionDiffusion::stateJacobian() const {
  return {nullptr, g1_uu, nullptr, kernels::logDiffusionFlux_du};
}
void AdvectionDiffusion::setFromOptions(const Options& opts) {
  auto v = opts.getRealArray("velocity", {1.0, 0.5, 0.0}, "constant advection velocity β");
  require(!v.empty() && v.size() <= 3, opts.flag("velocity") + " needs 1 to 3 components");
  velocity_.assign(3, 0.0);
  for (size_t i = 0; i < v.size(); ++i) velocity_[i] = v[i];
}

}  // namespace pdeinv

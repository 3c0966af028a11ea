#include "pdeinv/physics/advection_diffusion_source.hpp"

#include <cmath>
#include <sstream>

#include "pdeinv/core/error.hpp"
#include "pdeinv/physics/kernels.hpp"

namespace pdeinv {
namespace {

// constants = (β_x, β_y, β_z, κ); the source m is aux field 0.
constexpr int kDiffusivity = 3;

// f0 = β·∇u − m
void f0_u(PDEINV_POINT_F(f0)) {
  PetscScalar adv = 0;
  for (PetscInt d = 0; d < dim; ++d) adv += constants[d] * u_x[d];
  f0[0] = adv - a[aOff[0]];
}

// f1 = κ ∇u
void f1_u(PDEINV_POINT_F(f1)) {
  for (PetscInt d = 0; d < dim; ++d) f1[d] = constants[kDiffusivity] * u_x[d];
}

// ∂f0/∂∇u = β
void g1_uu(PDEINV_POINT_G(g1)) {
  for (PetscInt d = 0; d < dim; ++d) g1[d] = constants[d];
}

// ∂f1/∂∇u = κ I
void g3_uu(PDEINV_POINT_G(g3)) {
  for (PetscInt d = 0; d < dim; ++d) g3[d * dim + d] = constants[kDiffusivity];
}

// ∂f0/∂m = −1
void g0_um(PDEINV_POINT_G(g0)) {
  g0[0] = -1.0;
}

// λᵀR is linear in u and in m with no u–m product: every second-order term is zero.
void f0_zero(PDEINV_POINT_F(f0)) {
  f0[0] = 0.0;
}

}  // namespace

ResidualKernels AdvectionDiffusionSource::residual() const {
  return {f0_u, f1_u};
}
JacobianKernels AdvectionDiffusionSource::stateJacobian() const {
  return {nullptr, g1_uu, nullptr, g3_uu};
}
JacobianKernels AdvectionDiffusionSource::parameterJacobian() const {
  return {g0_um, nullptr, nullptr, nullptr};
}
ResidualKernels AdvectionDiffusionSource::secondOrderState() const {
  return {f0_zero, nullptr};
}
ResidualKernels AdvectionDiffusionSource::secondOrderParameter() const {
  return {f0_zero, nullptr};
}

std::vector<PetscScalar> AdvectionDiffusionSource::constants() const {
  auto c = velocity_;
  c.push_back(diffusivity_);
  return c;
}

void AdvectionDiffusionSource::setFromOptions(const Options& opts) {
  diffusivity_ = opts.getReal("diffusivity", 0.05, "constant diffusivity κ > 0");
  std::ostringstream got;
  got << diffusivity_;
  require(diffusivity_ > 0 && std::isfinite(diffusivity_),
          opts.flag("diffusivity") + " must be positive and finite, got " + got.str());
  auto v = opts.getRealArray("velocity", {1.0, 0.5}, "constant advection velocity β");
  require(!v.empty() && v.size() <= 3, opts.flag("velocity") + " needs 1 to 3 components");
  velocity_.assign(3, 0.0);
  for (size_t i = 0; i < v.size(); ++i) velocity_[i] = v[i];
}

}  // namespace pdeinv

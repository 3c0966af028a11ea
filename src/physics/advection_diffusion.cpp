#include "pdeinv/physics/advection_diffusion.hpp"

#include <cmath>

#include "pdeinv/core/error.hpp"

namespace pdeinv {
namespace {

// PETSc pointwise arguments; constants[] = β, a[aOff[0]] = m, a[aOff[1]] = f.
#define PDEINV_POINT_ARGS                                                                    \
  PetscInt dim, PetscInt, PetscInt, const PetscInt[], const PetscInt[], const PetscScalar[], \
      const PetscScalar[], const PetscScalar u_x[], const PetscInt aOff[], const PetscInt[], \
      const PetscScalar a[], const PetscScalar[], const PetscScalar[]

void f0_u(PDEINV_POINT_ARGS, PetscReal, const PetscReal[], PetscInt, const PetscScalar beta[],
          PetscScalar f0[]) {
  PetscScalar adv = 0;
  for (PetscInt d = 0; d < dim; ++d) adv += beta[d] * u_x[d];
  f0[0] = adv - a[aOff[1]];
}

void f1_u(PDEINV_POINT_ARGS, PetscReal, const PetscReal[], PetscInt, const PetscScalar[],
          PetscScalar f1[]) {
  const PetscScalar k = std::exp(a[aOff[0]]);
  for (PetscInt d = 0; d < dim; ++d) f1[d] = k * u_x[d];
}

void g1_uu(PDEINV_POINT_ARGS, PetscReal, PetscReal, const PetscReal[], PetscInt,
           const PetscScalar beta[], PetscScalar g1[]) {
  (void)u_x, (void)a, (void)aOff;
  for (PetscInt d = 0; d < dim; ++d) g1[d] = beta[d];
}

void g3_uu(PDEINV_POINT_ARGS, PetscReal, PetscReal, const PetscReal[], PetscInt,
           const PetscScalar[], PetscScalar g3[]) {
  (void)u_x;
  const PetscScalar k = std::exp(a[aOff[0]]);
  for (PetscInt d = 0; d < dim; ++d) g3[d * dim + d] = k;
}

void g2_um(PDEINV_POINT_ARGS, PetscReal, PetscReal, const PetscReal[], PetscInt,
           const PetscScalar[], PetscScalar g2[]) {
  const PetscScalar k = std::exp(a[aOff[0]]);
  for (PetscInt d = 0; d < dim; ++d) g2[d] = k * u_x[d];
}
#undef PDEINV_POINT_ARGS

}  // namespace

ResidualKernels AdvectionDiffusion::residual() const {
  return {f0_u, f1_u};
}
JacobianKernels AdvectionDiffusion::stateJacobian() const {
  return {nullptr, g1_uu, nullptr, g3_uu};
}
JacobianKernels AdvectionDiffusion::parameterJacobian() const {
  return {nullptr, nullptr, g2_um, nullptr};
}

void AdvectionDiffusion::setFromOptions(const Options& opts) {
  auto v = opts.getRealArray("velocity", {1.0, 0.5, 0.0}, "constant advection velocity β");
  require(!v.empty() && v.size() <= 3, opts.flag("velocity") + " needs 1 to 3 components");
  velocity_.assign(3, 0.0);
  for (size_t i = 0; i < v.size(); ++i) velocity_[i] = v[i];
}

}  // namespace pdeinv

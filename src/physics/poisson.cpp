#include "pdeinv/physics/poisson.hpp"

#include <cmath>

namespace pdeinv {
namespace {

// Kernel arguments follow PETSc's PetscPointFunc/PetscPointJac. a[aOff[0]] = m, a[aOff[1]] = f.
#define PDEINV_POINT_ARGS                                                                    \
  PetscInt dim, PetscInt, PetscInt, const PetscInt[], const PetscInt[], const PetscScalar[], \
      const PetscScalar[], const PetscScalar u_x[], const PetscInt aOff[], const PetscInt[], \
      const PetscScalar a[], const PetscScalar[], const PetscScalar[]

void f0_u(PDEINV_POINT_ARGS, PetscReal, const PetscReal[], PetscInt, const PetscScalar[],
          PetscScalar f0[]) {
  (void)dim, (void)u_x;
  f0[0] = -a[aOff[1]];
}

void f1_u(PDEINV_POINT_ARGS, PetscReal, const PetscReal[], PetscInt, const PetscScalar[],
          PetscScalar f1[]) {
  const PetscScalar k = std::exp(a[aOff[0]]);
  for (PetscInt d = 0; d < dim; ++d) f1[d] = k * u_x[d];
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

ResidualKernels PoissonLogCoefficient::residual() const {
  return {f0_u, f1_u};
}
JacobianKernels PoissonLogCoefficient::stateJacobian() const {
  return {nullptr, nullptr, nullptr, g3_uu};
}
JacobianKernels PoissonLogCoefficient::parameterJacobian() const {
  return {nullptr, nullptr, g2_um, nullptr};
}

}  // namespace pdeinv

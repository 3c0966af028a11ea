#include "pdeinv/physics/kernels.hpp"

#include <cmath>

namespace pdeinv::kernels {

void logDiffusionFlux(PDEINV_POINT_F(f1)) {
  const PetscScalar k = std::exp(a[aOff[0]]);
  for (PetscInt d = 0; d < dim; ++d) f1[d] = k * u_x[d];
}

void logDiffusionFlux_du(PDEINV_POINT_G(g3)) {
  const PetscScalar k = std::exp(a[aOff[0]]);
  for (PetscInt d = 0; d < dim; ++d) g3[d * dim + d] = k;
}

void logDiffusionFlux_dm(PDEINV_POINT_G(g2)) {
  const PetscScalar k = std::exp(a[aOff[0]]);
  for (PetscInt d = 0; d < dim; ++d) g2[d] = k * u_x[d];
}

}  // namespace pdeinv::kernels

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

// Aux layout (both sides): the last three aux fields are λ, du, dm.
void logDiffusionSecondOrderState(PDEINV_POINT_F(f1)) {
  const PetscInt iL = NfAux - 3, iDm = NfAux - 1;
  const PetscScalar w = std::exp(a[aOff[0]]) * a[aOff[iDm]];
  for (PetscInt d = 0; d < dim; ++d) f1[d] = w * a_x[aOff_x[iL] + d];
}

void logDiffusionSecondOrderParameter(PDEINV_POINT_F(f0)) {
  const PetscInt iL = NfAux - 3, iDu = NfAux - 2, iDm = NfAux - 1;
  const PetscScalar* gradU = a_x + aOff_x[0];
  const PetscScalar* gradL = a_x + aOff_x[iL];
  const PetscScalar* gradDu = a_x + aOff_x[iDu];
  PetscScalar duL = 0, uL = 0;
  for (PetscInt d = 0; d < dim; ++d) duL += gradDu[d] * gradL[d], uL += gradU[d] * gradL[d];
  f0[0] = std::exp(u[0]) * (duL + a[aOff[iDm]] * uL);  // u[] is m on the parameter side
}

void logDiffusionSecondOrderState_dm(PDEINV_POINT_G(g2)) {
  const PetscInt iL = NfAux - 3;
  const PetscScalar w = std::exp(a[aOff[0]]);
  for (PetscInt d = 0; d < dim; ++d) g2[d] = w * a_x[aOff_x[iL] + d];
}

void logDiffusionSecondOrderParameter_dm(PDEINV_POINT_G(g0)) {
  const PetscInt iL = NfAux - 3;
  const PetscScalar* gradU = a_x + aOff_x[0];
  const PetscScalar* gradL = a_x + aOff_x[iL];
  PetscScalar uL = 0;
  for (PetscInt d = 0; d < dim; ++d) uL += gradU[d] * gradL[d];
  g0[0] = std::exp(u[0]) * uL;
}

}  // namespace pdeinv::kernels

#include "pdeinv/physics/nonlinear_diffusion.hpp"

#include <cmath>

#include "pdeinv/physics/kernels.hpp"

namespace pdeinv {
namespace {

// k(u) = 1 + u², k' = 2u, k'' = 2.
PetscScalar k(PetscScalar u) {
  return 1 + u * u;
}
PetscScalar dk(PetscScalar u) {
  return 2 * u;
}

PetscScalar dot(PetscInt dim, const PetscScalar* a, const PetscScalar* b) {
  PetscScalar s = 0;
  for (PetscInt d = 0; d < dim; ++d) s += a[d] * b[d];
  return s;
}

// f0 = −f (aux field 1)
void f0_u(PDEINV_POINT_F(f0)) {
  f0[0] = -a[aOff[1]];
}
// f1 = k(u) e^m ∇u
void f1_u(PDEINV_POINT_F(f1)) {
  const PetscScalar w = k(u[0]) * std::exp(a[aOff[0]]);
  for (PetscInt d = 0; d < dim; ++d) f1[d] = w * u_x[d];
}
// ∂f1/∂u = k'(u) e^m ∇u
void g2_uu(PDEINV_POINT_G(g2)) {
  const PetscScalar w = dk(u[0]) * std::exp(a[aOff[0]]);
  for (PetscInt d = 0; d < dim; ++d) g2[d] = w * u_x[d];
}
// ∂f1/∂∇u = k(u) e^m I
void g3_uu(PDEINV_POINT_G(g3)) {
  const PetscScalar w = k(u[0]) * std::exp(a[aOff[0]]);
  for (PetscInt d = 0; d < dim; ++d) g3[d * dim + d] = w;
}
// ∂f1/∂m = k(u) e^m ∇u
void g2_um(PDEINV_POINT_G(g2)) {
  const PetscScalar w = k(u[0]) * std::exp(a[aOff[0]]);
  for (PetscInt d = 0; d < dim; ++d) g2[d] = w * u_x[d];
}

// State side: u[] = u, a = (m, f, λ, du, dm).
void f0_second_state(PDEINV_POINT_F(f0)) {
  const PetscInt iL = NfAux - 3, iDu = NfAux - 2, iDm = NfAux - 1;
  const PetscScalar em = std::exp(a[aOff[0]]), du = a[aOff[iDu]], dm = a[aOff[iDm]];
  const PetscScalar uL = dot(dim, u_x, a_x + aOff_x[iL]);
  const PetscScalar duL = dot(dim, a_x + aOff_x[iDu], a_x + aOff_x[iL]);
  f0[0] = em * (2 * du * uL + dk(u[0]) * duL + dk(u[0]) * dm * uL);
}
void f1_second_state(PDEINV_POINT_F(f1)) {
  const PetscInt iL = NfAux - 3, iDu = NfAux - 2, iDm = NfAux - 1;
  const PetscScalar w = std::exp(a[aOff[0]]) * (dk(u[0]) * a[aOff[iDu]] + k(u[0]) * a[aOff[iDm]]);
  for (PetscInt d = 0; d < dim; ++d) f1[d] = w * a_x[aOff_x[iL] + d];
}
// Parameter side: u[] = m, a = (u, f, λ, du, dm).
void f0_second_parameter(PDEINV_POINT_F(f0)) {
  const PetscInt iL = NfAux - 3, iDu = NfAux - 2, iDm = NfAux - 1;
  const PetscScalar em = std::exp(u[0]), uu = a[aOff[0]], du = a[aOff[iDu]], dm = a[aOff[iDm]];
  const PetscScalar* gradU = a_x + aOff_x[0];
  const PetscScalar uL = dot(dim, gradU, a_x + aOff_x[iL]);
  const PetscScalar duL = dot(dim, a_x + aOff_x[iDu], a_x + aOff_x[iL]);
  f0[0] = em * (dk(uu) * du * uL + k(uu) * duL + k(uu) * dm * uL);
}

}  // namespace

ResidualKernels NonlinearDiffusion::residual() const {
  return {f0_u, f1_u};
}
JacobianKernels NonlinearDiffusion::stateJacobian() const {
  return {nullptr, nullptr, g2_uu, g3_uu};
}
JacobianKernels NonlinearDiffusion::parameterJacobian() const {
  return {nullptr, nullptr, g2_um, nullptr};
}
ResidualKernels NonlinearDiffusion::secondOrderState() const {
  return {f0_second_state, f1_second_state};
}
ResidualKernels NonlinearDiffusion::secondOrderParameter() const {
  return {f0_second_parameter, nullptr};
}

}  // namespace pdeinv

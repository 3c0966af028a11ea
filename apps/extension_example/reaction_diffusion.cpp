// The reaction–diffusion operator  R(u, m)(v) = ∫ ∇u·∇v + e^m u v − f v dx,
// i.e. −Δu + e^m u = f, with m a log reaction rate and f the data field "source"
// (-reaction_diffusion_source <expr>). Kernels in PETSc's pointwise convention (kernels.hpp):
// the state is u[], u_x[]; aux field 0 is m, aux field 1 is f.
#include "reaction_diffusion.hpp"

#include <cmath>

#include "pdeinv/physics/kernels.hpp"

namespace {

// ---- kernels ----
// R:  f0 = e^m u − f,  f1 = ∇u
void f0_u(PDEINV_POINT_F(f0)) {
  f0[0] = std::exp(a[aOff[0]]) * u[0] - a[aOff[1]];
}
void f1_u(PDEINV_POINT_F(f1)) {
  for (PetscInt d = 0; d < dim; ++d) f1[d] = u_x[d];
}

// ∂R/∂u:  g0 = e^m,  g3 = I
void g0_uu(PDEINV_POINT_G(g0)) {
  g0[0] = std::exp(a[aOff[0]]);
}
void g3_uu(PDEINV_POINT_G(g3)) {
  for (PetscInt d = 0; d < dim; ++d) g3[d * dim + d] = 1.0;
}

// ∂R/∂m:  g0 = e^m u
void g0_um(PDEINV_POINT_G(g0)) {
  g0[0] = std::exp(a[aOff[0]]) * u[0];
}

// Second-order terms of λᵀR = ∫ ∇u·∇λ + e^m u λ − f λ (the last three aux fields are λ, du, dm).
// State side (u[] = u, a = (m, f, λ, du, dm)):      w_u = e^m λ dm                 (f0)
void f0_second_state(PDEINV_POINT_F(f0)) {
  const PetscScalar lambda = a[aOff[NfAux - 3]], dm = a[aOff[NfAux - 1]];
  f0[0] = std::exp(a[aOff[0]]) * lambda * dm;
}
// Parameter side (u[] = m, a = (u, f, λ, du, dm)):  w_m = e^m λ (du + u dm)        (f0)
void f0_second_parameter(PDEINV_POINT_F(f0)) {
  const PetscScalar lambda = a[aOff[NfAux - 3]], du = a[aOff[NfAux - 2]], dm = a[aOff[NfAux - 1]];
  f0[0] = std::exp(u[0]) * lambda * (du + a[aOff[0]] * dm);
}
// ---- end of kernels ----

}  // namespace

pdeinv::ResidualKernels ReactionDiffusion::residual() const {
  return {f0_u, f1_u};
}
pdeinv::JacobianKernels ReactionDiffusion::stateJacobian() const {
  return {g0_uu, nullptr, nullptr, g3_uu};
}
pdeinv::JacobianKernels ReactionDiffusion::parameterJacobian() const {
  return {g0_um, nullptr, nullptr, nullptr};
}
pdeinv::ResidualKernels ReactionDiffusion::secondOrderState() const {
  return {f0_second_state, nullptr};
}
pdeinv::ResidualKernels ReactionDiffusion::secondOrderParameter() const {
  return {f0_second_parameter, nullptr};
}

void registerReactionDiffusion() {
  pdeinv::operatorRegistry().add(
      "reaction_diffusion", [] { return std::make_unique<ReactionDiffusion>(); },
      "-div(grad u) + exp(m) u = f, log reaction rate m (apps/extension_example)");
}

#pragma once
// Writing pointwise kernels compactly, and the kernels operators share.
//
// PETSc's PetscPointFunc / PetscPointJac take 18/19 arguments. PDEINV_POINT_F and
// PDEINV_POINT_G declare them all with the names PETSc's tutorials use, so a kernel body can
// use dim, u, u_x, a, a_x, aOff, aOff_x, t, x, constants as it needs:
//
//   void f1_u(PDEINV_POINT_F(f1)) { for (PetscInt d = 0; d < dim; ++d) f1[d] = u_x[d]; }
//
// The functions remain plain PetscPointFunc/PetscPointJac, usable with PetscDS as well.
#include <petscds.h>

#define PDEINV_POINT_COMMON_                                                                    \
  [[maybe_unused]] PetscInt dim, [[maybe_unused]] PetscInt Nf, [[maybe_unused]] PetscInt NfAux, \
      [[maybe_unused]] const PetscInt uOff[], [[maybe_unused]] const PetscInt uOff_x[],         \
      [[maybe_unused]] const PetscScalar u[], [[maybe_unused]] const PetscScalar u_t[],         \
      [[maybe_unused]] const PetscScalar u_x[], [[maybe_unused]] const PetscInt aOff[],         \
      [[maybe_unused]] const PetscInt aOff_x[], [[maybe_unused]] const PetscScalar a[],         \
      [[maybe_unused]] const PetscScalar a_t[], [[maybe_unused]] const PetscScalar a_x[],       \
      [[maybe_unused]] PetscReal t

// Residual kernel arguments; `out` names the output array (f0, f1).
#define PDEINV_POINT_F(out)                                                                   \
  PDEINV_POINT_COMMON_, [[maybe_unused]] const PetscReal x[],                                 \
      [[maybe_unused]] PetscInt numConstants, [[maybe_unused]] const PetscScalar constants[], \
      PetscScalar out[]

// Jacobian kernel arguments; `out` names the output array (g0..g3).
#define PDEINV_POINT_G(out)                                                                        \
  PDEINV_POINT_COMMON_, [[maybe_unused]] PetscReal u_tShift, [[maybe_unused]] const PetscReal x[], \
      [[maybe_unused]] PetscInt numConstants, [[maybe_unused]] const PetscScalar constants[],      \
      PetscScalar out[]

namespace pdeinv::kernels {

// The log-diffusion flux e^m ∇u of −∇·(e^m ∇u), with m = aux field 0 (scalar):
//   f1 = e^m ∇u;   ∂f1/∂∇u = e^m I (a g3 block);   ∂f1/∂m = e^m ∇u (a g2 block).
void logDiffusionFlux(PDEINV_POINT_F(f1));
void logDiffusionFlux_du(PDEINV_POINT_G(g3));
void logDiffusionFlux_dm(PDEINV_POINT_G(g2));
// Second-order terms of λᵀ∫ e^m ∇u·∇v (see PdeOperator::secondOrderState/Parameter), with the
// data fields before λ counted by `nData` = NfAux − 4 (state side: a = (m, data…, λ, du, dm);
// parameter side: u[] = m, a = (u, data…, λ, du, dm)):
//   state side:      f1 = e^m dm ∇λ
//   parameter side:  f0 = e^m (∇du·∇λ + dm ∇u·∇λ)
void logDiffusionSecondOrderState(PDEINV_POINT_F(f1));
void logDiffusionSecondOrderParameter(PDEINV_POINT_F(f0));
// Their derivatives in dm (PdeOperator::secondOrderBlock): W_um g2 = e^m ∇λ (state side) and
// W_mm g0 = e^m ∇u·∇λ (parameter side).
void logDiffusionSecondOrderState_dm(PDEINV_POINT_G(g2));
void logDiffusionSecondOrderParameter_dm(PDEINV_POINT_G(g0));

}  // namespace pdeinv::kernels

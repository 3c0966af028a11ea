#pragma once
// AdOperator<Physics>: a PDE operator from its residual alone. The physics writes the pointwise
// residual once, as a template over its number type, with named arguments:
//
//   struct ReactionDiffusion {                 // −Δu + e^m u = f
//     static constexpr const char* name = "reaction_diffusion";
//     static constexpr int stateComponents(int) { return 1; }
//     static constexpr int parameterComponents(int) { return 1; }
//     template <class T>
//     static void residual(const pdeinv::PointArgs<T>& p, T f0[], T f1[]) {
//       f0[0] = exp(p.m[0]) * p.u[0] - p.data[0][0];
//       for (int k = 0; k < p.dim; ++k) f1[k] = p.grad_u[k];
//     }
//   };
//   pdeinv::registerAdOperator<ReactionDiffusion>("−Δu + e^m u = f", {{"source", "1", "f"}});
//
// (the weak form is ∫ φ·f0 + ∇φ : f1, as for every pdeinv operator, see fem/assembler.hpp).
// Forward-mode AD at the quadrature point (fem/dual.hpp) then gives every kernel the inverse
// problem needs:
//   ∂R/∂u        g0–g3 with respect to (u, ∇u)            Dual<double, Nu·(1+d)>
//   ∂R/∂m        g0–g3 with respect to (m, ∇m)            Dual<double, Nm·(1+d)>
//   second order of L = λ·f0 + ∇λ : f1 in a direction (du, dm), state and parameter side
//                (PdeOperator::secondOrderState/Parameter), forward over forward
//   W_uu, W_um, W_mm   the Hessian blocks of L, as Jacobian kernels (secondOrderBlock)
// Each kernel evaluates the residual once per quadrature point for all its outputs (the
// assembler calls the fused `both`/`all` entry points). Blocks that vanish identically are
// found once, by evaluating at random points: a block that is zero at three random (u, m,
// data, constants) is left out of the element products. A physics whose derivatives vanish
// only on a branch taken at random points (max(0, u), say) declares `static constexpr bool
// denseBlocks = true` to keep every block.
//
// Hand-written kernels stay possible and take precedence: derive from AdOperator<Physics> and
// override stateJacobian() and the rest; adTwin() still returns the pure AD operator, and
// checkOperator compares the two (analysis/verification.hpp), so a wrong hand kernel fails.
#include <array>
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "pdeinv/fem/dual.hpp"
#include "pdeinv/physics/pde_operator.hpp"

namespace pdeinv {

// The arguments of a pointwise residual at one quadrature point. u, grad_u, m, grad_m have the
// residual's number type T (AD differentiates through them); data fields, x, t and constants
// are plain numbers.
template <class T>
struct PointArgs {
  int dim = 0;
  const T* u = nullptr;                           // state, u[c]
  const T* grad_u = nullptr;                      // ∂u_c/∂x_k at [c·dim + k]
  const T* m = nullptr;                           // parameter, m[c]
  const T* grad_m = nullptr;                      // ∂m_c/∂x_k at [c·dim + k]
  const PetscScalar* const* data = nullptr;       // data field j: data[j][c]
  const PetscScalar* const* grad_data = nullptr;  // grad_data[j][c·dim + k]
  const PetscReal* x = nullptr;
  PetscReal t = 0;
  const PetscScalar* constants = nullptr;  // the operator's constants() (and θ, dθ: see
  PetscInt numConstants = 0;               // PdeOperator's scalar-parameter contract)
};

namespace ad {

constexpr int kMaxFields = 8;  // data fields an AD operator may have

// Where the kernel's arrays hold u, m and the data fields: PETSc passes the first field of a
// kernel as u[] and the others as a[]. In the state context (residual, ∂R/∂u, ∂R/∂m, state
// side of the second order) u[] is the state and a = (m, data…[, λ, du, dm]); on the parameter
// side of the second order u[] is m and a = (u, data…, λ, du, dm).
struct Layout {
  const PetscScalar *u, *u_x, *m, *m_x;
  const PetscScalar* data[kMaxFields];
  const PetscScalar* data_x[kMaxFields];
  const PetscScalar *lambda = nullptr, *lambda_x = nullptr, *du = nullptr, *du_x = nullptr,
                    *dm = nullptr, *dm_x = nullptr;
};

inline Layout stateLayout(PetscInt NfAux, int nData, const PetscScalar u[], const PetscScalar u_x[],
                          const PetscInt aOff[], const PetscInt aOff_x[], const PetscScalar a[],
                          const PetscScalar a_x[], bool second) {
  Layout L{};
  L.u = u, L.u_x = u_x;
  L.m = a + aOff[0], L.m_x = a_x + aOff_x[0];
  for (int j = 0; j < nData; ++j) L.data[j] = a + aOff[1 + j], L.data_x[j] = a_x + aOff_x[1 + j];
  if (second) {
    const PetscInt iL = NfAux - 3;
    L.lambda = a + aOff[iL], L.lambda_x = a_x + aOff_x[iL];
    L.du = a + aOff[iL + 1], L.du_x = a_x + aOff_x[iL + 1];
    L.dm = a + aOff[iL + 2], L.dm_x = a_x + aOff_x[iL + 2];
  }
  return L;
}

inline Layout parameterLayout(PetscInt NfAux, int nData, const PetscScalar u[],
                              const PetscScalar u_x[], const PetscInt aOff[],
                              const PetscInt aOff_x[], const PetscScalar a[],
                              const PetscScalar a_x[]) {
  Layout L{};
  L.m = u, L.m_x = u_x;
  L.u = a + aOff[0], L.u_x = a_x + aOff_x[0];
  for (int j = 0; j < nData; ++j) L.data[j] = a + aOff[1 + j], L.data_x[j] = a_x + aOff_x[1 + j];
  const PetscInt iL = NfAux - 3;
  L.lambda = a + aOff[iL], L.lambda_x = a_x + aOff_x[iL];
  L.du = a + aOff[iL + 1], L.du_x = a_x + aOff_x[iL + 1];
  L.dm = a + aOff[iL + 2], L.dm_x = a_x + aOff_x[iL + 2];
  return L;
}

// A field's value and gradient entries in "input order": component c has its value at
// c·(1+d) and ∂/∂x_k at c·(1+d)+1+k — the row layout of the g0–g3 blocks.
template <int Dim>
constexpr int inputs(int components) {
  return components * (1 + Dim);
}

// Sets v (value) and v_x (gradient) of a field with Nc components from plain arrays, with no
// derivatives (seed() and direct() set them).
template <int Dim, class T>
void load(int Nc, const PetscScalar* val, const PetscScalar* grad, T* v, T* v_x) {
  for (int c = 0; c < Nc; ++c) {
    v[c] = T(val[c]);
    for (int k = 0; k < Dim; ++k) v_x[c * Dim + k] = T(grad[c * Dim + k]);
  }
}
template <int Dim, class V, int N>
void seed(int Nc, Dual<V, N>* v, Dual<V, N>* v_x) {
  for (int c = 0; c < Nc; ++c) {
    v[c].d[c * (1 + Dim)] = V(1.0);
    for (int k = 0; k < Dim; ++k) v_x[c * Dim + k].d[c * (1 + Dim) + 1 + k] = V(1.0);
  }
}

// Writes the g0–g3 blocks (PETSc layout, test components Na, trial components Nb) from
// H(a, b): the derivative of test input a (value or gradient slot of L's test side) with
// respect to trial input b, both in input order.
template <int Dim, class H>
void scatterBlocks(int Na, int Nb, H&& h, PetscScalar* g0, PetscScalar* g1, PetscScalar* g2,
                   PetscScalar* g3) {
  for (int f = 0; f < Na; ++f)
    for (int g = 0; g < Nb; ++g) {
      const int fg = f * Nb + g, a0 = f * (1 + Dim), b0 = g * (1 + Dim);
      if (g0) g0[fg] = h(a0, b0);
      for (int l = 0; l < Dim; ++l) {
        if (g1) g1[fg * Dim + l] = h(a0, b0 + 1 + l);
        if (g2) g2[fg * Dim + l] = h(a0 + 1 + l, b0);
      }
      if (g3)
        for (int k = 0; k < Dim; ++k)
          for (int l = 0; l < Dim; ++l) g3[(fg * Dim + k) * Dim + l] = h(a0 + 1 + k, b0 + 1 + l);
    }
}

// Evaluates Physics::residual with number type T at the layout's fields: u and m are T (their
// derivative slots set by the caller through `prepare`), data plain.
template <class Physics, int Dim, class T, class Prepare>
void evaluate(const Layout& L, const PetscReal x[], PetscReal t, PetscInt numConstants,
              const PetscScalar constants[], Prepare&& prepare, T* f0, T* f1) {
  constexpr int Nu = Physics::stateComponents(Dim), Nm = Physics::parameterComponents(Dim);
  T u[Nu], u_x[Nu * Dim], m[Nm], m_x[Nm * Dim];
  load<Dim>(Nu, L.u, L.u_x, u, u_x);
  load<Dim>(Nm, L.m, L.m_x, m, m_x);
  prepare(u, u_x, m, m_x);
  PointArgs<T> p;
  p.dim = Dim;
  p.u = u, p.grad_u = u_x, p.m = m, p.grad_m = m_x;
  p.data = L.data, p.grad_data = L.data_x;
  p.x = x, p.t = t, p.constants = constants, p.numConstants = numConstants;
  for (int i = 0; i < Nu; ++i) f0[i] = T(0.0);
  for (int i = 0; i < Nu * Dim; ++i) f1[i] = T(0.0);
  Physics::residual(p, f0, f1);
}

// L = λ·f0 + ∇λ : f1 from the residual's outputs.
template <int Dim, class T>
T adjointWeighted(int Nu, const Layout& L, const T* f0, const T* f1) {
  T s(0.0);
  for (int i = 0; i < Nu; ++i) {
    s += f0[i] * L.lambda[i];
    for (int k = 0; k < Dim; ++k) s += f1[i * Dim + k] * L.lambda_x[i * Dim + k];
  }
  return s;
}

// Sets the inner (direction) derivative of v to the direction's value: v = value + ε·dir.
template <int Dim, class V, int N>
void direct(int Nc, const PetscScalar* dir, const PetscScalar* dir_x, Dual<V, N>* v,
            Dual<V, N>* v_x) {
  for (int c = 0; c < Nc; ++c) {
    v[c].v.d[0] = dir[c];
    for (int k = 0; k < Dim; ++k) v_x[c * Dim + k].v.d[0] = dir_x[c * Dim + k];
  }
}

}  // namespace ad

// The kernels of an AD operator, as PETSc pointwise functions (one instantiation per Physics).
// Dim is the mesh dimension, dispatched at run time from the kernel's `dim` argument.
template <class Physics>
struct AdKernels {
  static constexpr int nData() { return static_cast<int>(Physics::numDataFields); }

  template <int Dim>
  static void residualAt(const ad::Layout& L, const PetscReal x[], PetscReal t, PetscInt nc,
                         const PetscScalar c[], PetscScalar f0[], PetscScalar f1[]) {
    constexpr int Nu = Physics::stateComponents(Dim);
    double r0[Nu], r1[Nu * Dim];
    ad::evaluate<Physics, Dim, double>(
        L, x, t, nc, c, [](auto...) {}, r0, r1);
    if (f0)
      for (int i = 0; i < Nu; ++i) f0[i] = r0[i];
    if (f1)
      for (int i = 0; i < Nu * Dim; ++i) f1[i] = r1[i];
  }

  // g0–g3 of (f0, f1) with respect to u (wrtState) or m, in the state context.
  template <int Dim, bool wrtState>
  static void jacobianAt(const ad::Layout& L, const PetscReal x[], PetscReal t, PetscInt nc,
                         const PetscScalar c[], PetscScalar* g0, PetscScalar* g1, PetscScalar* g2,
                         PetscScalar* g3) {
    constexpr int Nu = Physics::stateComponents(Dim), Nm = Physics::parameterComponents(Dim);
    constexpr int Nb = wrtState ? Nu : Nm, N = ad::inputs<Dim>(Nb);
    using T = Dual<double, N>;
    T f0[Nu], f1[Nu * Dim];
    ad::evaluate<Physics, Dim, T>(
        L, x, t, nc, c,
        [](T* u, T* u_x, T* m, T* m_x) {
          if constexpr (wrtState) {
            ad::seed<Dim>(Nu, u, u_x);
            (void)m, (void)m_x;
          } else {
            ad::seed<Dim>(Nm, m, m_x);
            (void)u, (void)u_x;
          }
        },
        f0, f1);
    ad::scatterBlocks<Dim>(
        Nu, Nb,
        [&](int a, int b) {
          const int comp = a / (1 + Dim), s = a % (1 + Dim);
          return s == 0 ? f0[comp].d[b] : f1[comp * Dim + s - 1].d[b];
        },
        g0, g1, g2, g3);
  }

  // Second order of L in the direction (du, dm): the gradient of L with respect to the state
  // (stateSide) or the parameter, differentiated once more along the direction. Outer dual:
  // the gradient; inner Dual<double, 1>: the direction.
  template <int Dim, bool stateSide>
  static void secondOrderAt(const ad::Layout& L, const PetscReal x[], PetscReal t, PetscInt nc,
                            const PetscScalar c[], PetscScalar f0[], PetscScalar f1[]) {
    constexpr int Nu = Physics::stateComponents(Dim), Nm = Physics::parameterComponents(Dim);
    constexpr int Na = stateSide ? Nu : Nm, N = ad::inputs<Dim>(Na);
    using I = Dual<double, 1>;
    using T = Dual<I, N>;
    T r0[Nu], r1[Nu * Dim];
    ad::evaluate<Physics, Dim, T>(
        L, x, t, nc, c,
        [&](T* u, T* u_x, T* m, T* m_x) {
          ad::direct<Dim>(Nu, L.du, L.du_x, u, u_x);
          ad::direct<Dim>(Nm, L.dm, L.dm_x, m, m_x);
          if constexpr (stateSide) {
            ad::seed<Dim>(Nu, u, u_x);
          } else {
            ad::seed<Dim>(Nm, m, m_x);
          }
        },
        r0, r1);
    const T Lw = ad::adjointWeighted<Dim>(Nu, L, r0, r1);
    for (int comp = 0; comp < Na; ++comp) {
      if (f0) f0[comp] = Lw.d[comp * (1 + Dim)].d[0];
      if (f1)
        for (int k = 0; k < Dim; ++k) f1[comp * Dim + k] = Lw.d[comp * (1 + Dim) + 1 + k].d[0];
    }
  }

  // Hessian blocks of L: test side the state (rowsState) or the parameter, trial side the state
  // (colsState) or the parameter. Outer dual: test inputs; inner: trial inputs.
  template <int Dim, bool rowsState, bool colsState>
  static void hessianAt(const ad::Layout& L, const PetscReal x[], PetscReal t, PetscInt nc,
                        const PetscScalar c[], PetscScalar* g0, PetscScalar* g1, PetscScalar* g2,
                        PetscScalar* g3) {
    constexpr int Nu = Physics::stateComponents(Dim), Nm = Physics::parameterComponents(Dim);
    constexpr int Na = rowsState ? Nu : Nm, Nb = colsState ? Nu : Nm;
    constexpr int NA = ad::inputs<Dim>(Na), NB = ad::inputs<Dim>(Nb);
    using I = Dual<double, NB>;
    using T = Dual<I, NA>;
    T r0[Nu], r1[Nu * Dim];
    ad::evaluate<Physics, Dim, T>(
        L, x, t, nc, c,
        [&](T* u, T* u_x, T* m, T* m_x) {
          // inner seeds (trial side) on the values, outer seeds (test side) on the duals
          auto seedInner = [](int Nc, T* v, T* v_x) {
            for (int cc = 0; cc < Nc; ++cc) {
              v[cc].v.d[cc * (1 + Dim)] = 1.0;
              for (int k = 0; k < Dim; ++k) v_x[cc * Dim + k].v.d[cc * (1 + Dim) + 1 + k] = 1.0;
            }
          };
          if constexpr (colsState) {
            seedInner(Nu, u, u_x);
          } else {
            seedInner(Nm, m, m_x);
          }
          if constexpr (rowsState) {
            ad::seed<Dim>(Nu, u, u_x);
          } else {
            ad::seed<Dim>(Nm, m, m_x);
          }
        },
        r0, r1);
    const T Lw = ad::adjointWeighted<Dim>(Nu, L, r0, r1);
    ad::scatterBlocks<Dim>(
        Na, Nb, [&](int a, int b) { return Lw.d[a].d[b]; }, g0, g1, g2, g3);
  }

  // ---- PETSc entry points ----
#define PDEINV_AD_ARGS_                                                                           \
  PetscInt dim, PetscInt, PetscInt NfAux, const PetscInt[], const PetscInt[],                     \
      const PetscScalar u[], const PetscScalar[], const PetscScalar u_x[], const PetscInt aOff[], \
      const PetscInt aOff_x[], const PetscScalar a[], const PetscScalar[],                        \
      const PetscScalar a_x[], PetscReal t
  template <class F>
  static void byDim(PetscInt dim, F&& f) {
    switch (dim) {
      case 1:
        f(std::integral_constant<int, 1>());
        break;
      case 2:
        f(std::integral_constant<int, 2>());
        break;
      default:
        f(std::integral_constant<int, 3>());
        break;
    }
  }

  // Residual: both f0 and f1 from one evaluation (the assembler's fused entry point), and each
  // alone (PetscPointFunc) for other users.
  static void both(PDEINV_AD_ARGS_, const PetscReal x[], PetscInt nc, const PetscScalar c[],
                   PetscScalar f0[], PetscScalar f1[]) {
    const auto L = ad::stateLayout(NfAux, nData(), u, u_x, aOff, aOff_x, a, a_x, false);
    byDim(dim, [&](auto D) { residualAt<D()>(L, x, t, nc, c, f0, f1); });
  }
  static void f0(PDEINV_AD_ARGS_, const PetscReal x[], PetscInt nc, const PetscScalar c[],
                 PetscScalar out[]) {
    const auto L = ad::stateLayout(NfAux, nData(), u, u_x, aOff, aOff_x, a, a_x, false);
    byDim(dim, [&](auto D) { residualAt<D()>(L, x, t, nc, c, out, nullptr); });
  }
  static void f1(PDEINV_AD_ARGS_, const PetscReal x[], PetscInt nc, const PetscScalar c[],
                 PetscScalar out[]) {
    const auto L = ad::stateLayout(NfAux, nData(), u, u_x, aOff, aOff_x, a, a_x, false);
    byDim(dim, [&](auto D) { residualAt<D()>(L, x, t, nc, c, nullptr, out); });
  }

  // Jacobian blocks: all four from one evaluation, and each alone (PetscPointJac).
  template <bool wrtState>
  static void jacAll(PDEINV_AD_ARGS_, PetscReal, const PetscReal x[], PetscInt nc,
                     const PetscScalar c[], PetscScalar* g0, PetscScalar* g1, PetscScalar* g2,
                     PetscScalar* g3) {
    const auto L = ad::stateLayout(NfAux, nData(), u, u_x, aOff, aOff_x, a, a_x, false);
    byDim(dim, [&](auto D) { jacobianAt<D(), wrtState>(L, x, t, nc, c, g0, g1, g2, g3); });
  }
  template <bool wrtState, int Block>
  static void jac(PDEINV_AD_ARGS_, PetscReal shift, const PetscReal x[], PetscInt nc,
                  const PetscScalar c[], PetscScalar out[]) {
    PetscScalar* g[4] = {nullptr, nullptr, nullptr, nullptr};
    g[Block] = out;
    jacAll<wrtState>(dim, 0, NfAux, nullptr, nullptr, u, nullptr, u_x, aOff, aOff_x, a, nullptr,
                     a_x, t, shift, x, nc, c, g[0], g[1], g[2], g[3]);
  }

  // Second-order residuals (state side: u[] = u; parameter side: u[] = m).
  template <bool stateSide>
  static void secondBoth(PDEINV_AD_ARGS_, const PetscReal x[], PetscInt nc, const PetscScalar c[],
                         PetscScalar f0[], PetscScalar f1[]) {
    const auto L = stateSide ? ad::stateLayout(NfAux, nData(), u, u_x, aOff, aOff_x, a, a_x, true)
                             : ad::parameterLayout(NfAux, nData(), u, u_x, aOff, aOff_x, a, a_x);
    byDim(dim, [&](auto D) { secondOrderAt<D(), stateSide>(L, x, t, nc, c, f0, f1); });
  }
  template <bool stateSide, int Which>
  static void second(PDEINV_AD_ARGS_, const PetscReal x[], PetscInt nc, const PetscScalar c[],
                     PetscScalar out[]) {
    secondBoth<stateSide>(dim, 0, NfAux, nullptr, nullptr, u, nullptr, u_x, aOff, aOff_x, a,
                          nullptr, a_x, t, x, nc, c, Which == 0 ? out : nullptr,
                          Which == 1 ? out : nullptr);
  }

  // Hessian blocks W_uu (state side), W_um (state side), W_mm (parameter side).
  template <bool rowsState, bool colsState>
  static void hessAll(PDEINV_AD_ARGS_, PetscReal, const PetscReal x[], PetscInt nc,
                      const PetscScalar c[], PetscScalar* g0, PetscScalar* g1, PetscScalar* g2,
                      PetscScalar* g3) {
    const auto L = rowsState ? ad::stateLayout(NfAux, nData(), u, u_x, aOff, aOff_x, a, a_x, true)
                             : ad::parameterLayout(NfAux, nData(), u, u_x, aOff, aOff_x, a, a_x);
    byDim(dim,
          [&](auto D) { hessianAt<D(), rowsState, colsState>(L, x, t, nc, c, g0, g1, g2, g3); });
  }
  template <bool rowsState, bool colsState, int Block>
  static void hess(PDEINV_AD_ARGS_, PetscReal shift, const PetscReal x[], PetscInt nc,
                   const PetscScalar c[], PetscScalar out[]) {
    PetscScalar* g[4] = {nullptr, nullptr, nullptr, nullptr};
    g[Block] = out;
    hessAll<rowsState, colsState>(dim, 0, NfAux, nullptr, nullptr, u, nullptr, u_x, aOff, aOff_x, a,
                                  nullptr, a_x, t, shift, x, nc, c, g[0], g[1], g[2], g[3]);
  }
#undef PDEINV_AD_ARGS_
};

// Defaults of the optional properties of an AD physics; a physics derives from this and
// redeclares what differs.
struct AdPhysics {
  static constexpr int numDataFields = 0;
  static constexpr bool linearInState = false;        // one linear solve (ksponly)
  static constexpr bool spdElliptic = false;          // CG + AMG when iterative
  static constexpr bool symmetricJacobian = false;    // transpose solve = tangent solve
  static constexpr int extraQuadraturePoints = 1;     // e^m and similar need more points
  static constexpr bool denseBlocks = false;          // see the header comment
  static constexpr bool boundaryValueProblem = true;  // Dirichlet conditions by default
  static std::vector<PdeOperator::DataField> dataFields() { return {}; }
  static std::vector<PetscScalar> constants() { return {}; }
};

namespace ad {
// Which of the outputs (f0, f1 or g0–g3) of a fused kernel are nonzero at three random points
// in 2-D and 3-D (see the header comment). `call` evaluates the kernel into four buffers.
template <class Call>
std::array<bool, 4> presentOutputs(int nAux, Call&& call) {
  std::array<bool, 4> present{};
  std::mt19937 gen(20261207);
  std::uniform_real_distribution<double> U(0.5, 1.5);
  constexpr int kLen = 64;  // generous: every field gets kLen values and kLen·3 gradient entries
  std::vector<PetscScalar> u(kLen), u_x(3 * kLen), a(kLen * (nAux + 1)), a_x(3 * kLen * (nAux + 1));
  std::vector<PetscScalar> c(kLen);
  std::vector<PetscInt> aOff(nAux + 1), aOff_x(nAux + 1);
  for (int k = 0; k <= nAux; ++k) aOff[k] = k * kLen, aOff_x[k] = 3 * k * kLen;
  std::vector<PetscScalar> out[4];
  for (auto& o : out) o.assign(kLen * 9, 0.0);
  PetscReal x[3];
  for (int dim : {2, 3})
    for (int sample = 0; sample < 3; ++sample) {
      for (auto* v : {&u, &u_x, &a, &a_x, &c})
        for (auto& e : *v) e = U(gen);
      for (auto& e : x) e = U(gen);
      for (auto& o : out) std::fill(o.begin(), o.end(), 0.0);
      call(dim, u.data(), u_x.data(), aOff.data(), aOff_x.data(), a.data(), a_x.data(), x, c.data(),
           out);
      for (int b = 0; b < 4; ++b)
        for (PetscScalar e : out[b]) present[b] = present[b] || e != 0.0;
    }
  return present;
}
}  // namespace ad

// The operator of an AD physics: every kernel from Physics::residual (see the header comment).
template <class Physics>
class AdOperator : public PdeOperator {
  using K = AdKernels<Physics>;

 public:
  // constants: what the kernels get as constants[] (the physics' own by default; an AD twin
  // takes the hand-written operator's, whose options set them).
  explicit AdOperator(std::vector<PetscScalar> constants = Physics::constants())
      : constants_(std::move(constants)) {
    static_assert(Physics::numDataFields <= ad::kMaxFields, "too many data fields");
    const int nd = Physics::numDataFields;
    auto detect = [&](int nAux, auto kernel) {
      if (Physics::denseBlocks) return std::array<bool, 4>{true, true, true, true};
      return ad::presentOutputs(
          nAux, [&](int dim, const PetscScalar* u, const PetscScalar* u_x, const PetscInt* aOff,
                    const PetscInt* aOff_x, const PetscScalar* a, const PetscScalar* a_x,
                    const PetscReal* x, const PetscScalar* c, std::vector<PetscScalar>* out) {
            kernel(dim, 0, nAux, nullptr, nullptr, u, nullptr, u_x, aOff, aOff_x, a, nullptr, a_x,
                   0.0, 0.0, x, 64, c, out[0].data(), out[1].data(), out[2].data(), out[3].data());
          });
    };
    // Residual outputs: f0 and f1 through the fused kernel (the shift argument is unused).
    residualPresent_ = detect(
        1 + nd, [](PetscInt dim, PetscInt Nf, PetscInt NfAux, const PetscInt* uOff,
                   const PetscInt* uOff_x, const PetscScalar* u, const PetscScalar* u_t,
                   const PetscScalar* u_x, const PetscInt* aOff, const PetscInt* aOff_x,
                   const PetscScalar* a, const PetscScalar* a_t, const PetscScalar* a_x,
                   PetscReal t, PetscReal, const PetscReal* x, PetscInt nc, const PetscScalar* c,
                   PetscScalar* f0, PetscScalar* f1, PetscScalar*, PetscScalar*) {
          K::both(dim, Nf, NfAux, uOff, uOff_x, u, u_t, u_x, aOff, aOff_x, a, a_t, a_x, t, x, nc, c,
                  f0, f1);
        });
    state_ = detect(1 + nd, &K::template jacAll<true>);
    parameter_ = detect(1 + nd, &K::template jacAll<false>);
    const int nSecond = 1 + nd + 3;
    wuu_ = detect(nSecond, &K::template hessAll<true, true>);
    wum_ = detect(nSecond, &K::template hessAll<true, false>);
    wmm_ = detect(nSecond, &K::template hessAll<false, false>);
    // The second-order residuals have f0 (f1) where a Hessian block row does: value (gradient)
    // test rows of W_uu or W_um on the state side, of W_mm or W_mu on the parameter side.
    secondState_ = {wuu_[0] || wuu_[1] || wum_[0] || wum_[1],
                    wuu_[2] || wuu_[3] || wum_[2] || wum_[3]};
    const auto wmu = detect(nSecond, &K::template hessAll<false, true>);
    secondParam_ = {wmm_[0] || wmm_[1] || wmu[0] || wmu[1], wmm_[2] || wmm_[3] || wmu[2] || wmu[3]};
  }

  std::string name() const override { return Physics::name; }
  ResidualKernels residual() const override {
    return {residualPresent_[0] ? &K::f0 : nullptr, residualPresent_[1] ? &K::f1 : nullptr,
            &K::both};
  }
  JacobianKernels stateJacobian() const override {
    return blocks<true>(state_, &K::template jacAll<true>);
  }
  JacobianKernels parameterJacobian() const override {
    return blocks<false>(parameter_, &K::template jacAll<false>);
  }
  bool hasSecondOrder() const override { return true; }
  ResidualKernels secondOrderState() const override {
    return {secondState_[0] ? &K::template second<true, 0> : nullptr,
            secondState_[1] ? &K::template second<true, 1> : nullptr,
            &K::template secondBoth<true>};
  }
  ResidualKernels secondOrderParameter() const override {
    return {secondParam_[0] ? &K::template second<false, 0> : nullptr,
            secondParam_[1] ? &K::template second<false, 1> : nullptr,
            &K::template secondBoth<false>};
  }
  JacobianKernels secondOrderBlock(SecondOrderBlock block) const override {
    switch (block) {
      case SecondOrderBlock::Wuu:
        return hessBlocks<true, true>(wuu_);
      case SecondOrderBlock::Wum:
        return hessBlocks<true, false>(wum_);
      case SecondOrderBlock::Wmm:
        return hessBlocks<false, false>(wmm_);
    }
    return {};
  }
  bool linearInState() const override { return Physics::linearInState; }
  bool spdElliptic() const override { return Physics::spdElliptic; }
  bool scalarElliptic() const override {
    return Physics::spdElliptic && Physics::stateComponents(2) == 1;
  }
  bool symmetricJacobian() const override { return Physics::symmetricJacobian; }
  bool boundaryValueProblem() const override { return Physics::boundaryValueProblem; }
  int stateComponents(int dim) const override { return byDimValue(dim, true); }
  int parameterComponents(int dim) const override { return byDimValue(dim, false); }
  std::vector<DataField> dataFields() const override { return Physics::dataFields(); }
  int extraQuadraturePoints() const override { return Physics::extraQuadraturePoints; }
  std::vector<PetscScalar> constants() const override { return constants_; }
  std::unique_ptr<PdeOperator> adTwin() const override {
    return std::make_unique<AdOperator<Physics>>(constants());
  }

 private:
  static int byDimValue(int dim, bool state) {
    switch (dim) {
      case 1:
        return state ? Physics::stateComponents(1) : Physics::parameterComponents(1);
      case 2:
        return state ? Physics::stateComponents(2) : Physics::parameterComponents(2);
      default:
        return state ? Physics::stateComponents(3) : Physics::parameterComponents(3);
    }
  }
  template <bool wrtState>
  static JacobianKernels blocks(const std::array<bool, 4>& p, PointJacobianAll all) {
    JacobianKernels k;
    if (p[0]) k.g0 = &K::template jac<wrtState, 0>;
    if (p[1]) k.g1 = &K::template jac<wrtState, 1>;
    if (p[2]) k.g2 = &K::template jac<wrtState, 2>;
    if (p[3]) k.g3 = &K::template jac<wrtState, 3>;
    k.all = all;
    return k;
  }
  template <bool rows, bool cols>
  static JacobianKernels hessBlocks(const std::array<bool, 4>& p) {
    JacobianKernels k;
    if (p[0]) k.g0 = &K::template hess<rows, cols, 0>;
    if (p[1]) k.g1 = &K::template hess<rows, cols, 1>;
    if (p[2]) k.g2 = &K::template hess<rows, cols, 2>;
    if (p[3]) k.g3 = &K::template hess<rows, cols, 3>;
    if (!k.empty()) k.all = &K::template hessAll<rows, cols>;
    return k;
  }

  std::vector<PetscScalar> constants_;
  std::array<bool, 4> residualPresent_{}, state_{}, parameter_{}, wuu_{}, wum_{}, wmm_{};
  std::array<bool, 2> secondState_{}, secondParam_{};
};

// Adds AdOperator<Physics> to the operator registry under Physics::name; a name already taken
// (a built-in operator, or one a plugin added) is an InputError, not a silent replacement.
template <class Physics>
void registerAdOperator(const std::string& help) {
  require(!operatorRegistry().contains(Physics::name),
          std::string("operator '") + Physics::name +
              "' is already registered; give the new one another name");
  operatorRegistry().add(
      Physics::name, [] { return std::make_unique<AdOperator<Physics>>(); }, help);
}

}  // namespace pdeinv

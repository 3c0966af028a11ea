#pragma once
// Assembler: turns pointwise kernels into residuals, Jacobians and parameter Jacobians.
//
// Kernels use PETSc's own pointwise signatures (PetscPointFunc, PetscPointJac; see PETSc's
// snes/tutorials/ex12.c), so a kernel written for PETSc works here unchanged. The weak form is
//
//   R_i(u; a) = Σ_cells ∫ φ_i · f0(u, ∇u, a, ∇a, x) + ∇φ_i : f1(u, ∇u, a, ∇a, x) dx
//
// where u is the state field and a = (a_0, a_1, ...) are coefficient fields passed to kernels
// as PETSc's auxiliary fields (a[], a_x[]); by pdeinv convention a_0 is the inversion
// parameter m. The Jacobian with respect to a trial field w (w = u for ∂R/∂u, w = a_k for
// ∂R/∂a_k) takes the four PETSc blocks g0 = ∂f0/∂w, g1 = ∂f0/∂∇w, g2 = ∂f1/∂w, g3 = ∂f1/∂∇w:
//
//   K_ij = Σ ∫ φ_i g0 ψ_j + φ_i g1 ∇ψ_j + ∇φ_i g2 ψ_j + ∇φ_i g3 ∇ψ_j dx.
//
// Why a hand-written element loop instead of DMPlexSNESComputeResidualFEM: PETSc 3.18 cannot
// differentiate with respect to an auxiliary field, and the parameter Jacobian ∂R/∂m (and its
// transpose action) is what every adjoint gradient needs. The loop uses PETSc for everything
// else — closures, geometry, tabulation, scattering — and Eigen for the element algebra.
#include <petscds.h>

#include <Eigen/Dense>
#include <functional>
#include <vector>

#include "pdeinv/core/handle.hpp"
#include "pdeinv/fem/function_space.hpp"

namespace pdeinv {

// Fused entry points (optional): f0 and f1, or g0–g3, of one point from one call — for kernels
// that compute them together (automatic differentiation, fem/dual.hpp). The arguments are
// PETSc's pointwise ones followed by the outputs; an output pointer is null when its block is
// absent. The separate f0/f1 and g0–g3 pointers still say which outputs exist.
using PointResidualBoth = void (*)(PetscInt, PetscInt, PetscInt, const PetscInt[], const PetscInt[],
                                   const PetscScalar[], const PetscScalar[], const PetscScalar[],
                                   const PetscInt[], const PetscInt[], const PetscScalar[],
                                   const PetscScalar[], const PetscScalar[], PetscReal,
                                   const PetscReal[], PetscInt, const PetscScalar[],
                                   PetscScalar f0[], PetscScalar f1[]);
using PointJacobianAll = void (*)(PetscInt, PetscInt, PetscInt, const PetscInt[], const PetscInt[],
                                  const PetscScalar[], const PetscScalar[], const PetscScalar[],
                                  const PetscInt[], const PetscInt[], const PetscScalar[],
                                  const PetscScalar[], const PetscScalar[], PetscReal, PetscReal,
                                  const PetscReal[], PetscInt, const PetscScalar[],
                                  PetscScalar g0[], PetscScalar g1[], PetscScalar g2[],
                                  PetscScalar g3[]);

struct ResidualKernels {
  PetscPointFunc f0 = nullptr, f1 = nullptr;
  PointResidualBoth both = nullptr;  // optional: f0 and f1 in one call
};

struct JacobianKernels {
  PetscPointJac g0 = nullptr, g1 = nullptr, g2 = nullptr, g3 = nullptr;
  PointJacobianAll all = nullptr;  // optional: the present blocks in one call
  bool empty() const { return !g0 && !g1 && !g2 && !g3; }
};

class Assembler {
 public:
  // state: test space (and trial space of ∂R/∂u); aux: coefficient spaces in kernel order.
  // extraQuadraturePoints raises the quadrature above degree+1 points per direction.
  Assembler(const FunctionSpace& state, std::vector<const FunctionSpace*> aux,
            int extraQuadraturePoints = 0);
  ~Assembler();
  Assembler(const Assembler&) = delete;
  Assembler& operator=(const Assembler&) = delete;

  void setConstants(std::vector<PetscScalar> constants) { constants_ = std::move(constants); }
  // Aux fields are loaded with zero Dirichlet values (they are usually directions or adjoints);
  // an aux field that holds an actual state gets its Dirichlet values with this switch.
  void insertBoundaryValues(int auxField, bool insert = true);
  const FunctionSpace& state() const { return *state_; }
  const FunctionSpace& aux(int k) const { return *aux_.at(k); }
  int numAux() const { return static_cast<int>(aux_.size()); }
  // From now on residuals, Jacobians and their actions integrate over these local cells only
  // (numbered 0 … local cells − 1, in cellClosure order): for forms supported on a few cells,
  // such as a functional of the state near a boundary. massRootApply, the pair accumulation
  // and errorNorms keep integrating over every cell.
  void restrictToCells(std::vector<PetscInt> cells);
  // The cell quadrature every form is integrated with (reference cell [-1, 1]^d).
  PetscQuadrature quadrature() const;

  // r = R(u; a). u == nullptr means u = 0 (plus its Dirichlet values).
  void residual(const ResidualKernels& k, Vec u, const std::vector<Vec>& a, Vec r,
                PetscReal t = 0) const;

  // ∂R/∂u into J (from createStateMatrix). Entries are zeroed first.
  Owned<Mat> createStateMatrix() const;
  void stateJacobian(const JacobianKernels& k, Vec u, const std::vector<Vec>& a, Mat J,
                     PetscReal t = 0) const;

  // r = R(u; a) and J = ∂R/∂u(u; a) in one pass over the cells (each field evaluated once per
  // quadrature point for both): for solvers that need both at the same point.
  void residualAndJacobian(const ResidualKernels& kr, const JacobianKernels& kj, Vec u,
                           const std::vector<Vec>& a, Vec r, Mat J, PetscReal t = 0) const;

  // ∂R/∂a_k: rows are state dofs, columns aux-field-k dofs.
  Owned<Mat> createAuxMatrix(int k) const;
  void auxJacobian(const JacobianKernels& kern, int k, Vec u, const std::vector<Vec>& a, Mat Jk,
                   PetscReal t = 0) const;
  // ∂R/∂a_k for residual kernels affine in aux field k (such as the operators' second-order
  // kernels, linear in the direction): the pointwise derivatives are read off the residual
  // kernels by probing, so no Jacobian kernels are needed; `derivative`, when given, holds
  // their Jacobian kernels and is used instead (one kernel call per point instead of 1 + the
  // probes). Jk from createAuxMatrix(k).
  void linearAuxJacobian(const ResidualKernels& kern, int k, Vec u, const std::vector<Vec>& a,
                         Mat Jk, PetscReal t = 0, const JacobianKernels& derivative = {}) const;
  // Matrix-free: y = (∂R/∂a_k) x  (x in aux space k, y in state space), or with transpose,
  // y = (∂R/∂a_k)ᵀ x (x in state space, y in aux space k).
  void applyAuxJacobian(const JacobianKernels& kern, int k, Vec u, const std::vector<Vec>& a, Vec x,
                        Vec y, bool transpose, PetscReal t = 0) const;

  // Σ_p c_p (∂R/∂a_k)(u_p)ᵀ ζ_p over many pairs (u_p, ζ_p) — the parameter gradient of a time
  // sweep, one pair per Runge–Kutta stage — for kernels affine in u (R linear in u) and
  // independent of t: accumulatePairs adds c (u ⊗ ζ) restricted to each cell into `pairs`, a
  // flop-cheap O(cells · n_b²) update with no kernel call (u's free dofs only: its Dirichlet
  // values u_D are fixed, so their part, u_D ⊗ Σ c ζ, is added once in contractPairs).
  // contractPairs then does the one assembly, y += Σ_cells [K(0)ᵀ Z + Σ_a (K(φ_a) − K(0))ᵀ S_a]
  // with K(w) the element Jacobian at the state w, Z = Σ c ζ and S = Σ c u ⊗ ζ. This is exact
  // because K(u) is affine in u's coefficients.
  struct CellPairs {
    std::vector<PetscScalar> S, Z;  // per cell: n_b × n_b (row a: u's dof), n_b
    void clear() { S.clear(), Z.clear(); }
  };
  void accumulatePairs(Vec u, Vec zeta, PetscReal c, CellPairs& pairs) const;
  void contractPairs(const JacobianKernels& kern, int k, const std::vector<Vec>& a,
                     const CellPairs& pairs, Vec y) const;

  // r = Wᵀ ξ, where W is the quadrature-point square root of the mass matrix this assembler
  // assembles (M = WᵀW: row (cell c, point q, component k) of W is √(w_q det J_c(x_q)) times
  // the test functions' component k at x_q) and ξ_{c,q,k} = noise(x_q, k). With noise a
  // standard normal number per point, r ~ N(0, M) exactly: white noise in L2 for Gaussian
  // fields (a prior sample is A⁻¹ r), the consistent-mass version of M_L^{1/2} w. The points
  // lie inside the cells, so x_q names (c, q) independently of the partition.
  using PointNoise = std::function<PetscReal(const PetscReal x[], int component)>;
  void massRootApply(const PointNoise& noise, Vec r) const;

  // ‖u − u_exact‖_L2 and |u − u_exact|_H1 (gradient seminorm) by the assembler's quadrature.
  struct ErrorNorms {
    PetscReal l2 = 0, h1semi = 0;
  };
  using ExactSolution =
      std::function<void(const PetscReal x[], PetscScalar u[], PetscScalar grad_u[])>;
  ErrorNorms errorNorms(Vec u, const ExactSolution& exact) const;

  // ∫ f(u, ∇u, x) dx over the domain for a pointwise scalar integrand.
  using Integrand =
      std::function<PetscReal(const PetscScalar u[], const PetscScalar u_x[], const PetscReal x[])>;
  PetscReal integrate(Vec u, const Integrand& f) const;

 private:
  struct Impl;
  Impl* impl_;
  const FunctionSpace* state_;
  std::vector<const FunctionSpace*> aux_;
  std::vector<PetscScalar> constants_;
};

}  // namespace pdeinv

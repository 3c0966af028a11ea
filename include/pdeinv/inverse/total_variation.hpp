#pragma once
// Edge-preserving and sparsity-promoting regularizations, smoothed so that Newton's method
// applies:
//
//   tv   R(m) = γ ∫ √(|∇m|² + ε) dx          (total variation; ε > 0 the smoothing)
//   l1   R(m) = γ ∫ √((m − m0)² + ε) dx       (sparsity of the field about m0)
//
// Both are convex, with the gradient and the exact Hessian (n = √(|Dm|² + ε), Dm = ∇m or m − m0)
//
//   ⟨∇R, v⟩   = γ ∫ Dm·Dv / n,
//   ⟨∇²R dm, v⟩ = γ ∫ Ddm·Dv / n − (Dm·Ddm)(Dm·Dv) / n³.
//
// Why a primal-dual Hessian (tv): across an edge the exact Hessian's curvature in the gradient's
// direction is γ ε / n³ — for small ε almost nothing — so Newton's model of R is flat there and
// its steps overshoot; plain Newton-CG then needs hundreds of iterations, each with a short
// backtracked step. Chan, Golub and Mulet's primal-dual Newton method introduces the dual
// variable w = ∇m / n (|w| ≤ 1), linearizes the pair (γ ∫ w·∇v = −∇(misfit), n w − ∇m = 0), and
// eliminates the dual update. What remains is a Newton step in m with the Hessian
//
//   ⟨H_pd dm, v⟩ = γ ∫ (1/n) [∇dm·∇v − ½ ((w·∇dm)(∇m·∇v) + (∇m·∇dm)(w·∇v)) / n]
//
// (symmetrized), equal to the exact Hessian when w = ∇m/n and positive semi-definite whenever
// |w| ≤ 1, after which w takes its own Newton step
//
//   dw = (1/n)(∇dm − (∇m·∇dm / n) w) − w + ∇m / n,
//
// as far as |w + α dw| ≤ 1 allows (α = min(1, 0.99 α_max) per cell; w only shapes the Hessian
// model, so a cell with a short step does not hold back the others). The optimizer drives this
// through linearizeAt(): at each new iterate m_k, the dual steps with dm = m_k − m_{k−1} from the
// previous linearization, and the Hessian actions at m_k then use H_pd. Hessian actions at any
// other point are exact (so the derivative checks see the exact Hessian). The dual lives in P0
// (one vector per cell): exact for P1 parameters on simplices, where ∇m is constant per cell;
// for other elements it is the cell average (still |w| ≤ 1, so H_pd stays semi-definite).
//
// Preconditioner (applyPreconditioner, used by the optimizers in place of a Hessian inverse,
// which these R do not have: constants, or any m with Dm = 0 on a region, are in the kernel of
// the tv Hessian's flat part): P = H + s (γ/√ε) M, H the Hessian at the last linearization
// (H_pd or exact), M the mass matrix, s = -<prefix>pc_shift (default 1). Where m is flat,
// H ≈ γ/√ε K (K the stiffness matrix), so P ≈ γ/√ε (K + s M): an H1 metric at the scale of the
// flat regions, lifting the kernel of H. Measured on the flagship disc problem (GN-CG
// iterations to a 10⁶-fold gradient reduction, 1 % noise, γ = 10, ε = 1e-4): s = 1e-2: 33,
// 1e-1: 20, 1: 17; with 0.1 % noise and β = 564: 26, 17, 16. P is factored once per
// linearization (a direct Cholesky factorization in 2-D, options -<prefix>tv_ksp_*,
// -<prefix>tv_pc_*; l1: -<prefix>l1_*).
// Options (prefix reg_): -reg_gamma γ, -reg_epsilon ε (> 0; default 1e-3), -reg_primal_dual
// (tv; default true), -reg_pc_shift s (> 0), -reg_m0 (l1).
// Restart: the dual is not part of a checkpoint; a restarted run starts it again at ∇m/n, so
// its iterates differ from an uninterrupted run's (the minimiser is the same).
#include <memory>
#include <string>

#include "pdeinv/inverse/regularization.hpp"

namespace pdeinv {

struct SmoothedL1Settings {
  enum class Kind { TotalVariation, Field };
  Kind kind = Kind::TotalVariation;
  PetscReal gamma = 1;
  PetscReal epsilon = 1e-3;
  bool primalDual = true;  // tv only
  PetscReal pcShift = 1;
  std::string m0 = "0";  // l1 only
  std::string prefix = "reg_";

  std::string flag(const std::string& name) const { return "-" + prefix + name; }
  // InputError naming the option for γ ≤ 0, ε ≤ 0, a negative shift, or non-finite values.
  void validate() const;
};

std::unique_ptr<Regularization> makeSmoothedL1Regularization(const FunctionSpace& parameter,
                                                             const SmoothedL1Settings& settings);

}  // namespace pdeinv

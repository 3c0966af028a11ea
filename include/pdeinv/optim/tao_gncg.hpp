#pragma once
// Inexact Gauss–Newton–CG (and Newton–CG) for unconstrained minimisation, registered as the TAO
// type "pdeinvgncg" (TAOPDEINVGNCG), so `-tao_type pdeinvgncg` selects it once
// pdeinv::registerTaoGNCG() has been called (after PetscInitialize).
//
// One iteration at x_k:  H_k p = -g_k is solved inexactly by preconditioned CG to the relative
// tolerance η_k (Eisenstat–Walker forcing), ‖r‖_M <= η_k ‖g_k‖_M with ‖v‖_M² = vᵀMv; CG stops at
// the first direction of non-positive curvature (if that is the first direction, the step is the
// preconditioned steepest descent direction -M g_k); then Armijo backtracking on the objective:
// x_{k+1} = x_k + α p with the first α ∈ {1, ½, ¼, ...} such that f(x_k + α p) <= f(x_k) + c α
// g_kᵀp + ftol |f(x_k)| (ftol the relative rounding error of f: near the minimiser the decrease is
// below it).
//
// What the method needs from the application (only the standard TAO callbacks):
//  * the objective: TaoSetObjective (or TaoSetObjectiveAndGradient) and the gradient:
//    TaoSetGradient (or TaoSetObjectiveAndGradient). The objective is evaluated alone at trial
//    points (TaoComputeObjective), the gradient at accepted points (TaoComputeGradient).
//  * FAILED EVALUATIONS: when the objective cannot be evaluated at a trial point (e.g. the
//    forward solve fails), the objective callback must return error code 0 and set
//    f = PETSC_INFINITY (any f >= PETSC_INFINITY = PETSC_MAX_REAL/4, which in PETSc is a finite
//    number, and IEEE inf or NaN are treated the same). The step is rejected and the line search
//    backtracks. A PETSc error returned by the callback is not recoverable and aborts the solve.
//    The objective at the initial point must be finite.
//  * the Hessian: TaoSetHessian(tao, H, P, hessianCallback, ctx), H usually a MATSHELL applying
//    the (Gauss–Newton or Newton) Hessian at the point of the last TaoComputeHessian.
//  * the PRECONDITIONER is the Mat P = tao->hessian_pre, used as the *action of the
//    preconditioner*: MatMult(P, r, z) must apply z = M r with M ≈ H⁻¹ symmetric positive definite,
//    typically the inverse of the regularisation / prior Hessian (a MATSHELL). This is not the
//    usual TAO/KSP meaning of Pmat (a matrix to build a PC from); the two agree only for PCs that
//    are given explicitly. If P is NULL or P == H, or with -tao_gncg_pc none, CG is
//    unpreconditioned.
//  * Gauss–Newton vs Newton: the application's Hessian callback decides which Hessian it builds.
//    taoGNCGSetHessianSwitch() installs a function that the method calls immediately before
//    every Hessian evaluation with newton = (-tao_gncg_newton && iteration >= gn_iterations).
//
// Options (prefix -tao_gncg_, also printed by -tao_view):
//   -tao_gncg_forcing sqrt|ew2|fixed  forcing term η_k (default sqrt):
//        sqrt:  η_k = min(eta_max, sqrt(‖g_k‖/‖g_0‖))           (as in hIPPYlib)
//        ew2:   Eisenstat–Walker choice 2, η_k = min(eta_max, γ(‖g_k‖/‖g_{k-1}‖)^α) safeguarded by
//               max(·, γ η_{k-1}^α) when γ η_{k-1}^α > 0.1; η at the first iteration is eta_max
//        fixed: η_k = eta_max
//   -tao_gncg_eta_max 0.5             upper bound on η_k
//   -tao_gncg_ew_gamma 0.9, -tao_gncg_ew_alpha 2   parameters of ew2
//   -tao_gncg_cg_maxit 100            CG iterations per Newton step
//   -tao_gncg_pc pmat|none            precondition CG with tao->hessian_pre (default) or not
//   -tao_gncg_c_armijo 1e-4           Armijo constant c
//   -tao_gncg_max_backtrack 12        backtracking steps before TAO_DIVERGED_LS_FAILURE
//   -tao_gncg_armijo_ftol 1e-12       relative rounding error of f allowed in the Armijo test
//   -tao_gncg_newton false            switch from Gauss–Newton to Newton after gn_iterations
//   -tao_gncg_gn_iterations 3         Gauss–Newton iterations before Newton (with -tao_gncg_newton)
//        Default: Gauss–Newton throughout. Its Hessian is positive semi-definite (CG is then well
//        posed and the regularisation makes it definite), needs no second-order adjoints, and for
//        the small-residual problems typical of inversion with low noise it converges nearly as
//        fast as Newton; far from the minimiser the Newton Hessian may be indefinite. With
//        -tao_gncg_newton, 3 Gauss–Newton iterations first bring the iterate closer before the
//        (locally quadratic) Newton iterations.
// TAO's own options apply: -tao_gatol, -tao_grtol, -tao_gttol, -tao_max_it, -tao_max_funcs,
// -tao_fmin, -tao_monitor, -tao_converged_reason, -tao_view, custom convergence tests.
// TaoGetLinearSolveIterations reports the total CG iterations, TaoGetIterationNumber the
// (global, restart-aware) iteration number.
//
// Restart: the method's whole state between iterations is GNCGState. A driver that saves the
// iterate x_k and taoGNCGGetState() after a solve (or from a monitor), and later calls
// TaoSetSolution(x_k) and taoGNCGSetState() on a fresh Tao with the same options, obtains the
// same iterates (bitwise on the same number of ranks) as an uninterrupted run, provided the
// application's callbacks are deterministic. Iteration numbers (monitor, max_it) continue from
// state.iteration (TaoSetIterationNumber before TaoSolve has no effect: TaoSolve resets the
// statistics; set GNCGState::iteration to start at another iteration number).
#include <petsctao.h>

#include <functional>

#define TAOPDEINVGNCG "pdeinvgncg"

namespace pdeinv {

// Registers the TAO type TAOPDEINVGNCG. Idempotent; call after PetscInitialize and before
// TaoSetFromOptions/TaoSetType select it.
void registerTaoGNCG();

// Sets the function called before each Hessian evaluation (newton = use the Newton Hessian,
// otherwise Gauss–Newton). An empty function removes it. It is composed on the Tao, so it may be
// set before the type is chosen; other TAO types ignore it.
void taoGNCGSetHessianSwitch(Tao tao, std::function<void(bool newton)> hessianSwitch);

// The exact Gauss–Newton step p = −H_GN⁻¹ g at x, used instead of CG in the Gauss–Newton
// iterations when -tao_gncg_step data_space is given (optim/data_space_step.hpp). Newton
// iterations keep CG. An empty function removes it.
void taoGNCGSetDataSpaceStep(Tao tao, std::function<void(Vec x, Vec g, Vec p)> step);
// Whether the Tao is a pdeinvgncg set (by options) to take data-space steps.
bool taoGNCGUsesDataSpace(Tao tao);

// The state carried from one iteration to the next.
struct GNCGState {
  PetscInt iteration = 0;    // number of the next iterate's iteration (TaoGetIterationNumber)
  PetscInt cgTotal = 0;      // CG iterations so far (TaoGetLinearSolveIterations)
  PetscReal gnorm0 = -1;     // ‖g_0‖ of the first iteration of the run; < 0: not yet known
  PetscReal gnormPrev = -1;  // ‖g_{k-1}‖ (for ew2); < 0: none
  PetscReal etaPrev = -1;    // η_{k-1} (for ew2); < 0: none
  PetscReal step = 0;        // step length of the last iteration (for the monitor)
};

// The state that goes with the current iterate tao->solution: after TaoSolve, the state of its
// last iterate; inside a monitor (TaoSetMonitor), the state of the iterate being monitored, so a
// driver can checkpoint (x, state) at any iteration.
GNCGState taoGNCGGetState(Tao tao);
// Makes the next TaoSolve resume from this state (used once, by the next TaoSolve).
void taoGNCGSetState(Tao tao, const GNCGState& state);

// Counters of the last TaoSolve, to see what the globalisation did.
struct GNCGStatistics {
  PetscInt hessianEvaluations = 0;
  PetscInt cgIterations = 0;
  PetscInt negativeCurvatureExits = 0;  // CG stopped on a direction with dᵀHd <= 0
  PetscInt steepestDescentSteps = 0;    // ... at the first CG direction: step -M g
  PetscInt backtracks = 0;              // halvings of the step
  PetscInt failedEvaluations = 0;       // trial objectives that were +inf / NaN
  PetscInt newtonIterations = 0;        // iterations with newton = true
  PetscInt dataSpaceSteps = 0;          // Gauss–Newton steps taken in data space
};
GNCGStatistics taoGNCGGetStatistics(Tao tao);

}  // namespace pdeinv

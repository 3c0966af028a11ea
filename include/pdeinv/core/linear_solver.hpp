#pragma once
// The default linear solver of a KSP: a sparse direct factorization where it is fastest, a
// Krylov method with a preconditioner beyond.
//
// Measured on the subsurface benchmark (P2 Poisson on the 128² structured mesh, 66 049 dofs,
// one rank): PETSc's own Cholesky factors in 0.1 s with AMD ordering (0.13 s with nested
// dissection) and solves in ~3.5 ms; CG + BoomerAMG to rtol 1e-10 needs 0.03 s to set up and
// ~25 ms per solve; MUMPS factors in 0.07–0.23 s but solves in 7–25 ms (its solve phase has a
// large fixed cost). An inverse problem solves hundreds of times per factorization, so 2-D
// problems take the factorization. PETSc's own factorizations are serial: in parallel,
// moderate sizes are factored redundantly on every rank (faster than MUMPS on the benchmark),
// larger ones by MUMPS. 3-D problems are factored by MUMPS on any number of ranks: with
// their denser fronts its BLAS-3 factorization wins (Q2, 3-D box, 1 rank: 12 167 unknowns
// factor + solve 0.24 s with MUMPS, 0.66 s PETSc/ND, 0.24 s one CG+AMG solve; two further
// solves 8 ms against 69 ms with AMG; 59 319 unknowns: 2.3 s and 0.11 s against 1.4 s and
// 0.54 s with AMG, so the factorization pays from three Hessian actions per parameter on).
// 2-D fill grows as N log N and 3-D fill as N^{4/3}: beyond `directMaxDofs2d` and
// `directMaxDofs3d` unknowns AMG takes over.
//
// The choice is an option, -<prefix>solver direct | iterative | auto (default auto). Under
// auto, Krylov settings given by option (-<prefix>ksp_type cg, -<prefix>pc_type gamg,
// -<prefix>ksp_rtol ...) choose the iterative solver; explicit -<prefix>ksp_type and
// -<prefix>pc_type options override what this sets, as usual.
#include <petscksp.h>

#include <string>

#include "pdeinv/core/options.hpp"

namespace pdeinv {

enum class MatrixKind { Spd, General };

struct LinearSolverDefaults {
  MatrixKind kind = MatrixKind::General;
  int dim = 2;                // mesh dimension
  PetscInt globalSize = 0;    // rows of the matrix
  PetscReal rtol = 1e-10;     // Krylov tolerance (iterative solvers)
  bool jacobiForSpd = false;  // a well-conditioned SPD matrix (mass): CG + Jacobi suffices
  static constexpr PetscInt directMaxDofs3d = 60000;
  // 2-D fill grows as N log N; beyond this size the factor's memory (≈ 0.6 GB for Q1 at 10⁶
  // unknowns) outweighs its speed, and AMG takes over.
  static constexpr PetscInt directMaxDofs2d = 500000;
  // In parallel, up to this size every rank factors the whole matrix (PCREDUNDANT with PETSc's
  // own factorization); beyond it MUMPS factors it distributed.
  static constexpr PetscInt redundantMaxDofs = 300000;
  // Beyond this size an SPD 2-D matrix is factored by SuiteSparse's CHOLMOD (supernodal, METIS
  // or AMD ordering chosen by CHOLMOD) where PETSc has it, else by PETSc's own Cholesky.
  // Subsurface benchmark, one rank, time-to-MAP: 180² (130 321 unknowns) 12.2 s CHOLMOD against
  // 11.9 s; 256² (262 143) 47.6 s against 54.4 s: CHOLMOD factors in 0.47 s against 0.93 s
  // but its solves take 14 ms against 7.9 ms, so it pays once factorizations dominate.
  static constexpr PetscInt cholmodMinDofs = 150000;
};

// Sets the KSP's type, preconditioner and tolerances before KSPSetFromOptions, reading
// -<prefix>solver. Returns true when the direct solver was chosen.
bool setDefaultLinearSolver(KSP ksp, const Options& opts, const LinearSolverDefaults& d);

// X = A⁻¹ B for a dense B (n × k) on one rank, through the KSP's own factorization when it is
// PETSc's sequential Cholesky (KSPPREONLY + PCCHOLESKY, solver type petsc): one pass over the
// factor per block of 16 right-hand sides. PETSc 3.18's MatMatSolve for that factor solves
// column by column, streaming the 30 MB factor of a 66k-unknown P2 problem once per column
// (3.8 ms each, memory-bound); the blocked pass reads it once for 16. The factor is read through
// the public SeqSBAIJ accessors (rows of −U with the inverse pivot last, A = Pᵀ Uᵀ D U P), and
// each call checks its first column against PETSc's own solve: on any other layout or ordering
// it returns false and the caller uses KSPMatSolve. In parallel under PCREDUNDANT (every rank
// factors the whole matrix) the columns are dealt out to the ranks, each solving its share on
// its own factor. Returns false, doing nothing, for any other KSP (collectively). B and X are
// dense with the KSP's row layout.
bool blockFactorSolve(KSP ksp, Mat B, Mat X);

// ‖x‖ is finite. A direct solve (KSPPREONLY) has no convergence test: a NaN right-hand side or
// a singular factor shows only in the solution, so solvers check it (one reduction).
bool finiteVector(Vec x);

// The preconditioner of PCREDUNDANT's inner solver (each rank's own copy of the whole
// matrix), or null when pc is of another type.
PC redundantInnerPc(PC pc);

// The KSP's converged reason as text, and for a failed factorization why it failed (a zero
// pivot means the matrix is singular, or not positive definite for Cholesky).
std::string linearSolveReason(KSP ksp);

}  // namespace pdeinv

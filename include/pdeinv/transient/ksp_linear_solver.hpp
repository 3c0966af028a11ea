#pragma once
// A SUNDIALS SUNLinearSolver whose solves are PETSc KSP solves.
//
// The solver is of type SUNLINEARSOLVER_MATRIX_EMBEDDED: ARKODE hands it no SUNMatrix (there is
// no PETSc SUNMatrix in SUNDIALS 6), and the owner refreshes the KSP's operators in the setup
// callback (e.g. assembles M − γJ with γ from ARKStepGetCurrentGamma). The vectors must be
// NVECTOR_PETSC. ARKODE's requested tolerance is ignored: the KSP uses its own (options) rtol.
//
// Error codes: a setup callback that throws or returns < 0 → SUNLS_PSET_FAIL_UNREC (> 0 →
// SUNLS_PSET_FAIL_REC); a KSP that diverges → SUNLS_CONV_FAIL (recoverable: ARKODE retries with
// a smaller step); a PETSc error inside KSPSolve → SUNLS_PACKAGE_FAIL_UNREC.
#include <petscksp.h>
#include <sundials/sundials_context.h>
#include <sundials/sundials_linearsolver.h>

#include <exception>
#include <functional>

namespace pdeinv {

// setup: refreshes the KSP's operators; returns 0 on success, > 0 recoverable, < 0 fatal.
using KspSetupCallback = std::function<int()>;

// The KSP is referenced (not copied); the returned solver owns its content and is freed with
// SUNLinSolFree. The KSP must outlive it.
// prepare (optional) runs before every KSPSolve, with the same return convention.
SUNLinearSolver createKspLinearSolver(SUNContext ctx, KSP ksp, KspSetupCallback setup,
                                      KspSetupCallback prepare = {});

// The PetscFailure of the last KSPSolve that raised a PETSc error (null if none).
std::exception_ptr kspLinearSolverFailure(SUNLinearSolver S);

// Total KSP iterations of the solver's solves so far.
long kspLinearSolverIterations(SUNLinearSolver S);

}  // namespace pdeinv

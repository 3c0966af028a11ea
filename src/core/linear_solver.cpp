#include "pdeinv/core/linear_solver.hpp"

#include <cmath>

#include "pdeinv/core/error.hpp"

namespace pdeinv {

bool setDefaultLinearSolver(KSP ksp, const Options& opts, const LinearSolverDefaults& d) {
  const auto choice = opts.getString(
      "solver", "auto",
      "linear solver: direct (sparse Cholesky/LU, factored once per operator), iterative "
      "(Krylov + AMG) or auto (direct up to 500000 unknowns in 2-D and 60000 in 3-D)");
  require(choice == "auto" || choice == "direct" || choice == "iterative",
          opts.flag("solver") + " must be direct, iterative or auto, got '" + choice + "'");
  // Krylov settings given by option (-<prefix>pc_type gamg, -<prefix>ksp_rtol 1e-12, ...) ask
  // for an iterative solve, and auto honours them: under KSPPREONLY a preconditioner would be
  // applied once (a wrong answer) and a tolerance silently ignored.
  auto optionValue = [&](const char* name) -> std::string {
    char value[64] = "";
    PetscBool set = PETSC_FALSE;
    PDEINV_CALL(
        PetscOptionsGetString(nullptr, opts.prefix().c_str(), name, value, sizeof(value), &set));
    return set ? std::string(value) + " " : std::string();  // non-empty when set
  };
  const auto pcType = optionValue("-pc_type"), kspType = optionValue("-ksp_type");
  const bool iterativeAsked = (!pcType.empty() && pcType != "lu " && pcType != "cholesky ") ||
                              (!kspType.empty() && kspType != "preonly ") ||
                              opts.isSet("ksp_rtol") || opts.isSet("ksp_atol") ||
                              opts.isSet("ksp_max_it");
  const bool direct =
      choice == "direct" || (choice == "auto" && !iterativeAsked &&
                             (d.dim <= 2 ? d.globalSize <= LinearSolverDefaults::directMaxDofs2d
                                         : d.globalSize <= LinearSolverDefaults::directMaxDofs3d));
  PC pc = nullptr;
  PDEINV_CALL(KSPGetPC(ksp, &pc));
  MPI_Comm comm = PetscObjectComm(reinterpret_cast<PetscObject>(ksp));
  int size = 1;
  MPI_Comm_size(comm, &size);
  if (direct) {
    PDEINV_CALL(KSPSetType(ksp, KSPPREONLY));
    const PCType factor = d.kind == MatrixKind::Spd ? PCCHOLESKY : PCLU;
    // Approximate minimum degree (SuiteSparse's AMD, in Debian's PETSc) left less fill than
    // nested dissection on the benchmark: numeric factorizations 10–30 % faster at 128² in
    // alternating runs, ~20 % at 256², and ~11 % less peak memory there; nested dissection
    // where AMD is not built in.
    PetscErrorCode (*amd)(Mat, MatOrderingType, IS*, IS*) = nullptr;
    PDEINV_CALL(MatInitializePackage());  // registers the orderings
    PDEINV_CALL(PetscFunctionListFind(MatOrderingList, MATORDERINGAMD, &amd));
    const MatOrderingType ordering = amd ? MATORDERINGAMD : MATORDERINGND;
    PetscBool cholmod = PETSC_FALSE;
    if (d.kind == MatrixKind::Spd && d.globalSize > LinearSolverDefaults::cholmodMinDofs) {
      PetscBool anyType = PETSC_FALSE;
      MatSolverFunction create = nullptr;
      PDEINV_CALL(MatSolverTypeGet(MATSOLVERCHOLMOD, MATSEQAIJ, MAT_FACTOR_CHOLESKY, &anyType,
                                   &cholmod, &create));
    }
    auto serialFactor = [&](PC p) {
      PDEINV_CALL(PCSetType(p, factor));
      if (cholmod) {
        PDEINV_CALL(PCFactorSetMatSolverType(p, MATSOLVERCHOLMOD));
        return;
      }
      PDEINV_CALL(PCFactorSetMatSolverType(p, MATSOLVERPETSC));
      PDEINV_CALL(PCFactorSetMatOrderingType(p, ordering));
    };
    if (d.dim >= 3) {
      // 3-D fronts are dense: MUMPS's multifrontal BLAS-3 factorization beat PETSc's own by
      // 3–20× (Q2 on a 12³ box, 12 167 unknowns: 0.24 s against 0.66 s with nested dissection
      // and 1.33 s with AMD; 16³: 0.86 s against 15.6 s), and its solves are as fast there.
      PDEINV_CALL(PCSetType(pc, factor));
      PDEINV_CALL(PCFactorSetMatSolverType(pc, MATSOLVERMUMPS));
    } else if (size == 1) {
      serialFactor(pc);
    } else if (d.globalSize <= LinearSolverDefaults::redundantMaxDofs) {
      // Every rank factors the whole matrix with PETSc's own Cholesky and solves redundantly
      // (PCREDUNDANT): on the subsurface benchmark at 128² on 2 ranks this took 6.0–7.6 s to
      // the MAP point against 12.6 s with MUMPS, whose solve phase cost ~12–25 ms per solve
      // against ~4 ms; assembly, observation and prior still run in parallel.
      PDEINV_CALL(PCSetType(pc, PCREDUNDANT));
      KSP inner = nullptr;
      PC innerPc = nullptr;
      PDEINV_CALL(PCRedundantGetKSP(pc, &inner));
      PDEINV_CALL(KSPSetType(inner, KSPPREONLY));
      PDEINV_CALL(KSPGetPC(inner, &innerPc));
      serialFactor(innerPc);
    } else {
      PDEINV_CALL(PCSetType(pc, factor));
      PDEINV_CALL(PCFactorSetMatSolverType(pc, MATSOLVERMUMPS));
    }
    // A zero pivot is reported as a failed solve (KSP_DIVERGED_PC_FAILED), not an abort.
    PDEINV_CALL(KSPSetErrorIfNotConverged(ksp, PETSC_FALSE));
    return true;
  }
  if (d.kind == MatrixKind::Spd) {
    PDEINV_CALL(KSPSetType(ksp, KSPCG));
    if (d.jacobiForSpd) {
      PDEINV_CALL(PCSetType(pc, PCJACOBI));
    } else {
      PDEINV_CALL(PCSetType(pc, PCHYPRE));
      PDEINV_CALL(PCHYPRESetType(pc, "boomeramg"));
    }
  }
  PDEINV_CALL(KSPSetTolerances(ksp, d.rtol, 1e-50, PETSC_DEFAULT, 10000));
  return false;
}

bool finiteVector(Vec x) {
  PetscReal n = 0;
  PDEINV_CALL(VecNorm(x, NORM_2, &n));
  return std::isfinite(n);
}

std::string linearSolveReason(KSP ksp) {
  KSPConvergedReason reason;
  PDEINV_CALL(KSPGetConvergedReason(ksp, &reason));
  std::string text = KSPConvergedReasons[reason];
  if (reason == KSP_DIVERGED_PC_FAILED) {
    PC pc = nullptr;
    PCFailedReason failed = PC_NOERROR;
    PDEINV_CALL(KSPGetPC(ksp, &pc));
    PDEINV_CALL(PCGetFailedReason(pc, &failed));
    PetscBool redundant = PETSC_FALSE;
    PDEINV_CALL(PetscObjectTypeCompare(reinterpret_cast<PetscObject>(pc), PCREDUNDANT, &redundant));
    if (failed == PC_SUBPC_ERROR && redundant) {  // every rank's own factorization failed alike
      KSP inner = nullptr;
      PC innerPc = nullptr;
      PDEINV_CALL(PCRedundantGetKSP(pc, &inner));
      PDEINV_CALL(KSPGetPC(inner, &innerPc));
      PDEINV_CALL(PCGetFailedReason(innerPc, &failed));
    }
    if (failed == PC_FACTOR_NUMERIC_ZEROPIVOT || failed == PC_FACTOR_STRUCT_ZEROPIVOT) {
      text +=
          " (zero pivot in the factorization: the matrix is singular, or not positive "
          "definite, at this point)";
    } else if (failed == PC_FACTOR_OUTMEMORY) {
      text += " (out of memory in the factorization)";
    } else if (failed != PC_NOERROR) {
      text += std::string(" (") + PCFailedReasons[failed] + ")";
    }
  }
  return text;
}

}  // namespace pdeinv

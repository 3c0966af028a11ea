#include "pdeinv/core/linear_solver.hpp"

#include <petsc/private/petscimpl.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/handle.hpp"

namespace pdeinv {

namespace {
// The ordering of PETSc's own factorizations: AMD where PETSc has it, nested dissection else.
MatOrderingType defaultFactorOrdering() {
  PetscErrorCode (*amd)(Mat, MatOrderingType, IS*, IS*) = nullptr;
  PDEINV_CALL(MatInitializePackage());  // registers the orderings
  PDEINV_CALL(PetscFunctionListFind(MatOrderingList, MATORDERINGAMD, &amd));
  return amd ? MATORDERINGAMD : MATORDERINGND;
}
}  // namespace

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
    const MatOrderingType ordering = defaultFactorOrdering();
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

namespace {

constexpr int kBlock = 16;  // right-hand sides per pass over the factor

// W (n × kBlock, row-major, permuted) ← A_p⁻¹ W with A_p = Uᵀ D U: ia/ja/a hold, per row i,
// the entries −u_ij (j > i) and then 1/d_i. Compiled for AVX-512, AVX2 and baseline x86-64,
// chosen at load time (the library itself is built for baseline x86-64).
__attribute__((target_clones("avx512f", "avx2", "default"))) void blockSolveInPlace(
    PetscInt n, const PetscInt* ia, const PetscInt* ja, const PetscScalar* a, PetscScalar* W) {
  for (PetscInt i = 0; i < n; ++i) {  // Uᵀ y = b, then z = D⁻¹ y
    PetscScalar* wi = W + i * kBlock;
    const PetscInt last = ia[i + 1] - 1;
    for (PetscInt k = ia[i]; k < last; ++k) {
      PetscScalar* wj = W + ja[k] * kBlock;
      const PetscScalar s = a[k];
      for (int c = 0; c < kBlock; ++c) wj[c] += s * wi[c];
    }
    const PetscScalar dinv = a[last];
    for (int c = 0; c < kBlock; ++c) wi[c] *= dinv;
  }
  for (PetscInt i = n - 1; i >= 0; --i) {  // U x = z
    PetscScalar* wi = W + i * kBlock;
    PetscScalar acc[kBlock];
    for (int c = 0; c < kBlock; ++c) acc[c] = wi[c];
    const PetscInt last = ia[i + 1] - 1;
    for (PetscInt k = ia[i]; k < last; ++k) {
      const PetscScalar* wj = W + ja[k] * kBlock;
      const PetscScalar s = a[k];
      for (int c = 0; c < kBlock; ++c) acc[c] += s * wj[c];
    }
    for (int c = 0; c < kBlock; ++c) wi[c] = acc[c];
  }
}

}  // namespace

namespace {
// In parallel under PCREDUNDANT (every rank holds the whole factor): the columns are dealt out
// to the ranks, each solves its share with the blocked sequential solve on its own factor, and
// the solutions are broadcast to the ranks owning their rows. false (on every rank) when the
// inner solver does not qualify.
bool blockFactorSolveRedundant(KSP ksp, Mat B, Mat X) {
  MPI_Comm comm = PetscObjectComm(reinterpret_cast<PetscObject>(ksp));
  int size = 1, rank = 0;
  MPI_Comm_size(comm, &size);
  MPI_Comm_rank(comm, &rank);
  PetscBool preonly = PETSC_FALSE, redundant = PETSC_FALSE;
  PDEINV_CALL(PetscObjectTypeCompare(reinterpret_cast<PetscObject>(ksp), KSPPREONLY, &preonly));
  PC pc = nullptr;
  PDEINV_CALL(KSPGetPC(ksp, &pc));
  PDEINV_CALL(PetscObjectTypeCompare(reinterpret_cast<PetscObject>(pc), PCREDUNDANT, &redundant));
  if (!preonly || !redundant) return false;
  PDEINV_CALL(KSPSetUp(ksp));  // the redundant matrices of the current operator
  KSP inner = nullptr;
  PDEINV_CALL(PCRedundantGetKSP(pc, &inner));
  int innerSize = 0;
  MPI_Comm_size(PetscObjectComm(reinterpret_cast<PetscObject>(inner)), &innerSize);
  int qualifies = innerSize == 1 ? 1 : 0;
  MPI_Allreduce(MPI_IN_PLACE, &qualifies, 1, MPI_INT, MPI_MIN, comm);
  if (!qualifies) return false;
  PetscInt N = 0, k = 0, lo = 0, hi = 0;
  PDEINV_CALL(MatGetSize(B, &N, &k));
  PDEINV_CALL(MatGetOwnershipRange(B, &lo, &hi));
  std::vector<int> counts(static_cast<size_t>(size)), displs(static_cast<size_t>(size));
  const int nLocal = static_cast<int>(hi - lo);
  MPI_Allgather(&nLocal, 1, MPI_INT, counts.data(), 1, MPI_INT, comm);
  for (int r = 1; r < size; ++r) displs[r] = displs[r - 1] + counts[r - 1];
  // This rank's columns c ≡ rank (mod size), gathered whole.
  const PetscInt km = rank < k ? (k - rank + size - 1) / size : 0;
  Owned<Mat> Bm, Xm;
  PDEINV_CALL(MatCreateSeqDense(PETSC_COMM_SELF, N, km, nullptr, Bm.out()));
  PDEINV_CALL(MatCreateSeqDense(PETSC_COMM_SELF, N, km, nullptr, Xm.out()));
  {
    const PetscScalar* b = nullptr;
    PetscScalar* bm = nullptr;
    PetscInt ldb = 0;
    PDEINV_CALL(MatDenseGetLDA(B, &ldb));
    PDEINV_CALL(MatDenseGetArrayRead(B, &b));
    PDEINV_CALL(MatDenseGetArrayWrite(Bm, &bm));
    std::vector<PetscScalar> column(static_cast<size_t>(N));
    for (PetscInt c = 0; c < k; ++c) {
      MPI_Allgatherv(b + c * ldb, nLocal, MPIU_SCALAR, column.data(), counts.data(), displs.data(),
                     MPIU_SCALAR, comm);
      if (c % size == rank) std::copy(column.begin(), column.end(), bm + (c / size) * N);
    }
    PDEINV_CALL(MatDenseRestoreArrayWrite(Bm, &bm));
    PDEINV_CALL(MatDenseRestoreArrayRead(B, &b));
  }
  int ok = km == 0 ? 1 : (blockFactorSolve(inner, Bm, Xm) ? 1 : 0);
  MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, comm);
  if (!ok) return false;
  const PetscScalar* xm = nullptr;
  PetscScalar* x = nullptr;
  PetscInt ldx = 0;
  PDEINV_CALL(MatDenseGetLDA(X, &ldx));
  PDEINV_CALL(MatDenseGetArrayRead(Xm, &xm));
  PDEINV_CALL(MatDenseGetArrayWrite(X, &x));
  std::vector<PetscScalar> column(static_cast<size_t>(N));
  for (PetscInt c = 0; c < k; ++c) {
    const int owner = static_cast<int>(c % size);
    if (owner == rank) std::copy(xm + (c / size) * N, xm + (c / size + 1) * N, column.begin());
    MPI_Bcast(column.data(), static_cast<int>(N), MPIU_SCALAR, owner, comm);
    std::copy(column.begin() + lo, column.begin() + hi, x + c * ldx);
  }
  PDEINV_CALL(MatDenseRestoreArrayWrite(X, &x));
  PDEINV_CALL(MatDenseRestoreArrayRead(Xm, &xm));
  return true;
}
}  // namespace

bool blockFactorSolve(KSP ksp, Mat B, Mat X) {
  MPI_Comm comm = PetscObjectComm(reinterpret_cast<PetscObject>(ksp));
  int size = 1;
  MPI_Comm_size(comm, &size);
  if (size != 1) return blockFactorSolveRedundant(ksp, B, X);
  PetscBool preonly = PETSC_FALSE, cholesky = PETSC_FALSE;
  PDEINV_CALL(PetscObjectTypeCompare(reinterpret_cast<PetscObject>(ksp), KSPPREONLY, &preonly));
  PC pc = nullptr;
  PDEINV_CALL(KSPGetPC(ksp, &pc));
  PDEINV_CALL(PetscObjectTypeCompare(reinterpret_cast<PetscObject>(pc), PCCHOLESKY, &cholesky));
  if (!preonly || !cholesky) return false;
  MatSolverType solverType = nullptr;
  PDEINV_CALL(PCFactorGetMatSolverType(pc, &solverType));
  if (!solverType || std::string(solverType) != MATSOLVERPETSC) return false;
  PDEINV_CALL(KSPSetUp(ksp));  // the factorization of the current operator
  Mat F = nullptr, A = nullptr;
  PDEINV_CALL(PCFactorGetMatrix(pc, &F));
  PDEINV_CALL(PCGetOperators(pc, &A, nullptr));
  PetscBool sbaij = PETSC_FALSE;
  PDEINV_CALL(PetscObjectTypeCompare(reinterpret_cast<PetscObject>(F), MATSEQSBAIJ, &sbaij));
  PetscInt bs = 0;
  PDEINV_CALL(MatGetBlockSize(F, &bs));
  if (!sbaij || bs != 1) return false;
  // The ordering: what setDefaultLinearSolver chose, or the option that overrode it; computed
  // once per nonzero pattern and kept on the KSP.
  PetscObjectState nzState = 0;
  PDEINV_CALL(MatGetNonzeroState(A, &nzState));
  auto kspObj = reinterpret_cast<PetscObject>(ksp);
  IS cachedPerm = nullptr;
  PDEINV_CALL(
      PetscObjectQuery(kspObj, "pdeinv_block_perm", reinterpret_cast<PetscObject*>(&cachedPerm)));
  PetscObjectState* cachedState = nullptr;
  PDEINV_CALL(composedValue(kspObj, "pdeinv_block_perm_state", &cachedState));
  IS rowPerm = cachedPerm;
  if (!cachedPerm || !cachedState || *cachedState != nzState) {
    const char* prefix = nullptr;
    PDEINV_CALL(KSPGetOptionsPrefix(ksp, &prefix));
    char orderingName[64] = "";
    PetscBool set = PETSC_FALSE;
    PDEINV_CALL(PetscOptionsGetString(nullptr, prefix, "-pc_factor_mat_ordering_type", orderingName,
                                      sizeof orderingName, &set));
    if (!set) std::snprintf(orderingName, sizeof orderingName, "%s", defaultFactorOrdering());
    Owned<IS> r, c;
    PDEINV_CALL(MatGetOrdering(A, orderingName, r.out(), c.out()));
    PDEINV_CALL(
        PetscObjectCompose(kspObj, "pdeinv_block_perm", reinterpret_cast<PetscObject>(r.get())));
    PDEINV_CALL(composeValue(kspObj, "pdeinv_block_perm_state", nzState));
    rowPerm = r.get();  // kept alive by the composition
  }
  PetscInt n = 0, k = 0, nF = 0;
  PDEINV_CALL(MatGetSize(B, &n, &k));
  const PetscInt* ia = nullptr;
  const PetscInt* ja = nullptr;
  PetscBool done = PETSC_FALSE;
  PDEINV_CALL(MatGetRowIJ(F, 0, PETSC_FALSE, PETSC_FALSE, &nF, &ia, &ja, &done));
  if (!done || nF != n) {
    if (done) PDEINV_CALL(MatRestoreRowIJ(F, 0, PETSC_FALSE, PETSC_FALSE, &nF, &ia, &ja, &done));
    return false;
  }
  PetscScalar* a = nullptr;
  PDEINV_CALL(MatSeqSBAIJGetArray(F, &a));
  const PetscInt* perm = nullptr;
  PDEINV_CALL(ISGetIndices(rowPerm, &perm));
  const PetscScalar* b = nullptr;
  PetscScalar* x = nullptr;
  PetscInt ldb = 0, ldx = 0;
  PDEINV_CALL(MatDenseGetLDA(B, &ldb));
  PDEINV_CALL(MatDenseGetLDA(X, &ldx));
  PDEINV_CALL(MatDenseGetArrayRead(B, &b));
  PDEINV_CALL(MatDenseGetArrayWrite(X, &x));
  std::vector<PetscScalar> W(static_cast<size_t>(n) * kBlock);
  for (PetscInt j0 = 0; j0 < k; j0 += kBlock) {
    const int nc = static_cast<int>(std::min<PetscInt>(kBlock, k - j0));
    for (PetscInt i = 0; i < n; ++i) {
      PetscScalar* wi = W.data() + i * kBlock;
      for (int c = 0; c < nc; ++c) wi[c] = b[(j0 + c) * ldb + perm[i]];
      for (int c = nc; c < kBlock; ++c) wi[c] = 0;
    }
    blockSolveInPlace(n, ia, ja, a, W.data());
    for (PetscInt i = 0; i < n; ++i)
      for (int c = 0; c < nc; ++c)
        x[(j0 + c) * ldx + perm[i]] = W[static_cast<size_t>(i * kBlock + c)];
  }
  PDEINV_CALL(MatDenseRestoreArrayWrite(X, &x));
  PDEINV_CALL(MatDenseRestoreArrayRead(B, &b));
  PDEINV_CALL(ISRestoreIndices(rowPerm, &perm));
  PDEINV_CALL(MatSeqSBAIJRestoreArray(F, &a));
  PDEINV_CALL(MatRestoreRowIJ(F, 0, PETSC_FALSE, PETSC_FALSE, &nF, &ia, &ja, &done));
  if (k == 0) return true;
  // The check: column 0 against PETSc's own solve, once per numeric factorization.
  // (PETSc 3.18 has no public getter of an object's state; every numeric factorization
  // increases it.)
  const PetscObjectState factorState = reinterpret_cast<PetscObject>(F)->state;
  PetscObjectState* checkedState = nullptr;
  PDEINV_CALL(composedValue(kspObj, "pdeinv_block_checked_state", &checkedState));
  if (checkedState && *checkedState == factorState) return true;
  Vec b0 = nullptr, x0 = nullptr;
  Owned<Vec> ref;
  PDEINV_CALL(MatDenseGetColumnVecRead(B, 0, &b0));
  PDEINV_CALL(VecDuplicate(b0, ref.out()));
  PDEINV_CALL(PCApply(pc, b0, ref));
  PDEINV_CALL(MatDenseRestoreColumnVecRead(B, 0, &b0));
  PDEINV_CALL(MatDenseGetColumnVecRead(X, 0, &x0));
  PetscReal refNorm = 0, diff = 0;
  PDEINV_CALL(VecNorm(ref, NORM_INFINITY, &refNorm));
  PDEINV_CALL(VecAXPY(ref, -1.0, x0));
  PDEINV_CALL(VecNorm(ref, NORM_INFINITY, &diff));
  PDEINV_CALL(MatDenseRestoreColumnVecRead(X, 0, &x0));
  if (!(diff <= 1e-10 * refNorm)) {
    PDEINV_CALL(PetscInfo(ksp,
                          "blockFactorSolve: the factor's layout is not the expected one "
                          "(difference %g); falling back to MatMatSolve\n",
                          static_cast<double>(diff / (refNorm > 0 ? refNorm : 1))));
    return false;
  }
  PDEINV_CALL(composeValue(kspObj, "pdeinv_block_checked_state", factorState));
  return true;
}

bool finiteVector(Vec x) {
  PetscReal n = 0;
  PDEINV_CALL(VecNorm(x, NORM_2, &n));
  return std::isfinite(n);
}

PC redundantInnerPc(PC pc) {
  PetscBool redundant = PETSC_FALSE;
  PDEINV_CALL(PetscObjectTypeCompare(reinterpret_cast<PetscObject>(pc), PCREDUNDANT, &redundant));
  if (!redundant) return nullptr;
  KSP inner = nullptr;
  PC innerPc = nullptr;
  PDEINV_CALL(PCRedundantGetKSP(pc, &inner));
  PDEINV_CALL(KSPGetPC(inner, &innerPc));
  return innerPc;
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
    PC innerPc = redundantInnerPc(pc);
    if (failed == PC_SUBPC_ERROR && innerPc) {  // every rank's own factorization failed alike
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

#include "pdeinv/inverse/bilaplacian_prior.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/linear_solver.hpp"
#include "pdeinv/core/random.hpp"
#include "pdeinv/fem/assembler.hpp"
#include "pdeinv/fem/expression.hpp"
#include "pdeinv/fem/forms.hpp"

namespace pdeinv {

SpdSolver::SpdSolver(Mat A, const std::string& prefix, Preconditioner pc, PetscReal rtol)
    : prefix_(prefix) {
  PDEINV_CALL(KSPCreate(PetscObjectComm(reinterpret_cast<PetscObject>(A)), ksp_.out()));
  PDEINV_CALL(KSPSetOptionsPrefix(ksp_, prefix.c_str()));
  PDEINV_CALL(KSPSetOperators(ksp_, A, A));
  // The matrix never changes: a direct solver factors it once (core/linear_solver.hpp).
  LinearSolverDefaults d;
  d.kind = MatrixKind::Spd;
  PDEINV_CALL(MatGetSize(A, &d.globalSize, nullptr));
  DM dm = nullptr;
  PDEINV_CALL(MatGetDM(A, &dm));
  PetscInt dim = 2;
  if (dm) PDEINV_CALL(DMGetDimension(dm, &dim));
  d.dim = static_cast<int>(dim);
  d.rtol = rtol;
  d.jacobiForSpd = pc == Preconditioner::jacobi;
  setDefaultLinearSolver(ksp_, Options(prefix), d);
  // Options are read now, so that -<prefix>ksp_* count as used once the prior exists; the
  // preconditioner is built by the first solve and kept (the operator never changes).
  PDEINV_CALL(KSPSetFromOptions(ksp_));
}

void SpdSolver::solve(Vec b, Vec x) {
  PDEINV_CALL(KSPSolve(ksp_, b, x));
  KSPConvergedReason reason;
  PDEINV_CALL(KSPGetConvergedReason(ksp_, &reason));
  PDEINV_CALL(KSPGetIterationNumber(ksp_, &lastIterations_));
  ++solves_;
  if (reason < 0) {
    throw Error("linear solve -" + prefix_ + " diverged: " + linearSolveReason(ksp_) +
                " (solver options: -" + prefix_ + "ksp_*, -" + prefix_ + "pc_*)");
  }
}

PetscReal robinCoefficient(const RegularizationSettings& s) {
  return std::sqrt(s.gamma * s.delta) / 1.42;
}

Owned<Mat> ellipticOperator(const FunctionSpace& V, const RegularizationSettings& s, Mat mass,
                            bool robin) {
  auto A = anisotropicStiffnessMatrix(V, s.thetaOrIdentity(V.dim()), mass);
  PDEINV_CALL(MatScale(A, s.gamma));
  // All three share the mass matrix's layout (one preallocation).
  if (s.delta != 0) PDEINV_CALL(MatAXPY(A, s.delta, mass, SAME_NONZERO_PATTERN));
  const PetscReal beta = robin ? robinCoefficient(s) : 0;
  if (beta > 0) {
    auto B = boundaryMassMatrix(V, "boundary", 1, mass);
    PDEINV_CALL(MatAXPY(A, beta, B, SAME_NONZERO_PATTERN));
  }
  return A;
}

namespace {

const RegularizationSettings& checked(const FunctionSpace& V, const RegularizationSettings& s) {
  s.validate(V.dim());
  require(s.delta > 0 || V.hasDirichlet(),
          "bilaplacian prior: option " + s.flag("delta") +
              " must be positive (with δ = 0, A = γK_Θ annihilates constants, and the Robin "
              "coefficient β = √(γδ)/1.42 of " +
              s.flag("robin") + " vanishes with δ)");
  return s;
}

}  // namespace

BiLaplacianPrior::BiLaplacianPrior(const FunctionSpace& V, const RegularizationSettings& s)
    : V_(&V),
      settings_(checked(V, s)),
      beta_(s.robin ? robinCoefficient(s) : 0),
      M_(massMatrix(V)),
      A_(ellipticOperator(V, s, M_, s.robin)),
      m0_(s.interpolateM0(V)),
      lumped_(V.createVector()),
      d_(V.createVector()),
      t_(V.createVector()),
      s_(V.createVector()),
      Msolver_(M_, s.prefix + "mass_", SpdSolver::Preconditioner::jacobi, SpdSolver::massRtol),
      Asolver_(A_, s.prefix + "A_", SpdSolver::Preconditioner::amg, SpdSolver::operatorRtol) {
  // Lumped mass: row sums M·1, unless some are not positive (P2 on simplices: the vertex
  // functions integrate to 0 on triangles, < 0 on tetrahedra); then HRZ, diag(M) scaled to the
  // same total.
  PDEINV_CALL(VecSet(d_, 1.0));
  PDEINV_CALL(MatMult(M_, d_, lumped_));
  PetscReal minRowSum = 0, maxRowSum = 0;
  PDEINV_CALL(VecMin(lumped_, nullptr, &minRowSum));
  PDEINV_CALL(VecMax(lumped_, nullptr, &maxRowSum));
  if (!(minRowSum > 1e-12 * maxRowSum)) {
    PetscScalar total = 0, trace = 0;
    PDEINV_CALL(VecSum(lumped_, &total));
    PDEINV_CALL(MatGetDiagonal(M_, lumped_));
    PDEINV_CALL(VecSum(lumped_, &trace));
    PDEINV_CALL(VecScale(lumped_, total / trace));
  }
}

BiLaplacianPrior::~BiLaplacianPrior() = default;

void BiLaplacianPrior::whitened(Vec m) {
  PDEINV_CALL(VecWAXPY(d_, -1.0, m0_, m));
  PDEINV_CALL(MatMult(A_, d_, t_));
  Msolver_.solve(t_, s_);
}

// R = ½ (A d)ᵀ M⁻¹ (A d), d = m − m0.
PetscReal BiLaplacianPrior::value(Vec m) {
  whitened(m);
  PetscScalar dot = 0;
  PDEINV_CALL(VecDot(t_, s_, &dot));
  return 0.5 * dot;
}

// ∇R = Aᵀ M⁻¹ A d = A M⁻¹ A d (A and M symmetric).
void BiLaplacianPrior::gradient(Vec m, Vec g) {
  whitened(m);
  PDEINV_CALL(MatMult(A_, s_, g));
}

// ∇²R dm = A M⁻¹ A dm, independent of m.
void BiLaplacianPrior::hessianApply(Vec, Vec dm, Vec out) {
  PDEINV_CALL(MatMult(A_, dm, t_));
  Msolver_.solve(t_, s_);
  PDEINV_CALL(MatMult(A_, s_, out));
}

// (A M⁻¹ A)⁻¹ r = A⁻¹ M A⁻¹ r.
bool BiLaplacianPrior::applyHessianInverse(Vec r, Vec out) {
  Asolver_.solve(r, t_);
  PDEINV_CALL(MatMult(M_, t_, s_));
  Asolver_.solve(s_, out);
  return true;
}

bool BiLaplacianPrior::sample(unsigned long seed, Vec out) {
  // ξ at each cell quadrature point, drawn by (seed, the point's location and component): the
  // same numbers on any number of ranks. The assembler is built at the first sample (the mass
  // matrix's quadrature: massMatrix uses a default Assembler too).
  if (!massRoot_) massRoot_ = std::make_unique<Assembler>(*V_, std::vector<const FunctionSpace*>{});
  const int dim = V_->dim();
  massRoot_->massRootApply(
      [&](const PetscReal x[], int component) {
        return standardNormal(seed, combineKeys(locationKey(x, dim), component));
      },
      t_);
  Asolver_.solve(t_, out);
  PDEINV_CALL(VecAXPY(out, 1.0, m0_));
  return true;
}

bool BiLaplacianPrior::mean(Vec out) {
  PDEINV_CALL(VecCopy(m0_, out));
  return true;
}

}  // namespace pdeinv

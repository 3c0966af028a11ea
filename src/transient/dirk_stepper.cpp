#include "pdeinv/transient/dirk_stepper.hpp"

#include "pdeinv/core/linear_solver.hpp"

#include <utility>

#include "pdeinv/core/error.hpp"
#include "pdeinv/fem/forms.hpp"
#include "pdeinv/forward/steady_solver.hpp"

namespace pdeinv {

// The stage equation G(U) = M U + γ R(t, U) − rhs = 0 of an operator nonlinear in u, for SNES.
struct DirkStepper::Newton {
  DirkStepper* self = nullptr;
  PetscReal gamma = 0, t = 0;
  Vec rhs = nullptr;
  std::exception_ptr pending;

  static PetscErrorCode function(SNES, Vec U, Vec G, void* ctx) {
    auto* n = static_cast<Newton*>(ctx);
    try {
      auto& s = *n->self;
      s.assembler_.residual(s.op_->residual(), U, s.aux(), G, n->t);
      PetscCall(VecScale(G, n->gamma));
      PetscCall(MatMultAdd(s.M_, U, G, G));
      PetscCall(VecAXPY(G, -1.0, n->rhs));
      return 0;
    } catch (...) {
      n->pending = std::current_exception();
      return PETSC_ERR_USER;
    }
  }
  static PetscErrorCode jacobian(SNES, Vec U, Mat, Mat, void* ctx) {
    auto* n = static_cast<Newton*>(ctx);
    try {
      n->self->haveJ_ = false;
      n->self->stageMatrix(n->gamma, n->t, U);
      return 0;
    } catch (...) {
      n->pending = std::current_exception();
      return PETSC_ERR_USER;
    }
  }
};

Owned<KSP> createStageKsp(const FunctionSpace& state, const PdeOperator& op,
                          const std::string& prefix, PetscInt maxIterations) {
  const bool spd = op.spdElliptic() && op.symmetricJacobian();
  Owned<KSP> ksp;
  PDEINV_CALL(KSPCreate(state.mesh().comm(), ksp.out()));
  PDEINV_CALL(KSPSetOptionsPrefix(ksp, prefix.c_str()));
  // With a fixed step the stage matrix M + γ dt ∂R/∂u of a linear operator never changes, so a
  // factorization is reused by every stage of the run (core/linear_solver.hpp).
  LinearSolverDefaults d;
  d.kind = spd ? MatrixKind::Spd : MatrixKind::General;
  d.dim = state.dim();
  d.globalSize = state.globalSize();
  d.rtol = 1e-12;
  if (!setDefaultLinearSolver(ksp, Options(prefix), d)) {
    PDEINV_CALL(KSPSetType(ksp, spd ? KSPCG : KSPGMRES));
    PC pc;
    PDEINV_CALL(KSPGetPC(ksp, &pc));
    PDEINV_CALL(PCSetType(pc, spd ? PCGAMG : PCBJACOBI));
    PDEINV_CALL(KSPSetTolerances(ksp, 1e-12, 1e-50, PETSC_DEFAULT, maxIterations));
  }
  return ksp;
}

DirkStepper::DirkStepper(std::shared_ptr<const PdeOperator> op, const FunctionSpace& state,
                         const FunctionSpace& parameter,
                         std::vector<const FunctionSpace*> dataSpaces, std::vector<Vec> dataValues,
                         DirkTableau tableau, const Options& opts)
    : op_(std::move(op)),
      state_(&state),
      data_(std::move(dataValues)),
      tableau_(std::move(tableau)),
      assembler_(
          state,
          [&] {
            std::vector<const FunctionSpace*> a = {&parameter};
            a.insert(a.end(), dataSpaces.begin(), dataSpaces.end());
            return a;
          }(),
          op_->extraQuadraturePoints()) {
  require(data_.size() == op_->dataFields().size(), "operator '" + op_->name() + "' needs " +
                                                        std::to_string(op_->dataFields().size()) +
                                                        " data fields");
  if (!tableau_.stifflyAccurate())
    throw Error("DirkStepper: tableau '" + tableau_.name + "' is not stiffly accurate");
  assembler_.setConstants(op_->defaultConstants(state.dim()));

  J_ = assembler_.createStateMatrix();
  M_ = pdeinv::massMatrix(state, J_);
  PDEINV_CALL(MatDuplicate(J_, MAT_DO_NOT_COPY_VALUES, A_.out()));
  m_ = parameter.createVector();
  PDEINV_CALL(VecSet(m_, 0.0));
  work_ = state.createVector();
  work2_ = state.createVector();
  work3_ = state.createVector();
  r0_ = state.createVector();
  affine_ = op_->linearInState() && !op_->timeDependent() && !state.boundaryValuesDependOnTime();
  for (int i = 0; i < tableau_.stages; ++i) F_.push_back(state.createVector());

  MPI_Comm comm = state.mesh().comm();
  ksp_ = createStageKsp(state, *op_, opts.prefix() + "stage_", 2000);
  if (!op_->linearInState()) {
    newton_ = std::make_unique<Newton>();
    newton_->self = this;
    PDEINV_CALL(SNESCreate(comm, snes_.out()));
    PDEINV_CALL(SNESSetOptionsPrefix(snes_, (opts.prefix() + "stage_").c_str()));
    PDEINV_CALL(SNESSetKSP(snes_, ksp_));
    PDEINV_CALL(SNESSetFunction(snes_, work2_, Newton::function, newton_.get()));
    PDEINV_CALL(SNESSetJacobian(snes_, A_, A_, Newton::jacobian, newton_.get()));
    PDEINV_CALL(SNESSetTolerances(snes_, 1e-14, 1e-10, 1e-14, 50, PETSC_DEFAULT));
    PDEINV_CALL(SNESSetFromOptions(snes_));
  } else {
    PDEINV_CALL(KSPSetFromOptions(ksp_));
  }
}

DirkStepper::~DirkStepper() = default;

std::vector<Vec> DirkStepper::aux() const {
  std::vector<Vec> a = {m_};
  a.insert(a.end(), data_.begin(), data_.end());
  return a;
}

void DirkStepper::setParameter(Vec m) {
  PDEINV_CALL(VecCopy(m, m_));
  haveJ_ = false;  // ∂R/∂u may depend on m
  matrixValid_ = false;
  haveR0_ = false;
}

Vec DirkStepper::stage(int i, Vec un, const std::vector<Vec>& stages) const {
  if (tableau_.explicitFirstStage()) return i == 0 ? un : stages.at(static_cast<size_t>(i - 1));
  return stages.at(static_cast<size_t>(i));
}

void DirkStepper::residualAt(PetscReal t, Vec u, Vec out) {
  if (!affine_) {
    assembler_.residual(op_->residual(), u, aux(), out, t);
    return;
  }
  if (!haveR0_) {
    assembler_.residual(op_->residual(), nullptr, aux(), r0_, t);  // R(0): sources, Dirichlet data
    haveR0_ = true;
  }
  jacobianAt(t, u);
  PDEINV_CALL(MatMultAdd(J_, u, r0_, out));
}

void DirkStepper::jacobianAt(PetscReal t, Vec u) {
  if (haveJ_ && op_->linearInState()) return;
  assembler_.stateJacobian(op_->stateJacobian(), u, aux(), J_, t);
  haveJ_ = true;
  matrixValid_ = false;
}

void DirkStepper::stageMatrix(PetscReal gamma, PetscReal t, Vec u) {
  jacobianAt(t, u);
  if (matrixValid_ && gamma == matrixGamma_) return;
  PDEINV_CALL(MatCopy(M_, A_, SAME_NONZERO_PATTERN));
  PDEINV_CALL(MatAXPY(A_, gamma, J_, SAME_NONZERO_PATTERN));
  PDEINV_CALL(KSPSetOperators(ksp_, A_, A_));
  matrixGamma_ = gamma;
  matrixValid_ = true;
  ++stats_.matrixSetups;
}

void DirkStepper::checkKsp(const char* what, Vec solution) {
  KSPConvergedReason reason;
  PDEINV_CALL(KSPGetConvergedReason(ksp_, &reason));
  PetscInt its = 0;
  PDEINV_CALL(KSPGetIterationNumber(ksp_, &its));
  stats_.linearIterations += its;
  if (reason < 0) {
    throw ForwardSolveFailure(std::string("transient ") + what + " solve did not converge (" +
                              linearSolveReason(ksp_) + ")");
  }
  if (!finiteVector(solution)) {
    throw ForwardSolveFailure(std::string("transient ") + what +
                              " solve produced a non-finite solution (NaN or Inf)");
  }
}

void DirkStepper::solveStage(PetscReal gamma, PetscReal t, Vec rhs, Vec guess, Vec U) {
  ++stats_.stageSolves;
  if (op_->linearInState()) {
    // G(U) = M U + γ R(t, U) − rhs is affine in U: one Newton step from the guess is exact.
    residualAt(t, guess, work2_);
    PDEINV_CALL(VecScale(work2_, gamma));
    PDEINV_CALL(MatMultAdd(M_, guess, work2_, work2_));
    PDEINV_CALL(VecAXPY(work2_, -1.0, rhs));
    stageMatrix(gamma, t, guess);
    PDEINV_CALL(KSPSolve(ksp_, work2_, U));
    checkKsp("stage", U);
    PDEINV_CALL(VecAYPX(U, -1.0, guess));
    return;
  }
  newton_->gamma = gamma;
  newton_->t = t;
  newton_->rhs = rhs;
  newton_->pending = nullptr;
  PDEINV_CALL(VecCopy(guess, U));
  const PetscErrorCode ierr = SNESSolve(snes_, nullptr, U);
  matrixValid_ = false;  // A_ holds the last Newton iterate's matrix
  haveJ_ = false;
  if (newton_->pending) std::rethrow_exception(newton_->pending);
  PDEINV_CALL(ierr);
  SNESConvergedReason reason;
  PDEINV_CALL(SNESGetConvergedReason(snes_, &reason));
  if (reason < 0) {
    throw ForwardSolveFailure(std::string("transient stage Newton solve did not converge (") +
                              SNESConvergedReasons[reason] + ")");
  }
}

void DirkStepper::step(PetscReal t, PetscReal h, Vec un, Vec unext,
                       const std::vector<Vec>* stages) {
  const int s = tableau_.stages;
  std::vector<Vec> own;
  if (!stages) {
    while (static_cast<int>(U_.size()) < recordedStages()) U_.push_back(state_->createVector());
    for (auto& v : U_) own.push_back(v);
    stages = &own;
  }
  require(static_cast<int>(stages->size()) >= recordedStages(),
          "DirkStepper::step: too few stage vectors");
  for (int i = 0; i < s; ++i) {
    const PetscReal ti = t + tableau_.c[static_cast<size_t>(i)] * h;
    Vec U = stage(i, un, *stages);
    if (i > 0 || !tableau_.explicitFirstStage()) {
      // rhs = M u_n − h Σ_{j<i} a_ij R(t_j, U_j)
      PDEINV_CALL(MatMult(M_, un, work_));
      for (int j = 0; j < i; ++j) {
        const PetscReal aij = tableau_.a(i, j);
        if (aij != 0) PDEINV_CALL(VecAXPY(work_, -h * aij, F_[static_cast<size_t>(j)]));
      }
      solveStage(h * tableau_.a(i, i), ti, work_, un, U);
    }
    if (i + 1 < s) residualAt(ti, U, F_[static_cast<size_t>(i)]);
  }
  PDEINV_CALL(VecCopy(stage(s - 1, un, *stages), unext));
  ++stats_.steps;
}

void DirkStepper::tangentStep(PetscReal t, PetscReal h, Vec un, const std::vector<Vec>& stages,
                              Vec dun, Vec dm, Vec dunext) {
  const int s = tableau_.stages;
  const auto& Rm = op_->parameterJacobian();
  for (int i = 0; i < s; ++i) {
    const PetscReal ti = t + tableau_.c[static_cast<size_t>(i)] * h;
    Vec U = stage(i, un, stages);
    Vec dU = i + 1 < s ? work3_.get() : dunext;
    if (i == 0 && tableau_.explicitFirstStage()) {
      PDEINV_CALL(VecCopy(dun, dU));
    } else {
      // rhs = M δu_n − h Σ_{j<i} a_ij Y_j − h a_ii R_m,i δm
      PDEINV_CALL(MatMult(M_, dun, work_));
      for (int j = 0; j < i; ++j) {
        const PetscReal aij = tableau_.a(i, j);
        if (aij != 0) PDEINV_CALL(VecAXPY(work_, -h * aij, F_[static_cast<size_t>(j)]));
      }
      if (dm) {
        assembler_.applyAuxJacobian(Rm, 0, U, aux(), dm, work2_, false, ti);
        PDEINV_CALL(VecAXPY(work_, -h * tableau_.a(i, i), work2_));
      }
      stageMatrix(h * tableau_.a(i, i), ti, U);
      ++stats_.stageSolves;
      PDEINV_CALL(KSPSolve(ksp_, work_, dU));
      checkKsp("tangent stage", dU);
    }
    if (i + 1 < s) {
      // Y_i = R_u,i δU_i + R_m,i δm
      Vec Y = F_[static_cast<size_t>(i)];
      jacobianAt(ti, U);
      PDEINV_CALL(MatMult(J_, dU, Y));
      if (dm) {
        assembler_.applyAuxJacobian(Rm, 0, U, aux(), dm, work2_, false, ti);
        PDEINV_CALL(VecAXPY(Y, 1.0, work2_));
      }
    }
  }
  ++stats_.tangentSteps;
}

void DirkStepper::beginParameterGradient() {
  pairs_.clear();
}

void DirkStepper::finishParameterGradient(Vec gm) {
  if (affine_) assembler_.contractPairs(op_->parameterJacobian(), 0, aux(), pairs_, gm);
  pairs_.clear();
}

void DirkStepper::adjointStep(PetscReal t, PetscReal h, Vec un, const std::vector<Vec>& stages,
                              Vec lambdaNext, Vec lambda, Vec gm) {
  const int s = tableau_.stages;
  const auto& Rm = op_->parameterJacobian();
  if (gm && !gpart_ && !affine_) PDEINV_CALL(VecDuplicate(gm, gpart_.out()));
  Vec gpart = gpart_;
  // F_[k] holds μ_k; work3_ accumulates Σ μ_i over implicit stages.
  PDEINV_CALL(VecSet(work3_, 0.0));
  PDEINV_CALL(VecSet(lambda, 0.0));
  for (int i = s - 1; i >= 0; --i) {
    const PetscReal ti = t + tableau_.c[static_cast<size_t>(i)] * h;
    Vec U = stage(i, un, stages);
    // Z_i = Σ_{k>i} a_ki μ_k  (into work_)
    PDEINV_CALL(VecSet(work_, 0.0));
    bool haveZ = false;
    for (int k = i + 1; k < s; ++k) {
      const PetscReal aki = tableau_.a(k, i);
      if (aki == 0) continue;
      PDEINV_CALL(VecAXPY(work_, aki, F_[static_cast<size_t>(k)]));
      haveZ = true;
    }
    const bool explicitStage = i == 0 && tableau_.explicitFirstStage();
    if (haveZ) {
      jacobianAt(ti, U);
      PDEINV_CALL(MatMultTranspose(J_, work_, work2_));  // R_u,iᵀ Z_i
    }
    if (explicitStage) {
      if (haveZ) PDEINV_CALL(VecAXPY(lambda, -h, work2_));
    } else {
      Vec mu = F_[static_cast<size_t>(i)];
      // rhs = [i = s] Λ_{n+1} − h R_u,iᵀ Z_i   (into work2_)
      if (haveZ) {
        PDEINV_CALL(VecScale(work2_, -h));
      } else {
        PDEINV_CALL(VecSet(work2_, 0.0));
      }
      if (i == s - 1) PDEINV_CALL(VecAXPY(work2_, 1.0, lambdaNext));
      stageMatrix(h * tableau_.a(i, i), ti, U);
      ++stats_.transposeSolves;
      if (op_->symmetricJacobian()) {
        PDEINV_CALL(KSPSolve(ksp_, work2_, mu));
      } else {
        PDEINV_CALL(KSPSolveTranspose(ksp_, work2_, mu));
      }
      checkKsp("adjoint stage", mu);
      PDEINV_CALL(VecAXPY(work3_, 1.0, mu));
      // ζ_i = Z_i + a_ii μ_i
      PDEINV_CALL(VecAXPY(work_, tableau_.a(i, i), mu));
      haveZ = true;
    }
    if (gm && haveZ) {
      if (affine_) {
        assembler_.accumulatePairs(U, work_, -h, pairs_);
      } else {
        assembler_.applyAuxJacobian(Rm, 0, U, aux(), work_, gpart, true, ti);
        PDEINV_CALL(VecAXPY(gm, -h, gpart));
      }
    }
  }
  PDEINV_CALL(MatMultAdd(M_, work3_, lambda, lambda));
  ++stats_.adjointSteps;
}

}  // namespace pdeinv

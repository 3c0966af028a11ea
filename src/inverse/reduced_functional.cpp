#include "pdeinv/inverse/reduced_functional.hpp"

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/log_events.hpp"
#include "pdeinv/core/root_vector.hpp"
#include "pdeinv/core/vec_ops.hpp"

#include <string>
#include <vector>

namespace pdeinv {
namespace {
// Scalar mode hands the fixed field to the operator as it is.
const ParameterMap& identityMap() {
  static const auto map = parameterMapRegistry().create("identity", Options("param_map_"));
  return *map;
}

}  // namespace

ReducedFunctional::ReducedFunctional(SteadySolver& solver, const ObservationOperator& observation,
                                     Misfit& misfit, Regularization* regularization,
                                     const ParameterMap& map, const RegionParameters* regions)
    : solver_(solver),
      obs_(observation),
      misfitModel_(misfit),
      regularization_(regularization),
      map_(&map),
      regions_(regions) {
  const auto& V = solver.state();
  const auto& P = solver.parameter();
  m_ = P.createVector();
  p_ = P.createVector();
  xField_ = P.createVector();
  dxField_ = P.createVector();
  gphys_ = P.createVector();
  u_ = V.createVector();
  PDEINV_CALL(VecSet(u_, 0.0));
  lambda_ = V.createVector();
  y_ = obs_.createObservationVector();
  const auto& op = solver.op();
  if (op.hasSecondOrder()) {
    // aux = (m | u, data..., λ, du, dm), see PdeOperator::secondOrderState/Parameter.
    std::vector<const FunctionSpace*> auxS = {&P}, auxP = {&V};
    for (auto* d : solver.dataSpaces()) auxS.push_back(d), auxP.push_back(d);
    for (auto* list : {&auxS, &auxP}) list->insert(list->end(), {&V, &V, &P});
    secondState_ = std::make_unique<Assembler>(V, auxS, op.extraQuadraturePoints());
    secondParam_ = std::make_unique<Assembler>(P, auxP, op.extraQuadraturePoints());
    secondState_->setConstants(op.constants());
    secondParam_->setConstants(op.constants());
    secondParam_->insertBoundaryValues(0);  // aux 0 is the state u itself
  }
}

ReducedFunctional::ReducedFunctional(SteadySolver& solver, const ObservationOperator& observation,
                                     Misfit& misfit, Vec fixedField)
    : ReducedFunctional(solver, observation, misfit, nullptr, identityMap(), nullptr) {
  require(solver.numScalars() > 0,
          "operator '" + solver.op().name() + "' declares no scalar parameters (scalar mode)");
  scalarMode_ = true;
  PDEINV_CALL(VecCopy(fixedField, p_));
  for (PetscInt k = 0; k < solver.numScalars(); ++k)
    dRdTheta_.push_back(solver.state().createVector());
}

ReducedFunctional::~ReducedFunctional() = default;

bool ReducedFunctional::newtonAvailable() const {
  if (scalarMode_) return solver_.op().scalarNewtonAvailable(solver_.state().dim());
  return solver_.op().hasSecondOrder() && adjointMode_ == AdjointMode::Implicit;
}

std::string ReducedFunctional::newtonUnavailableReason() const {
  if (adjointMode_ == AdjointMode::Unrolled) {
    return "-adjoint unrolled offers the Gauss-Newton Hessian only; use -hessian gauss_newton or "
           "-adjoint implicit";
  }
  return "operator '" + solver_.op().name() +
         "' does not provide the second-order terms of the Newton Hessian; use -hessian "
         "gauss_newton";
}

std::string ReducedFunctional::dataSpaceUnavailableReason() const {
  if (scalarMode_) {
    return "the parameters are the operator's scalars (-parameter_space scalars), where the "
           "Gauss-Newton CG solve is already a k x k system";
  }
  if (adjointMode_ == AdjointMode::Unrolled) {
    return "-adjoint unrolled differentiates the solver's iterations, not R(u, m) = 0; use "
           "-adjoint implicit";
  }
  return "";
}

void ReducedFunctional::observationJacobian(Vec x, std::vector<Owned<Vec>>& rows,
                                            std::vector<PetscReal>& W) {
  const std::string why = dataSpaceUnavailableReason();
  if (!why.empty()) throw InputError("data-space Gauss-Newton: " + why);
  update(toField(x, xField_));
  const PetscInt nObs = obs_.size();
  const auto& V = solver_.state();
  const auto& P = solver_.parameter();
  // Bᵀ e_i as the columns of dense matrices with the state's row layout, 16 observations at a
  // time (the batch of one pass over a factor, blockFactorSolve; it bounds the memory too).
  constexpr PetscInt kChunk = 16;
  auto probe = V.createVector();
  PetscInt nLocal = 0;
  PDEINV_CALL(VecGetLocalSize(probe, &nLocal));
  const MPI_Comm comm = PetscObjectComm(reinterpret_cast<PetscObject>(probe.get()));
  auto e = obs_.createObservationVector();
  auto He = obs_.createObservationVector();
  // W's columns are gathered on every rank through one scatter.
  Owned<VecScatter> toAll;
  Owned<Vec> heAll;
  PDEINV_CALL(VecScatterCreateToAll(He, toAll.out(), heAll.out()));
  W.assign(static_cast<size_t>(nObs * nObs), 0.0);
  rows.resize(static_cast<size_t>(nObs));
  auto rp = P.createVector();
  auto field = P.createVector();
  for (PetscInt first = 0; first < nObs; first += kChunk) {
    const PetscInt nc = PetscMin(kChunk, nObs - first);
    Owned<Mat> Bt, Lambda;
    PDEINV_CALL(MatCreateDense(comm, nLocal, PETSC_DECIDE, PETSC_DETERMINE, nc, nullptr, Bt.out()));
    PDEINV_CALL(
        MatCreateDense(comm, nLocal, PETSC_DECIDE, PETSC_DETERMINE, nc, nullptr, Lambda.out()));
    for (PetscInt c = 0; c < nc; ++c) {
      const PetscInt i = first + c;
      PDEINV_CALL(VecSet(e, 0.0));
      PDEINV_CALL(VecSetValue(e, i, 1.0, INSERT_VALUES));
      PDEINV_CALL(VecAssemblyBegin(e));
      PDEINV_CALL(VecAssemblyEnd(e));
      Vec col = nullptr;
      PDEINV_CALL(MatDenseGetColumnVecWrite(Bt, c, &col));
      obs_.applyTranspose(e, col);
      PDEINV_CALL(MatDenseRestoreColumnVecWrite(Bt, c, &col));
      misfitModel_.gaussNewtonApply(y_, e, He);  // column i of the Gauss–Newton weight W
      PDEINV_CALL(VecScatterBegin(toAll, He, heAll, INSERT_VALUES, SCATTER_FORWARD));
      PDEINV_CALL(VecScatterEnd(toAll, He, heAll, INSERT_VALUES, SCATTER_FORWARD));
      const PetscScalar* w = nullptr;
      PDEINV_CALL(VecGetArrayRead(heAll, &w));
      for (PetscInt j = 0; j < nObs; ++j) W[static_cast<size_t>(j * nObs + i)] = w[j];
      PDEINV_CALL(VecRestoreArrayRead(heAll, &w));
    }
    {
      LogScope scope(Phase::Adjoint);
      solver_.solveTransposeMany(Bt, Lambda);  // Λ = R_u⁻ᵀ Bᵀ
    }
    counts_.adjoint += nc;
    // ∇_m y_i = −g'(m) ⊙ R_pᵀ λ_i (then Eᵀ for region parameters).
    for (PetscInt c = 0; c < nc; ++c) {
      Vec lambda = nullptr;
      PDEINV_CALL(MatDenseGetColumnVecRead(Lambda, c, &lambda));
      PDEINV_CALL(MatMultTranspose(parameterJacobian(), lambda, rp));
      PDEINV_CALL(MatDenseRestoreColumnVecRead(Lambda, c, &lambda));
      PDEINV_CALL(VecScale(rp, -1.0));
      auto& row = rows[static_cast<size_t>(first + c)];
      if (!row) row = createParameterVector();
      if (regions_) {
        map_->jacobianApply(m_, rp, field);
        regions_->embedTranspose(field, row);
      } else {
        map_->jacobianApply(m_, rp, row);
      }
    }
  }
}

void ReducedFunctional::setAdjointMode(AdjointMode mode) {
  const bool unrolled = mode == AdjointMode::Unrolled;
  require(!unrolled || !scalarMode_,
          "-adjoint unrolled applies to parameter fields, not to -parameter_space scalars");
  require(!unrolled || solver_.op().hasSecondOrder(),
          "-adjoint unrolled needs the operator's second-order kernels; operator '" +
              solver_.op().name() + "' provides none (use -adjoint implicit)");
  solver_.recordIterations(unrolled);
  adjointMode_ = mode;
  // The next evaluation recomputes the state from u_0 = 0 (and then warm-starts again in
  // implicit mode).
  haveState_ = haveAdjoint_ = haveW_ = false;
  PDEINV_CALL(VecSet(u_, 0.0));
}

Owned<Vec> ReducedFunctional::createParameterVector() const {
  if (scalarMode_) return createRootVector(solver_.state().mesh().comm(), solver_.numScalars());
  return regions_ ? regions_->createVector() : solver_.parameter().createVector();
}

Vec ReducedFunctional::toField(Vec x, Vec buffer) const {
  if (!regions_) return x;
  regions_->embed(x, buffer);
  return buffer;
}

void ReducedFunctional::update(Vec m) {
  PetscBool same = PETSC_FALSE;
  if (haveState_) PDEINV_CALL(VecEqual(m, m_, &same));
  if (same) {
    // R is cheap and may have changed (a new regularization weight): always current.
    reg_ = regularization_ ? regularization_->value(m_) : 0.0;
    return;
  }
  haveState_ = haveAdjoint_ = haveW_ = false;
  PDEINV_CALL(VecCopy(m, m_));
  map_->apply(m_, p_);
  // The previous state is the initial guess (it matters for nonlinear operators). The unrolled
  // gradient differentiates the iterations from a fixed start, so that J is a function of m.
  if (adjointMode_ == AdjointMode::Unrolled) PDEINV_CALL(VecSet(u_, 0.0));
  try {
    LogScope scope(Phase::Forward);
    solver_.solve(p_, u_);
  } catch (...) {
    // A failed solve leaves u_ arbitrary (possibly NaN): restart the next one from zero.
    PDEINV_CALL(VecSet(u_, 0.0));
    throw;
  }
  counts_.forward++;
  {
    LogScope scope(Phase::Observation);
    obs_.apply(u_, y_);
  }
  misfit_ = misfitModel_.value(y_);
  {
    LogScope scope(Phase::Prior);
    reg_ = regularization_ ? regularization_->value(m_) : 0.0;
  }
  haveRp_ = false;  // assembled on first use by a derivative: value() costs one solve only
  haveState_ = true;
}

Mat ReducedFunctional::parameterJacobian() {
  // Assembled once per m: every gradient and Hessian action at this m then costs mat-vecs.
  if (!Rp_) {
    Rp_ = solver_.assembleParameterJacobian();  // allocates the sparsity once
  } else if (!haveRp_) {
    solver_.assembleParameterJacobian(Rp_);
  }
  haveRp_ = true;
  return Rp_;
}

void ReducedFunctional::updateAdjoint() {
  if (haveAdjoint_) return;
  if (adjointMode_ == AdjointMode::Unrolled) {
    unrolledAdjoint();
    haveAdjoint_ = true;
    return;
  }
  // R_uᵀ λ = −Bᵀ Φ'(B u)
  auto gy = obs_.createObservationVector();
  misfitModel_.gradient(y_, gy);
  auto rhs = solver_.state().createVector();
  obs_.applyTranspose(gy, rhs);
  PDEINV_CALL(VecScale(rhs, -1.0));
  {
    LogScope scope(Phase::Adjoint);
    solver_.solveTranspose(rhs, lambda_);
  }
  counts_.adjoint++;
  if (!scalarMode_) PDEINV_CALL(MatMultTranspose(parameterJacobian(), lambda_, gphys_));  // R_pᵀ λ
  haveAdjoint_ = true;
}

PetscReal ReducedFunctional::value(Vec x) {
  if (scalarMode_) {
    updateScalars(x);
  } else {
    update(toField(x, xField_));
  }
  return misfit_ + reg_;
}

PetscReal ReducedFunctional::gradient(Vec x, Vec g) {
  if (scalarMode_) return scalarGradient(x, g);
  if (!regions_) return fieldGradient(x, g);
  auto gField = solver_.parameter().createVector();
  const PetscReal J = fieldGradient(toField(x, xField_), gField);
  regions_->embedTranspose(gField, g);
  return J;
}

void ReducedFunctional::hessianApply(Vec x, Vec dx, Vec out, HessianType type) {
  if (scalarMode_) return scalarHessian(x, dx, out, type);
  if (!regions_) return fieldHessian(x, dx, out, type);
  auto hField = solver_.parameter().createVector();
  fieldHessian(toField(x, xField_), toField(dx, dxField_), hField, type);
  regions_->embedTranspose(hField, out);
}

void ReducedFunctional::incrementalState(Vec rhs, Vec du, bool newton) {
  {
    LogScope scope(Phase::Tangent);
    solver_.solveTangent(rhs, du);
  }
  counts_.tangent++;
  if (!hessWork_.Bdu) {
    hessWork_.Bdu = obs_.createObservationVector();
    hessWork_.HBdu = obs_.createObservationVector();
  }
  obs_.applyLinear(du, hessWork_.Bdu);
  // Φ'' for Newton; the positive semi-definite Gauss–Newton weight otherwise (the same for the
  // Gaussian misfit).
  if (newton) {
    misfitModel_.hessianApply(y_, hessWork_.Bdu, hessWork_.HBdu);
  } else {
    misfitModel_.gaussNewtonApply(y_, hessWork_.Bdu, hessWork_.HBdu);
  }
  obs_.applyTranspose(hessWork_.HBdu, rhs);
}

void ReducedFunctional::secondOrder(Vec u, Vec lambda, Vec du, Vec dp, Vec wState, Vec wParam) {
  // The state side sees u with aux (p, data…, λ, du, dp); the parameter side p with (u, …).
  auto assemble = [&](Assembler& A, const ResidualKernels& kernels, Vec at, Vec other, Vec out) {
    std::vector<Vec> aux = {other};
    const std::vector<Vec> data = solver_.dataValues();
    aux.insert(aux.end(), data.begin(), data.end());
    aux.insert(aux.end(), {lambda, du, dp});
    A.setConstants(solver_.kernelConstants());
    A.residual(kernels, at, aux, out);
  };
  if (wState) assemble(*secondState_, solver_.op().secondOrderState(), u, p_, wState);
  if (wParam) assemble(*secondParam_, solver_.op().secondOrderParameter(), p_, u, wParam);
}

void ReducedFunctional::assembleSecondOrder() {
  if (haveW_) return;
  updateAdjoint();
  const auto& V = solver_.state();
  const auto& P = solver_.parameter();
  auto zeroU = V.createVector(), zeroP = P.createVector();
  PDEINV_CALL(VecSet(zeroU, 0.0));
  PDEINV_CALL(VecSet(zeroP, 0.0));
  // aux = (other, data…, λ, du, dp): du is aux nd+2, dp aux nd+3 (see PdeOperator).
  const std::vector<Vec> data = solver_.dataValues();
  const int kdu = static_cast<int>(data.size()) + 2, kdp = kdu + 1;
  using Block = PdeOperator::SecondOrderBlock;
  const auto& op = solver_.op();
  auto assemble = [&](Assembler& A, const ResidualKernels& kernels, Block block, Vec at, Vec other,
                      int k, Owned<Mat>& W) {
    std::vector<Vec> aux = {other};
    aux.insert(aux.end(), data.begin(), data.end());
    aux.insert(aux.end(), {lambda_.get(), zeroU.get(), zeroP.get()});
    A.setConstants(solver_.kernelConstants());
    if (!W) W = A.createAuxMatrix(k);
    A.linearAuxJacobian(kernels, k, at, aux, W, 0.0, op.secondOrderBlock(block));
  };
  if (!op.linearInState())
    assemble(*secondState_, op.secondOrderState(), Block::Wuu, u_, p_, kdu, Wuu_);
  assemble(*secondState_, op.secondOrderState(), Block::Wum, u_, p_, kdp, Wup_);
  // W_mu = ∂²(λᵀR)/∂m∂u is W_umᵀ (second derivatives commute; the generic Newton-Hessian
  // tests check that the operator's two kernel sets agree), so it is applied as the transpose
  // of W_um instead of being assembled from the parameter-side kernels: one pass less per m.
  assemble(*secondParam_, op.secondOrderParameter(), Block::Wmm, p_, u_, kdp, Wpp_);
  haveW_ = true;
}

void ReducedFunctional::addSecondOrderState(Vec du, Vec dp, Vec rhs) {
  assembleSecondOrder();
  if (Wuu_) PDEINV_CALL(MatMultAdd(Wuu_, du, rhs, rhs));  // null for operators linear in u
  PDEINV_CALL(MatMultAdd(Wup_, dp, rhs, rhs));
}

void ReducedFunctional::unrolledAdjoint() {
  const auto& h = solver_.history();
  const auto& V = solver_.state();
  const auto& P = solver_.parameter();
  // ū = Bᵀ Φ'(B u_K)
  auto gy = obs_.createObservationVector();
  misfitModel_.gradient(y_, gy);
  auto ubar = V.createVector(), rhs = V.createVector(), z = V.createVector();
  auto d = V.createVector(), wu = V.createVector();
  auto wp = P.createVector(), zeroP = P.createVector();
  obs_.applyTranspose(gy, ubar);
  PDEINV_CALL(VecSet(gphys_, 0.0));
  PDEINV_CALL(VecSet(zeroP, 0.0));
  for (PetscInt k = h.iterations() - 1; k >= 0; --k) {
    Vec uk = h.iterates[static_cast<size_t>(k)];
    const PetscReal alpha = h.stepLengths[static_cast<size_t>(k)];
    PDEINV_CALL(VecWAXPY(d, -1.0, uk, h.iterates[static_cast<size_t>(k) + 1]));  // d = α_k s_k
    // J_kᵀ z = −ū
    PDEINV_CALL(VecCopy(ubar, rhs));
    PDEINV_CALL(VecScale(rhs, -1.0));
    solver_.solveTransposeAt(uk, rhs, z);
    counts_.adjoint++;
    // p̄ += α_k (∂R/∂p)(u_k)ᵀ z + ∂²(zᵀR)/∂p∂u d_k
    solver_.applyParameterJacobianTranspose(z, wp, uk);
    PDEINV_CALL(VecAXPY(gphys_, alpha, wp));
    secondOrder(uk, z, d, zeroP, wu, wp);
    PDEINV_CALL(VecAXPY(gphys_, 1.0, wp));
    // ū = (1 − α_k) ū + ∂²(zᵀR)/∂u∂u d_k
    PDEINV_CALL(VecAYPX(ubar, 1.0 - alpha, wu));
  }
}

void ReducedFunctional::incrementalAdjoint(Vec rhs, Vec dlambda) {
  PDEINV_CALL(VecScale(rhs, -1.0));
  {
    LogScope scope(Phase::IncrementalAdjoint);
    solver_.solveTranspose(rhs, dlambda);
  }
  counts_.incrementalAdjoint++;
}

PetscReal ReducedFunctional::fieldGradient(Vec m, Vec g) {
  update(m);
  updateAdjoint();
  map_->jacobianApply(m_, gphys_, g);  // g'(m) ⊙ R_pᵀ λ
  if (regularization_) {
    LogScope scope(Phase::Prior);
    auto gr = solver_.parameter().createVector();
    regularization_->gradient(m_, gr);
    PDEINV_CALL(VecAXPY(g, 1.0, gr));
  }
  return misfit_ + reg_;
}

void ReducedFunctional::fieldHessian(Vec m, Vec dm, Vec out, HessianType type) {
  update(m);
  LogScope scope(Phase::HessianAction);
  const bool newton = type == HessianType::Newton;
  require(!newton || newtonAvailable(), "Newton Hessian requested: " + newtonUnavailableReason());
  if (newton) updateAdjoint();  // the Gauss–Newton part needs no adjoint
  const auto& V = solver_.state();
  const auto& P = solver_.parameter();
  // Work vectors kept across actions (fresh ones cost page faults on every action).
  if (!hessWork_.dp) {
    for (auto* w : {&hessWork_.dp, &hessWork_.hp, &hessWork_.hr, &hessWork_.t})
      *w = P.createVector();
    for (auto* w : {&hessWork_.rhs, &hessWork_.du, &hessWork_.dlambda}) *w = V.createVector();
  }
  Vec dp = hessWork_.dp, rhs = hessWork_.rhs, du = hessWork_.du;
  Vec dlambda = hessWork_.dlambda, hp = hessWork_.hp;
  // Incremental state: R_u du = −R_p dp, dp = g'(m) ⊙ dm.
  map_->jacobianApply(m_, dm, dp);
  PDEINV_CALL(MatMult(parameterJacobian(), dp, rhs));
  PDEINV_CALL(VecScale(rhs, -1.0));
  incrementalState(rhs, du, newton);
  // Incremental adjoint: R_uᵀ dλ = −(Bᵀ Φ'' B du + W_uu du + W_up dp).
  if (newton) addSecondOrderState(du, dp, rhs);
  incrementalAdjoint(rhs, dlambda);
  // H dm = g' ⊙ (R_pᵀ dλ + W_pu du + W_pp dp) + g'' ⊙ (R_pᵀ λ) ⊙ dm + ∇²R dm.
  PDEINV_CALL(MatMultTranspose(parameterJacobian(), dlambda, hp));
  if (newton) {
    assembleSecondOrder();
    PDEINV_CALL(MatMultTransposeAdd(Wup_, du, hp, hp));
    PDEINV_CALL(MatMultAdd(Wpp_, dp, hp, hp));
  }
  map_->jacobianApply(m_, hp, out);
  if (newton && !map_->isIdentity()) {
    map_->secondDerivativeApply(m_, gphys_, dm, hessWork_.t);
    PDEINV_CALL(VecAXPY(out, 1.0, hessWork_.t));
  }
  if (regularization_) {
    LogScope prior(Phase::Prior);
    regularization_->hessianApply(m_, dm, hessWork_.hr);
    PDEINV_CALL(VecAXPY(out, 1.0, hessWork_.hr));
  }
}

// ---- scalar mode ----

void ReducedFunctional::updateScalars(Vec x) {
  auto theta = gatherRootVector(x);
  if (haveState_ && theta == theta_) return;
  haveState_ = haveAdjoint_ = haveDRdTheta_ = haveW_ = false;
  theta_ = std::move(theta);
  solver_.setScalars(theta_);
  solver_.solve(p_, u_);  // p_ is the fixed field; the previous state is the initial guess
  counts_.forward++;
  obs_.apply(u_, y_);
  misfit_ = misfitModel_.value(y_);
  reg_ = 0;
  haveState_ = true;
}

const std::vector<Owned<Vec>>& ReducedFunctional::scalarDerivatives() {
  if (!haveDRdTheta_) {
    for (size_t k = 0; k < dRdTheta_.size(); ++k) {
      solver_.scalarDerivative(static_cast<int>(k), dRdTheta_[k]);
    }
    haveDRdTheta_ = true;
  }
  return dRdTheta_;
}

PetscReal ReducedFunctional::scalarGradient(Vec x, Vec g) {
  updateScalars(x);
  updateAdjoint();
  std::vector<PetscReal> gk;
  for (const auto& dR : scalarDerivatives()) gk.push_back(dot(dR, lambda_));  // (∂R/∂θ_k)ᵀ λ
  setRootVector(g, gk);
  return misfit_ + reg_;
}

void ReducedFunctional::scalarHessian(Vec x, Vec dx, Vec out, HessianType type) {
  updateScalars(x);
  updateAdjoint();
  const bool newton = type == HessianType::Newton;
  const auto& op = solver_.op();
  require(!newton || newtonAvailable(),
          "Newton Hessian in the scalar parameters requested but operator '" + op.name() +
              "' does not provide all second derivatives (use Gauss-Newton)");
  const auto dtheta = gatherRootVector(dx);
  const auto& dR = scalarDerivatives();
  const auto& V = solver_.state();
  const auto k = dR.size();
  // Incremental state: R_u du = −Σ_k dθ_k ∂R/∂θ_k.
  auto rhs = V.createVector(), du = V.createVector();
  PDEINV_CALL(VecSet(rhs, 0.0));
  for (size_t i = 0; i < k; ++i) PDEINV_CALL(VecAXPY(rhs, -dtheta[i], dR[i]));
  incrementalState(rhs, du, newton);
  // Incremental adjoint: R_uᵀ dλ = −(Bᵀ Φ'' B du + W_uu du + Σ_k dθ_k (∂²R/∂u∂θ_k)ᵀ λ).
  std::vector<Owned<Mat>> coupling;  // ∂²R/∂u∂θ_k, coupled operators only
  if (newton && op.hasSecondOrder() && !op.linearInState()) {
    // W_uu du: the operator's state-side second-order term with dm = 0.
    auto zero = solver_.parameter().createVector();
    PDEINV_CALL(VecSet(zero, 0.0));
    addSecondOrderState(du, zero, rhs);
  }
  if (newton && op.scalarStateCoupled()) {
    auto w = V.createVector();
    for (size_t i = 0; i < k; ++i) {
      coupling.push_back(solver_.assembler().createStateMatrix());
      solver_.scalarStateCoupling(static_cast<int>(i), coupling.back());
      PDEINV_CALL(MatMultTranspose(coupling.back(), lambda_, w));
      PDEINV_CALL(VecAXPY(rhs, dtheta[i], w));
    }
  }
  auto dlambda = V.createVector();
  incrementalAdjoint(rhs, dlambda);
  // (H dθ)_k = (∂R/∂θ_k)ᵀ dλ + λᵀ Σ_l ∂²R/∂θ_k∂θ_l dθ_l + λᵀ (∂²R/∂θ_k∂u) du.
  std::vector<PetscReal> h(k, 0.0);
  auto w = V.createVector();
  for (size_t i = 0; i < k; ++i) {
    h[i] = dot(dR[i], dlambda);
    if (!newton) continue;
    solver_.scalarSecondDerivative(static_cast<int>(i), dtheta, w);
    h[i] += dot(lambda_, w);
    if (!coupling.empty()) {
      PDEINV_CALL(MatMult(coupling[i], du, w));
      h[i] += dot(lambda_, w);
    }
  }
  setRootVector(out, h);
}

}  // namespace pdeinv

#include "pdeinv/transient/transient_solver.hpp"

#include <arkode/arkode_arkstep.h>
#include <nvector/nvector_petsc.h>
#include <sundials/sundials_context.h>

#include <cmath>
#include <exception>
#include <utility>

#include "pdeinv/fem/forms.hpp"
#include "pdeinv/transient/dirk_stepper.hpp"
#include "pdeinv/transient/dirk_tableau.hpp"
#include "pdeinv/transient/ksp_linear_solver.hpp"

namespace pdeinv {

namespace {

std::vector<const FunctionSpace*> auxSpaces(const FunctionSpace& parameter,
                                            const std::vector<const FunctionSpace*>& data) {
  std::vector<const FunctionSpace*> a = {&parameter};
  a.insert(a.end(), data.begin(), data.end());
  return a;
}

}  // namespace

// The state of one integration: SUNDIALS objects and the callbacks ARKODE calls.
struct TransientSolver::Impl {
  TransientSolver* self = nullptr;
  SUNContext ctx = nullptr;
  void* ark = nullptr;
  N_Vector y = nullptr;
  SUNLinearSolver newtonLS = nullptr, massLS = nullptr;
  bool haveJ = false, haveA = false, jacobianStale = false;
  realtype lastGamma = 0, jacobianTime = 0;
  std::exception_ptr pending;
  std::string arkodeMessage;  // ARKODE's last error message (instead of printing it)

  ~Impl() {
    if (ark) ARKStepFree(&ark);
    if (newtonLS) SUNLinSolFree(newtonLS);
    if (massLS) SUNLinSolFree(massLS);
    if (y) N_VDestroy(y);
    if (ctx) SUNContext_Free(&ctx);
  }

  static int implicitRhs(realtype t, N_Vector y, N_Vector ydot, void* data) {
    auto* impl = static_cast<Impl*>(data);
    try {
      const auto& s = *impl->self;
      Vec yv = N_VGetVector_Petsc(y), fv = N_VGetVector_Petsc(ydot);
      s.assembler_.residual(s.op_->residual(), yv, s.aux(), fv, t);
      PDEINV_CALL(VecScale(fv, -1.0));
      return 0;
    } catch (...) {
      impl->pending = std::current_exception();
      return -1;
    }
  }

  static void errorHandler(int, const char* module, const char* function, char* msg, void* data) {
    static_cast<Impl*>(data)->arkodeMessage = std::string(module) + " " + function + ": " + msg;
  }

  static int massTimes(N_Vector v, N_Vector Mv, realtype, void* data) {
    auto* impl = static_cast<Impl*>(data);
    return MatMult(impl->self->M_, N_VGetVector_Petsc(v), N_VGetVector_Petsc(Mv)) == 0 ? 0 : -1;
  }

  // A = M − γ J with J = −∂R/∂u, i.e. M + γ ∂R/∂u, before a Newton solve: rebuilt when γ
  // changed; ∂R/∂u re-assembled (at ARKODE's current stage iterate) once per stage and after
  // ARKODE asks for a setup, unless R is linear in u (then once).
  int prepareNewton() {
    try {
      auto& s = *self;
      realtype gamma = 0, t = 0;
      N_Vector ycur = nullptr;
      if (ARKStepGetCurrentGamma(ark, &gamma) != ARK_SUCCESS ||
          ARKStepGetCurrentTime(ark, &t) != ARK_SUCCESS ||
          ARKStepGetCurrentState(ark, &ycur) != ARK_SUCCESS) {
        return -1;
      }
      const bool refreshJ =
          !haveJ || (!s.op_->linearInState() && (jacobianStale || t != jacobianTime));
      if (refreshJ) {
        s.assembler_.stateJacobian(s.op_->stateJacobian(), N_VGetVector_Petsc(ycur), s.aux(), s.J_,
                                   t);
        haveJ = true;
        jacobianStale = false;
        jacobianTime = t;
      }
      if (refreshJ || !haveA || gamma != lastGamma) {
        PDEINV_CALL(MatCopy(s.M_, s.A_, SAME_NONZERO_PATTERN));
        PDEINV_CALL(MatAXPY(s.A_, gamma, s.J_, SAME_NONZERO_PATTERN));
        PDEINV_CALL(KSPSetOperators(s.newtonKsp_, s.A_, s.A_));
        haveA = true;
        lastGamma = gamma;
      }
      return 0;
    } catch (...) {
      pending = std::current_exception();
      return -1;
    }
  }
};

std::vector<std::string> TransientSolver::tableauNames() {
  return dirkTableauNames();
}

TransientSolver::TransientSolver(std::shared_ptr<const PdeOperator> op, const FunctionSpace& state,
                                 const FunctionSpace& parameter,
                                 std::vector<const FunctionSpace*> dataSpaces,
                                 std::vector<Vec> dataValues, const Options& opts)
    : TransientSolver(std::move(op), state, parameter, std::move(dataSpaces), std::move(dataValues),
                      TimeGrid::fromOptions(opts), opts) {}

TransientSolver::TransientSolver(std::shared_ptr<const PdeOperator> op, const FunctionSpace& state,
                                 const FunctionSpace& parameter,
                                 std::vector<const FunctionSpace*> dataSpaces,
                                 std::vector<Vec> dataValues, const TimeGrid& grid,
                                 const Options& opts)
    : op_(std::move(op)),
      state_(&state),
      data_(std::move(dataValues)),
      assembler_(state, auxSpaces(parameter, dataSpaces), op_->extraQuadraturePoints()),
      grid_(grid) {
  require(data_.size() == op_->dataFields().size(), "operator '" + op_->name() + "' needs " +
                                                        std::to_string(op_->dataFields().size()) +
                                                        " data fields");
  assembler_.setConstants(op_->defaultConstants(state.dim()));

  J_ = assembler_.createStateMatrix();
  M_ = pdeinv::massMatrix(state, J_);
  PDEINV_CALL(MatDuplicate(J_, MAT_DO_NOT_COPY_VALUES, A_.out()));
  m_ = parameter.createVector();

  MPI_Comm comm = state.mesh().comm();
  // Newton systems M + γ ∂R/∂u: the same KSP as pdeinv's own stage solves.
  newtonKsp_ = createStageKsp(state, *op_, opts.prefix() + "newton_", 1000);
  PDEINV_CALL(KSPSetFromOptions(newtonKsp_));
  PDEINV_CALL(KSPCreate(comm, massKsp_.out()));
  PDEINV_CALL(KSPSetOptionsPrefix(massKsp_, (opts.prefix() + "mass_").c_str()));
  PDEINV_CALL(KSPSetType(massKsp_, KSPCG));
  PC pc;
  PDEINV_CALL(KSPGetPC(massKsp_, &pc));
  PDEINV_CALL(PCSetType(pc, PCJACOBI));
  PDEINV_CALL(KSPSetTolerances(massKsp_, 1e-12, 1e-50, PETSC_DEFAULT, 1000));
  PDEINV_CALL(KSPSetFromOptions(massKsp_));
  PDEINV_CALL(KSPSetOperators(massKsp_, M_, M_));
}

TransientSolver::~TransientSolver() = default;

std::vector<Vec> TransientSolver::aux() const {
  std::vector<Vec> a = {m_};
  a.insert(a.end(), data_.begin(), data_.end());
  return a;
}

void TransientSolver::solve(Vec m, Vec u) {
  PDEINV_CALL(VecCopy(m, m_));
  Impl impl;
  impl.self = this;
  MPI_Comm comm = state_->mesh().comm();
  auto fail = [&](const std::string& what) {
    if (impl.pending) std::rethrow_exception(impl.pending);
    for (SUNLinearSolver ls : {impl.newtonLS, impl.massLS}) {
      if (ls && kspLinearSolverFailure(ls)) std::rethrow_exception(kspLinearSolverFailure(ls));
    }
    throw ForwardSolveFailure("transient solve failed: " + what +
                              (impl.arkodeMessage.empty() ? "" : " (" + impl.arkodeMessage + ")"));
  };
  auto check = [&](int flag, const char* call) {
    if (flag < 0) fail(std::string(call) + " returned " + std::to_string(flag));
  };
  if (SUNContext_Create(&comm, &impl.ctx) != 0) fail("SUNContext_Create");
  impl.y = N_VMake_Petsc(u, impl.ctx);
  if (!impl.y) fail("N_VMake_Petsc");
  impl.ark = ARKStepCreate(nullptr, Impl::implicitRhs, 0.0, impl.y, impl.ctx);
  if (!impl.ark) fail("ARKStepCreate");
  void* ark = impl.ark;
  check(ARKStepSetUserData(ark, &impl), "ARKStepSetUserData");
  check(ARKStepSetErrHandlerFn(ark, Impl::errorHandler, &impl), "ARKStepSetErrHandlerFn");
  {
    auto c = grid_.table.c, A = grid_.table.A, b = grid_.table.b, d = grid_.table.bEmbedded;
    ARKodeButcherTable B =
        ARKodeButcherTable_Create(grid_.table.stages, grid_.table.order, grid_.table.embeddedOrder,
                                  c.data(), A.data(), b.data(), d.data());
    if (!B) fail("ARKodeButcherTable_Create");
    const int flag =
        ARKStepSetTables(ark, grid_.table.order, grid_.table.embeddedOrder, B, nullptr);
    ARKodeButcherTable_Free(B);
    check(flag, "ARKStepSetTables");
  }
  check(ARKStepSStolerances(ark, grid_.rtol, grid_.atol), "ARKStepSStolerances");
  check(ARKStepSetMaxNumSteps(ark, grid_.maxSteps), "ARKStepSetMaxNumSteps");
  check(ARKStepSetStopTime(ark, grid_.finalTime), "ARKStepSetStopTime");
  if (grid_.adapt) {
    check(ARKStepSetInitStep(ark, grid_.dt), "ARKStepSetInitStep");
  } else {
    check(ARKStepSetFixedStep(ark, grid_.dt), "ARKStepSetFixedStep");
  }

  impl.newtonLS = createKspLinearSolver(
      impl.ctx, newtonKsp_,
      [&impl] {
        impl.jacobianStale = true;
        return 0;
      },
      [&impl] { return impl.prepareNewton(); });
  impl.massLS = createKspLinearSolver(impl.ctx, massKsp_, [] { return 0; });
  check(ARKStepSetLinearSolver(ark, impl.newtonLS, nullptr), "ARKStepSetLinearSolver");
  check(ARKStepSetMassLinearSolver(ark, impl.massLS, nullptr, SUNFALSE),
        "ARKStepSetMassLinearSolver");
  check(ARKStepSetMassTimes(ark, nullptr, Impl::massTimes, &impl), "ARKStepSetMassTimes");
  if (op_->linearInState()) check(ARKStepSetLinear(ark, 0), "ARKStepSetLinear");

  times_.assign(1, 0.0);
  realtype t = 0;
  while (true) {
    // ARK_ONE_STEP: ARKODE's own step limit counts per call, that is one step; the run's limit
    // is enforced here, so an adaptive run whose steps collapse always ends.
    if (static_cast<PetscInt>(times_.size()) > grid_.maxSteps) {
      throw ForwardSolveFailure(
          "transient solve: -" + grid_.prefix + "max_steps " + std::to_string(grid_.maxSteps) +
          " adaptive steps taken and t = " + realText(t) + " of " + realText(grid_.finalTime) +
          " reached (last step " + realText(t - times_[times_.size() - 2]) + "); raise -" +
          grid_.prefix + "max_steps, or loosen -" + grid_.prefix + "rtol/-" + grid_.prefix +
          "atol");
    }
    const int flag = ARKStepEvolve(ark, grid_.finalTime, impl.y, &t, ARK_ONE_STEP);
    if (flag < 0) fail("ARKStepEvolve returned " + std::to_string(flag) + " at t = " + realText(t));
    times_.push_back(t);
    if (flag == ARK_TSTOP_RETURN || t >= grid_.finalTime) break;
  }

  long nsteps = 0, nfe = 0, nfi = 0, nsetups = 0, nni = 0, netf = 0;
  ARKStepGetNumSteps(ark, &nsteps);
  ARKStepGetNumRhsEvals(ark, &nfe, &nfi);
  ARKStepGetNumLinSolvSetups(ark, &nsetups);
  ARKStepGetNumNonlinSolvIters(ark, &nni);
  ARKStepGetNumErrTestFails(ark, &netf);
  stats_.steps = nsteps;
  stats_.rhsEvaluations = nfi;
  stats_.linearSetups = nsetups;
  stats_.newtonIterations = nni;
  stats_.errorTestFails = netf;
  stats_.newtonKspIterations = kspLinearSolverIterations(impl.newtonLS);
  stats_.massKspIterations = kspLinearSolverIterations(impl.massLS);
}

}  // namespace pdeinv

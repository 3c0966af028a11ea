#include "pdeinv/workflow/forward_run.hpp"

#include <petsctime.h>

#include <cstdio>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/options.hpp"
#include "pdeinv/core/session.hpp"
#include "pdeinv/fem/expression.hpp"
#include "pdeinv/forward/steady_solver.hpp"
#include "pdeinv/io/output.hpp"
#include "pdeinv/transient/transient_solver.hpp"

namespace pdeinv {

ForwardSettings ForwardSettings::fromOptions(const std::string& defaultOutput) {
  const Options opts;
  ForwardSettings s;
  const auto kind = opts.getString("problem", "steady",
                                   "steady | transient (integrated by ARKODE, -ts_* options)");
  require(kind == "steady" || kind == "transient",
          "-problem must be steady or transient, got '" + kind + "'");
  s.transient = kind == "transient";
  if (s.transient)
    s.initialState = opts.getString("initial_state", "0", "transient: the initial state u(0)");
  s.parameter = opts.getString("parameter", "0", "parameter field m(x, y, z)");
  s.exact = opts.findString("exact", "exact solution u(x, y, z), for error norms");
  s.exactGradient =
      opts.findString("exact_gradient", "gradient of the exact solution, for the H1 error");
  s.outputDirectory = outputDirectoryFromOptions(defaultOutput);
  return s;
}

ForwardRun::ForwardRun(SteadyProblem& problem, ForwardSettings settings)
    : problem_(problem), settings_(std::move(settings)) {
  const auto& V = problem_.state();
  const auto& P = problem_.parameter();
  if (settings_.transient) {
    arkode_ = std::make_unique<TransientSolver>(problem_.operatorPtr(), V, P,
                                                problem_.solver().dataSpaces(),
                                                problem_.solver().dataValues());
    initial_ =
        std::make_unique<Expression>(settings_.initialState, "-initial_state", V.components());
  }
  mExpr_ = std::make_unique<Expression>(settings_.parameter, "-parameter", P.components());
  if (settings_.exact)
    exact_ = std::make_unique<Expression>(*settings_.exact, "-exact", V.components());
  if (settings_.exactGradient)
    exactGrad_ = std::make_unique<Expression>(*settings_.exactGradient, "-exact_gradient",
                                              V.components() * V.dim());
}

ForwardRun::~ForwardRun() = default;

const ForwardResult& ForwardRun::solve() {
  const auto& V = problem_.state();
  const auto& P = problem_.parameter();
  m_ = P.createVector();
  P.interpolate(*mExpr_, m_);
  u_ = V.createVector();
  PDEINV_CALL(VecSet(u_, 0.0));
  if (initial_) V.interpolate(*initial_, u_);
  PetscLogDouble t0 = 0, t1 = 0;
  PDEINV_CALL(PetscTime(&t0));
  try {
    if (arkode_) {
      arkode_->solve(m_, u_);
    } else {
      problem_.solver().solve(m_, u_);
    }
  } catch (const ForwardSolveFailure& e) {
    // Name the input the failure comes from (e.g. a coefficient e^m that underflows to 0).
    throw ForwardSolveFailure(std::string(e.what()) + " [at -parameter '" + settings_.parameter +
                              "']");
  }
  PDEINV_CALL(PetscTime(&t1));
  auto& r = result_;
  r.solveTime = t1 - t0;
  r.finalTime = arkode_ ? arkode_->finalTime() : 0.0;
  r.residualNorm = arkode_ ? 0.0 : problem_.solver().residualNorm();
  if (exact_) {
    // The exact solution at the final time for a transient problem (the expressions may use t).
    const int dim = V.dim();
    const auto norms = problem_.solver().assembler().errorNorms(
        u_, [&](const PetscReal x[], PetscScalar ue[], PetscScalar ge[]) {
          exact_->evaluate(dim, x, r.finalTime, ue);
          if (exactGrad_) exactGrad_->evaluate(dim, x, r.finalTime, ge);
        });
    r.l2Error = norms.l2;
    if (exactGrad_) r.h1SemiError = norms.h1semi;
  }
  return r;
}

void ForwardRun::writeResults() const {
  const MPI_Comm comm = problem_.mesh().comm();
  const bool root = rankOf(comm) == 0;
  const auto& V = problem_.state();
  const auto& r = result_;
  if (arkode_ && root) {
    const auto& ts = arkode_->stats();
    std::printf("pdeinv transient solve (ARKODE ARKStep, %s, %s steps): t = 0 .. %g\n",
                arkode_->tableau().c_str(), arkode_->adaptive() ? "adaptive" : "fixed",
                r.finalTime);
    std::printf(
        "  steps %ld, error-test failures %ld, Newton its %ld, linear setups %ld, "
        "Newton KSP its %ld, mass KSP its %ld\n",
        ts.steps, ts.errorTestFails, ts.newtonIterations, ts.linearSetups, ts.newtonKspIterations,
        ts.massKspIterations);
  }
  // Sizes are collective: computed on every rank, printed by one.
  const auto& st = problem_.solver().stats();
  const auto cells = static_cast<long long>(problem_.mesh().globalNumCells());
  const auto nState = static_cast<long long>(V.globalSize());
  const auto nParam = static_cast<long long>(problem_.parameter().globalSize());
  if (root) {
    std::printf("pdeinv forward solve: operator %s, %s state, %s parameter\n",
                problem_.op().name().c_str(), V.element().str().c_str(),
                problem_.parameter().element().str().c_str());
    std::printf("  mesh            %lld cells, %d-D %s, %d rank(s)\n", cells, V.dim(),
                problem_.mesh().simplex() ? "simplices" : "quads/hexes", sizeOf(comm));
    std::printf("  unknowns        %lld state, %lld parameter\n", nState, nParam);
    if (!arkode_) {
      std::printf("  Newton its      %lld\n", static_cast<long long>(st.lastNewtonIterations));
      std::printf("  linear its      %lld\n", static_cast<long long>(st.lastLinearIterations));
      std::printf("  ||R(u,m)||_2    %.3e\n", r.residualNorm);
    }
    std::printf("  solve time      %.3f s\n", r.solveTime);
    if (r.l2Error >= 0) std::printf("  L2 error        %.6e\n", r.l2Error);
    if (r.h1SemiError >= 0) std::printf("  H1 semi error   %.6e\n", r.h1SemiError);
  }
  const auto& outDir = settings_.outputDirectory;
  if (outDir.empty()) return;
  makeDirectory(comm, outDir);
  writeVtu(u_, outDir + "/state.vtu");
  writeVtu(m_, outDir + "/parameter.vtu");
  writeOptionsFile(comm, outDir + "/options_used.txt");
  if (root)
    std::printf("  wrote           %s/{state,parameter}.vtu, options_used.txt\n", outDir.c_str());
}

}  // namespace pdeinv

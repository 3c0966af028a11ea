// pdeinv — the driver: every run is chosen by options (or an options file).
//
// Sample runs (also regression runs, see tests/):
//   mpiexec -n 2 pdeinv -options_file apps/forward_poisson.opts
//   pdeinv -mesh_file meshes/l_shape_fine.msh -poisson_source 1 -output out/lshape
//   mpiexec -n 2 pdeinv -options_file apps/poisson_h1.opts          (an inversion)
//   pdeinv -mesh_faces 32,32 -state_element Q2 -parameter 'x' -exact 'sin(pi*x)*sin(pi*y)' ...
//
//   mpiexec -n 2 pdeinv -verify -options_file apps/verify_poisson.opts
//
// Modes (-mode): forward — the steady forward problem R(u, m) = 0 for a given parameter field m
// (default); invert — solve the inverse problem with TAO and write the run directory
// (apps/invert.cpp); verify (or -verify) — build the inverse problem and check every derivative
// in it (Taylor, dot-product and symmetry tests), print a table and write verify.json.
// -list_operators: every registered operator, parameter map, observation type, misfit,
// regularization and optimizer, one line each (also printed by -help).
#include <petsctime.h>

#include <cmath>
#include <cstdio>
#include <iostream>

#include "modes.hpp"
#include "option_catalog.hpp"
#include "pdeinv/analysis/derivative_check.hpp"
#include "pdeinv/analysis/field_identifiability.hpp"
#include "pdeinv/analysis/identifiability.hpp"
#include "pdeinv/analysis/verification.hpp"
#include "pdeinv/core/error.hpp"
#include "pdeinv/core/options.hpp"
#include "pdeinv/core/root_vector.hpp"
#include "pdeinv/core/session.hpp"
#include "pdeinv/fem/expression.hpp"
#include "pdeinv/forward/steady_problem.hpp"
#include "pdeinv/io/output.hpp"
#include "pdeinv/problem/component_list.hpp"
#include "pdeinv/problem/inverse_problem.hpp"
#include "pdeinv/transient/transient_solver.hpp"

static const char help[] = "pdeinv: PDE-constrained inverse problems on PETSc.\n";

namespace {

using namespace pdeinv;

// -verify: every derivative of the configured inverse problem, checked.
int runVerify(MPI_Comm comm) {
  const Options opts;
  const bool root = rankOf(comm) == 0;
  // 1. The inverse problem, and where its results go.
  auto inv = InverseProblem::fromOptions(comm);
  const auto seed = static_cast<unsigned long>(
      opts.getInt("verify_seed", 1234, "seed of the random directions of -verify"));
  const auto outDir = app::outputDirectory("output/verify");
  const bool write = !outDir.empty();
  if (app::printHelpIfRequested(comm)) return 0;
  checkAllOptionsUsed();

  // 2. The checks, at the starting point of an inversion.
  auto m = inv->initialGuess();
  auto p = inv->forward().parameter().createVector();
  inv->operatorField(m, p);
  auto& J = inv->objective();
  J.value(m);
  VerificationReport report;
  auto add = [&](std::vector<CheckResult> checks) {
    for (auto& c : checks) report.add(std::move(c));
  };
  const bool mapped =
      !inv->regions() && !inv->scalarMode() && inv->parameterKind() != "initial_state";
  if (mapped) add(checkParameterMap(inv->map(), m, seed));
  add(checkOperator(inv->forward().solver(), p, seed + 10));
  add(checkObservation(inv->observation(), inv->observation().name(), J.state(), seed + 20));
  auto* tJ = inv->transientObjective();
  add(checkMisfit(
      inv->misfit(),
      tJ ? tJ->predictedObservations() : inv->steadyObjective()->predictedObservations(),
      seed + 30));
  if (inv->regularization()) {
    auto mField = inv->forward().parameter().createVector();
    if (inv->regions()) inv->regions()->embed(m, mField);
    add(checkRegularization(*inv->regularization(), inv->regions() ? mField.get() : m.get(),
                            seed + 40));
  }
  if (inv->regions()) {
    auto field = inv->forward().parameter().createVector();
    auto theta = inv->regions()->createVector();
    add({checkDotProduct(
        "region parameters", "E / E^T", theta, field,
        [&](Vec t, Vec f) { inv->regions()->embed(t, f); },
        [&](Vec f, Vec t) { inv->regions()->embedTranspose(f, t); }, 1e-12)});
  }
  if (tJ) {
    // The whole space-time tangent/adjoint pair of x ↦ predicted observations.
    auto dx = J.createParameterVector();
    Owned<Vec> r;
    PDEINV_CALL(VecDuplicate(tJ->predictedObservations(), r.out()));
    fillRandom(dx, seed + 60);
    fillRandom(r, seed + 61);
    add({checkDotProduct(
        "transient adjoint", "space-time d / d^T", dx, r,
        [&](Vec a, Vec out) { tJ->predictionTangent(m, a, out); },
        [&](Vec a, Vec out) { tJ->predictionAdjoint(m, a, out); }, 1e-10)});
  }
  add(checkReducedFunctional(J, m, seed + 50));

  // 3. Report (sizes are collective: computed on every rank, printed by one).
  const auto nParam = static_cast<long long>(inv->parameterSpace().globalSize());
  const auto nObs = static_cast<long long>(inv->dataSize());
  if (root) {
    std::printf("pdeinv -verify: %lld parameter unknowns, %lld observations\n", nParam, nObs);
    report.print(std::cout);
  }
  if (write) {
    makeDirectory(comm, outDir);
    if (root) report.writeJson(outDir + "/verify.json");
    writeOptionsFile(comm, outDir + "/options_used.txt");
    if (root) std::printf("wrote %s/verify.json\n", outDir.c_str());
  }
  return report.allPassed() ? ExitOk : ExitCheckFailed;
}

// -mode identify: Gauss–Newton on the operator's few global parameters (-parameter_space
// scalars) with the Jacobian's singular values, condition number, least-determined
// directions and linearised standard deviations (analysis/identifiability.hpp).
// -mode identify for a parameter field: the spectrum of the misfit Hessian against the prior.
int runFieldIdentify(MPI_Comm comm, InverseProblem& inv) {
  const Options opts;
  RandomizedEigenOptions eo;
  eo.rank = static_cast<int>(
      opts.getInt("identify_rank", eo.rank, "field spectrum: eigenpairs to compute"));
  require(eo.rank >= 1, "-identify_rank must be at least 1, got " + std::to_string(eo.rank));
  eo.oversampling = static_cast<int>(opts.getInt("identify_oversampling", eo.oversampling,
                                                 "field spectrum: extra random directions"));
  require(eo.oversampling >= 0,
          "-identify_oversampling must be non-negative, got " + std::to_string(eo.oversampling));
  eo.seed = static_cast<unsigned long>(
      opts.getInt("identify_seed", 1, "field spectrum: seed of the random directions"));
  const auto at =
      opts.getString("identify_at", "init", "field spectrum at: init (-m_init) or truth (-truth)");
  require(at == "init" || at == "truth", "-identify_at must be init or truth, got '" + at + "'");
  require(at == "init" || inv.truth(), "-identify_at truth needs -truth (synthetic data)");
  const auto nFields =
      opts.getInt("identify_directions", 4, "field spectrum: leading directions written as fields");
  const auto outDir = app::outputDirectory("output/identify");
  if (app::printHelpIfRequested(comm)) return 0;
  checkAllOptionsUsed();
  auto m = inv.initialGuess();
  if (at == "truth") PDEINV_CALL(VecCopy(inv.truth(), m));
  const auto report = fieldIdentifiability(inv, m, eo);
  if (rankOf(comm) == 0) std::printf("linearised at the %s\n", at == "truth" ? "truth" : "-m_init");
  printFieldIdentifiability(comm, report);
  if (!outDir.empty()) {
    makeDirectory(comm, outDir);
    writeFieldIdentifiabilityJson(comm, report, outDir + "/identify.json");
    const auto n = std::min<size_t>(static_cast<size_t>(std::max<PetscInt>(nFields, 0)),
                                    report.directions.size());
    for (size_t i = 0; i < n; ++i)
      writeVtu(report.directions[i], outDir + "/direction_" + std::to_string(i + 1) + ".vtu");
    writeOptionsFile(comm, outDir + "/options_used.txt");
    if (rankOf(comm) == 0)
      std::printf("  wrote %s/identify.json and %zu direction_<i>.vtu\n", outDir.c_str(), n);
  }
  return 0;
}

int runIdentify(MPI_Comm comm) {
  const Options opts;
  auto inv = InverseProblem::fromOptions(comm);
  if (!inv->scalarMode()) return runFieldIdentify(comm, *inv);
  IdentifiabilityOptions io;
  io.maxIterations = static_cast<int>(
      opts.getInt("identify_max_it", io.maxIterations, "Gauss-Newton iterations at most"));
  io.nullTolerance = opts.getReal("identify_null_tol", io.nullTolerance,
                                  "sigma_i < tol * sigma_1: a direction the data cannot determine");
  const auto outDir = app::outputDirectory("output/identify");
  if (app::printHelpIfRequested(comm)) return 0;
  checkAllOptionsUsed();
  auto theta = inv->initialGuess();
  const auto report = gaussNewtonScalars(*inv, theta, io);
  printIdentifiability(comm, report);
  if (inv->truth() && rankOf(comm) == 0) {
    const auto truth = gatherRootVector(inv->truth());
    PetscReal err = 0;
    for (size_t i = 0; i < truth.size(); ++i)
      err = std::max(err,
                     std::abs(report.theta[i] - truth[i]) / std::max(1e-300, std::abs(truth[i])));
    std::printf("  max relative error against -truth_scalars: %.3e\n", err);
  }
  if (!outDir.empty()) {
    makeDirectory(comm, outDir);
    writeIdentifiabilityJson(comm, report, outDir + "/identify.json");
    writeOptionsFile(comm, outDir + "/options_used.txt");
    if (rankOf(comm) == 0) std::printf("  wrote %s/identify.json\n", outDir.c_str());
  }
  return report.converged ? ExitOk : ExitNotConverged;
}

int runForward(MPI_Comm comm) {
  const Options opts;
  const bool root = rankOf(comm) == 0;

  // 1. Build the forward problem (mesh, operator, spaces, solver) from the options.
  const auto kind = opts.getString("problem", "steady",
                                   "steady | transient (integrated by ARKODE, -ts_* options)");
  require(kind == "steady" || kind == "transient",
          "-problem must be steady or transient, got '" + kind + "'");
  const bool transient = kind == "transient";
  auto problem = SteadyProblem::fromOptions(comm);
  const auto& V = problem->state();
  const auto& P = problem->parameter();
  std::unique_ptr<TransientSolver> arkode;
  std::unique_ptr<Expression> initial;
  if (transient) {
    arkode = std::make_unique<TransientSolver>(problem->operatorPtr(), V, P,
                                               problem->solver().dataSpaces(),
                                               problem->solver().dataValues());
    initial = std::make_unique<Expression>(
        opts.getString("initial_state", "0", "transient: the initial state u(0)"), "-initial_state",
        V.components());
  }

  // 2. The parameter field m and, optionally, the exact solution to measure errors against
  //    (at the final time for a transient problem: the expressions may use t).
  const Expression mExpr(opts.getString("parameter", "0", "parameter field m(x, y, z)"),
                         "-parameter", P.components());
  const auto exactText = opts.findString("exact", "exact solution u(x, y, z), for error norms");
  const auto exactGradText =
      opts.findString("exact_gradient", "gradient of the exact solution, for the H1 error");
  std::unique_ptr<Expression> exact, exactGrad;
  if (exactText) exact = std::make_unique<Expression>(*exactText, "-exact", V.components());
  if (exactGradText) {
    exactGrad =
        std::make_unique<Expression>(*exactGradText, "-exact_gradient", V.components() * V.dim());
  }
  const auto outDir = app::outputDirectory("output/forward");
  const bool write = !outDir.empty();
  if (app::printHelpIfRequested(comm)) return 0;
  // 3. Every option has now been read: one that was set and never used is a mistake.
  checkAllOptionsUsed();

  auto m = P.createVector();
  P.interpolate(mExpr, m);
  auto u = V.createVector();
  PDEINV_CALL(VecSet(u, 0.0));
  if (initial) V.interpolate(*initial, u);

  // 4. Solve.
  PetscLogDouble t0 = 0, t1 = 0;
  PDEINV_CALL(PetscTime(&t0));
  if (arkode) {
    arkode->solve(m, u);
  } else {
    problem->solver().solve(m, u);
  }
  PDEINV_CALL(PetscTime(&t1));
  const PetscReal tEnd = arkode ? arkode->finalTime() : 0.0;
  if (arkode) {
    const auto& ts = arkode->stats();
    if (root) {
      std::printf("pdeinv transient solve (ARKODE ARKStep, %s, %s steps): t = 0 .. %g\n",
                  arkode->tableau().c_str(), arkode->adaptive() ? "adaptive" : "fixed", tEnd);
      std::printf(
          "  steps %ld, error-test failures %ld, Newton its %ld, linear setups %ld, "
          "Newton KSP its %ld, mass KSP its %ld\n",
          ts.steps, ts.errorTestFails, ts.newtonIterations, ts.linearSetups, ts.newtonKspIterations,
          ts.massKspIterations);
    }
  }

  // 5. Report.
  const auto& st = problem->solver().stats();
  const auto cells = static_cast<long long>(problem->mesh().globalNumCells());
  const auto nState = static_cast<long long>(V.globalSize());
  const auto nParam = static_cast<long long>(P.globalSize());
  const PetscReal residual = arkode ? 0.0 : problem->solver().residualNorm();
  if (root) {
    std::printf("pdeinv forward solve: operator %s, %s state, %s parameter\n",
                problem->op().name().c_str(), V.element().str().c_str(), P.element().str().c_str());
    std::printf("  mesh            %lld cells, %d-D %s, %d rank(s)\n", cells, V.dim(),
                problem->mesh().simplex() ? "simplices" : "quads/hexes", sizeOf(comm));
    std::printf("  unknowns        %lld state, %lld parameter\n", nState, nParam);
    if (!arkode) {
      std::printf("  Newton its      %lld\n", static_cast<long long>(st.lastNewtonIterations));
      std::printf("  linear its      %lld\n", static_cast<long long>(st.lastLinearIterations));
      std::printf("  ||R(u,m)||_2    %.3e\n", residual);
    }
    std::printf("  solve time      %.3f s\n", t1 - t0);
  }
  if (exact) {
    const int dim = V.dim();
    auto norms = problem->solver().assembler().errorNorms(
        u, [&](const PetscReal x[], PetscScalar ue[], PetscScalar ge[]) {
          exact->evaluate(dim, x, tEnd, ue);
          if (exactGrad) exactGrad->evaluate(dim, x, tEnd, ge);
        });
    if (root) {
      std::printf("  L2 error        %.6e\n", norms.l2);
      if (exactGrad) std::printf("  H1 semi error   %.6e\n", norms.h1semi);
    }
  }
  if (write) {
    makeDirectory(comm, outDir);
    writeVtu(u, outDir + "/state.vtu");
    writeVtu(m, outDir + "/parameter.vtu");
    writeOptionsFile(comm, outDir + "/options_used.txt");
    if (root)
      std::printf("  wrote           %s/{state,parameter}.vtu, options_used.txt\n", outDir.c_str());
  }
  return 0;
}

}  // namespace

namespace pdeinv::app {
bool printHelpIfRequested(MPI_Comm) {
  // runMain answers -help before any mode runs (main gives it the catalogue of every option),
  // so a mode never sees it; kept until the modes stop asking.
  return false;
}

std::string outputDirectory(const std::string& def) {
  const auto dir =
      Options().getString("output", def, "directory for the run's results ('none': write nothing)");
  return dir == "none" ? std::string() : dir;
}
}  // namespace pdeinv::app

int main(int argc, char** argv) {
  // -help: every option of every mode, the components, then PETSc's (core/session.hpp).
  const pdeinv::ProgramHelp programHelp{
      pdeinv::app::optionCatalog(), pdeinv::printRegisteredComponents, pdeinv::showSolverOptions};
  return pdeinv::runMain(argc, argv, help, programHelp, [](MPI_Comm comm) {
    const pdeinv::Options opts;
    if (opts.getBool("list_operators", false,
                     "list the registered operators, maps, observations, misfits, "
                     "regularizations and optimizers, and stop")) {
      if (pdeinv::rankOf(comm) == 0) pdeinv::printRegisteredComponents(std::cout);
      return 0;
    }
    const bool verify = opts.getBool("verify", false, "same as -mode verify");
    const auto mode = opts.getString("mode", verify ? "verify" : "forward",
                                     "what to run: forward | invert | verify | identify");
    if (mode == "forward") return runForward(comm);
    if (mode == "invert") return pdeinv::app::runInvert(comm);
    if (mode == "verify") return runVerify(comm);
    if (mode == "identify") return runIdentify(comm);
    throw pdeinv::InputError("unknown mode '" + mode +
                             "' (-mode); available: forward, invert, verify, identify");
  });
}

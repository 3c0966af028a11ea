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
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "modes.hpp"
#include "option_catalog.hpp"
#include "pdeinv/analysis/verification.hpp"
#include "pdeinv/core/error.hpp"
#include "pdeinv/core/options.hpp"
#include "pdeinv/core/root_vector.hpp"
#include "pdeinv/core/session.hpp"
#include "pdeinv/forward/steady_problem.hpp"
#include "pdeinv/io/output.hpp"
#include "pdeinv/problem/component_list.hpp"
#include "pdeinv/problem/inverse_problem.hpp"
#include "pdeinv/workflow/evaluation.hpp"
#include "pdeinv/workflow/forward_run.hpp"
#include "pdeinv/workflow/identify_run.hpp"
#include "pdeinv/workflow/inversion.hpp"

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
  VerificationSettings checks;
  checks.h0 = opts.getReal("verify_h0", checks.h0, "first step of the Taylor tests");
  checks.steps = static_cast<int>(
      opts.getInt("verify_steps", checks.steps, "Taylor steps h0, h0/2, ... (4 to 40)"));
  checks.validate();
  const auto outDir = outputDirectoryFromOptions("output/verify");
  const bool write = !outDir.empty();
  checkAllOptionsUsed();

  // 2. Every derivative in it, checked at the starting point of an inversion.
  const auto report = verifyInverseProblem(*inv, seed, checks);

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

// -mode identify: what the data determine — the misfit Hessian's spectrum against the prior for
// a parameter field, Gauss–Newton with the Jacobian's singular values for an operator's scalars
// (workflow/identify_run.hpp).
int runIdentify(MPI_Comm comm) {
  auto inv = InverseProblem::fromOptions(comm);
  const auto settings = IdentifySettings::fromOptions(*inv);
  checkAllOptionsUsed();
  return identify(*inv, settings).converged ? ExitOk : ExitNotConverged;
}

int runForward(MPI_Comm comm) {
  // 1. The forward problem (mesh, operator, spaces, solver) and what to do with it: the
  //    parameter field, an exact solution to measure errors against, the output directory.
  auto problem = SteadyProblem::fromOptions(comm);
  ForwardRun run(*problem, ForwardSettings::fromOptions("output/forward"));
  checkAllOptionsUsed();  // every option is read: one set and never used is a mistake

  // 2. Solve (steady Newton, or ARKODE in time), then report and write the run directory.
  run.solve();
  run.writeResults();
  return 0;
}

// -mode evaluate: J, its parts and ∇J in full precision, at -m_init or at the iterate of a run
// directory (read by dof position: any rank count). It reads an inversion's options like
// -mode invert (the regularization weight, the optimizer's), so a run's options file serves.
int runEvaluate(MPI_Comm comm) {
  const Options opts;
  // 1. The inverse problem as an inversion would solve it, the point, where results go.
  auto inv = InverseProblem::fromOptions(comm);
  const Inversion inversion(*inv, InversionSettings::fromOptions(*inv, "output/evaluate"));
  const auto at = opts.findString(
      "evaluate_at",
      "run directory whose estimate (or checkpoint) to evaluate at (default: -m_init)");
  const bool checkpoint = opts.getBool("evaluate_checkpoint", false,
                                       "-evaluate_at: its last checkpoint instead of its estimate");
  checkAllOptionsUsed();

  // 2. Evaluate and write.
  auto x = at ? readRunIterate(*inv, *at, "-evaluate_at", checkpoint ? "checkpoint" : "estimate")
              : inv->initialGuess();
  writeEvaluation(*inv, evaluateObjective(*inv, x), inversion.settings().outputDirectory);
  return ExitOk;
}

}  // namespace

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
    const auto mode =
        opts.getString("mode", verify ? "verify" : "forward",
                       "what to run: forward | invert | sample | verify | identify | evaluate");
    if (mode == "forward") return runForward(comm);
    if (mode == "invert") return pdeinv::app::runInvert(comm);
    if (mode == "sample") return pdeinv::app::runSample(comm);
    if (mode == "verify") return runVerify(comm);
    if (mode == "identify") return runIdentify(comm);
    if (mode == "evaluate") return runEvaluate(comm);
    throw pdeinv::InputError(
        "unknown mode '" + mode +
        "' (-mode); available: forward, invert, sample, verify, identify, evaluate");
  });
}

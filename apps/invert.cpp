// pdeinv -mode invert: the inverse problem of the options database, solved with TAO; the run
// directory is written by pdeinv::Inversion (include/pdeinv/workflow/inversion.hpp lists it).
// Exit status: 0 converged, 2 not converged (results are written either way).
#include "modes.hpp"
#include "pdeinv/core/session.hpp"
#include "pdeinv/problem/inverse_problem.hpp"
#include "pdeinv/workflow/inversion.hpp"

namespace pdeinv::app {

int runInvert(MPI_Comm comm) {
  // 1. The inverse problem: mesh, operator, observations, data, misfit, prior, parameter map.
  auto problem = InverseProblem::fromOptions(comm);

  // 2. How to solve it: optimizer, weight choice, checkpoints, output directory.
  Inversion inversion(
      *problem, InversionSettings::fromOptions(*problem, "output/invert", PDEINV_PLOT_SCRIPT));
  checkAllOptionsUsed();  // every option is read: one set and never used is a mistake

  // 3. Solve, then judge PETSc's viewing options (read only when a solve ends).
  const auto& result = inversion.run();
  checkAllOptionsUsed(true);

  // 4. The run directory: fields, history, summary.json, plots.
  inversion.writeResults();
  return result.converged ? ExitOk : ExitNotConverged;
}

}  // namespace pdeinv::app

// pdeinv -mode sample: the MAP point (an inversion, written like -mode invert), the Laplace
// approximation there (-laplace_rank r > 0), then MCMC chains (include/pdeinv/workflow/
// sample_run.hpp lists the options and outputs). With -chain_groups g the ranks split into g
// groups that each build the problem, find its MAP point and Laplace approximation, and run
// their share of the chains at the same time; group 0 writes the run directory and reports.
// Exit status: 0, or 2 when the MAP inversion did not converge (the chains still run from
// where it stopped).
#include <cstdio>
#include <memory>

#include "modes.hpp"
#include "pdeinv/bayes/laplace.hpp"
#include "pdeinv/core/error.hpp"
#include "pdeinv/core/session.hpp"
#include "pdeinv/inverse/regularization.hpp"
#include "pdeinv/problem/inverse_problem.hpp"
#include "pdeinv/workflow/inversion.hpp"
#include "pdeinv/workflow/laplace_run.hpp"
#include "pdeinv/workflow/sample_run.hpp"

namespace pdeinv::app {

int runSample(MPI_Comm comm) {
  // 1. The groups of ranks, then on each the inverse problem, the inversion to the MAP point,
  //    the Laplace step and the chains.
  const auto sampling = SampleSettings::fromOptions();
  const int size = sizeOf(comm), rank = rankOf(comm);
  require(sampling.chainGroups <= size, "-chain_groups " + std::to_string(sampling.chainGroups) +
                                            " exceeds the " + std::to_string(size) +
                                            " MPI rank(s): every group needs at least one rank");
  ChainGroups groups{comm, rank % sampling.chainGroups, sampling.chainGroups};
  // Freed after the problem (declared before it): PETSc keeps its own communicator on it.
  struct SubComm {
    MPI_Comm c = MPI_COMM_NULL;
    ~SubComm() {
      if (c != MPI_COMM_NULL) MPI_Comm_free(&c);
    }
  } owned;
  if (groups.count > 1) MPI_Comm_split(comm, groups.index, rank, &owned.c);
  const MPI_Comm sub = groups.count > 1 ? owned.c : comm;
  // The other groups repeat group 0's inversion and Laplace step: only group 0 prints.
  if (groups.index != 0 && !std::freopen("/dev/null", "w", stdout))
    throw Error("cannot silence the output of chain group " + std::to_string(groups.index));

  auto problem = InverseProblem::fromOptions(sub);
  auto settings = InversionSettings::fromOptions(*problem, "output/sample", PDEINV_PLOT_SCRIPT);
  require(groups.count == 1 || (!settings.restart && settings.checkpointEvery == 0),
          "-chain_groups " + std::to_string(groups.count) +
              " cannot be combined with -restart or -checkpoint_every: every group runs its own "
              "inversion to the MAP point");
  if (groups.index != 0) settings.outputDirectory.clear();
  const auto laplaceSettings = settings.laplace;
  settings.laplace.eigen.rank = 0;  // run below, where the chains can use it
  const auto plotScript = settings.plotScript;
  settings.plotScript.clear();  // the plots are made once, after the chains
  const auto kernel = sampling.mcmc.kernel;
  require(laplaceSettings.enabled() || (kernel != McmcKernel::gpcn && kernel != McmcKernel::hmc),
          std::string("-mcmc_kernel ") + mcmcKernelName(kernel) +
              " needs the Laplace approximation: give -laplace_rank r > 0");
  require(problem->parameterKind() == "field",
          "-mode sample is implemented for a parameter field, not for -parameter_space scalars, "
          "-parameter_regions or an initial state");
  {
    auto* prior = problem->regularization();
    auto probe = problem->objective().createParameterVector();
    require(prior != nullptr && prior->mean(probe),
            "-mode sample needs a Gaussian prior (-reg_type bilaplacian), not -reg_type " +
                (prior ? prior->name() : std::string("none")));
  }
  if (laplaceSettings.enabled()) requireLaplaceAvailable(*problem, laplaceSettings);
  Inversion inversion(*problem, settings);
  checkAllOptionsUsed();

  // 2. The MAP point and its run directory (group 0).
  const auto& result = inversion.run();
  checkAllOptionsUsed(true);
  if (groups.index == 0) inversion.writeResults();
  const auto& outDir = inversion.settings().outputDirectory;

  // 3. Laplace, then MCMC.
  std::unique_ptr<LaplaceApproximation> laplace;
  LaplaceReport laplaceReport;
  if (laplaceSettings.enabled())
    laplaceReport = runLaplace(*problem, result.x, laplaceSettings, outDir, &laplace);
  runSampling(*problem, result.x, laplace.get(), laplaceReport.posteriorStddev, sampling, outDir,
              groups.index == 0 ? plotScript : "", groups);
  return result.converged ? ExitOk : ExitNotConverged;
}

}  // namespace pdeinv::app

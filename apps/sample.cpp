// pdeinv -mode sample: the MAP point (an inversion, written like -mode invert), the Laplace
// approximation there (-laplace_rank r > 0), then MCMC chains (include/pdeinv/workflow/
// sample_run.hpp lists the options and outputs). Exit status: 0, or 2 when the MAP inversion
// did not converge (the chains still run from where it stopped).
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
  // 1. The inverse problem, the inversion to the MAP point, the Laplace step, the chains.
  auto problem = InverseProblem::fromOptions(comm);
  auto settings = InversionSettings::fromOptions(*problem, "output/sample", PDEINV_PLOT_SCRIPT);
  const auto laplaceSettings = settings.laplace;
  settings.laplace.eigen.rank = 0;  // run below, where the chains can use it
  const auto plotScript = settings.plotScript;
  settings.plotScript.clear();  // the plots are made once, after the chains
  const auto sampling = SampleSettings::fromOptions();
  const auto kernel = sampling.mcmc.kernel;
  require(laplaceSettings.enabled() || (kernel != McmcKernel::gpcn && kernel != McmcKernel::hmc),
          std::string("-mcmc_kernel ") + mcmcKernelName(kernel) +
              " needs the Laplace approximation: give -laplace_rank r > 0");
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

  // 2. The MAP point and its run directory.
  const auto& result = inversion.run();
  checkAllOptionsUsed(true);
  inversion.writeResults();
  const auto& outDir = inversion.settings().outputDirectory;

  // 3. Laplace, then MCMC.
  std::unique_ptr<LaplaceApproximation> laplace;
  LaplaceReport laplaceReport;
  if (laplaceSettings.enabled())
    laplaceReport = runLaplace(*problem, result.x, laplaceSettings, outDir, &laplace);
  runSampling(*problem, result.x, laplace.get(), laplaceReport.posteriorStddev, sampling, outDir,
              plotScript);
  return result.converged ? ExitOk : ExitNotConverged;
}

}  // namespace pdeinv::app

#include "pdeinv/workflow/identify_run.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "pdeinv/analysis/field_identifiability.hpp"
#include "pdeinv/core/error.hpp"
#include "pdeinv/core/options.hpp"
#include "pdeinv/core/root_vector.hpp"
#include "pdeinv/core/session.hpp"
#include "pdeinv/io/output.hpp"

namespace pdeinv {

IdentifySettings IdentifySettings::fromOptions(const InverseProblem& problem,
                                               const std::string& defaultOutput) {
  const Options opts;
  IdentifySettings s;
  if (!problem.scalarMode()) {
    s.eigen.rank = static_cast<int>(
        opts.getInt("identify_rank", s.eigen.rank, "field spectrum: eigenpairs to compute"));
    s.eigen.oversampling = static_cast<int>(opts.getInt(
        "identify_oversampling", s.eigen.oversampling, "field spectrum: extra random directions"));
    s.eigen.seed = static_cast<unsigned long>(
        opts.getInt("identify_seed", 1, "field spectrum: seed of the random directions"));
    s.at = opts.getString("identify_at", "init",
                          "field spectrum at: init (-m_init) or truth (-truth)");
    s.directions = opts.getInt("identify_directions", s.directions,
                               "field spectrum: leading directions written as fields");
  } else {
    s.scalars.maxIterations = static_cast<int>(
        opts.getInt("identify_max_it", s.scalars.maxIterations, "Gauss-Newton iterations at most"));
    s.scalars.nullTolerance =
        opts.getReal("identify_null_tol", s.scalars.nullTolerance,
                     "sigma_i < tol * sigma_1: a direction the data cannot determine");
  }
  s.outputDirectory = outputDirectoryFromOptions(defaultOutput);
  s.validate(problem);
  return s;
}

void IdentifySettings::validate(const InverseProblem& problem) const {
  require(eigen.rank >= 1, "-identify_rank must be at least 1, got " + std::to_string(eigen.rank));
  require(eigen.oversampling >= 0,
          "-identify_oversampling must be non-negative, got " + std::to_string(eigen.oversampling));
  require(at == "init" || at == "truth", "-identify_at must be init or truth, got '" + at + "'");
  require(at == "init" || problem.truth(), "-identify_at truth needs -truth (synthetic data)");
  require(directions >= 0,
          "-identify_directions must be non-negative, got " + std::to_string(directions));
  require(scalars.maxIterations >= 1,
          "-identify_max_it must be at least 1, got " + std::to_string(scalars.maxIterations));
  require(scalars.nullTolerance > 0 && scalars.nullTolerance < 1,
          "-identify_null_tol must lie in (0, 1), got " + realText(scalars.nullTolerance));
}

namespace {

IdentifyOutcome identifyField(InverseProblem& inv, const IdentifySettings& s) {
  auto m = inv.initialGuess();
  MPI_Comm comm = PetscObjectComm(reinterpret_cast<PetscObject>(m.get()));
  if (s.at == "truth") PDEINV_CALL(VecCopy(inv.truth(), m));
  const auto report = fieldIdentifiability(inv, m, s.eigen);
  if (rankOf(comm) == 0)
    std::printf("linearised at the %s\n", s.at == "truth" ? "truth" : "-m_init");
  printFieldIdentifiability(comm, report);
  const auto& dir = s.outputDirectory;
  if (!dir.empty()) {
    makeDirectory(comm, dir);
    writeFieldIdentifiabilityJson(comm, report, dir + "/identify.json");
    const auto n = std::min<size_t>(static_cast<size_t>(std::max<PetscInt>(s.directions, 0)),
                                    report.directions.size());
    for (size_t i = 0; i < n; ++i)
      writeVtu(report.directions[i], dir + "/direction_" + std::to_string(i + 1) + ".vtu");
    writeOptionsFile(comm, dir + "/options_used.txt");
    if (rankOf(comm) == 0)
      std::printf("  wrote %s/identify.json and %zu direction_<i>.vtu\n", dir.c_str(), n);
  }
  return {};
}

IdentifyOutcome identifyScalars(InverseProblem& inv, const IdentifySettings& s) {
  auto theta = inv.initialGuess();
  MPI_Comm comm = PetscObjectComm(reinterpret_cast<PetscObject>(theta.get()));
  const auto report = gaussNewtonScalars(inv, theta, s.scalars);
  printIdentifiability(comm, report);
  if (inv.truth() && rankOf(comm) == 0) {
    const auto truth = gatherRootVector(inv.truth());
    PetscReal err = 0;
    for (size_t i = 0; i < truth.size(); ++i)
      err = std::max(err,
                     std::abs(report.theta[i] - truth[i]) / std::max(1e-300, std::abs(truth[i])));
    std::printf("  max relative error against -truth_scalars: %.3e\n", err);
  }
  const auto& dir = s.outputDirectory;
  if (!dir.empty()) {
    makeDirectory(comm, dir);
    writeIdentifiabilityJson(comm, report, dir + "/identify.json");
    writeOptionsFile(comm, dir + "/options_used.txt");
    if (rankOf(comm) == 0) std::printf("  wrote %s/identify.json\n", dir.c_str());
  }
  return {report.converged};
}

}  // namespace

IdentifyOutcome identify(InverseProblem& problem, const IdentifySettings& settings) {
  settings.validate(problem);
  return problem.scalarMode() ? identifyScalars(problem, settings)
                              : identifyField(problem, settings);
}

}  // namespace pdeinv

#pragma once
// What the data determine (`pdeinv -mode identify`), as a library workflow:
//
//   * a parameter field: the spectrum of the misfit's Gauss–Newton Hessian against the prior
//     (regularization) Hessian at -m_init or at the truth (analysis/field_identifiability.hpp):
//     the eigenvalues, the number of directions the data inform, the leading directions as
//     fields; identify.json and direction_<i>.vtu;
//   * an operator's few global scalars (-parameter_space scalars): Gauss–Newton on them with the
//     Jacobian's singular values, condition number, least-determined directions and linearised
//     standard deviations (analysis/identifiability.hpp); identify.json.
//
// Settings come from options (fromOptions: the ones that apply to the problem's kind) or from
// code; run() prints the report (rank 0) and writes the output directory when it is not empty.
#include <string>

#include "pdeinv/analysis/identifiability.hpp"
#include "pdeinv/bayes/generalized_eigensolver.hpp"
#include "pdeinv/problem/inverse_problem.hpp"

namespace pdeinv {

struct IdentifySettings {
  // A parameter field: -identify_rank, -identify_oversampling, -identify_seed (the randomized
  // eigensolver), -identify_at init | truth, -identify_directions (fields written).
  RandomizedEigenOptions eigen;
  std::string at = "init";
  PetscInt directions = 4;
  // Scalars: -identify_max_it, -identify_null_tol.
  IdentifiabilityOptions scalars;
  std::string outputDirectory = "output/identify";  // "" writes nothing

  // The options that apply to `problem` (a field or scalars); then validate().
  static IdentifySettings fromOptions(const InverseProblem& problem,
                                      const std::string& defaultOutput = "output/identify");
  // InputError naming the option: rank < 1, oversampling < 0, an unknown -identify_at,
  // -identify_at truth without a truth, directions < 0, max_it < 1 or a null tolerance not in
  // (0, 1).
  void validate(const InverseProblem& problem) const;
};

struct IdentifyOutcome {
  bool converged = true;  // scalars: the Gauss–Newton iteration converged; a field: always
};

// Runs the analysis for `problem`'s kind, prints and writes it. Collective.
IdentifyOutcome identify(InverseProblem& problem, const IdentifySettings& settings);

}  // namespace pdeinv

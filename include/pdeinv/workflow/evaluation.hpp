#pragma once
// Evaluation: J(x), its parts and ∇J(x) at a parameter of the user's choosing, in full precision
// (`pdeinv -mode evaluate`): at the starting point (-m_init) or at the iterate of a run directory
// (-evaluate_at DIR: its estimate, or its checkpoint with -evaluate_checkpoint), read by dof
// position, so on any rank count.
//
// Output directory: evaluate.json (cost, misfit, regularization, gradient norm; 17 digits),
// gradient.{dat,txt} (∇J by dof position, the format of estimate.{dat,txt}), and for a field
// parameter gradient.vtu.
#include <petscvec.h>

#include <string>

#include "pdeinv/core/handle.hpp"
#include "pdeinv/problem/inverse_problem.hpp"

namespace pdeinv {

struct Evaluation {
  PetscReal cost = 0, misfit = 0, regularization = 0, gradientNorm = 0;
  Owned<Vec> x, gradient;
};

// J, its parts and ∇J at x (an optimisation variable of problem). Collective.
Evaluation evaluateObjective(InverseProblem& problem, Vec x);

// The iterate <dir>/<name>.{dat,txt} of a run of the same problem (InputError naming flag when
// the files are missing, corrupt or from another problem). Collective.
Owned<Vec> readRunIterate(InverseProblem& problem, const std::string& dir, const std::string& flag,
                          const std::string& name = "estimate");

// Prints the figures (rank 0) and, when dir is not empty, writes the files above. Collective.
void writeEvaluation(InverseProblem& problem, const Evaluation& e, const std::string& dir);

}  // namespace pdeinv

#pragma once
// The registered components, one line each (name — description): every PDE operator, parameter
// map, observation type, misfit and regularization in its registry (including operators an
// outside project has added), and the TAO types pdeinv supports. `pdeinv -list_operators` and
// `pdeinv -help` print it.
#include <petscsys.h>

#include <ostream>

namespace pdeinv {

void printRegisteredComponents(std::ostream& os);

// With -help: has PETSc print the options of the solvers pdeinv configures, with pdeinv's
// prefixes — a SNES with its KSP and PC under "state_" (the steady forward solve) and the Tao
// with pdeinv's defaults (setTaoDefaults) — by configuring them from the options. Collective.
void showSolverOptions(MPI_Comm comm);

}  // namespace pdeinv

#include "pdeinv/problem/component_list.hpp"

#include <petscsnes.h>

#include <iostream>
#include <string>
#include <vector>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/handle.hpp"
#include "pdeinv/core/session.hpp"

#include "pdeinv/inverse/misfit.hpp"
#include "pdeinv/inverse/observation.hpp"
#include "pdeinv/inverse/parameter_map.hpp"
#include "pdeinv/inverse/regularization.hpp"
#include "pdeinv/optim/tao_problem.hpp"
#include "pdeinv/physics/pde_operator.hpp"

namespace pdeinv {
namespace {

template <class R>
void section(std::ostream& os, const std::string& title, const R& r) {
  os << title << " (" << r.option() << "):\n";
  for (const auto& name : r.names()) os << "  " << name << " — " << r.help(name) << "\n";
}

}  // namespace

void printRegisteredComponents(std::ostream& os) {
  section(os, "PDE operators", operatorRegistry());
  // Each operator's data fields, plugins' included (the catalogue above is built from pdeinv's
  // own sources; a plugin's operator is known only once it is loaded).
  for (const auto& name : operatorRegistry().names()) {
    const auto op = operatorRegistry().create(name);
    const auto fields = op->dataFields();
    if (fields.empty()) continue;
    os << "  " << name << " data fields:";
    for (const auto& f : fields) {
      os << "\n    -" << name << "_" << f.name << " <expression> (default " << f.defaultExpression
         << ")  " << f.help;
    }
    os << "\n";
  }
  section(os, "parameter maps", parameterMapRegistry());
  section(os, "observation types", observationRegistry());
  section(os, "misfits", misfitRegistry());
  section(os, "regularizations", regularizationRegistry());
  os << "optimizers (-tao_type):\n";
  for (const auto& name : supportedTaoTypes())
    os << "  " << name << " — " << taoTypeHelp(name) << "\n";
}

void showSolverOptions(MPI_Comm comm) {
  if (rankOf(comm) == 0) {
    std::cout << "\nThe options of the solvers pdeinv configures, as PETSc shows them for the "
                 "forward solve\n(-state_snes_*, -state_ksp_*, -state_pc_*; every prefix of "
                 "-<prefix>solver has the same -<prefix>ksp_*\nand -<prefix>pc_*) and the "
                 "optimizer (-tao_*). The linear solvers' defaults are pdeinv's choice\n"
                 "(-<prefix>solver), not the ones PETSc shows.\n"
              << std::flush;
  }
  // Their prefix as SteadySolver sets it (forward/steady_solver.hpp); objects on comm, so that
  // PETSc prints once (rank 0 of comm) whatever the number of ranks.
  Owned<SNES> snes;
  PDEINV_CALL(SNESCreate(comm, snes.out()));
  PDEINV_CALL(SNESSetOptionsPrefix(snes, "state_"));
  PDEINV_CALL(SNESSetFromOptions(snes));
  Owned<Tao> tao;
  PDEINV_CALL(TaoCreate(comm, tao.out()));
  setTaoDefaults(tao);
  PDEINV_CALL(TaoSetFromOptions(tao));
}

}  // namespace pdeinv

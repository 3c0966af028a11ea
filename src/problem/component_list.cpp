#include "pdeinv/problem/component_list.hpp"

#include <string>
#include <vector>

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
  section(os, "parameter maps", parameterMapRegistry());
  section(os, "observation types", observationRegistry());
  section(os, "misfits", misfitRegistry());
  section(os, "regularizations", regularizationRegistry());
  os << "optimizers (-tao_type):\n";
  for (const auto& name : supportedTaoTypes())
    os << "  " << name << " — " << taoTypeHelp(name) << "\n";
}

}  // namespace pdeinv

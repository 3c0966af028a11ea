#include "pdeinv/physics/pde_operator.hpp"
#include "pdeinv/physics/poisson.hpp"

namespace pdeinv {

OperatorRegistry& operatorRegistry() {
  static OperatorRegistry registry = [] {
    OperatorRegistry r("operator", "-operator");
    r.add("poisson", [] { return std::make_unique<PoissonLogCoefficient>(); },
          "-div(exp(m) grad u) = f, log-conductivity m");
    return r;
  }();
  return registry;
}

}  // namespace pdeinv

#include "pdeinv/physics/poisson.hpp"

#include "pdeinv/physics/kernels.hpp"

namespace pdeinv {
namespace {

// f0 = −f, with the source f = aux field 1.
void f0_u(PDEINV_POINT_F(f0)) {
  f0[0] = -a[aOff[1]];
}

}  // namespace

ResidualKernels PoissonLogCoefficient::residual() const {
  return {f0_u, kernels::logDiffusionFlux};
}
JacobianKernels PoissonLogCoefficient::stateJacobian() const {
  return {nullptr, nullptr, nullptr, kernels::logDiffusionFlux_du};
}

}  // namespace pdeinv

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
// Only the diffusion term depends on m, so λᵀR's second-order terms are the flux's.
ResidualKernels PoissonLogCoefficient::secondOrderState() const {
  return {nullptr, kernels::logDiffusionSecondOrderState};
}
ResidualKernels PoissonLogCoefficient::secondOrderParameter() const {
  return {kernels::logDiffusionSecondOrderParameter, nullptr};
}
JacobianKernels PoissonLogCoefficient::parameterJacobian() const {
  return {nullptr, nullptr, kernels::logDiffusionFlux_dm, nullptr};
}

}  // namespace pdeinv

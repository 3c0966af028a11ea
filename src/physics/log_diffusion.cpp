#include "pdeinv/physics/log_diffusion.hpp"

#include "pdeinv/physics/kernels.hpp"

namespace pdeinv {

JacobianKernels LogDiffusionOperator::parameterJacobian() const {
  return {nullptr, nullptr, kernels::logDiffusionFlux_dm, nullptr};
}
// Only the diffusion term depends on m, so λᵀR's second-order terms are the flux's.
ResidualKernels LogDiffusionOperator::secondOrderState() const {
  return {nullptr, kernels::logDiffusionSecondOrderState};
}
ResidualKernels LogDiffusionOperator::secondOrderParameter() const {
  return {kernels::logDiffusionSecondOrderParameter, nullptr};
}
JacobianKernels LogDiffusionOperator::secondOrderBlock(SecondOrderBlock block) const {
  switch (block) {
    case SecondOrderBlock::Wum:
      return {nullptr, nullptr, kernels::logDiffusionSecondOrderState_dm, nullptr};
    case SecondOrderBlock::Wmm:
      return {kernels::logDiffusionSecondOrderParameter_dm, nullptr, nullptr, nullptr};
    case SecondOrderBlock::Wuu:  // R is linear in u
      break;
  }
  return {};
}

}  // namespace pdeinv

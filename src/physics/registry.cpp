#include "pdeinv/physics/advection_diffusion.hpp"
#include "pdeinv/physics/advection_diffusion_source.hpp"
#include "pdeinv/physics/elasticity.hpp"
#include "pdeinv/physics/identity.hpp"
#include "pdeinv/physics/nonlinear_diffusion.hpp"
#include "pdeinv/physics/pde_operator.hpp"
#include "pdeinv/physics/poisson.hpp"

namespace pdeinv {

OperatorRegistry& operatorRegistry() {
  static OperatorRegistry registry = [] {
    OperatorRegistry r("operator", "-operator_type");
    r.add(
        "poisson", [] { return std::make_unique<PoissonLogCoefficient>(); },
        "-div(exp(m) grad u) = f, log-conductivity m");
    r.add(
        "advection_diffusion", [] { return std::make_unique<AdvectionDiffusion>(); },
        "-div(exp(m) grad u) + beta.grad u = f, log-diffusivity m, constant velocity beta");
    r.add(
        "advection_diffusion_source", [] { return std::make_unique<AdvectionDiffusionSource>(); },
        "-div(kappa grad u) + beta.grad u = m, source field m, constant kappa and beta");
    r.add(
        "nonlinear_diffusion", [] { return std::make_unique<NonlinearDiffusion>(); },
        "-div((1+u^2) exp(m) grad u) = f, log-conductivity m, solved by Newton (SNES)");
    r.add(
        "elasticity", [] { return std::make_unique<Elasticity>(); },
        "linear elasticity div(sigma(u)) + f = 0, log Young's modulus m (or the Lame pair)");
    r.add(
        "identity", [] { return std::make_unique<IdentityOperator>(); },
        "u = m (L2 projection): observe the parameter field itself (CT: -obs_type xray)");
    return r;
  }();
  return registry;
}

}  // namespace pdeinv

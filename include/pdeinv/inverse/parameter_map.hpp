#pragma once
// ParameterMap: the physical parameter the PDE sees, m_phys = g(m), as a function of the
// optimisation variable m, applied to each degree of freedom (nodal values, or cell values
// for P0). Because g acts dof by dof its Jacobian is diagonal, g'(m), and so is its second
// derivative: the maps below are exact and their transposes are themselves.
//
// Types (-param_map_type, registry "parameter map"):
//   identity   g(m) = m
//   exp        g(m) = e^m                                positivity
//   sigmoid    g(m) = a + (b − a) / (1 + e^{−m})          box bounds a < g < b
//              (-param_map_lower a, -param_map_upper b)
#include <memory>
#include <string>

#include "pdeinv/core/options.hpp"
#include "pdeinv/core/registry.hpp"
#include "pdeinv/fem/function_space.hpp"

namespace pdeinv {

class ParameterMap {
 public:
  virtual ~ParameterMap() = default;
  virtual std::string name() const = 0;
  // Scalar g, g', g''.
  virtual PetscReal g(PetscReal m) const = 0;
  virtual PetscReal dg(PetscReal m) const = 0;
  virtual PetscReal d2g(PetscReal m) const = 0;
  // The inverse, g⁻¹(p) (to start an optimisation from a physical value).
  virtual PetscReal inverse(PetscReal p) const = 0;
  virtual bool isIdentity() const { return false; }

  // Vector forms (dof-wise).
  void apply(Vec m, Vec out) const;                                 // out = g(m)
  void jacobianApply(Vec m, Vec dm, Vec out) const;                 // out = g'(m) ⊙ dm (= Jᵀ)
  void secondDerivativeApply(Vec m, Vec v, Vec dm, Vec out) const;  // out = g''(m) ⊙ v ⊙ dm
  void applyInverse(Vec p, Vec out) const;                          // out = g⁻¹(p)
};

using ParameterMapRegistry = Registry<ParameterMap, const Options&>;
ParameterMapRegistry& parameterMapRegistry();
// -param_map_type (default identity), options under prefix "param_map_".
std::unique_ptr<ParameterMap> parameterMapFromOptions(const Options& opts = Options());

}  // namespace pdeinv

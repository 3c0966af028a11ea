#pragma once
// RegionParameters: a parameter made of a few global scalars, one per mesh region — material
// constants such as an inclusion's and a background's log-conductivity — instead of a field.
//
//   θ ∈ ℝᵏ  ↦  m = E θ = Σ_k θ_k χ_k     (a P0 field; χ_k the indicator of region k)
//
// Regions are the values of a cell label ("Cell Sets" = gmsh physical surfaces/volumes). E is
// linear, so the reduced functional of θ is J(Eθ) with gradient Eᵀ∇J and Hessian Eᵀ H E.
// θ is a PETSc vector of global size k held by rank 0 (what solvers and optimizers take);
// gather() gives every rank all k values.
#include <string>
#include <vector>

#include "pdeinv/core/handle.hpp"
#include "pdeinv/fem/function_space.hpp"

namespace pdeinv {

class RegionParameters {
 public:
  // field: a P0 scalar space. Every cell must carry one of `values` in `label` (InputError).
  RegionParameters(const FunctionSpace& field, const std::string& label,
                   std::vector<PetscInt> values);

  PetscInt size() const { return static_cast<PetscInt>(values_.size()); }
  const std::vector<PetscInt>& regionValues() const { return values_; }
  Owned<Vec> createVector() const;
  void embed(Vec theta, Vec m) const;            // m = E θ
  void embedTranspose(Vec g, Vec gTheta) const;  // gθ = Eᵀ g
  // Region means of a field: θ_k = (Eᵀ m)_k / |cells of k|.
  void regionMeans(Vec m, Vec theta) const;
  std::vector<PetscReal> gather(Vec theta) const;

 private:
  const FunctionSpace& field_;
  std::vector<PetscInt> values_;
  std::vector<int> regionOfDof_;      // local dof → region index
  std::vector<PetscReal> cellCount_;  // global cells per region
};

}  // namespace pdeinv

#pragma once
// ObservationOperator B: maps a state u to the n observed values d ≈ B u.
//
// B is linear; applied to the global state vector it also accounts for Dirichlet values
// (B u = B_free u + b_D), so its derivative is B_free and applyTranspose is B_freeᵀ.
// Observation vectors are distributed PETSc vectors (createObservationVector); their order is
// the operator's own ("located order"), and toOriginalOrder / fromOriginalOrder convert to and
// from the order in which the points were given (files, options), for data and output.
//
// Types (-obs_type, registry "observation"):
//   points   -obs_points x1,y1[,z1],x2,y2,...       explicit points
//   grid     -obs_grid nx,ny[,nz] -obs_grid_lower/-obs_grid_upper   a regular sensor grid
//   random   -obs_random n -obs_seed s              n uniform points in the mesh bounding box
//                                                   that lie in the mesh (reproducible)
//   file     -obs_file sensors.csv                  one point per line: x,y[,z]
//   full     every state dof observed (B = I on the free dofs)
// A point outside the mesh is an InputError that names the point.
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "pdeinv/core/handle.hpp"
#include "pdeinv/core/options.hpp"
#include "pdeinv/core/registry.hpp"
#include "pdeinv/fem/function_space.hpp"

namespace pdeinv {

class ObservationOperator {
 public:
  virtual ~ObservationOperator() = default;
  virtual std::string name() const = 0;
  // Global number of observations.
  virtual PetscInt size() const = 0;
  virtual Owned<Vec> createObservationVector() const = 0;
  // obs = B u  (u a global state vector; Dirichlet values included).
  virtual void apply(Vec u, Vec obs) const = 0;
  // obs = B_free du  (the linear part: no Dirichlet values; for tangents).
  virtual void applyLinear(Vec du, Vec obs) const = 0;
  // out = B_freeᵀ obs  (a global state vector).
  virtual void applyTranspose(Vec obs, Vec out) const = 0;
  // Observation points in original order (replicated on every rank; empty for "full").
  virtual const std::vector<std::array<PetscReal, 3>>& points() const = 0;
  // Original order ↔ located order. values: replicated on every rank, in original order.
  virtual void fromOriginalOrder(const std::vector<PetscReal>& values, Vec obs) const = 0;
  virtual std::vector<PetscReal> toOriginalOrder(Vec obs) const = 0;  // replicated result
};

using ObservationRegistry = Registry<ObservationOperator, const FunctionSpace&, const Options&>;
// Built-in types registered on first use; factories read their options from the Options given.
ObservationRegistry& observationRegistry();
// -obs_type (default "points") under prefix "obs_".
std::unique_ptr<ObservationOperator> observationFromOptions(const FunctionSpace& state,
                                                            const Options& opts = Options("obs_"));

// Observed values read from a file, validated: CSV lines "x,y[,z],value" (a header line is
// allowed) or HDF5 (datasets "points" n×dim and "values" n). NaN/Inf values, a point count
// different from the operator's, points that differ from the operator's points (tolerance
// 1e-10), and duplicate points are InputErrors naming the file and the offending line/index.
struct ObservationData {
  std::vector<std::array<PetscReal, 3>> points;
  std::vector<PetscReal> values;
};
ObservationData readObservationData(MPI_Comm comm, const std::string& path, int dim);
// Writes CSV "x,y[,z],value" on rank 0.
void writeObservationData(MPI_Comm comm, const std::string& path, int dim,
                          const ObservationData& data);

}  // namespace pdeinv

#pragma once
// ObservationOperator B: maps a state u to the n observed values d ≈ B u.
//
// B is linear; applied to the global state vector it also accounts for Dirichlet values
// (B u = B_free u + b_D), so its derivative is B_free and applyTranspose is B_freeᵀ.
// Observation vectors are distributed PETSc vectors (createObservationVector); their order is
// the operator's own ("located order": each rank holds the observations at the points that lie
// in its cells, in original order), and toOriginalOrder / fromOriginalOrder convert to and from
// the order in which the points were given (files, options), for data and output.
//
// Point types evaluate the state's finite-element interpolant at the points: B is a sparse
// matrix per rank acting on the state's local vector (rows = this rank's observations, columns
// = local dofs of the containing cell), built once when the operator is made. A point on a
// partition boundary is kept by the lowest rank that has it. A vector-valued state (Nc
// components) is observed in every component: n_points·Nc observations, component-minor
// (observation p·Nc + c is component c at point p).
//
// Types (-obs_type, registry "observation"):
//   points   -obs_points x1,y1[,z1],x2,y2,...       explicit points (at most 256 numbers;
//                                                   use -obs_file for more)
//   grid     -obs_grid nx,ny[,nz] -obs_grid_lower/-obs_grid_upper   a regular sensor grid
//                                                   (x fastest; default corners: the mesh
//                                                   bounding box shrunk by 5% on each side)
//   random   -obs_random n -obs_seed s              n uniform points in the mesh bounding box
//                                                   that lie in the mesh (reproducible: the
//                                                   same points on any number of ranks)
//   file     -obs_file sensors.csv                  one point per line: x,y[,z] (header line
//                                                   allowed); or .h5 with a dataset "points"
//   full     every free state dof observed (B = I on the free dofs): the observation vector
//            has the state's global layout, original order = global dof order (which depends
//            on the partition); points() is empty
// A point outside the mesh is an InputError that names the point and its index (counted from
// 0 in the order given): "observation point 7 (1.5, 0.2) is outside the mesh (-obs_points)".
//
// The operator keeps a pointer to the state FunctionSpace, which must outlive it.
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
// Point evaluation of any function space at given points (e.g. probing a parameter field where
// the sensors are). `what` names the points in error messages.
std::unique_ptr<ObservationOperator> makePointObservation(
    const FunctionSpace& V, const std::vector<std::array<PetscReal, 3>>& points,
    const std::string& what);
// -obs_type (default "points") under prefix "obs_".
std::unique_ptr<ObservationOperator> observationFromOptions(const FunctionSpace& state,
                                                            const Options& opts = Options("obs_"));

// Observed values read from a file, validated: CSV lines "x,y[,z],value" (a header line and
// lines starting with # are allowed; for a vector-valued state "x,y[,z],v0,v1[,v2]", one value
// per component) or HDF5 (path ending in .h5 or .hdf5: datasets "points" n×dim and "values" n,
// or n×Nc). The file is read on rank 0 and broadcast; every problem is an InputError raised on
// every rank, naming the file and the offending line (CSV) or index (HDF5): a missing or
// unreadable file, a malformed line, a NaN/Inf value or coordinate, duplicate points
// (tolerance 1e-10, both lines named).
struct ObservationData {
  std::vector<std::array<PetscReal, 3>> points;  // original order; unused coordinates are 0
  std::vector<PetscReal> values;                 // values.size() / points.size() per point
};
ObservationData readObservationData(MPI_Comm comm, const std::string& path, int dim);
// Writes CSV "x,y[,z],value" (with a header line, full precision), or HDF5 when the path ends in
// .h5 or .hdf5, on rank 0. A file that cannot be written is an InputError on every rank.
void writeObservationData(MPI_Comm comm, const std::string& path, int dim,
                          const ObservationData& data);
// Data read from `path` must match the operator: as many values as observations and (point
// types) the same points in the same order, within 1e-10 (relative to the coordinate's size
// when that exceeds 1). A mismatch is an InputError naming the file and the first differing
// point. For "full" only the count is checked.
void checkDataMatchesObservation(const ObservationData& data, const ObservationOperator& op,
                                 const std::string& path);

}  // namespace pdeinv

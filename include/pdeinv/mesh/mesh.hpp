#pragma once
// Mesh: a distributed DMPlex, read from a gmsh file or built as a box, then distributed over
// the ranks and optionally refined uniformly.
//
// Options (prefix "mesh_"):
//   -mesh_file <path.msh>          gmsh file (boundary tags → "Face Sets", cell tags → "Cell Sets")
//   -mesh_dim, -mesh_faces, -mesh_lower, -mesh_upper, -mesh_simplex   box mesh instead of a file
//   -mesh_refine <k>               uniform refinements after distribution
//   -mesh_partitioner <type>       PetscPartitioner type (default ptscotch)
// Labels: "Face Sets" (gmsh physical facet tags, or box sides 1..2·dim), "Cell Sets" (gmsh
// physical cell tags) and "boundary" (value 1 on every boundary facet), all completed to the
// closures of their facets.
#include <petscdmplex.h>

#include <string>
#include <vector>

#include "pdeinv/core/handle.hpp"
#include "pdeinv/core/options.hpp"

namespace pdeinv {

struct BoxSpec {
  int dim = 2;
  std::vector<PetscInt> faces = {8, 8};
  std::vector<PetscReal> lower = {0, 0};
  std::vector<PetscReal> upper = {1, 1};
  bool simplex = false;
};

class Mesh {
 public:
  static Mesh fromOptions(MPI_Comm comm, const Options& opts = Options("mesh_"));
  // Reads a gmsh file on the communicator (collective) and validates it once (mesh/validate.hpp:
  // node references, coordinates, degenerate, inverted, duplicated cells, non-conforming
  // facets). Bad files raise InputError on every rank, naming `option` and the gmsh element.
  static Mesh fromGmsh(MPI_Comm comm, const std::string& path, const std::string& option = "file");
  static Mesh box(MPI_Comm comm, const BoxSpec& spec);

  // Distributes the cells over comm's ranks (no overlap). Collective.
  void distribute(const std::string& partitioner = "ptscotch");
  void refineUniformly(int times);

  DM dm() const { return dm_; }
  MPI_Comm comm() const;
  int dim() const;
  bool simplex() const { return simplex_; }
  PetscInt globalNumCells() const;
  PetscInt globalNumVertices() const;
  // Label by name; InputError naming the available labels when absent.
  DMLabel label(const std::string& name) const;
  // Values present in a label, gathered over all ranks (sorted).
  std::vector<PetscInt> labelValues(const std::string& name) const;
  // The element of the coordinate field (x(ξ) = Σ X_b N_b(ξ)): the coordinate DM's own, or the
  // affine P1 / multilinear Q1 map when the coordinates carry no discretisation.
  Owned<PetscFE> coordinateElement() const;

 private:
  explicit Mesh(Owned<DM> dm);
  void completeLabels();
  Owned<DM> dm_;
  bool simplex_ = true;
};

}  // namespace pdeinv

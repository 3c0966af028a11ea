#pragma once
// Mesh validation: a mesh is checked once, right after it is read, so that a bad file is one
// InputError naming the file and the element, instead of a segfault in PETSc's gmsh reader, an
// inversion that "converges" on overlapping cells, or a det J = nan deep in the assembly.
//
//  * scanGmshFile reads an ASCII MSH 2.2 or 4.1 file itself, on one rank, BEFORE PETSc does:
//    PETSc's reader looks up every node tag of an element (and every entity of a 4.1 block)
//    without a check, and a missing one is a segfault or garbage. It also checks that every
//    node coordinate is finite and at most kMaxMeshCoordinate in magnitude, and returns the
//    gmsh element number of each DMPlex cell, which names the cells in validateMeshCells.
//    Binary files and other versions are not read (checked = false): only the checks on the
//    DMPlex below apply to them.
//  * validateMeshCells checks the cells of a DMPlex (collective; one pass over the coordinates,
//    one over the cells, one over the facets): finite coordinates of at most kMaxMeshCoordinate
//    in magnitude; no degenerate cell (|det J| <= kDegenerateCellTolerance·h^dim at a corner, h
//    its longest edge there); no inverted cell (det J < 0 at every corner: PETSc's gmsh reader
//    keeps the file's node order, it does not reorient cells, and the assembly refuses them) nor
//    a twisted one (of both signs); no cell listed twice (the same vertices); no facet shared by
//    more than two cells. Hanging nodes are not looked for. The first problem (of the lowest rank
//    that has one, its first cell) is raised as the same InputError on every rank:
//    "<source>: element 12 is degenerate: ...".
#include <petscdm.h>

#include <string>
#include <vector>

namespace pdeinv {

// |x| beyond this is a corrupt file or a unit mistake: doubles there are 0.125 apart, so a cell
// of unit size has no exact shape left.
inline constexpr PetscReal kMaxMeshCoordinate = 1e15;
// A cell whose |det J| is at most this times h^dim (h its longest edge) has no volume.
inline constexpr PetscReal kDegenerateCellTolerance = 1e-12;

struct GmshScan {
  bool checked = false;  // the file was read (ASCII MSH 2.2 or 4.1), to its end or to `problem`
  std::string problem;   // the first problem found ("" if none), without the file's name
  // The gmsh element number of each DMPlex cell, in PETSc's cell order (empty unless checked).
  std::vector<PetscInt> cellElements;
};

// Reads a gmsh file on the calling rank alone (not collective). A file that cannot be parsed is
// left to PETSc's reader to report (checked = false, no problem).
GmshScan scanGmshFile(const std::string& path);

// Collective on the DM's communicator. `source` names the mesh in the message ("mesh file 'a.msh'
// (-mesh_file)"); elementNumbers, when it has one entry per local cell, names the cells by their
// gmsh element numbers ("element 12"), otherwise they are named by their DMPlex index ("cell 3").
void validateMeshCells(DM dm, const std::string& source,
                       const std::vector<PetscInt>& elementNumbers = {});

}  // namespace pdeinv

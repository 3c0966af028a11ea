#pragma once
// Mesh validation: a mesh is checked once, right after it is read, so that a bad file is one
// InputError naming the file and the element, instead of a segfault in PETSc's gmsh reader, an
// inversion that "converges" on overlapping cells, or a det J = nan deep in the assembly.
//
//  * scanGmshFile reads an MSH 2.2 or 4.1 file (ASCII or binary) itself, on one rank, BEFORE
//    PETSc does, word by word and byte by byte as PETSc 3.18's reader (DMPlexCreateGmsh) would.
//    That reader trusts the file: it looks up node tags and entities unchecked, sizes arrays by
//    header counts and fills them by block counts, reads words into fixed buffers, loops for ever
//    on an unclosed $Comments. So a file PETSc sees has read to the end of $Elements here: every
//    number in range, every block consistent with its header, every element's nodes in $Nodes
//    (distinct vertices), every 4.1 block's entity in $Entities, node coordinates finite and at
//    most kMaxMeshCoordinate in magnitude, one order for all cells. Refused: other MSH versions
//    (PETSc would take 2.3 for 2.2, and 4.0 has other sizes) and $Periodic sections (PETSc's
//    reader of them is unchecked; pdeinv has no periodic meshes). It returns the gmsh element
//    number of each DMPlex cell, which names the cells in validateMeshCells.
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
  // The file parses as PETSc reads it (to the end of $Elements); `problem` then names a defect of
  // the mesh, if any. False: it does not parse, and `problem` says where ("line 12: ...").
  bool checked = false;
  std::string problem;  // the first problem found ("" if none), without the file's name
  // The gmsh element number of each DMPlex cell, in PETSc's cell order (empty unless the file
  // passed).
  std::vector<PetscInt> cellElements;
};

// Reads a gmsh file on the calling rank alone (not collective).
GmshScan scanGmshFile(const std::string& path);

// Collective on the DM's communicator. `source` names the mesh in the message ("mesh file 'a.msh'
// (-mesh_file)"); elementNumbers, when it has one entry per local cell, names the cells by their
// gmsh element numbers ("element 12"), otherwise they are named by their DMPlex index ("cell 3").
void validateMeshCells(DM dm, const std::string& source,
                       const std::vector<PetscInt>& elementNumbers = {});

}  // namespace pdeinv

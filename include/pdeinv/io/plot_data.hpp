#pragma once
// Plot data: scalar fields at the mesh vertices, in one small HDF5 file that a plotting script
// (scripts/plot_results.py: matplotlib tripcolor) reads without knowing about DMPlex.
//
// File format (written by rank 0; identical at every rank count):
//   attributes on /:  dim (int), simplex (int, 1 = triangles/tets, 0 = quads/hexes),
//                     format (string, "pdeinv plot fields 1")
//   /coordinates      nv × dim doubles: every mesh vertex once, sorted lexicographically by
//                     coordinates (x, then y, then z), so the order does not depend on the
//                     partition
//   /cells            nc × k integers (0-based rows of /coordinates): k = 3 triangles or 4
//                     quads in 2-D, vertices counter-clockwise starting at the smallest index
//                     (a quad a,b,c,d splits into triangles a,b,c and a,c,d); 3-D cells (k = 4
//                     tets, 8 hexes) keep DMPlex's closure order. Rows sorted lexicographically.
//   /vertex_fields/<name>   nv values (nv × c for a c-component field): continuous Lagrange
//                     fields (P1/P2/Q1/Q2) at the vertices — for P2/Q2 the vertex dofs, i.e.
//                     the field's values there; edge and cell dofs are not written
//   /cell_fields/<name>     nc values (nc × c): piecewise-constant (P0) fields, one value per
//                     row of /cells (not averaged to the vertices)
// Dirichlet values are included (the global vectors exclude constrained dofs; the values are
// inserted as for VTK output). All fields must live on one mesh (clones of one DMPlex, as
// every FunctionSpace of a Mesh is).
#include <petscvec.h>

#include <string>
#include <utility>
#include <vector>

namespace pdeinv {

// Collective on the fields' communicator. Each Vec is a global vector of a FunctionSpace (its
// DM is set). Field names must be non-empty, unique and free of '/'. A file that cannot be
// written, or fields on different meshes, is an InputError on every rank.
void writePlotFields(const std::string& path,
                     const std::vector<std::pair<std::string, Vec>>& fields);

}  // namespace pdeinv

// mesh: gmsh files and boxes become distributed DMPlex meshes with their boundary tags.
#include <gtest/gtest.h>
#include <petscsf.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "../test_util.hpp"
#include "pdeinv/core/error.hpp"
#include "pdeinv/core/session.hpp"
#include "pdeinv/mesh/mesh.hpp"
#include "pdeinv/mesh/validate.hpp"

using namespace pdeinv;
using pdeinv::test::meshPath;
using pdeinv::test::ScopedOptions;

namespace {
PetscInt localCells(const Mesh& m) {
  PetscInt s = 0, e = 0;
  DMPlexGetHeightStratum(m.dm(), 0, &s, &e);
  return e - s;
}
PetscInt globalStratumSize(const Mesh& m, const std::string& label, PetscInt value, int depth) {
  // Points of the given depth carrying the value, counted once (owned points only).
  DMLabel l = m.label(label);
  PetscInt pStart = 0, pEnd = 0, n = 0;
  DMPlexGetDepthStratum(m.dm(), depth, &pStart, &pEnd);
  PetscSF sf = nullptr;
  DMGetPointSF(m.dm(), &sf);
  const PetscInt* leaves = nullptr;
  PetscInt nleaves = 0;
  PetscSFGetGraph(sf, nullptr, &nleaves, &leaves, nullptr);
  std::vector<char> ghost(pEnd > 0 ? pEnd : 1, 0);
  for (PetscInt i = 0; i < nleaves && nleaves > 0; ++i) {
    const PetscInt p = leaves ? leaves[i] : i;
    if (p >= pStart && p < pEnd) ghost[p] = 1;
  }
  for (PetscInt p = pStart; p < pEnd; ++p) {
    PetscInt v = -1;
    DMLabelGetValue(l, p, &v);
    if (v == value && !ghost[p]) ++n;
  }
  PetscInt g = 0;
  MPI_Allreduce(&n, &g, 1, MPIU_INT, MPI_SUM, m.comm());
  return g;
}
}  // namespace

TEST(Mesh, gmsh_unit_square_keeps_its_physical_tags_after_distribution) {
  auto mesh = Mesh::fromGmsh(PETSC_COMM_WORLD, meshPath("unit_square_coarse.msh"));
  mesh.distribute();
  EXPECT_EQ(mesh.dim(), 2);
  EXPECT_TRUE(mesh.simplex());
  EXPECT_EQ(mesh.globalNumCells(), 242);
  EXPECT_EQ(mesh.globalNumVertices(), 142);
  EXPECT_EQ(mesh.labelValues("Face Sets"), (std::vector<PetscInt>{1, 2, 3, 4}));
  // 10 boundary edges per side (see meshes/README.md).
  for (PetscInt side = 1; side <= 4; ++side) {
    EXPECT_EQ(globalStratumSize(mesh, "Face Sets", side, 1), 10) << "side " << side;
  }
  EXPECT_EQ(globalStratumSize(mesh, "boundary", 1, 1), 40);
  if (sizeOf(PETSC_COMM_WORLD) > 1) {
    EXPECT_LT(localCells(mesh), 242);  // really distributed
  }
}

TEST(Mesh, gmsh_inclusion_has_cell_regions_and_interface_tag) {
  auto mesh = Mesh::fromGmsh(PETSC_COMM_WORLD, meshPath("square_inclusion_coarse.msh"));
  mesh.distribute();
  EXPECT_EQ(mesh.labelValues("Cell Sets"), (std::vector<PetscInt>{10, 11}));
  EXPECT_EQ(mesh.labelValues("Face Sets"), (std::vector<PetscInt>{1, 2, 3, 4, 5}));
  EXPECT_EQ(globalStratumSize(mesh, "Cell Sets", 11, 2), 64);
  EXPECT_EQ(globalStratumSize(mesh, "Cell Sets", 10, 2), 248);
  EXPECT_EQ(globalStratumSize(mesh, "Face Sets", 5, 1), 16);
}

TEST(Mesh, uniform_refinement_multiplies_cells_and_keeps_tags) {
  auto sq = Mesh::fromGmsh(PETSC_COMM_WORLD, meshPath("l_shape_coarse.msh"));
  sq.distribute();
  sq.refineUniformly(2);
  EXPECT_EQ(sq.globalNumCells(), 188 * 16);
  EXPECT_EQ(globalStratumSize(sq, "Face Sets", 3, 1), 10 * 4);  // re-entrant edges
  auto cube = Mesh::fromGmsh(PETSC_COMM_WORLD, meshPath("unit_cube_coarse.msh"));
  cube.distribute();
  cube.refineUniformly(1);
  EXPECT_EQ(cube.dim(), 3);
  EXPECT_EQ(cube.globalNumCells(), 374 * 8);
}

TEST(Mesh, box_from_options_has_side_tags_and_quads) {
  ScopedOptions o("-mesh_faces 6,4 -mesh_upper 3,2 -mesh_refine 1");
  auto mesh = Mesh::fromOptions(PETSC_COMM_WORLD);
  EXPECT_FALSE(mesh.simplex());
  EXPECT_EQ(mesh.globalNumCells(), 96);
  EXPECT_EQ(mesh.globalNumVertices(), 13 * 9);
  EXPECT_EQ(mesh.labelValues("Face Sets"), (std::vector<PetscInt>{1, 2, 3, 4}));
  EXPECT_EQ(globalStratumSize(mesh, "Face Sets", 1, 1), 12);  // bottom, y = 0
  EXPECT_EQ(globalStratumSize(mesh, "Face Sets", 2, 1), 8);   // right, x = 3
}

TEST(Mesh, missing_and_corrupt_files_are_input_errors_on_every_rank) {
  EXPECT_THROW(Mesh::fromGmsh(PETSC_COMM_WORLD, meshPath("nope.msh")), InputError);
  EXPECT_THROW(Mesh::fromGmsh(PETSC_COMM_WORLD, pdeinv::test::sourceDir() + "/README.md"),
               InputError);
  EXPECT_THROW(
      Mesh::fromGmsh(PETSC_COMM_WORLD, pdeinv::test::sourceDir() + "/tests/data/truncated.msh"),
      InputError);
}

TEST(Mesh, unknown_label_names_the_available_ones) {
  auto mesh = Mesh::fromGmsh(PETSC_COMM_WORLD, meshPath("unit_square_coarse.msh"));
  try {
    mesh.label("Edge Sets");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("'Face Sets'"), std::string::npos) << e.what();
  }
}

// ---- validation (mesh/validate.hpp) ----

namespace {
std::string dataPath(const std::string& name) {
  return pdeinv::test::sourceDir() + "/tests/data/" + name;
}
// The InputError fromGmsh raises for a file ("" if none), checked to be the same on every rank.
std::string readError(const std::string& name) {
  std::string message;
  try {
    Mesh::fromGmsh(PETSC_COMM_WORLD, dataPath(name), "-mesh_file");
  } catch (const InputError& e) {
    message = e.what();
  }
  const auto h = static_cast<unsigned long>(std::hash<std::string>{}(message));
  unsigned long lo = 0, hi = 0;
  MPI_Allreduce(&h, &lo, 1, MPI_UNSIGNED_LONG, MPI_MIN, PETSC_COMM_WORLD);
  MPI_Allreduce(&h, &hi, 1, MPI_UNSIGNED_LONG, MPI_MAX, PETSC_COMM_WORLD);
  EXPECT_EQ(lo, hi) << "the ranks disagree: " << message;
  return message;
}
}  // namespace

TEST(MeshValidation, every_mesh_in_meshes_passes_and_its_elements_name_the_cells) {
  for (const char* name :
       {"unit_square_coarse.msh", "unit_square_fine.msh", "l_shape_coarse.msh", "l_shape_fine.msh",
        "square_inclusion_coarse.msh", "square_inclusion_fine.msh", "structured_square_16.msh",
        "structured_square_32.msh", "structured_square_64.msh", "unit_cube_coarse.msh",
        "unit_cube_fine.msh"}) {
    const auto scan = scanGmshFile(meshPath(name));
    EXPECT_TRUE(scan.checked) << name;
    EXPECT_EQ(scan.problem, "") << name;
    auto mesh = Mesh::fromGmsh(PETSC_COMM_WORLD, meshPath(name));  // validates
    EXPECT_EQ(static_cast<PetscInt>(scan.cellElements.size()), mesh.globalNumCells()) << name;
    mesh.distribute();
    mesh.refineUniformly(1);
    EXPECT_NO_THROW(validateMeshCells(mesh.dm(), name)) << name;  // distributed and refined
  }
}

TEST(MeshValidation, scan_reads_ascii_and_binary_msh22_and_msh41_alike) {
  const auto v22 = scanGmshFile(dataPath("mesh_square_2x2.msh"));
  const auto v41 = scanGmshFile(dataPath("mesh_square_2x2_v41.msh"));
  const std::vector<PetscInt> triangles = {9, 10, 11, 12, 13, 14, 15, 16};
  EXPECT_TRUE(v22.checked && v41.checked);
  EXPECT_EQ(v22.problem + v41.problem, "");
  EXPECT_EQ(v22.cellElements, triangles);
  EXPECT_EQ(v41.cellElements, triangles);
  const auto binary = scanGmshFile(dataPath("mesh_inverted_cell_binary.msh"));  // MSH 4.1
  EXPECT_TRUE(binary.checked);
  EXPECT_EQ(binary.problem, "");
  EXPECT_EQ(binary.cellElements, triangles);
  // PETSc's cell order: the triangles (elements 1, 3, 5, 6), then the quadrilaterals (2, 4).
  EXPECT_EQ(scanGmshFile(dataPath("mesh_twisted_quad.msh")).cellElements,
            (std::vector<PetscInt>{1, 3, 5, 6, 2, 4}));
  // A file that does not parse is refused here, before PETSc reads it, naming the line.
  const auto truncated = scanGmshFile(dataPath("truncated.msh"));
  EXPECT_FALSE(truncated.checked);
  EXPECT_EQ(truncated.problem,
            "line 98: expected the coordinates of node 85, found the end of the file");
}

namespace {
// The text of a test file, with `from` replaced by `to` (which must be there).
std::string edited(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}
std::string fileText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}
template <class T>
std::string bytes(const T& v) {
  return std::string(reinterpret_cast<const char*>(&v), sizeof v);
}
// scanGmshFile on the text (each rank its own file): the problem found.
std::string scanText(const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("pdeinv_test_mesh_" + std::to_string(getpid()) + ".msh");
  std::ofstream(path, std::ios::binary) << text;
  const auto scan = scanGmshFile(path.string());
  std::filesystem::remove(path);
  return scan.problem;
}
}  // namespace

// Files PETSc's reader would read out of bounds, loop on or misread (mesh/validate.hpp) are
// refused before it reads them; each case is mesh_square_2x2.msh (or its MSH 4.1 version) with
// one defect. fuzz/corpus/mesh/regression_* holds what the fuzzer found of them.
TEST(MeshValidation, files_petscs_reader_would_misread_are_refused_first) {
  const auto v22 = fileText(dataPath("mesh_square_2x2.msh"));
  const auto v41 = fileText(dataPath("mesh_square_2x2_v41.msh"));
  const std::pair<std::string, std::string> cases[] = {
      {edited(v22, "$EndComments\n", ""), "line 4: $Comments is not closed by $EndComments"},
      {edited(v22, "the valid mesh", std::string(2000, 'x')),
       "line 6: a word of 2000 characters (PETSc's reader takes at most 1024 here)"},
      {edited(v22, "$Nodes\n9", "$Nodes\n2000000000"),
       "line 27: expected a node tag, found '$EndNodes'"},
      {edited(v22, "$Nodes\n9", "$Nodes\n4294967305"),
       "line 17: expected the number of nodes, found '4294967305'"},
      {edited(v22, "$Elements\n16", "$Elements\n-1"),
       "line 29: expected the number of elements, found -1 (negative)"},
      {edited(v22, "1 1 \"bottom\"", "1 1  \"bottom\""),
       "line 10: expected a physical name in double quotes, of at most 127 characters, found "
       "' \"bottom\"'"},
      {edited(v22, "9 2 2 10 1 1 2 5", "9 2 1100 10 1 1 2 5"),
       "element 9 has 1100 tags: PETSc's reader holds at most 1004 tags and nodes of an element"},
      {edited(v22, "9 2 2 10 1 1 2 5", "9 99 2 10 1 1 2 5"),
       "element 9 is of gmsh element type 99, which PETSc's reader does not read"},
      {edited(v22, "9 2 2 10 1 1 2 5", "9 2 2 10 1 1 1 5"),
       "element 9 has node 1 twice among its vertices"},
      {edited(v22, "1 1 2 1 1 1 2", "1 1 2 1 1 1 9"),
       "element 1 (of dimension 1) is not a side of any cell"},
      {edited(v22, "16 2 2 10 1 5 9 8", "16 9 2 10 1 5 9 8 6 3 2"),
       "element 16 is of order 2 but element 9 of order 1: PETSc's reader needs one order for all "
       "cells"},
      {edited(v22, "9 1 1 0", "8 1 1 0"), "node tag 8 appears twice in $Nodes"},
      {edited(v22, "9 1 1 0", "2000000000 1 1 0"),
       "the node tags span [1, 2000000000] for 9 nodes: PETSc's reader allocates an entry per "
       "tag of that range (renumber the nodes)"},
      {edited(v22, "2.2 0 8", "2.3 0 8"),
       "MSH version 2.3 is not read by pdeinv: save the mesh as MSH 4.1 or 2.2 (gmsh -format "
       "msh41)"},
      {edited(v22, "2.2 0 8", "4 0 8"),
       "MSH version 4 is not read by pdeinv: save the mesh as MSH 4.1 or 2.2 (gmsh -format "
       "msh41)"},
      {edited(v22, "the valid mesh", std::string("the\0valid", 9)),
       "line 6: a NUL byte in an ASCII file"},
      {v22 + "$Periodic\n0\n$EndPeriodic\n",
       "it has a $Periodic section: periodic meshes are not supported"},
      {edited(v41, "5 9 1 9", "5 10 1 9"),
       "the blocks of $Nodes hold 9 entries, not the 10 of its header"},
      {edited(v41, "5 9 1 9", "5 8 1 9"),
       "the blocks of $Nodes hold more than 9 entries, not the 8 of its header"},
      {edited(v41, "5 16 1 16", "5 17 1 16"),
       "the blocks of $Elements hold 16 entries, not the 17 of its header"},
      {edited(v41, "2 1 2 8", "1 1 2 8"),
       "a block of $Elements of dimension 1 holds elements of type 2, of dimension 2"},
      {edited(v41, "1 0 0 0 1 1 0 1 10 0", "1 0 0 0 1 1 0 17 10 0"),
       "entity 1 of dimension 2 has 17 physical tags; PETSc's reader takes at most 16"},
  };
  for (const auto& [text, problem] : cases) EXPECT_EQ(scanText(text), problem);

  // MSH 2.2 binary: one block of 2 triangles where the header announces 1 element.
  const double xyz[3][3] = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}};
  std::string binary = "$MeshFormat\n2.2 1 8\n" + bytes(1) + "\n$EndMeshFormat\n$Nodes\n3\n";
  for (int n = 0; n < 3; ++n) binary += bytes(n + 1) + bytes(xyz[n]);
  binary += "\n$EndNodes\n$Elements\n1\n";
  for (int v : {2, 2, 0, 1, 1, 2, 3}) binary += bytes(v);  // type, count, tags; id, nodes
  EXPECT_EQ(scanText(binary),
            "a block of $Elements holds 2 elements, where 1 of the header's 1 are left");
  // Points only: no cells.
  EXPECT_EQ(scanText("$MeshFormat\n2.2 0 8\n$EndMeshFormat\n$Nodes\n1\n1 0 0 0\n$EndNodes\n"
                     "$Elements\n1\n1 15 0 1\n$EndElements\n"),
            "it has no cells (elements of dimension 1, 2 or 3)");
  // Through the reader: a file that does not parse "cannot be read", naming the line.
  try {
    Mesh::fromGmsh(PETSC_COMM_WORLD, dataPath("truncated.msh"), "-mesh_file");
    ADD_FAILURE() << "truncated.msh was read";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "cannot read mesh file '" + dataPath("truncated.msh") +
                                         "' (-mesh_file): line 98: expected the coordinates of "
                                         "node 85, found the end of the file");
  }
}

TEST(MeshValidation, each_bad_file_is_one_input_error_naming_the_file_and_the_element) {
  const std::pair<const char*, const char*> cases[] = {
      {"mesh_missing_node.msh", "element 16 refers to node 12, which is not in $Nodes"},
      {"mesh_missing_node_v41.msh", "element 16 refers to node 12, which is not in $Nodes"},
      {"mesh_unknown_entity_v41.msh",
       "a block of $Elements refers to entity 7 of dimension 2, which is not in $Entities"},
      {"mesh_nan_coordinate.msh", "node 5 has a non-finite coordinate (nan)"},
      {"mesh_huge_coordinate.msh",
       "node 5 has the coordinate 1e+20, beyond the bound |x| <= 1e+15"},
      {"mesh_duplicate_element.msh", "elements 9 and 17 are the same cell"},
      {"mesh_degenerate_cell.msh", "element 12 is degenerate: det J = 0"},
      {"mesh_nonmanifold_edge.msh", "a facet is shared by 3 cells (elements 9, 12 and 17)"},
      {"mesh_inverted_cell.msh", "element 9 is inverted: det J = -0.0625 < 0"},
      {"mesh_inverted_cell_binary.msh", "element 9 is inverted: det J = -0.0625 < 0"},
      {"mesh_twisted_quad.msh", "element 4 is twisted"},
  };
  for (const auto& [name, problem] : cases) {
    const auto message = readError(name);
    const auto expected = "mesh file '" + dataPath(name) + "' (-mesh_file): " + problem;
    EXPECT_EQ(message.substr(0, expected.size()), expected) << message;
  }
  EXPECT_EQ(readError("mesh_square_2x2.msh"), "");
  EXPECT_EQ(readError("mesh_square_2x2_v41.msh"), "");
}

TEST(MeshValidation, a_problem_on_one_rank_is_the_same_error_on_every_rank) {
  auto mesh = pdeinv::test::unitBox(2, 4);
  EXPECT_NO_THROW(validateMeshCells(mesh.dm(), "box"));
  // A NaN coordinate on the last rank only: every rank must raise its message.
  Vec x = nullptr;
  DMGetCoordinatesLocal(mesh.dm(), &x);
  PetscScalar* a = nullptr;
  VecGetArray(x, &a);
  const PetscScalar saved = a[0];
  const bool last = rankOf(PETSC_COMM_WORLD) == sizeOf(PETSC_COMM_WORLD) - 1;
  if (last) a[0] = NAN;
  VecRestoreArray(x, &a);
  std::string message;
  try {
    validateMeshCells(mesh.dm(), "box");
  } catch (const InputError& e) {
    message = e.what();
  }
  EXPECT_NE(message.find("box: cell "), std::string::npos) << message;
  EXPECT_NE(message.find(" has a vertex with a non-finite coordinate (nan)"), std::string::npos)
      << message;
  VecGetArray(x, &a);
  if (last) a[0] = saved;
  VecRestoreArray(x, &a);
}

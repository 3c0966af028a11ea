// mesh: gmsh files and boxes become distributed DMPlex meshes with their boundary tags.
#include <gtest/gtest.h>
#include <petscsf.h>

#include <cmath>
#include <functional>

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

TEST(MeshValidation, scan_reads_msh22_and_msh41_alike_and_leaves_binary_files_to_petsc) {
  const auto v22 = scanGmshFile(dataPath("mesh_square_2x2.msh"));
  const auto v41 = scanGmshFile(dataPath("mesh_square_2x2_v41.msh"));
  const std::vector<PetscInt> triangles = {9, 10, 11, 12, 13, 14, 15, 16};
  EXPECT_TRUE(v22.checked && v41.checked);
  EXPECT_EQ(v22.problem + v41.problem, "");
  EXPECT_EQ(v22.cellElements, triangles);
  EXPECT_EQ(v41.cellElements, triangles);
  const auto binary = scanGmshFile(dataPath("mesh_inverted_cell_binary.msh"));
  EXPECT_FALSE(binary.checked);
  EXPECT_TRUE(binary.cellElements.empty());
  // PETSc's cell order: the triangles (elements 1, 3, 5, 6), then the quadrilaterals (2, 4).
  EXPECT_EQ(scanGmshFile(dataPath("mesh_twisted_quad.msh")).cellElements,
            (std::vector<PetscInt>{1, 3, 5, 6, 2, 4}));
  // A file that does not parse is PETSc's to report.
  const auto truncated = scanGmshFile(dataPath("truncated.msh"));
  EXPECT_FALSE(truncated.checked);
  EXPECT_EQ(truncated.problem, "");
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
      {"mesh_inverted_cell_binary.msh", "cell 0 is inverted: det J = -0.0625 < 0"},
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

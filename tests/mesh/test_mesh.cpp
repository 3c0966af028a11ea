// mesh: gmsh files and boxes become distributed DMPlex meshes with their boundary tags.
#include <gtest/gtest.h>
#include <petscsf.h>

#include "../test_util.hpp"
#include "pdeinv/core/error.hpp"
#include "pdeinv/core/session.hpp"
#include "pdeinv/mesh/mesh.hpp"

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

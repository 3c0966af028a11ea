// io: the JSON writer, run records and plot data (HDF5 fields at the vertices, the same file
// at every rank count).
#include <gtest/gtest.h>
#include <petscviewer.h>

#include <unistd.h>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "../test_util.hpp"
#include "pdeinv/core/error.hpp"
#include "pdeinv/core/session.hpp"
#include "pdeinv/fem/function_space.hpp"
#include "pdeinv/io/json.hpp"
#include "pdeinv/io/output.hpp"
#include "pdeinv/io/plot_data.hpp"
#include "pdeinv/io/run_info.hpp"

extern "C" PetscErrorCode PetscViewerHDF5Open(MPI_Comm, const char[], PetscFileMode, PetscViewer*);
extern "C" PetscErrorCode PetscViewerHDF5PushGroup(PetscViewer, const char[]);
extern "C" PetscErrorCode PetscViewerHDF5PopGroup(PetscViewer);
extern "C" PetscErrorCode PetscViewerHDF5ReadAttribute(PetscViewer, const char[], const char[],
                                                       PetscDataType, const void*, void*);

using namespace pdeinv;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A scratch directory shared by the ranks (named by the rank count: ctest runs np1 and np2
// at the same time).
std::string scratch(const std::string& name) {
  const std::string dir = std::filesystem::temp_directory_path().string() + "/pdeinv_test_io_np" +
                          std::to_string(sizeOf(PETSC_COMM_WORLD)) + "_" +
                          std::to_string(getuid()) + "/" + name;
  makeDirectory(PETSC_COMM_WORLD, dir);
  return dir;
}

// A plot data file read back (on one rank).
struct PlotFile {
  PetscInt dim = 0, simplex = -1;
  std::vector<PetscReal> coordinates;
  std::vector<PetscInt> cells;
  PetscInt corners = 0;
  std::map<std::string, std::vector<PetscReal>> vertexFields, cellFields;
  size_t nv() const { return coordinates.size() / dim; }
  size_t nc() const { return cells.size() / corners; }
};

std::vector<PetscReal> loadVec(PetscViewer viewer, const char* name, PetscInt* bs = nullptr) {
  Owned<Vec> v;
  PDEINV_CALL(VecCreate(PETSC_COMM_SELF, v.out()));
  PDEINV_CALL(PetscObjectSetName(reinterpret_cast<PetscObject>(v.get()), name));
  PDEINV_CALL(VecLoad(v, viewer));
  if (bs) PDEINV_CALL(VecGetBlockSize(v, bs));
  const PetscScalar* a = nullptr;
  PetscInt n = 0;
  PDEINV_CALL(VecGetLocalSize(v, &n));
  PDEINV_CALL(VecGetArrayRead(v, &a));
  std::vector<PetscReal> out(a, a + n);
  PDEINV_CALL(VecRestoreArrayRead(v, &a));
  return out;
}

PlotFile readPlotFile(const std::string& path, const std::vector<std::string>& vertexFields,
                      const std::vector<std::string>& cellFields) {
  PlotFile f;
  Owned<PetscViewer> viewer;
  PDEINV_CALL(PetscViewerHDF5Open(PETSC_COMM_SELF, path.c_str(), FILE_MODE_READ, viewer.out()));
  PDEINV_CALL(PetscViewerHDF5ReadAttribute(viewer, "/", "dim", PETSC_INT, nullptr, &f.dim));
  PDEINV_CALL(PetscViewerHDF5ReadAttribute(viewer, "/", "simplex", PETSC_INT, nullptr, &f.simplex));
  PetscInt bs = 0;
  f.coordinates = loadVec(viewer, "coordinates", &bs);
  EXPECT_EQ(bs, f.dim);
  Owned<IS> is;
  PDEINV_CALL(ISCreate(PETSC_COMM_SELF, is.out()));
  PDEINV_CALL(ISSetType(is, ISGENERAL));
  PDEINV_CALL(PetscObjectSetName(reinterpret_cast<PetscObject>(is.get()), "cells"));
  PDEINV_CALL(ISLoad(is, viewer));
  PDEINV_CALL(ISGetBlockSize(is, &f.corners));
  PetscInt n = 0;
  const PetscInt* idx = nullptr;
  PDEINV_CALL(ISGetLocalSize(is, &n));
  PDEINV_CALL(ISGetIndices(is, &idx));
  f.cells.assign(idx, idx + n);
  PDEINV_CALL(ISRestoreIndices(is, &idx));
  PDEINV_CALL(PetscViewerHDF5PushGroup(viewer, "/vertex_fields"));
  for (const auto& name : vertexFields) f.vertexFields[name] = loadVec(viewer, name.c_str());
  PDEINV_CALL(PetscViewerHDF5PopGroup(viewer));
  PDEINV_CALL(PetscViewerHDF5PushGroup(viewer, "/cell_fields"));
  for (const auto& name : cellFields) f.cellFields[name] = loadVec(viewer, name.c_str());
  PDEINV_CALL(PetscViewerHDF5PopGroup(viewer));
  return f;
}

const char* kVertexExpr = "1 + x + 2*y^2 + x*y";  // exact at the vertices for every element
double vertexExpr(double x, double y) {
  return 1 + x + 2 * y * y + x * y;
}
const char* kCellExpr = "3*x - y";  // P0: the value at the centroid
double cellExpr(double x, double y) {
  return 3 * x - y;
}

struct PlotCase {
  bool simplex;
  int degree;
};

// On one mesh: "u" (the element, Dirichlet values from the same expression on the boundary, so
// the boundary vertices check that Dirichlet values are written) and "c" (P0).
std::string writeCase(const Mesh& mesh, int degree, const std::string& path) {
  auto f = std::make_shared<Expression>(kVertexExpr, "test");
  Expression g(kCellExpr, "test");
  DirichletBC bc;
  bc.label = "boundary";
  bc.values = {1};
  bc.value = f;
  FunctionSpace V(mesh, ElementSpec{degree, 1}, "u", {bc});
  FunctionSpace C(mesh, ElementSpec{0, 1}, "c");
  auto u = V.createVector(), c = C.createVector();
  V.interpolate(*f, u);
  C.interpolate(g, c);
  writePlotFields(path, {{"u", u}, {"c", c}});
  return path;
}

// Quads: a box of n×n; triangles: the gmsh L-shape (PETSc here has no simplex box generator).
Mesh mesh2d(MPI_Comm comm, bool simplex, PetscInt n) {
  if (simplex) {
    auto m = Mesh::fromGmsh(comm, test::meshPath("l_shape_coarse.msh"));
    m.distribute();
    return m;
  }
  BoxSpec b;
  b.faces = {n, n};
  auto m = Mesh::box(comm, b);
  m.distribute();
  return m;
}

}  // namespace

TEST(Json, writer_emits_valid_pretty_json_with_escapes_and_null_for_non_finite) {
  std::ostringstream os;
  JsonWriter w(os);
  w.beginObject();
  w.field("name", "a \"quoted\"\\path\n\x01").field("n", 3).field("x", 0.1).field("ok", true);
  w.field("nan", std::nan("")).field("inf", HUGE_VAL).field("big", PetscInt(7));
  w.key("list").value(std::vector<double>{1.0, 0.5, 1e-300});
  w.key("rows").beginArray();
  w.beginObject(true).field("i", 1).field("s", "x").endObject();
  w.beginArray().endArray();
  w.endArray();
  w.key("empty").beginObject().endObject();
  w.endObject();
  w.finish();
  EXPECT_EQ(os.str(),
            "{\n"
            "  \"name\": \"a \\\"quoted\\\"\\\\path\\n\\u0001\",\n"
            "  \"n\": 3,\n"
            "  \"x\": 0.1,\n"
            "  \"ok\": true,\n"
            "  \"nan\": null,\n"
            "  \"inf\": null,\n"
            "  \"big\": 7,\n"
            "  \"list\": [1, 0.5, 1e-300],\n"
            "  \"rows\": [\n"
            "    {\"i\": 1, \"s\": \"x\"},\n"
            "    []\n"
            "  ],\n"
            "  \"empty\": {}\n"
            "}\n");
  EXPECT_EQ(jsonNumber(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(jsonString("tab\there"), "\"tab\\there\"");
}

TEST(Json, misuse_is_a_logic_error) {
  std::ostringstream os;
  JsonWriter w(os);
  w.beginObject();
  EXPECT_THROW(w.value(1), std::logic_error);  // no key
  EXPECT_THROW(w.endArray(), std::logic_error);
  EXPECT_THROW(w.finish(), std::logic_error);  // unclosed
  JsonWriter a(os);
  a.beginArray();
  EXPECT_THROW(a.key("k"), std::logic_error);
}

TEST(RunInfo, records_versions_git_revision_and_ranks) {
  const auto path = scratch("run_info") + "/run_info.json";
  writeRunInfo(PETSC_COMM_WORLD, path);
  if (rankOf(PETSC_COMM_WORLD) == 0) {
    const auto text = slurp(path);
    for (const char* key : {"\"git_revision\": \"", "\"petsc\": \"3.", "\"sundials\": \"",
                            "\"eigen\": \"3.", "\"muparser\": \"", "\"mpi\": \"", "\"hostname\"",
                            "\"build_type\": \"", "\"compiler\": \"", "\"date_utc\": \"20"}) {
      EXPECT_NE(text.find(key), std::string::npos) << key << " missing in\n" << text;
    }
    EXPECT_NE(text.find("\"ranks\": " + std::to_string(sizeOf(PETSC_COMM_WORLD))),
              std::string::npos)
        << text;
    EXPECT_FALSE(gitRevision().empty());
  }
  EXPECT_THROW(writeRunInfo(PETSC_COMM_WORLD, "/nonexistent/dir/run_info.json"), InputError);
}

class PlotData : public ::testing::TestWithParam<PlotCase> {};

TEST_P(PlotData, vertex_and_cell_values_match_the_expressions_at_the_written_points) {
  const auto [simplex, degree] = GetParam();
  auto mesh = mesh2d(PETSC_COMM_WORLD, simplex, 5);
  mesh.refineUniformly(1);
  const std::string path =
      scratch("plot") + "/" + (simplex ? "P" : "Q") + std::to_string(degree) + ".h5";
  writeCase(mesh, degree, path);
  const auto nv = mesh.globalNumVertices(), nc = mesh.globalNumCells();
  if (rankOf(PETSC_COMM_WORLD) != 0) return;
  const auto f = readPlotFile(path, {"u"}, {"c"});
  ASSERT_EQ(f.dim, 2);
  EXPECT_EQ(f.simplex, simplex ? 1 : 0);
  ASSERT_EQ(f.corners, simplex ? 3 : 4);
  ASSERT_EQ(static_cast<PetscInt>(f.nv()), nv);
  ASSERT_EQ(static_cast<PetscInt>(f.nc()), nc);
  const auto& X = f.coordinates;
  for (size_t i = 0; i + 1 < f.nv(); ++i) {  // sorted, each vertex once
    EXPECT_TRUE(X[2 * i] < X[2 * i + 2] ||
                (X[2 * i] == X[2 * i + 2] && X[2 * i + 1] < X[2 * i + 3]))
        << "vertex " << i;
  }
  const auto& u = f.vertexFields.at("u");
  ASSERT_EQ(u.size(), f.nv());
  for (size_t i = 0; i < f.nv(); ++i) {
    EXPECT_NEAR(u[i], vertexExpr(X[2 * i], X[2 * i + 1]), 1e-12) << "vertex " << i;
  }
  const auto& c = f.cellFields.at("c");
  ASSERT_EQ(c.size(), f.nc());
  const auto k = static_cast<size_t>(f.corners);
  auto area = [&](PetscInt a, PetscInt b, PetscInt d) {
    return (X[2 * b] - X[2 * a]) * (X[2 * d + 1] - X[2 * a + 1]) -
           (X[2 * d] - X[2 * a]) * (X[2 * b + 1] - X[2 * a + 1]);
  };
  for (size_t e = 0; e < f.nc(); ++e) {
    const PetscInt* v = &f.cells[e * k];
    double cx = 0, cy = 0;
    for (size_t j = 0; j < k; ++j) {
      ASSERT_GE(v[j], 0);
      ASSERT_LT(v[j], static_cast<PetscInt>(f.nv()));
      cx += X[2 * v[j]] / k, cy += X[2 * v[j] + 1] / k;
    }
    EXPECT_EQ(v[0], *std::min_element(v, v + k));
    EXPECT_GT(area(v[0], v[1], v[2]), 0) << "cell " << e << " is not counter-clockwise";
    if (k == 4) {
      EXPECT_GT(area(v[0], v[2], v[3]), 0) << "quad " << e;
    }
    EXPECT_NEAR(c[e], cellExpr(cx, cy), 1e-12) << "cell " << e;
  }
}

INSTANTIATE_TEST_SUITE_P(Elements, PlotData,
                         ::testing::Values(PlotCase{false, 1}, PlotCase{false, 2},
                                           PlotCase{true, 1}, PlotCase{true, 2}),
                         [](const auto& info) {
                           return std::string(info.param.simplex ? "P" : "Q") +
                                  std::to_string(info.param.degree);
                         });

// The distributed file equals the one written from the whole mesh on one rank.
TEST(PlotDataFile, is_the_same_at_every_rank_count) {
  for (bool simplex : {false, true}) {
    auto mesh = mesh2d(PETSC_COMM_WORLD, simplex, 6);
    const std::string dir = scratch("same");
    const auto dist = writeCase(mesh, 2, dir + "/distributed.h5");
    if (rankOf(PETSC_COMM_WORLD) != 0) continue;
    auto serialMesh = mesh2d(PETSC_COMM_SELF, simplex, 6);
    const auto serial = writeCase(serialMesh, 2, dir + "/serial.h5");
    const auto a = readPlotFile(dist, {"u"}, {"c"}), b = readPlotFile(serial, {"u"}, {"c"});
    EXPECT_EQ(a.coordinates, b.coordinates);
    EXPECT_EQ(a.cells, b.cells);
    // The values themselves may differ in the last bits: DMProjectFunction evaluates at points
    // mapped from a neighbouring cell, which depends on the partition.
    const auto& ua = a.vertexFields.at("u");
    const auto& ub = b.vertexFields.at("u");
    ASSERT_EQ(ua.size(), ub.size());
    for (size_t i = 0; i < ua.size(); ++i) EXPECT_NEAR(ua[i], ub[i], 1e-13) << "vertex " << i;
    const auto& ca = a.cellFields.at("c");
    const auto& cb = b.cellFields.at("c");
    ASSERT_EQ(ca.size(), cb.size());
    for (size_t i = 0; i < ca.size(); ++i) EXPECT_NEAR(ca[i], cb[i], 1e-13) << "cell " << i;
  }
}

// 3-D (hexes) and a vector field: coordinates and values at the vertices (no plot is made).
TEST(PlotDataFile, three_d_and_vector_fields_are_written_at_the_vertices) {
  auto mesh = test::unitBox(3, 3);
  FunctionSpace V(mesh, ElementSpec{2, 1}, "u"), W(mesh, ElementSpec{1, 3}, "w");
  auto u = V.createVector(), w = W.createVector();
  V.interpolate(Expression("x + 2*y + 3*z^2", "u"), u);
  W.interpolate(Expression("x, y, z", "w", 3), w);
  const std::string path = scratch("3d") + "/fields.h5";
  writePlotFields(path, {{"u", u}, {"w", w}});
  const auto nv = mesh.globalNumVertices(), nc = mesh.globalNumCells();
  if (rankOf(PETSC_COMM_WORLD) != 0) return;
  const auto f = readPlotFile(path, {"u", "w"}, {});
  ASSERT_EQ(f.dim, 3);
  EXPECT_EQ(f.simplex, 0);
  EXPECT_EQ(f.corners, 8);
  ASSERT_EQ(static_cast<PetscInt>(f.nv()), nv);
  ASSERT_EQ(static_cast<PetscInt>(f.nc()), nc);
  const auto& X = f.coordinates;
  const auto& U = f.vertexFields.at("u");
  const auto& Wv = f.vertexFields.at("w");
  ASSERT_EQ(Wv.size(), 3 * f.nv());
  for (size_t i = 0; i < f.nv(); ++i) {
    EXPECT_NEAR(U[i], X[3 * i] + 2 * X[3 * i + 1] + 3 * X[3 * i + 2] * X[3 * i + 2], 1e-12);
    for (int d = 0; d < 3; ++d) EXPECT_NEAR(Wv[3 * i + d], X[3 * i + d], 1e-12);
  }
}

TEST(PlotDataFile, bad_input_is_an_input_error_on_every_rank) {
  auto mesh = mesh2d(PETSC_COMM_WORLD, false, 4), other = mesh2d(PETSC_COMM_WORLD, false, 3);
  FunctionSpace V(mesh, ElementSpec{1, 1}, "u"), W(other, ElementSpec{1, 1}, "w");
  auto u = V.createVector(), w = W.createVector();
  EXPECT_THROW(writePlotFields("/nonexistent/dir/fields.h5", {{"u", u}}), InputError);
  EXPECT_THROW(writePlotFields(scratch("bad") + "/f.h5", {{"u", u}, {"w", w}}), InputError);
  EXPECT_THROW(writePlotFields(scratch("bad") + "/f.h5", {{"u", u}, {"u", u}}), InputError);
  EXPECT_THROW(writePlotFields(scratch("bad") + "/f.h5", {{"a/b", u}}), InputError);
}

// With -io_plot_dir DIR: DIR/np<ranks>/fields.h5 with the fields the app writes, for the plot
// script test (tests/io/tests.cmake).
TEST(PlotDataFile, writes_the_fields_of_a_run_for_the_plot_script) {
  char dir[PETSC_MAX_PATH_LEN] = {0};
  PetscBool set = PETSC_FALSE;
  PDEINV_CALL(PetscOptionsGetString(nullptr, nullptr, "-io_plot_dir", dir, sizeof dir, &set));
  if (!set) GTEST_SKIP() << "no -io_plot_dir";
  const std::string out = std::string(dir) + "/np" + std::to_string(sizeOf(PETSC_COMM_WORLD));
  makeDirectory(PETSC_COMM_WORLD, out);
  auto mesh = mesh2d(PETSC_COMM_WORLD, false, 16);
  FunctionSpace V(mesh, ElementSpec{1, 1}, "m"), C(mesh, ElementSpec{0, 1}, "p0");
  auto truth = V.createVector(), estimate = V.createVector(), error = V.createVector();
  auto state = V.createVector(), cells = C.createVector();
  V.interpolate(Expression("1 + 0.5*exp(-20*((x-0.4)^2 + (y-0.6)^2))", "truth"), truth);
  V.interpolate(Expression("1 + 0.4*exp(-15*((x-0.42)^2 + (y-0.58)^2))", "estimate"), estimate);
  PDEINV_CALL(VecWAXPY(error, -1.0, truth, estimate));
  V.interpolate(Expression("sin(pi*x)*sin(pi*y)", "state"), state);
  C.interpolate(Expression("x*y", "p0"), cells);
  writePlotFields(out + "/fields.h5", {{"state", state},
                                       {"truth", truth},
                                       {"estimate", estimate},
                                       {"p0", cells},
                                       {"error", error}});
}

// inverse: observation operators. Point evaluation reproduces fields the element represents
// exactly, Bᵀ is the transpose of B's linear part, Dirichlet values enter B u but not its
// derivative, the located ↔ original orders round-trip, the point generators (grid, random,
// file) give the expected points on any number of ranks, and bad input (points outside the
// mesh, corrupt data files, mismatched data) is one clear InputError.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>

#include "../test_util.hpp"
#include "pdeinv/analysis/derivative_check.hpp"
#include "pdeinv/core/error.hpp"
#include "pdeinv/core/session.hpp"
#include "pdeinv/inverse/observation.hpp"

using namespace pdeinv;
using pdeinv::test::gmshMesh;
using pdeinv::test::meshPath;
using pdeinv::test::ScopedOptions;
using pdeinv::test::sourceDir;
using pdeinv::test::unitBox;

namespace {

using Point = std::array<PetscReal, 3>;
using Field = std::function<void(const Point&, PetscReal*)>;

std::string dataPath(const std::string& name) {
  return sourceDir() + "/tests/data/" + name;
}

// Builds an operator from options given as text (cleared again afterwards).
std::unique_ptr<ObservationOperator> fromOptions(const FunctionSpace& V, const std::string& opts) {
  ScopedOptions o(opts);
  return observationFromOptions(V);
}

// Passes when f throws an InputError whose message contains `text` (on every rank).
void expectInputError(const std::function<void()>& f, const std::string& text) {
  try {
    f();
    ADD_FAILURE() << "no InputError; expected one containing: " << text;
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos)
        << "message: " << e.what() << "\nexpected to contain: " << text;
  }
}

// The observation points used on 2-D meshes: inside, at domain corners, on the boundary and on
// interior cell edges (x = 0.4 and y = 0.6 are grid lines of the 5×5 box).
const char* kPoints2d =
    "0.5,0.5,0,0,1,1,0,0.35,0.73,1,0.123,0.877,0.31,0.62,0.999,0.001,0.4,0.15,0.25,0.6,"
    "0.8,0.45,1,0.5,0.05,0.95,0.6,0.4";
const char* kPoints3d = "0.5,0.5,0.5,0,0,0,1,1,1,0.2,0.7,0.4,0.9,0.1,0.35,0.4,0.4,0.6,1,0.3,0.8";

PetscReal dot(Vec a, Vec b) {
  PetscScalar d = 0;
  VecDot(a, b, &d);
  return PetscRealPart(d);
}

// Checks toOriginalOrder(B u) against the exact field at points().
void expectObservesField(const ObservationOperator& op, const FunctionSpace& V,
                         const std::string& expression, const Field& exact,
                         const std::string& label) {
  auto u = V.createVector();
  V.interpolate(Expression(expression, "-test", V.components()), u);
  auto obs = op.createObservationVector();
  op.apply(u, obs);
  const auto values = op.toOriginalOrder(obs);
  const int Nc = V.components();
  ASSERT_EQ(values.size(), op.points().size() * Nc) << label;
  PetscReal worst = 0;
  for (size_t i = 0; i < op.points().size(); ++i) {
    PetscReal e[3] = {0, 0, 0};
    exact(op.points()[i], e);
    for (int c = 0; c < Nc; ++c) worst = std::max(worst, std::abs(values[i * Nc + c] - e[c]));
  }
  EXPECT_LT(worst, 1e-12) << label;
}

}  // namespace

TEST(PointObservation, p1_p2_q1_q2_evaluation_reproduces_polynomials_at_the_points) {
  const Field linear = [](const Point& x, PetscReal* v) { v[0] = 1 + 2 * x[0] - x[1]; };
  const Field quadratic = [](const Point& x, PetscReal* v) {
    v[0] = x[0] * x[0] + x[0] * x[1] - 3 * x[1] * x[1];
  };
  for (int simplex = 0; simplex < 2; ++simplex) {
    auto mesh = simplex ? gmshMesh("unit_square_coarse.msh") : unitBox(2, 5);
    for (int degree = 1; degree <= 2; ++degree) {
      FunctionSpace V(mesh, {degree, 1}, "u");
      auto op = fromOptions(V, std::string("-obs_type points -obs_points ") + kPoints2d);
      EXPECT_EQ(op->name(), "points");
      EXPECT_EQ(op->size(), 14);
      const std::string label = std::string(simplex ? "P" : "Q") + std::to_string(degree);
      expectObservesField(*op, V, "1 + 2*x - y", linear, label + " linear");
      if (degree == 2) expectObservesField(*op, V, "x^2 + x*y - 3*y^2", quadratic, label);
    }
  }
  // 3-D: P2 on tetrahedra and Q2 on hexahedra reproduce a quadratic.
  const Field quadratic3 = [](const Point& x, PetscReal* v) {
    v[0] = x[0] * x[0] + x[1] * x[2] - 2 * x[2] * x[2] + x[0];
  };
  for (int simplex = 0; simplex < 2; ++simplex) {
    auto mesh = simplex ? gmshMesh("unit_cube_coarse.msh") : unitBox(3, 3);
    FunctionSpace V(mesh, {2, 1}, "u");
    auto op = fromOptions(V, std::string("-obs_type points -obs_points ") + kPoints3d);
    EXPECT_EQ(op->size(), 7);
    expectObservesField(*op, V, "x^2 + y*z - 2*z^2 + x", quadratic3,
                        simplex ? "P2 tets" : "Q2 hexes");
  }
}

TEST(PointObservation, vector_state_is_observed_in_every_component_component_minor) {
  auto mesh = gmshMesh("unit_square_coarse.msh");
  FunctionSpace V(mesh, {1, 2}, "w");
  auto op = fromOptions(V, std::string("-obs_type points -obs_points ") + kPoints2d);
  EXPECT_EQ(op->size(), 28);
  EXPECT_EQ(op->points().size(), 14u);
  expectObservesField(
      *op, V, "1 + x - y, 2*x + 3*y",
      [](const Point& x, PetscReal* v) {
        v[0] = 1 + x[0] - x[1];
        v[1] = 2 * x[0] + 3 * x[1];
      },
      "P1 vector");
}

TEST(PointObservation, transpose_passes_the_adjoint_dot_product_test_with_dirichlet_dofs) {
  struct Case {
    bool simplex;
    ElementSpec element;
    const char* bcValue;
  };
  for (const auto& c : {Case{true, {1, 1}, "1 + x"}, Case{true, {2, 1}, "1 + x"},
                        Case{false, {2, 1}, "1 + x"}, Case{true, {2, 2}, "1 + x, y"}}) {
    auto mesh = c.simplex ? gmshMesh("unit_square_coarse.msh") : unitBox(2, 5);
    DirichletBC bc;
    bc.label = "boundary";
    bc.values = {1};
    bc.value = std::make_shared<Expression>(c.bcValue, "-test", c.element.components);
    FunctionSpace V(mesh, c.element, "u", {bc});
    const std::string label = (c.simplex ? "simplex " : "quads ") + c.element.str();
    for (const char* type : {"points", "full"}) {
      auto op = fromOptions(V, std::string("-obs_type ") + type + " -obs_points " + kPoints2d);
      auto du = V.createVector(), BTw = V.createVector();
      auto w = op->createObservationVector(), Bdu = op->createObservationVector();
      fillRandom(du, 11);
      fillRandom(w, 12);
      op->applyLinear(du, Bdu);
      op->applyTranspose(w, BTw);
      const auto r = dotProductTest(dot(Bdu, w), dot(du, BTw));
      EXPECT_GT(std::abs(r.lhs), 1e-3) << label << " " << type;
      EXPECT_LT(r.relativeError(), 1e-12)
          << label << " " << type << ": " << r.lhs << " vs " << r.rhs;
    }
  }
}

TEST(PointObservation, dirichlet_values_enter_apply_but_not_applyLinear) {
  auto mesh = gmshMesh("unit_square_coarse.msh");
  DirichletBC bc;
  bc.label = "boundary";
  bc.values = {1};
  bc.value = std::make_shared<Expression>("1 + x", "-test");
  // Points 0-3 lie on the boundary (every dof of their boundary edge is constrained); points
  // 4-5 lie in cells away from the boundary (every dof free).
  const char* points = "0,0.35,0.73,1,1,0.5,0.5,0,0.5,0.5,0.45,0.55";
  for (int degree = 1; degree <= 2; ++degree) {
    FunctionSpace V(mesh, {degree, 1}, "u", {bc});
    auto op = fromOptions(V, std::string("-obs_points ") + points);
    auto u = V.createVector(), zero = V.createVector(), du = V.createVector();
    V.interpolate(Expression("1 + x", "-test"), u);
    VecSet(zero, 0.0);
    fillRandom(du, 5);
    auto obs = op->createObservationVector();
    auto values = [&](Vec state, bool linear) {
      linear ? op->applyLinear(state, obs) : op->apply(state, obs);
      return op->toOriginalOrder(obs);
    };
    const auto Bu = values(u, false), Blin = values(u, true), B0 = values(zero, false);
    for (size_t i = 0; i < 6; ++i) {
      const PetscReal exact = 1 + op->points()[i][0];
      EXPECT_NEAR(Bu[i], exact, 1e-12) << "P" << degree << " point " << i;
      if (i < 4) {
        EXPECT_NEAR(Blin[i], 0.0, 1e-12) << "P" << degree << " point " << i;
        EXPECT_NEAR(B0[i], exact, 1e-12) << "P" << degree << " point " << i;  // the lift alone
      } else {
        EXPECT_NEAR(Blin[i], exact, 1e-12) << "P" << degree << " point " << i;
        EXPECT_NEAR(B0[i], 0.0, 1e-12) << "P" << degree << " point " << i;
      }
    }
    // B is affine: B(du) − B(0) = B_free du for any du.
    const auto Bdu = values(du, false), Blindu = values(du, true);
    for (size_t i = 0; i < 6; ++i) EXPECT_NEAR(Bdu[i] - B0[i], Blindu[i], 1e-12);
  }
}

TEST(PointObservation, original_order_round_trips_and_located_order_is_a_partition) {
  auto mesh = gmshMesh("unit_square_coarse.msh");
  for (int components : {1, 2}) {
    FunctionSpace V(mesh, {1, components}, "u");
    for (const char* type : {"points", "full"}) {
      auto op = fromOptions(V, std::string("-obs_type ") + type + " -obs_points " + kPoints2d);
      auto obs = op->createObservationVector();
      PetscInt n = 0, nLocal = 0;
      VecGetSize(obs, &n);
      VecGetLocalSize(obs, &nLocal);
      EXPECT_EQ(n, op->size());
      PetscInt sum = 0;
      MPI_Allreduce(&nLocal, &sum, 1, MPIU_INT, MPI_SUM, PETSC_COMM_WORLD);
      EXPECT_EQ(sum, n);
      std::vector<PetscReal> values(n);
      for (PetscInt i = 0; i < n; ++i) values[i] = 100.0 + 3.0 * i;
      op->fromOriginalOrder(values, obs);
      EXPECT_EQ(op->toOriginalOrder(obs), values) << type << " Nc=" << components;
      PetscReal total = 0;
      VecSum(obs, &total);
      EXPECT_NEAR(total, 100.0 * n + 1.5 * n * (n - 1), 1e-9);
      expectInputError([&] { op->fromOriginalOrder(std::vector<PetscReal>(n + 1, 0.0), obs); },
                       "values given for " + std::to_string(n) + " observations");
    }
  }
  FunctionSpace V(mesh, {1, 1}, "u");
  auto full = fromOptions(V, "-obs_type full");
  EXPECT_EQ(full->size(), 142);
  EXPECT_TRUE(full->points().empty());
}

TEST(PointGenerators, grid_points_span_the_shrunk_bounding_box_or_the_given_corners) {
  auto mesh = gmshMesh("unit_square_coarse.msh");
  FunctionSpace V(mesh, {1, 1}, "u");
  auto grid = fromOptions(V, "-obs_type grid -obs_grid 4,3");
  EXPECT_EQ(grid->name(), "grid");
  ASSERT_EQ(grid->size(), 12);
  const auto& p = grid->points();
  auto expectPoint = [](const Point& got, PetscReal x, PetscReal y) {
    EXPECT_NEAR(got[0], x, 1e-14);
    EXPECT_NEAR(got[1], y, 1e-14);
  };
  expectPoint(p[0], 0.05, 0.05);
  expectPoint(p[1], 0.35, 0.05);
  expectPoint(p[4], 0.05, 0.5);
  expectPoint(p[11], 0.95, 0.95);
  auto row = fromOptions(
      V, "-obs_type grid -obs_grid 3,1 -obs_grid_lower 0.2,0.1 -obs_grid_upper 0.8,0.9");
  ASSERT_EQ(row->size(), 3);
  expectPoint(row->points()[0], 0.2, 0.5);
  expectPoint(row->points()[1], 0.5, 0.5);
  expectPoint(row->points()[2], 0.8, 0.5);
  auto hexes = unitBox(3, 2);
  FunctionSpace W(hexes, {1, 1}, "u");
  auto cube = fromOptions(W, "-obs_type grid -obs_grid 2,3,2");
  ASSERT_EQ(cube->size(), 12);
  EXPECT_NEAR(cube->points()[11][2], 0.95, 1e-14);
  expectInputError([&] { fromOptions(V, "-obs_type grid -obs_grid 4"); },
                   "needs -obs_grid with 2 point counts");
}

TEST(PointGenerators, random_points_are_the_same_on_any_number_of_ranks) {
  // The L-shape fills 3/4 of its bounding box [0,1]²: some draws are rejected.
  auto mesh = gmshMesh("l_shape_coarse.msh");
  FunctionSpace V(mesh, {1, 1}, "u");
  auto op = fromOptions(V, "-obs_type random -obs_random 40 -obs_seed 7");
  EXPECT_EQ(op->name(), "random");
  ASSERT_EQ(op->size(), 40);
  // The documented generator, replayed with the L-shape's own membership test: the points must
  // be exactly these at 1 and at 2 ranks.
  std::mt19937_64 gen(7);
  auto uniform = [&] { return static_cast<PetscReal>(gen() >> 11) * 0x1.0p-53; };
  std::vector<Point> expected;
  int rejected = 0;
  while (expected.size() < 40) {
    const PetscReal x = uniform(), y = uniform();
    if (x > 0.5 && y > 0.5) {
      ++rejected;
      continue;
    }
    expected.push_back({x, y, 0});
  }
  EXPECT_GT(rejected, 0);
  EXPECT_EQ(op->points(), expected);
  // The same seed again gives the same points; another seed, others.
  EXPECT_EQ(fromOptions(V, "-obs_type random -obs_random 40 -obs_seed 7")->points(), expected);
  EXPECT_NE(fromOptions(V, "-obs_type random -obs_random 40 -obs_seed 8")->points(), expected);
  // And they observe a linear field exactly.
  expectObservesField(
      *op, V, "3*x - y", [](const Point& x, PetscReal* v) { v[0] = 3 * x[0] - x[1]; },
      "random points");
}

TEST(PointGenerators, sensor_file_gives_its_points_in_file_order) {
  auto mesh = gmshMesh("unit_square_coarse.msh");
  FunctionSpace V(mesh, {1, 1}, "u");
  auto op = fromOptions(V, "-obs_type file -obs_file " + dataPath("obs_sensors.csv"));
  EXPECT_EQ(op->name(), "file");
  ASSERT_EQ(op->size(), 4);
  EXPECT_EQ(op->points()[2], (Point{0.75, 0.25, 0}));
  EXPECT_EQ(op->points()[3], (Point{0.1, 0.9, 0}));
  // The matching data file passes the check, and its values are B u for u = 1 + 2x − y.
  const auto data = readObservationData(PETSC_COMM_WORLD, dataPath("obs_data.csv"), 2);
  checkDataMatchesObservation(data, *op, dataPath("obs_data.csv"));
  auto u = V.createVector();
  V.interpolate(Expression("1 + 2*x - y", "-test"), u);
  auto obs = op->createObservationVector(), d = op->createObservationVector();
  op->apply(u, obs);
  op->fromOriginalOrder(data.values, d);
  VecAXPY(d, -1.0, obs);
  PetscReal misfit = 0;
  VecNorm(d, NORM_INFINITY, &misfit);
  EXPECT_LT(misfit, 1e-12);
}

TEST(ObservationData, csv_and_hdf5_files_round_trip_exactly) {
  // A file name shared by all ranks (rank 0's pid) in the temporary directory.
  long pid = static_cast<long>(getpid());
  MPI_Bcast(&pid, 1, MPI_LONG, 0, PETSC_COMM_WORLD);
  const auto base = std::filesystem::temp_directory_path() / ("pdeinv_obs_" + std::to_string(pid));
  ObservationData data;
  for (int i = 0; i < 7; ++i) {
    data.points.push_back({0.1 * i + 1.0 / 3, 1.0 - 0.07 * i, 0});
    data.values.push_back(std::exp(0.3 * i) / 7);
    data.values.push_back(-1.0 / (i + 1));  // two values per point (a vector state)
  }
  for (const char* ext : {".csv", ".h5"}) {
    const std::string path = base.string() + ext;
    writeObservationData(PETSC_COMM_WORLD, path, 2, data);
    const auto back = readObservationData(PETSC_COMM_WORLD, path, 2);
    EXPECT_EQ(back.points, data.points) << ext;
    EXPECT_EQ(back.values, data.values) << ext;
    MPI_Barrier(PETSC_COMM_WORLD);
    if (rankOf(PETSC_COMM_WORLD) == 0) std::filesystem::remove(path);
  }
  expectInputError(
      [&] { writeObservationData(PETSC_COMM_WORLD, "/nonexistent/dir/data.csv", 2, data); },
      "cannot write observation data file '/nonexistent/dir/data.csv'");
}

TEST(ObservationData, bad_files_are_input_errors_naming_file_and_line) {
  const auto read = [](const std::string& name) {
    return [name] { readObservationData(PETSC_COMM_WORLD, dataPath(name), 2); };
  };
  expectInputError(read("nope.csv"), "cannot open observation data file '" + dataPath("nope.csv") +
                                         "': no such file or not readable");
  expectInputError(read("obs_data_malformed.csv"), "observation data file '" +
                                                       dataPath("obs_data_malformed.csv") +
                                                       "' line 4: malformed line '0.75,abc,2.25'");
  expectInputError(read("obs_data_nan.csv"), "' line 3: value 'nan' is NaN or Inf");
  expectInputError(read("obs_data_duplicate.csv"),
                   "duplicate point (0.25, 0.25) on line 2 and line 5");
  // A missing HDF5 file, a CSV file under an HDF5 name, and an HDF5 file without the values.
  expectInputError(read("nope.h5"), "cannot open observation data file '" + dataPath("nope.h5") +
                                        "': no such file or not readable");
  long pid = static_cast<long>(getpid());
  MPI_Bcast(&pid, 1, MPI_LONG, 0, PETSC_COMM_WORLD);
  const std::string fake =
      (std::filesystem::temp_directory_path() / ("pdeinv_obs_fake_" + std::to_string(pid) + ".h5"))
          .string();
  if (rankOf(PETSC_COMM_WORLD) == 0) std::ofstream(fake) << "x,y,value\n0,0,1\n";
  MPI_Barrier(PETSC_COMM_WORLD);
  expectInputError([&] { readObservationData(PETSC_COMM_WORLD, fake, 2); }, "is not an HDF5 file");
  if (rankOf(PETSC_COMM_WORLD) == 0) {
    PetscViewer viewer = nullptr;
    PetscViewerCreate(PETSC_COMM_SELF, &viewer);
    PetscViewerSetType(viewer, PETSCVIEWERHDF5);
    PetscViewerFileSetMode(viewer, FILE_MODE_WRITE);
    PetscViewerFileSetName(viewer, fake.c_str());
    PetscScalar xy[4] = {0.1, 0.2, 0.3, 0.4};
    Vec v = nullptr;
    VecCreateSeqWithArray(PETSC_COMM_SELF, 2, 4, xy, &v);
    PetscObjectSetName(reinterpret_cast<PetscObject>(v), "points");
    VecView(v, viewer);
    VecDestroy(&v);
    PetscViewerDestroy(&viewer);
  }
  MPI_Barrier(PETSC_COMM_WORLD);
  expectInputError([&] { readObservationData(PETSC_COMM_WORLD, fake, 2); },
                   "' has no dataset 'values'");
  MPI_Barrier(PETSC_COMM_WORLD);
  if (rankOf(PETSC_COMM_WORLD) == 0) std::filesystem::remove(fake);
}

// HDF5 files written by other tools (h5py's contiguous and compact layouts, 4-byte floats) are
// read; storage pdeinv does not read, or that does not hold what the header claims, is one
// message naming the dataset, before HDF5 reads a byte of it (HDF5 reads past its buffers on
// corrupt layouts: obs_data_hdf5_unstored_chunk.h5 is the fuzzer's input that showed it).
TEST(ObservationData, hdf5_storage_is_checked_before_it_is_read) {
  const auto pts =
      std::vector<Point>{{0.25, 0.25, 0}, {0.75, 0.25, 0}, {0.25, 0.75, 0}, {0.75, 0.75, 0}};
  for (const char* name : {"obs_data_h5py_contiguous.h5", "obs_data_h5py_float32_compact.h5"}) {
    const auto d = readObservationData(PETSC_COMM_WORLD, dataPath(name), 2);
    EXPECT_EQ(d.points, pts) << name;
    EXPECT_EQ(d.values, (std::vector<PetscReal>{1, 2, 3, 4})) << name;
  }
  const auto read = [](const std::string& name) {
    return [name] { readObservationData(PETSC_COMM_WORLD, dataPath(name), 2); };
  };
  expectInputError(read("obs_data_h5py_gzip.h5"),
                   "dataset 'points' is compressed or filtered (1 filters), which is not read");
  expectInputError(read("obs_data_h5py_integer.h5"),
                   "dataset 'values' must hold 4- or 8-byte floating-point numbers");
  expectInputError(read("obs_data_h5py_3d.h5"), "dataset 'values' must have one or two dimensions");
  expectInputError(
      read("obs_data_h5py_partial_chunks.h5"),
      "dataset 'values' claims 4 numbers but does not store them all (a corrupt file)");
  expectInputError(read("obs_data_hdf5_unstored_chunk.h5"),
                   "observation data file '" + dataPath("obs_data_hdf5_unstored_chunk.h5") +
                       "': dataset 'points' claims 4 numbers but does not store them all");
}

TEST(ObservationData, data_that_does_not_match_the_operator_is_an_input_error) {
  auto mesh = gmshMesh("unit_square_coarse.msh");
  FunctionSpace V(mesh, {1, 1}, "u");
  const auto path = dataPath("obs_data.csv");
  const auto data = readObservationData(PETSC_COMM_WORLD, path, 2);
  auto three = fromOptions(V, "-obs_points 0.25,0.25,0.5,0.5,0.75,0.25");
  expectInputError([&] { checkDataMatchesObservation(data, *three, path); },
                   "observation data file '" + path +
                       "' has 4 points but the observation operator (points) has 3");
  auto sensors = fromOptions(V, "-obs_type file -obs_file " + dataPath("obs_sensors.csv"));
  const auto movedPath = dataPath("obs_data_moved.csv");
  const auto moved = readObservationData(PETSC_COMM_WORLD, movedPath, 2);
  expectInputError([&] { checkDataMatchesObservation(moved, *sensors, movedPath); },
                   "data point 2 (0.75, 0.3) differs from observation point 2 (0.75, 0.25)");
  FunctionSpace W(mesh, {1, 2}, "w");
  auto vector = fromOptions(W, "-obs_type file -obs_file " + dataPath("obs_sensors.csv"));
  expectInputError([&] { checkDataMatchesObservation(data, *vector, path); },
                   "has 1 value(s) per point but the observation operator observes 2");
  auto full = fromOptions(V, "-obs_type full");
  expectInputError([&] { checkDataMatchesObservation(data, *full, path); },
                   "has 4 values but the observation operator (full) has 142 observations");
}

TEST(ObservationOptions, bad_points_and_options_are_input_errors) {
  auto mesh = gmshMesh("unit_square_coarse.msh");
  FunctionSpace V(mesh, {1, 1}, "u");
  expectInputError([&] { fromOptions(V, "-obs_points 0.5,0.5,1.5,0.2"); },
                   "observation point 1 (1.5, 0.2) is outside the mesh (-obs_points)");
  auto lshape = gmshMesh("l_shape_coarse.msh");
  FunctionSpace L(lshape, {1, 1}, "u");
  expectInputError([&] { fromOptions(L, "-obs_points 0.2,0.2,0.75,0.75,0.8,0.9"); },
                   "observation point 1 (0.75, 0.75) is outside the mesh (-obs_points); 2 of "
                   "the points are outside");
  expectInputError([&] { fromOptions(V, "-obs_points 0.5,0.5,0.2"); },
                   "-obs_points has 3 numbers, not a multiple of the mesh dimension 2");
  expectInputError([&] { fromOptions(V, "-obs_type points"); },
                   "observation type 'points' needs -obs_points");
  expectInputError([&] { fromOptions(V, "-obs_type sensors"); },
                   "unknown observation type 'sensors' (-obs_type); available: file, full, "
                   "grid, points, random");
  expectInputError(
      [&] { fromOptions(V, "-obs_type file -obs_file " + dataPath("obs_sensors_malformed.csv")); },
      "sensor file (-obs_file) '" + dataPath("obs_sensors_malformed.csv") +
          "' line 3: malformed line '0.5;0.5'");
  expectInputError([&] { fromOptions(V, "-obs_type file -obs_file " + dataPath("nope.csv")); },
                   "cannot open sensor file (-obs_file) '" + dataPath("nope.csv") + "'");
  // An observation option the chosen type does not read is reported as unused.
  ScopedOptions o("-obs_points 0.5,0.5 -obs_grid 3,3");
  auto op = observationFromOptions(V);
  expectInputError([] { checkAllOptionsUsed(); }, "option -obs_grid 3,3 was set but never used");
}

TEST(ObservationOptions, help_lists_every_observation_option_whatever_the_type) {
  auto mesh = gmshMesh("unit_square_coarse.msh");
  FunctionSpace V(mesh, {1, 1}, "u");
  // A prefix of its own, so the options catalogue holds only what this call recorded. The
  // unknown type stops the call after the options are listed, before any PETSc object is made
  // (PETSc would print its own help for each of them).
  ScopedOptions o("-help -help_obs_type none");
  expectInputError([&] { observationFromOptions(V, Options("help_obs_")); },
                   "unknown observation type 'none'");
  std::ostringstream os;
  printOptionsHelp(os);
  for (const char* flag :
       {"-help_obs_type", "-help_obs_points", "-help_obs_grid", "-help_obs_grid_lower",
        "-help_obs_grid_upper", "-help_obs_random", "-help_obs_seed", "-help_obs_file"}) {
    EXPECT_NE(os.str().find(std::string(flag) + " "), std::string::npos) << flag;
  }
}

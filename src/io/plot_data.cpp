// writePlotFields: vertex coordinates, cells and field values gathered to rank 0 and written
// with PETSc's HDF5 viewer (see plot_data.hpp for the format).
#include "pdeinv/io/plot_data.hpp"

#include <petscdmplex.h>
#include <petscviewer.h>
#include <petscviewerhdf5.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <set>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/handle.hpp"
#include "pdeinv/core/session.hpp"

namespace pdeinv {
namespace {

struct Field {
  std::string name;
  DM dm = nullptr;
  int components = 1;
  bool perCell = false;  // P0: values on cells, else at vertices
  Owned<Vec> local;      // with Dirichlet values inserted
  PetscSection section = nullptr;
  const PetscScalar* values = nullptr;
};

int allMin(MPI_Comm comm, int x) {
  int y = x;
  MPI_Allreduce(&x, &y, 1, MPI_INT, MPI_MIN, comm);
  return y;
}

// Where each field lives (vertices or cells) and its values in a local vector.
void describe(Field& f, const std::string& name, Vec v, int dim) {
  f.name = name;
  PDEINV_CALL(VecGetDM(v, &f.dm));
  require(f.dm != nullptr,
          "writePlotFields: field '" + name + "' is not a FunctionSpace vector (no DM)");
  PetscObject obj = nullptr;
  PDEINV_CALL(DMGetField(f.dm, 0, nullptr, &obj));
  PetscClassId id = 0;
  if (obj) PDEINV_CALL(PetscObjectGetClassId(obj, &id));
  require(id == PETSCFE_CLASSID,
          "writePlotFields: field '" + name + "' has no finite element (PetscFE)");
  auto fe = reinterpret_cast<PetscFE>(obj);
  PetscInt nc = 0;
  PDEINV_CALL(PetscFEGetNumComponents(fe, &nc));
  f.components = static_cast<int>(nc);
  PetscDualSpace Q = nullptr;
  PDEINV_CALL(PetscFEGetDualSpace(fe, &Q));
  const PetscInt* numDof = nullptr;
  PDEINV_CALL(PetscDualSpaceGetNumDof(Q, &numDof));
  f.perCell = numDof[0] == 0;
  require(!f.perCell || numDof[dim] == nc,
          "writePlotFields: field '" + name +
              "' has neither vertex values nor one value per cell (only continuous Lagrange "
              "and P0 fields can be plotted)");
  PDEINV_CALL(DMCreateLocalVector(f.dm, f.local.out()));
  PDEINV_CALL(VecSet(f.local, 0.0));
  PDEINV_CALL(DMGlobalToLocalBegin(f.dm, v, INSERT_VALUES, f.local));
  PDEINV_CALL(DMGlobalToLocalEnd(f.dm, v, INSERT_VALUES, f.local));
  PDEINV_CALL(
      DMPlexInsertBoundaryValues(f.dm, PETSC_TRUE, f.local, 0.0, nullptr, nullptr, nullptr));
  PDEINV_CALL(DMGetLocalSection(f.dm, &f.section));
}

// Gathers `mine` (a multiple of `stride` per item) from every rank to rank 0.
template <class T>
std::vector<T> gather(MPI_Comm comm, const std::vector<T>& mine, MPI_Datatype type) {
  const int size = sizeOf(comm);
  int n = static_cast<int>(mine.size());
  std::vector<int> counts(size), displs(size);
  MPI_Gather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, comm);
  std::vector<T> all;
  if (rankOf(comm) == 0) {
    std::partial_sum(counts.begin(), counts.end() - 1, displs.begin() + 1);
    all.resize(static_cast<size_t>(displs.back() + counts.back()));
  }
  MPI_Gatherv(mine.data(), n, type, all.data(), counts.data(), displs.data(), type, 0, comm);
  return all;
}

// Counter-clockwise, starting at the smallest index (2-D cells).
void orient2d(PetscInt* v, int k, const std::vector<double>& x) {
  auto X = [&](int i, int d) { return x[static_cast<size_t>(v[i]) * 2 + d]; };
  if (k == 3) {
    const double area =
        (X(1, 0) - X(0, 0)) * (X(2, 1) - X(0, 1)) - (X(2, 0) - X(0, 0)) * (X(1, 1) - X(0, 1));
    if (area < 0) std::swap(v[1], v[2]);
  } else {  // convex quad: order by angle around the centroid
    double cx = 0, cy = 0;
    for (int i = 0; i < k; ++i) cx += X(i, 0) / k, cy += X(i, 1) / k;
    std::vector<std::pair<double, PetscInt>> a;
    for (int i = 0; i < k; ++i) a.emplace_back(std::atan2(X(i, 1) - cy, X(i, 0) - cx), v[i]);
    std::sort(a.begin(), a.end());
    for (int i = 0; i < k; ++i) v[i] = a[i].second;
  }
  std::rotate(v, std::min_element(v, v + k), v + k);
}

}  // namespace

void writePlotFields(const std::string& path,
                     const std::vector<std::pair<std::string, Vec>>& fields) {
  require(!fields.empty(), "writePlotFields '" + path + "': no fields given");
  MPI_Comm comm = PetscObjectComm(reinterpret_cast<PetscObject>(fields.front().second));
  std::set<std::string> names;
  for (const auto& [name, v] : fields) {
    require(!name.empty() && name.find('/') == std::string::npos,
            "writePlotFields: field name '" + name + "' must be non-empty and without '/'");
    require(names.insert(name).second, "writePlotFields: field '" + name + "' given twice");
  }

  // 1. The mesh (of the first field) and where each field lives.
  std::vector<Field> fs(fields.size());
  DM dm = nullptr;
  PDEINV_CALL(VecGetDM(fields.front().second, &dm));
  require(dm != nullptr, "writePlotFields: field '" + fields.front().first +
                             "' is not a FunctionSpace vector (no DM)");
  PetscInt dimP = 0, vStart = 0, vEnd = 0, cStart = 0, cEnd = 0;
  PDEINV_CALL(DMGetDimension(dm, &dimP));
  const int dim = static_cast<int>(dimP);
  require(dim == 2 || dim == 3, "writePlotFields: only 2-D and 3-D meshes");
  PDEINV_CALL(DMPlexGetDepthStratum(dm, 0, &vStart, &vEnd));
  PDEINV_CALL(DMPlexGetHeightStratum(dm, 0, &cStart, &cEnd));
  for (size_t i = 0; i < fields.size(); ++i) {
    describe(fs[i], fields[i].first, fields[i].second, dim);
    PetscInt a = 0, b = 0, c = 0, d = 0;
    PDEINV_CALL(DMPlexGetDepthStratum(fs[i].dm, 0, &a, &b));
    PDEINV_CALL(DMPlexGetHeightStratum(fs[i].dm, 0, &c, &d));
    require(allMin(comm, a == vStart && b == vEnd && c == cStart && d == cEnd),
            "writePlotFields: field '" + fs[i].name + "' is on a different mesh than '" +
                fs[0].name + "'");
  }
  int vertexValues = 0, cellValues = 0;  // values per vertex / per cell, all fields
  for (auto& f : fs) (f.perCell ? cellValues : vertexValues) += f.components;
  for (auto& f : fs) PDEINV_CALL(VecGetArrayRead(f.local, &f.values));

  // 2. This rank's owned vertices (global number, coordinates, values) and cells (corners as
  //    global vertex numbers, values).
  IS vertexNumbers = nullptr, cellNumbers = nullptr;
  PDEINV_CALL(DMPlexGetVertexNumbering(dm, &vertexNumbers));
  PDEINV_CALL(DMPlexGetCellNumbering(dm, &cellNumbers));
  const PetscInt *vnum = nullptr, *cnum = nullptr;
  PDEINV_CALL(ISGetIndices(vertexNumbers, &vnum));
  PDEINV_CALL(ISGetIndices(cellNumbers, &cnum));
  Vec coords = nullptr;
  PetscSection coordSection = nullptr;
  PDEINV_CALL(DMGetCoordinatesLocal(dm, &coords));
  PDEINV_CALL(DMGetCoordinateSection(dm, &coordSection));
  const PetscScalar* x = nullptr;
  PDEINV_CALL(VecGetArrayRead(coords, &x));

  const auto global = [&](PetscInt v) {
    const PetscInt g = vnum[v - vStart];
    return g < 0 ? -(g + 1) : g;
  };
  std::vector<PetscInt> myVertexIds, myCorners;
  std::vector<PetscReal> myVertexData, myCellData;
  for (PetscInt v = vStart; v < vEnd; ++v) {
    if (vnum[v - vStart] < 0) continue;  // owned by another rank
    myVertexIds.push_back(vnum[v - vStart]);
    PetscInt off = 0;
    PDEINV_CALL(PetscSectionGetOffset(coordSection, v, &off));
    for (int d = 0; d < dim; ++d) myVertexData.push_back(PetscRealPart(x[off + d]));
    for (const auto& f : fs) {
      if (f.perCell) continue;
      PDEINV_CALL(PetscSectionGetOffset(f.section, v, &off));
      for (int k = 0; k < f.components; ++k)
        myVertexData.push_back(PetscRealPart(f.values[off + k]));
    }
  }
  int corners = -1;
  for (PetscInt c = cStart; c < cEnd; ++c) {
    if (cnum[c - cStart] < 0) continue;  // overlap cell owned by another rank
    PetscInt n = 0, *closure = nullptr;
    PDEINV_CALL(DMPlexGetTransitiveClosure(dm, c, PETSC_TRUE, &n, &closure));
    int k = 0;
    for (PetscInt i = 0; i < 2 * n; i += 2) {
      if (closure[i] >= vStart && closure[i] < vEnd) myCorners.push_back(global(closure[i])), ++k;
    }
    PDEINV_CALL(DMPlexRestoreTransitiveClosure(dm, c, PETSC_TRUE, &n, &closure));
    if (corners < 0) corners = k;
    if (corners != k) corners = 0;  // mixed cell types
    for (const auto& f : fs) {
      if (!f.perCell) continue;
      PetscInt off = 0;
      PDEINV_CALL(PetscSectionGetOffset(f.section, c, &off));
      for (int j = 0; j < f.components; ++j) myCellData.push_back(PetscRealPart(f.values[off + j]));
    }
  }
  PDEINV_CALL(VecRestoreArrayRead(coords, &x));
  PDEINV_CALL(ISRestoreIndices(vertexNumbers, &vnum));
  PDEINV_CALL(ISRestoreIndices(cellNumbers, &cnum));
  for (auto& f : fs) PDEINV_CALL(VecRestoreArrayRead(f.local, &f.values));
  int kmax = corners, kmin = corners < 0 ? 1 << 20 : corners;
  MPI_Allreduce(MPI_IN_PLACE, &kmax, 1, MPI_INT, MPI_MAX, comm);
  MPI_Allreduce(MPI_IN_PLACE, &kmin, 1, MPI_INT, MPI_MIN, comm);
  require(kmin == kmax && kmax > 0, "writePlotFields: the mesh mixes cell types");
  const int k = kmax;

  // 3. Everything on rank 0.
  const auto vertexIds = gather(comm, myVertexIds, MPIU_INT);
  const auto vertexData = gather(comm, myVertexData, MPIU_REAL);
  auto cellCorners = gather(comm, myCorners, MPIU_INT);
  const auto cellData = gather(comm, myCellData, MPIU_REAL);

  std::string problem;
  if (rankOf(comm) == 0) {
    // Vertices in coordinate order; cells renumbered, oriented and sorted.
    const size_t nv = vertexIds.size(), nc = cellCorners.size() / k;
    const size_t vstride = dim + vertexValues;
    std::vector<size_t> row(nv);  // row of vertex data by global number
    for (size_t i = 0; i < nv; ++i) row[static_cast<size_t>(vertexIds[i])] = i;
    std::vector<PetscInt> order(nv);  // global numbers sorted by coordinates
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](PetscInt a, PetscInt b) {
      const double* xa = &vertexData[row[a] * vstride];
      const double* xb = &vertexData[row[b] * vstride];
      return std::lexicographical_compare(xa, xa + dim, xb, xb + dim);
    });
    std::vector<PetscInt> newIndex(nv);
    for (size_t i = 0; i < nv; ++i)
      newIndex[static_cast<size_t>(order[i])] = static_cast<PetscInt>(i);
    std::vector<double> xyz(nv * dim);
    std::vector<std::vector<PetscScalar>> vvals;
    for (const auto& f : fs)
      if (!f.perCell) vvals.emplace_back(nv * f.components);
    for (size_t i = 0; i < nv; ++i) {
      const double* r = &vertexData[row[static_cast<size_t>(order[i])] * vstride];
      std::copy(r, r + dim, &xyz[i * dim]);
      size_t col = dim, fi = 0;
      for (const auto& f : fs) {
        if (f.perCell) continue;
        for (int j = 0; j < f.components; ++j) vvals[fi][i * f.components + j] = r[col++];
        ++fi;
      }
    }
    for (auto& g : cellCorners) g = newIndex[static_cast<size_t>(g)];
    if (dim == 2) {
      for (size_t c = 0; c < nc; ++c) orient2d(&cellCorners[c * k], k, xyz);
    }
    std::vector<size_t> corder(nc);
    std::iota(corder.begin(), corder.end(), 0);
    std::sort(corder.begin(), corder.end(), [&](size_t a, size_t b) {
      return std::lexicographical_compare(&cellCorners[a * k], &cellCorners[a * k] + k,
                                          &cellCorners[b * k], &cellCorners[b * k] + k);
    });
    std::vector<PetscInt> cells(nc * k);
    std::vector<std::vector<PetscScalar>> cvals;
    for (const auto& f : fs)
      if (f.perCell) cvals.emplace_back(nc * f.components);
    for (size_t i = 0; i < nc; ++i) {
      const size_t c = corder[i];
      std::copy(&cellCorners[c * k], &cellCorners[c * k] + k, &cells[i * k]);
      size_t col = 0, fi = 0;
      for (const auto& f : fs) {
        if (!f.perCell) continue;
        for (int j = 0; j < f.components; ++j)
          cvals[fi][i * f.components + j] = cellData[c * cellValues + col++];
        ++fi;
      }
    }

    // The file.
    if (!std::ofstream(path)) {
      problem = "cannot write plot data file '" + path + "' (no such directory or not writable)";
    } else {
      try {
        Owned<PetscViewer> viewer;
        PDEINV_CALL(
            PetscViewerHDF5Open(PETSC_COMM_SELF, path.c_str(), FILE_MODE_WRITE, viewer.out()));
        const auto writeVec = [&](const std::string& name, int bs, std::vector<PetscScalar>& a) {
          Owned<Vec> v;
          PDEINV_CALL(VecCreateSeqWithArray(PETSC_COMM_SELF, bs, static_cast<PetscInt>(a.size()),
                                            a.data(), v.out()));
          PDEINV_CALL(PetscObjectSetName(reinterpret_cast<PetscObject>(v.get()), name.c_str()));
          PDEINV_CALL(VecView(v, viewer));
        };
        writeVec("coordinates", dim, xyz);
        Owned<IS> is;
        PDEINV_CALL(ISCreateGeneral(PETSC_COMM_SELF, static_cast<PetscInt>(cells.size()),
                                    cells.data(), PETSC_USE_POINTER, is.out()));
        PDEINV_CALL(ISSetBlockSize(is, k));
        PDEINV_CALL(PetscObjectSetName(reinterpret_cast<PetscObject>(is.get()), "cells"));
        PDEINV_CALL(ISView(is, viewer));
        size_t vi = 0, ci = 0;
        for (const auto& f : fs) {
          PDEINV_CALL(
              PetscViewerHDF5PushGroup(viewer, f.perCell ? "/cell_fields" : "/vertex_fields"));
          writeVec(f.name, f.components, f.perCell ? cvals[ci++] : vvals[vi++]);
          PDEINV_CALL(PetscViewerHDF5PopGroup(viewer));
        }
        PetscInt d = dim, simplex = (dim == 2 && k == 3) || (dim == 3 && k == 4);
        PDEINV_CALL(PetscViewerHDF5WriteAttribute(viewer, "/", "dim", PETSC_INT, &d));
        PDEINV_CALL(PetscViewerHDF5WriteAttribute(viewer, "/", "simplex", PETSC_INT, &simplex));
        PDEINV_CALL(PetscViewerHDF5WriteAttribute(viewer, "/", "format", PETSC_STRING,
                                                  "pdeinv plot fields 1"));
      } catch (const PetscFailure& e) {
        problem = "cannot write plot data file '" + path + "': " + e.what();
      }
    }
  }
  raiseFromRoot(comm, problem);
}

}  // namespace pdeinv

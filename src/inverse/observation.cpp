// Observation operators: point evaluation of the state (points, grid, random, file) and the
// identity on the free dofs (full).
//
// Point evaluation. A point x in cell K with reference coordinates ξ = F_K⁻¹(x) observes
//   u(x) = Σ_b φ_b(ξ) u_K[b]  (component c: Σ_b φ_b,c(ξ) u_K[b]),
// where u_K are the coefficients of K's closure in the local vector. Each rank stacks these rows
// for the points in its own cells into a sparse matrix B_loc (rows = its observations, columns =
// its local dofs), once. Then
//   apply:          obs_loc = B_loc · (G u + b_D)   (G = global→local, Dirichlet values b_D)
//   applyLinear:    obs_loc = B_loc · G du          (constrained dofs are 0)
//   applyTranspose: out = Gᵀ B_locᵀ obs_loc         (Gᵀ = local→global with ADD_VALUES; the
//                                                    constrained dofs have no global entry)
// so ⟨applyLinear(du), w⟩ = ⟨du, applyTranspose(w)⟩ exactly, whatever the partition.
#include "pdeinv/inverse/observation.hpp"

#include <petscdmplex.h>
#include <petscsf.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <random>
#include <sstream>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/resources.hpp"
#include "pdeinv/core/session.hpp"
#include "pdeinv/fem/reference_map.hpp"
#include "pdeinv/inverse/xray.hpp"
#include "point_table.hpp"
#include "sequential_observation.hpp"

namespace pdeinv {
namespace {

using detail::formatPoint;
using detail::Point;

// A point lies in a cell when its reference coordinates are inside the reference cell up to
// this (in reference units, i.e. relative to the cell size); points on faces and on the
// domain boundary are found despite round-off.
constexpr PetscReal kReferenceTolerance = 1e-10;

// ---------------------------------------------------------------------------------------------
// Point location.
//
// Each rank searches only its own cells: cells are binned once by their bounding boxes, and a
// candidate cell is accepted when the point's reference coordinates (Newton on the coordinate
// map x(ξ), exact after one step on affine cells) lie in the reference cell up to a tolerance.
// Why not PETSc's own tools (PETSc 3.18):
//  * DMLocatePoints, without -dm_plex_hash_location (no API setter; it would have to be set
//    through DMSetFromOptions on the shared DM), tests every local cell for every point, and its
//    quadrilateral test (a half-open crossing count) misses points on a cell's upper and right
//    edges, so sensors on the boundary of a box mesh would be "outside the mesh";
//  * DMPlexCoordinatesToReference calls DMPlexGetSimplexOrBoxCells, which re-sorts the
//    cell-type label on every call: measured 4 ms per call on 17k cells, minutes for 10⁴
//    points. ReferenceMap (fem/reference_map.hpp) tabulates the coordinate element directly.
// ---------------------------------------------------------------------------------------------
struct Hit {
  PetscInt cell = -1;
  Point ref{0, 0, 0};
};

class CellLocator {
 public:
  CellLocator(const Mesh& mesh, DM dm, bool simplex) : simplex_(simplex), refMap_(mesh) {
    PetscInt d = 0, cdim = 0;
    PDEINV_CALL(DMGetDimension(dm, &d));
    PDEINV_CALL(DMGetCoordinateDim(dm, &cdim));
    dim_ = static_cast<int>(d);
    if (cdim != d) throw Error("observation points: meshes embedded in a higher dimension");
    PetscInt cStart = 0, cEnd = 0;
    PDEINV_CALL(DMPlexGetHeightStratum(dm, 0, &cStart, &cEnd));
    // Cells that are leaves of the point SF are ghosts (overlap): another rank owns them.
    std::vector<char> ghost(static_cast<size_t>(cEnd - cStart), 0);
    PetscSF sf = nullptr;
    PDEINV_CALL(DMGetPointSF(dm, &sf));
    PetscInt nLeaves = 0;
    const PetscInt* leaves = nullptr;
    PDEINV_CALL(PetscSFGetGraph(sf, nullptr, &nLeaves, &leaves, nullptr));
    for (PetscInt l = 0; l < nLeaves; ++l) {
      const PetscInt p = leaves ? leaves[l] : l;
      if (p >= cStart && p < cEnd) ghost[p - cStart] = 1;
    }

    DM cdm = nullptr;
    PDEINV_CALL(DMGetCoordinateDM(dm, &cdm));
    nb_ = refMap_.coordinateDofs();

    // Each owned cell's coordinate coefficients (closure order, as the element expects) and
    // its bounding box, enlarged a little so that points on its faces fall inside.
    Vec coords = nullptr;
    PetscSection cs = nullptr;
    PDEINV_CALL(DMGetCoordinatesLocal(dm, &coords));
    PDEINV_CALL(DMGetLocalSection(cdm, &cs));
    const PetscScalar* a = nullptr;
    PDEINV_CALL(VecGetArrayRead(coords, &a));
    for (int e = 0; e < dim_; ++e) lo_[e] = PETSC_MAX_REAL, hi_[e] = PETSC_MIN_REAL;
    for (PetscInt c = cStart; c < cEnd; ++c) {
      if (ghost[c - cStart]) continue;
      PetscInt n = 0, *idx = nullptr;
      PDEINV_CALL(DMPlexGetClosureIndices(cdm, cs, cs, c, PETSC_TRUE, &n, &idx, nullptr, nullptr));
      const bool ok = n == nb_;
      for (PetscInt k = 0; ok && k < n; ++k) {
        coeff_.push_back(PetscRealPart(a[idx[k] < 0 ? -(idx[k] + 1) : idx[k]]));
      }
      PDEINV_CALL(
          DMPlexRestoreClosureIndices(cdm, cs, cs, c, PETSC_TRUE, &n, &idx, nullptr, nullptr));
      if (!ok) {
        VecRestoreArrayRead(coords, &a);
        throw InputError("observation points: cell " + std::to_string(c) + " has " +
                         std::to_string(n) + " coordinate dofs, expected " + std::to_string(nb_) +
                         " (mixed or curved meshes are not supported)");
      }
      const PetscReal* X = coeff_.data() + coeff_.size() - nb_;
      std::array<PetscReal, 6> box{};
      for (int e = 0; e < dim_; ++e) box[e] = PETSC_MAX_REAL, box[3 + e] = PETSC_MIN_REAL;
      for (PetscInt k = 0; k < nb_; ++k) {  // node-major, component-minor
        const int e = static_cast<int>(k % dim_);
        box[e] = std::min(box[e], X[k]);
        box[3 + e] = std::max(box[3 + e], X[k]);
      }
      PetscReal diam = 0;
      for (int e = 0; e < dim_; ++e) diam = std::max(diam, box[3 + e] - box[e]);
      for (int e = 0; e < dim_; ++e) {
        box[e] -= 1e-8 * diam;
        box[3 + e] += 1e-8 * diam;
        lo_[e] = std::min(lo_[e], box[e]);
        hi_[e] = std::max(hi_[e], box[3 + e]);
      }
      cells_.push_back(c);
      boxes_.push_back(box);
    }
    PDEINV_CALL(VecRestoreArrayRead(coords, &a));
    buildBins();
  }

  // The owned cell of this rank that contains x (within the tolerance), and x's reference
  // coordinates there; cell = -1 when no owned cell does. Among several (x on a face), the one
  // x is least outside of, the first on ties.
  Hit locate(const Point& x) const {
    Hit best;
    if (cells_.empty()) return best;
    std::array<PetscInt, 3> b{0, 0, 0};
    for (int e = 0; e < dim_; ++e) {
      if (x[e] < lo_[e] || x[e] > hi_[e]) return best;
      b[e] = bin(x[e], e);
    }
    const PetscInt flat = (b[2] * nb3_[1] + b[1]) * nb3_[0] + b[0];
    PetscReal bestViolation = PETSC_MAX_REAL;
    for (PetscInt k = binStart_[flat]; k < binStart_[flat + 1]; ++k) {
      const PetscInt i = binCells_[k];
      const auto& box = boxes_[i];
      bool inBox = true;
      for (int e = 0; e < dim_; ++e) inBox = inBox && x[e] >= box[e] && x[e] <= box[3 + e];
      if (!inBox) continue;
      Point ref{0, 0, 0};
      if (!toReference(i, x, ref)) continue;
      const PetscReal v = violation(ref);
      if (v <= kReferenceTolerance && v < bestViolation) {
        bestViolation = v;
        best.cell = cells_[i];
        best.ref = ref;
        if (v == 0) break;
      }
    }
    return best;
  }

 private:
  // ξ with x(ξ) = Σ_b φ_b(ξ) X_b = x (ReferenceMap); false when Newton's method does not
  // converge (then x is far from this cell anyway).
  bool toReference(PetscInt i, const Point& x, Point& ref) const {
    return refMap_.toReference(coeff_.data() + static_cast<size_t>(i) * nb_, x.data(), ref.data());
  }

  // How far ξ lies outside the reference cell ([-1,1]^d, or the simplex with vertices −1 and the
  // unit directions: ξ_e ≥ −1, Σ ξ_e ≤ 2 − d); 0 inside.
  PetscReal violation(const Point& ref) const {
    PetscReal v = 0, sum = 0;
    for (int e = 0; e < dim_; ++e) {
      if (simplex_) {
        v = std::max(v, -1 - ref[e]);
        sum += ref[e];
      } else {
        v = std::max(v, std::abs(ref[e]) - 1);
      }
    }
    if (simplex_) v = std::max(v, sum - (2 - dim_));
    return v;
  }

  PetscInt bin(PetscReal x, int e) const {
    const auto k = static_cast<PetscInt>(std::floor((x - lo_[e]) / h_[e]));
    return std::clamp<PetscInt>(k, 0, nb3_[e] - 1);
  }

  // A uniform grid over the owned cells' bounding box with about one bin per cell; each cell is
  // listed in every bin its (slightly enlarged) bounding box touches. CSR: binStart_, binCells_.
  void buildBins() {
    const auto nCells = static_cast<PetscInt>(cells_.size());
    nb3_ = {1, 1, 1};
    h_ = {1, 1, 1};
    if (nCells == 0) {
      binStart_.assign(2, 0);
      return;
    }
    const auto perDim = std::max<PetscInt>(
        1, static_cast<PetscInt>(std::ceil(std::pow(static_cast<double>(nCells), 1.0 / dim_))));
    for (int e = 0; e < dim_; ++e) {
      nb3_[e] = perDim;
      h_[e] = std::max<PetscReal>((hi_[e] - lo_[e]) / perDim, PETSC_SMALL);
    }
    const PetscInt nBins = nb3_[0] * nb3_[1] * nb3_[2];
    binStart_.assign(nBins + 1, 0);
    auto forEachBin = [&](PetscInt i, const std::function<void(PetscInt)>& f) {
      std::array<PetscInt, 3> b0{0, 0, 0}, b1{0, 0, 0};
      for (int e = 0; e < dim_; ++e) {
        b0[e] = bin(boxes_[i][e], e);
        b1[e] = bin(boxes_[i][3 + e], e);
      }
      for (PetscInt k2 = b0[2]; k2 <= b1[2]; ++k2)
        for (PetscInt k1 = b0[1]; k1 <= b1[1]; ++k1)
          for (PetscInt k0 = b0[0]; k0 <= b1[0]; ++k0) f((k2 * nb3_[1] + k1) * nb3_[0] + k0);
    };
    for (PetscInt i = 0; i < nCells; ++i) forEachBin(i, [&](PetscInt b) { ++binStart_[b + 1]; });
    for (PetscInt b = 0; b < nBins; ++b) binStart_[b + 1] += binStart_[b];
    binCells_.resize(binStart_[nBins]);
    std::vector<PetscInt> fill(binStart_.begin(), binStart_.end() - 1);
    for (PetscInt i = 0; i < nCells; ++i)
      forEachBin(i, [&](PetscInt b) { binCells_[fill[b]++] = i; });
  }

  bool simplex_;
  int dim_ = 0;
  ReferenceMap refMap_;
  PetscInt nb_ = 0;                              // coordinate basis functions per cell
  std::vector<PetscInt> cells_;                  // owned cells
  std::vector<PetscReal> coeff_;                 // nb_ coordinate coefficients per owned cell
  std::vector<std::array<PetscReal, 6>> boxes_;  // lower[3], upper[3]
  std::array<PetscReal, 3> lo_{0, 0, 0}, hi_{0, 0, 0}, h_{1, 1, 1};
  std::array<PetscInt, 3> nb3_{1, 1, 1};
  std::vector<PetscInt> binStart_, binCells_;
};

// Which rank keeps each point: the lowest rank with a cell containing it (size(comm) when no
// rank has one); hits[i] is this rank's cell and reference coordinates for point i. Collective.
struct Location {
  std::vector<int> owner;
  std::vector<Hit> hits;
};
Location locate(const CellLocator& locator, MPI_Comm comm, const std::vector<Point>& points) {
  const int rank = rankOf(comm), size = sizeOf(comm);
  Location loc;
  loc.hits.resize(points.size());
  std::vector<int> mine(points.size(), size);
  for (size_t i = 0; i < points.size(); ++i) {
    loc.hits[i] = locator.locate(points[i]);
    if (loc.hits[i].cell >= 0) mine[i] = rank;
  }
  loc.owner.resize(points.size());
  MPI_Allreduce(mine.data(), loc.owner.data(), static_cast<int>(points.size()), MPI_INT, MPI_MIN,
                comm);
  return loc;
}

// Maps the local part of a distributed vector into a sequential vector for a mat-vec.
class LocalPart {
 public:
  LocalPart(Vec v, Vec seq, bool read) : v_(v), seq_(seq), read_(read) {
    if (read_) {
      PDEINV_CALL(VecGetLocalVectorRead(v_, seq_));
    } else {
      PDEINV_CALL(VecGetLocalVector(v_, seq_));
    }
  }
  ~LocalPart() {
    if (read_) {
      VecRestoreLocalVectorRead(v_, seq_);
    } else {
      VecRestoreLocalVector(v_, seq_);
    }
  }
  LocalPart(const LocalPart&) = delete;
  LocalPart& operator=(const LocalPart&) = delete;

 private:
  Vec v_, seq_;
  bool read_;
};

MPI_Comm commOf(const FunctionSpace& V) {
  return PetscObjectComm(reinterpret_cast<PetscObject>(V.dm()));
}

void checkLocalSize(Vec v, PetscInt expected, const std::string& what) {
  PetscInt n = 0;
  PDEINV_CALL(VecGetLocalSize(v, &n));
  if (n != expected) {
    throw Error("observation operator: " + what + " has local size " + std::to_string(n) +
                ", expected " + std::to_string(expected));
  }
}

// ---------------------------------------------------------------------------------------------
// Point observations.
// ---------------------------------------------------------------------------------------------
class PointObservation final : public ObservationOperator {
 public:
  // where(i) says where point i came from, for messages (" (-obs_points)").
  PointObservation(const FunctionSpace& V, std::string type, std::vector<Point> points,
                   const std::function<std::string(size_t)>& where)
      : V_(&V), type_(std::move(type)), points_(std::move(points)) {
    MPI_Comm comm = commOf(V);
    const int rank = rankOf(comm), size = sizeOf(comm);
    const int dim = V.dim();
    require(!points_.empty(), "observation type '" + type_ + "': no observation points");
    const auto n = static_cast<PetscInt>(points_.size());

    // 1. Locate every point once; a point no rank has is outside the mesh.
    const CellLocator locator(V.mesh(), V.dm(), V.mesh().simplex());
    const Location loc = locate(locator, comm, points_);
    PetscInt outside = 0, first = -1;
    for (PetscInt i = 0; i < n; ++i) {
      if (loc.owner[i] < size) continue;
      if (first < 0) first = i;
      ++outside;
    }
    if (outside) {
      std::string msg = "observation point " + std::to_string(first) + " " +
                        formatPoint(points_[first], dim) + " is outside the mesh" + where(first);
      if (outside > 1) msg += "; " + std::to_string(outside) + " of the points are outside";
      throw InputError(msg);
    }

    // 2. Located order: rank by rank, each rank's points in original order.
    PetscInt nc = 0, nb = 0;
    PDEINV_CALL(PetscFEGetNumComponents(V.fe(), &nc));
    PDEINV_CALL(PetscFEGetDimension(V.fe(), &nb));
    Nc_ = nc;
    std::vector<PetscInt> perRank(size + 1, 0);
    for (PetscInt i = 0; i < n; ++i) ++perRank[loc.owner[i] + 1];
    for (int r = 0; r < size; ++r) perRank[r + 1] += perRank[r];
    locatedToOriginal_.resize(n);
    {
      std::vector<PetscInt> next(perRank.begin(), perRank.end() - 1);
      for (PetscInt i = 0; i < n; ++i) locatedToOriginal_[next[loc.owner[i]]++] = i;
    }
    offset_ = perRank[rank];
    const PetscInt nLocalPoints = perRank[rank + 1] - perRank[rank];
    nLocal_ = nLocalPoints * Nc_;
    counts_.resize(size);
    displs_.resize(size);
    for (int r = 0; r < size; ++r) {
      counts_[r] = static_cast<int>((perRank[r + 1] - perRank[r]) * Nc_);
      displs_[r] = static_cast<int>(perRank[r] * Nc_);
    }

    // 3. Tabulate the state element at this rank's points, in their cells.
    std::vector<PetscReal> ref(static_cast<size_t>(nLocalPoints) * dim);
    std::vector<PetscInt> cells(nLocalPoints);
    for (PetscInt k = 0; k < nLocalPoints; ++k) {
      const Hit& h = loc.hits[locatedToOriginal_[offset_ + k]];
      cells[k] = h.cell;
      for (int e = 0; e < dim; ++e) ref[k * dim + e] = h.ref[e];
    }
    Owned<PetscTabulation> tab;
    if (nLocalPoints > 0) {
      PDEINV_CALL(PetscFECreateTabulation(V.fe(), 1, nLocalPoints, ref.data(), 0, tab.out()));
    }

    // 4. B_loc: row k·Nc + c = component c of the basis functions at point k, in the columns of
    // the cell closure's local offsets (constrained dofs come back as −(offset+1)).
    PDEINV_CALL(DMCreateLocalVector(V.dm(), loc_.out()));
    PetscInt nLocalDofs = 0;
    PDEINV_CALL(VecGetSize(loc_, &nLocalDofs));
    PDEINV_CALL(MatCreateSeqAIJ(PETSC_COMM_SELF, nLocal_, nLocalDofs, nb, nullptr, B_.out()));
    PetscSection section = nullptr;
    PDEINV_CALL(DMGetLocalSection(V.dm(), &section));
    std::vector<PetscInt> cols;
    std::vector<PetscScalar> vals;
    for (PetscInt k = 0; k < nLocalPoints; ++k) {
      PetscInt nIdx = 0, *idx = nullptr;
      PDEINV_CALL(DMPlexGetClosureIndices(V.dm(), section, section, cells[k], PETSC_TRUE, &nIdx,
                                          &idx, nullptr, nullptr));
      if (nIdx != nb) {
        DMPlexRestoreClosureIndices(V.dm(), section, section, cells[k], PETSC_TRUE, &nIdx, &idx,
                                    nullptr, nullptr);
        throw Error("observation operator: cell closure has " + std::to_string(nIdx) +
                    " dofs, the element " + std::to_string(nb));
      }
      for (PetscInt c = 0; c < Nc_; ++c) {
        cols.clear();
        vals.clear();
        for (PetscInt b = 0; b < nb; ++b) {
          const PetscReal phi = tab.get()->T[0][(k * nb + b) * Nc_ + c];
          if (phi == 0) continue;  // other components' basis functions, nodes elsewhere
          cols.push_back(idx[b] < 0 ? -(idx[b] + 1) : idx[b]);
          vals.push_back(phi);
        }
        const PetscInt row = k * Nc_ + c;
        PDEINV_CALL(MatSetValues(B_, 1, &row, static_cast<PetscInt>(cols.size()), cols.data(),
                                 vals.data(), ADD_VALUES));
      }
      PDEINV_CALL(DMPlexRestoreClosureIndices(V.dm(), section, section, cells[k], PETSC_TRUE, &nIdx,
                                              &idx, nullptr, nullptr));
    }
    PDEINV_CALL(MatAssemblyBegin(B_, MAT_FINAL_ASSEMBLY));
    PDEINV_CALL(MatAssemblyEnd(B_, MAT_FINAL_ASSEMBLY));
    PDEINV_CALL(VecCreateSeqWithArray(PETSC_COMM_SELF, 1, nLocal_, nullptr, obsSeq_.out()));
  }

  std::string name() const override { return type_; }
  PetscInt size() const override { return static_cast<PetscInt>(points_.size()) * Nc_; }

  Owned<Vec> createObservationVector() const override {
    Owned<Vec> v;
    PDEINV_CALL(VecCreateMPI(commOf(*V_), nLocal_, size(), v.out()));
    return v;
  }

  void apply(Vec u, Vec obs) const override { multiply(u, obs, true); }
  void applyLinear(Vec du, Vec obs) const override { multiply(du, obs, false); }

  void applyTranspose(Vec obs, Vec out) const override {
    checkLocalSize(obs, nLocal_, "the observation vector");
    {
      LocalPart in(obs, obsSeq_, true);
      PDEINV_CALL(MatMultTranspose(B_, obsSeq_, loc_));
    }
    PDEINV_CALL(VecSet(out, 0.0));
    PDEINV_CALL(DMLocalToGlobal(V_->dm(), loc_, ADD_VALUES, out));
  }

  const std::vector<std::array<PetscReal, 3>>& points() const override { return points_; }

  void fromOriginalOrder(const std::vector<PetscReal>& values, Vec obs) const override {
    require(values.size() == static_cast<size_t>(size()),
            "observations (" + type_ + "): " + std::to_string(values.size()) +
                " values given for " + std::to_string(size()) + " observations");
    checkLocalSize(obs, nLocal_, "the observation vector");
    PetscScalar* a = nullptr;
    PDEINV_CALL(VecGetArray(obs, &a));
    for (PetscInt k = 0; k < nLocal_ / Nc_; ++k) {
      const PetscInt i = locatedToOriginal_[offset_ + k];
      for (PetscInt c = 0; c < Nc_; ++c) a[k * Nc_ + c] = values[i * Nc_ + c];
    }
    PDEINV_CALL(VecRestoreArray(obs, &a));
  }

  std::vector<PetscReal> toOriginalOrder(Vec obs) const override {
    checkLocalSize(obs, nLocal_, "the observation vector");
    std::vector<PetscScalar> located(size());
    const PetscScalar* a = nullptr;
    PDEINV_CALL(VecGetArrayRead(obs, &a));
    MPI_Allgatherv(a, static_cast<int>(nLocal_), MPIU_SCALAR, located.data(), counts_.data(),
                   displs_.data(), MPIU_SCALAR, commOf(*V_));
    PDEINV_CALL(VecRestoreArrayRead(obs, &a));
    std::vector<PetscReal> out(size());
    for (size_t l = 0; l < locatedToOriginal_.size(); ++l) {
      for (PetscInt c = 0; c < Nc_; ++c) {
        out[locatedToOriginal_[l] * Nc_ + c] = PetscRealPart(located[l * Nc_ + c]);
      }
    }
    return out;
  }

 private:
  void multiply(Vec u, Vec obs, bool insertBC) const {
    checkLocalSize(obs, nLocal_, "the observation vector");
    V_->globalToLocal(u, loc_, insertBC);
    LocalPart out(obs, obsSeq_, false);
    PDEINV_CALL(MatMult(B_, loc_, obsSeq_));
  }

  const FunctionSpace* V_;
  std::string type_;
  std::vector<Point> points_;
  PetscInt Nc_ = 1;
  PetscInt nLocal_ = 0;  // observations on this rank
  PetscInt offset_ = 0;  // this rank's first point in located order
  std::vector<PetscInt> locatedToOriginal_;
  std::vector<int> counts_, displs_;  // observations per rank, for gathers
  Owned<Mat> B_;
  mutable Owned<Vec> loc_;     // the state's local vector (work)
  mutable Owned<Vec> obsSeq_;  // this rank's observations as a sequential vector (work)
};

// ---------------------------------------------------------------------------------------------
// Full observation: B = I on the free dofs.
// ---------------------------------------------------------------------------------------------
class FullObservation final : public detail::SequentialObservation {
 public:
  explicit FullObservation(const FunctionSpace& V)
      : SequentialObservation(commOf(V), localSizeOf(V)) {}
  std::string name() const override { return "full"; }
  void apply(Vec u, Vec obs) const override { copy(u, obs); }
  void applyLinear(Vec du, Vec obs) const override { copy(du, obs); }
  void applyTranspose(Vec obs, Vec out) const override { copy(obs, out); }

 private:
  static PetscInt localSizeOf(const FunctionSpace& V) {
    auto u = V.createVector();
    PetscInt n = 0;
    PDEINV_CALL(VecGetLocalSize(u, &n));
    return n;
  }
  void copy(Vec from, Vec to) const {
    checkObservationVector(from, "the input vector");
    checkObservationVector(to, "the output vector");
    PDEINV_CALL(VecCopy(from, to));
  }
};

// ---------------------------------------------------------------------------------------------
// Factories: where the points come from.
// ---------------------------------------------------------------------------------------------
std::function<std::string(size_t)> fromOption(const std::string& flag) {
  return [flag](size_t) { return " (" + flag + ")"; };
}

}  // namespace

std::unique_ptr<ObservationOperator> makePointObservation(const FunctionSpace& V,
                                                          const std::vector<Point>& points,
                                                          const std::string& what) {
  return std::make_unique<PointObservation>(V, "points", points,
                                            [what](size_t) { return " (" + what + ")"; });
}

namespace {

std::unique_ptr<ObservationOperator> makePoints(const FunctionSpace& V, const Options& opts) {
  const int dim = V.dim();
  const auto flag = opts.flag("points");
  const auto xs =
      opts.getRealArray("points", {}, "observation points x1,y1[,z1],x2,y2,... (-obs_type points)");
  require(!xs.empty(), "observation type 'points' needs " + flag + " x1,y1[,z1],x2,y2,...");
  require(xs.size() % dim == 0, flag + " has " + std::to_string(xs.size()) +
                                    " numbers, not a multiple of the mesh dimension " +
                                    std::to_string(dim));
  std::vector<Point> points(xs.size() / dim, Point{0, 0, 0});
  for (size_t i = 0; i < xs.size(); ++i) points[i / dim][i % dim] = xs[i];
  return std::make_unique<PointObservation>(V, "points", std::move(points), fromOption(flag));
}

// The mesh's bounding box (collective).
void boundingBox(const FunctionSpace& V, std::vector<PetscReal>& lo, std::vector<PetscReal>& hi) {
  PetscReal gmin[3] = {0, 0, 0}, gmax[3] = {0, 0, 0};
  PDEINV_CALL(DMGetBoundingBox(V.dm(), gmin, gmax));
  lo.assign(gmin, gmin + V.dim());
  hi.assign(gmax, gmax + V.dim());
}

// Refuses a point count that cannot be held (about 200 bytes per point: its coordinates, its
// cell and basis values, its place in the observation vector) before making the points.
void requirePointCount(const FunctionSpace& V, double points, const std::string& flag) {
  char what[128];
  std::snprintf(what, sizeof what, "%s (%.3g observation points)", flag.c_str(), points);
  require(points < 2e9, std::string(what) + " is beyond PETSc's 32-bit indices");
  requireFits(V.mesh().comm(), 200.0 * points, what);
}

std::unique_ptr<ObservationOperator> makeGrid(const FunctionSpace& V, const Options& opts) {
  const int dim = V.dim();
  const auto flag = opts.flag("grid");
  const auto counts = opts.getIntArray("grid", {}, "sensor grid nx,ny[,nz] (-obs_type grid)");
  require(counts.size() == static_cast<size_t>(dim),
          "observation type 'grid' needs " + flag + " with " + std::to_string(dim) +
              " point counts (one per dimension), got " + std::to_string(counts.size()));
  double total = 1;
  for (PetscInt c : counts) {
    require(c >= 1, flag + " counts must be at least 1");
    total *= static_cast<double>(c);
  }
  requirePointCount(V, total, flag);
  std::vector<PetscReal> lo, hi;
  boundingBox(V, lo, hi);
  std::vector<PetscReal> defLo(dim), defHi(dim);
  for (int e = 0; e < dim; ++e) {
    defLo[e] = lo[e] + 0.05 * (hi[e] - lo[e]);
    defHi[e] = hi[e] - 0.05 * (hi[e] - lo[e]);
  }
  const auto lower = opts.getRealArray(
      "grid_lower", defLo, "lower grid corner (default: mesh bounding box shrunk by 5%)");
  const auto upper = opts.getRealArray(
      "grid_upper", defHi, "upper grid corner (default: mesh bounding box shrunk by 5%)");
  require(lower.size() == static_cast<size_t>(dim) && upper.size() == static_cast<size_t>(dim),
          opts.flag("grid_lower") + " and " + opts.flag("grid_upper") + " need " +
              std::to_string(dim) + " coordinates each");
  for (int e = 0; e < dim; ++e) {
    require(upper[e] >= lower[e], opts.flag("grid_upper") + " must not be below " +
                                      opts.flag("grid_lower") + " in any coordinate");
  }
  // x fastest; one point per direction sits in the middle of the range.
  std::vector<Point> points;
  const PetscInt nz = dim > 2 ? counts[2] : 1, ny = dim > 1 ? counts[1] : 1;
  for (PetscInt k = 0; k < nz; ++k)
    for (PetscInt j = 0; j < ny; ++j)
      for (PetscInt i = 0; i < counts[0]; ++i) {
        Point p{0, 0, 0};
        const PetscInt ijk[3] = {i, j, k};
        for (int e = 0; e < dim; ++e) {
          p[e] = counts[e] == 1
                     ? 0.5 * (lower[e] + upper[e])
                     : lower[e] + (upper[e] - lower[e]) * static_cast<PetscReal>(ijk[e]) /
                                      static_cast<PetscReal>(counts[e] - 1);
        }
        points.push_back(p);
      }
  return std::make_unique<PointObservation>(V, "grid", std::move(points), fromOption(flag));
}

std::unique_ptr<ObservationOperator> makeRandom(const FunctionSpace& V, const Options& opts) {
  const int dim = V.dim();
  const auto flag = opts.flag("random");
  const PetscInt n = opts.getInt(
      "random", 0, "number of random observation points in the mesh (-obs_type random)");
  const PetscInt seed = opts.getInt("seed", 0, "seed of the random observation points");
  require(n >= 1, "observation type 'random' needs " + flag + " n with n ≥ 1");
  requirePointCount(V, static_cast<double>(n), flag);
  require(seed >= 0, opts.flag("seed") + " must be non-negative");
  std::vector<PetscReal> lo, hi;
  boundingBox(V, lo, hi);
  lo = opts.getRealArray("random_lower", lo,
                         "lower corner of the box random points are drawn in (default: the mesh's "
                         "bounding box)");
  hi = opts.getRealArray("random_upper", hi,
                         "upper corner of the box random points are drawn in (default: the mesh's "
                         "bounding box)");
  require(lo.size() == static_cast<size_t>(dim) && hi.size() == static_cast<size_t>(dim),
          opts.flag("random_lower") + " and " + opts.flag("random_upper") + " need " +
              std::to_string(dim) + " coordinates each");
  for (int e = 0; e < dim; ++e) {
    require(std::isfinite(lo[e]) && std::isfinite(hi[e]) && hi[e] > lo[e],
            opts.flag("random_upper") + " must lie above " + opts.flag("random_lower") +
                " in every coordinate");
  }
  // Every rank draws the same sequence (std::mt19937_64 is specified exactly, and the doubles
  // are made from its bits here rather than by a library distribution), and a draw is kept
  // when some rank's cell holds it, so the points do not depend on the number of ranks:
  // uniform in the bounding box, x then y then z per point, the first n inside the mesh.
  std::mt19937_64 gen(static_cast<std::uint64_t>(seed));
  auto uniform = [&] { return static_cast<PetscReal>(gen() >> 11) * 0x1.0p-53; };
  const CellLocator locator(V.mesh(), V.dm(), V.mesh().simplex());
  MPI_Comm comm = commOf(V);
  const PetscInt cap = 1000 * n + 10000;
  std::vector<Point> kept;
  PetscInt drawn = 0;
  while (static_cast<PetscInt>(kept.size()) < n) {
    if (drawn >= cap) {
      throw InputError(flag + " " + std::to_string(n) + ": only " + std::to_string(kept.size()) +
                       " of " + std::to_string(drawn) +
                       " uniform draws in the mesh's bounding box fell inside the mesh");
    }
    const PetscInt batch =
        std::min(cap - drawn, std::max<PetscInt>(64, 2 * (n - static_cast<PetscInt>(kept.size()))));
    std::vector<Point> candidates(batch, Point{0, 0, 0});
    for (auto& p : candidates)
      for (int e = 0; e < dim; ++e) p[e] = lo[e] + uniform() * (hi[e] - lo[e]);
    drawn += batch;
    const Location loc = locate(locator, comm, candidates);
    const int size = sizeOf(comm);
    for (PetscInt i = 0; i < batch && static_cast<PetscInt>(kept.size()) < n; ++i) {
      if (loc.owner[i] < size) kept.push_back(candidates[i]);
    }
  }
  return std::make_unique<PointObservation>(V, "random", std::move(kept), fromOption(flag));
}

std::unique_ptr<ObservationOperator> makeFile(const FunctionSpace& V, const Options& opts) {
  const auto flag = opts.flag("file");
  const auto path =
      opts.findString("file",
                      "sensor file: CSV x,y[,z] per line, or .h5 with dataset 'points' "
                      "(-obs_type file)");
  require(path.has_value() && !path->empty(),
          "observation type 'file' needs " + flag + " <sensors.csv>");
  auto table =
      detail::readPointTable(commOf(V), *path, V.dim(), false, "sensor file (" + flag + ")");
  auto origins = table.origins;
  auto where = [path = *path, origins](size_t i) { return " ('" + path + "' " + origins[i] + ")"; };
  return std::make_unique<PointObservation>(V, "file", std::move(table.points), where);
}

// With -help, every observation option is listed, not only those of the chosen type.
void listAllOptions(const FunctionSpace& V, const Options& opts) {
  std::vector<PetscReal> lo, hi;
  boundingBox(V, lo, hi);
  (void)opts.getRealArray("points", {},
                          "observation points x1,y1[,z1],x2,y2,... (-obs_type points)");
  (void)opts.getIntArray("grid", {}, "sensor grid nx,ny[,nz] (-obs_type grid)");
  for (int e = 0; e < V.dim(); ++e) {
    const PetscReal w = hi[e] - lo[e];
    lo[e] += 0.05 * w;
    hi[e] -= 0.05 * w;
  }
  (void)opts.getRealArray("grid_lower", lo,
                          "lower grid corner (default: mesh bounding box shrunk by 5%)");
  (void)opts.getRealArray("grid_upper", hi,
                          "upper grid corner (default: mesh bounding box shrunk by 5%)");
  (void)opts.getInt("random", 0,
                    "number of random observation points in the mesh (-obs_type random)");
  (void)opts.getInt("seed", 0, "seed of the random observation points");
  (void)opts.getRealArray("random_lower", {},
                          "lower corner of the box random points are drawn in (default: the "
                          "mesh's bounding box)");
  (void)opts.getRealArray("random_upper", {},
                          "upper corner of the box random points are drawn in (default: the "
                          "mesh's bounding box)");
  (void)opts.findString("file",
                        "sensor file: CSV x,y[,z] per line, or .h5 with dataset 'points' "
                        "(-obs_type file)");
  (void)XRayGeometry::fromOptions(opts);  // lists the xray options (validated only if chosen)
}

}  // namespace

namespace detail {

SequentialObservation::SequentialObservation(MPI_Comm comm, PetscInt nLocal)
    : comm_(comm), nLocal_(nLocal) {
  const int size = sizeOf(comm);
  counts_.resize(size);
  displs_.resize(size);
  const int mine = static_cast<int>(nLocal_);
  MPI_Allgather(&mine, 1, MPI_INT, counts_.data(), 1, MPI_INT, comm);
  for (int r = 1; r < size; ++r) displs_[r] = displs_[r - 1] + counts_[r - 1];
  n_ = displs_[size - 1] + counts_[size - 1];
}

Owned<Vec> SequentialObservation::createObservationVector() const {
  Owned<Vec> v;
  PDEINV_CALL(VecCreateMPI(comm_, nLocal_, n_, v.out()));
  return v;
}

void SequentialObservation::checkObservationVector(Vec v, const std::string& what) const {
  checkLocalSize(v, nLocal_, what);
}

void SequentialObservation::fromOriginalOrder(const std::vector<PetscReal>& values, Vec obs) const {
  require(values.size() == static_cast<size_t>(n_),
          "observations (" + name() + "): " + std::to_string(values.size()) + " values given for " +
              std::to_string(n_) + " observations");
  checkLocalSize(obs, nLocal_, "the observation vector");
  PetscInt start = 0;
  PDEINV_CALL(VecGetOwnershipRange(obs, &start, nullptr));
  PetscScalar* a = nullptr;
  PDEINV_CALL(VecGetArray(obs, &a));
  for (PetscInt k = 0; k < nLocal_; ++k) a[k] = values[start + k];
  PDEINV_CALL(VecRestoreArray(obs, &a));
}

std::vector<PetscReal> SequentialObservation::toOriginalOrder(Vec obs) const {
  checkLocalSize(obs, nLocal_, "the observation vector");
  std::vector<PetscScalar> all(n_);
  const PetscScalar* a = nullptr;
  PDEINV_CALL(VecGetArrayRead(obs, &a));
  MPI_Allgatherv(a, static_cast<int>(nLocal_), MPIU_SCALAR, all.data(), counts_.data(),
                 displs_.data(), MPIU_SCALAR, comm_);
  PDEINV_CALL(VecRestoreArrayRead(obs, &a));
  std::vector<PetscReal> out(n_);
  for (PetscInt i = 0; i < n_; ++i) out[i] = PetscRealPart(all[i]);
  return out;
}

}  // namespace detail

ObservationRegistry& observationRegistry() {
  static ObservationRegistry registry = [] {
    ObservationRegistry r("observation type", "-obs_type");
    r.add("points", makePoints, "explicit points: -obs_points x1,y1[,z1],x2,y2,...");
    r.add("grid", makeGrid, "regular grid: -obs_grid nx,ny[,nz], -obs_grid_lower, -obs_grid_upper");
    r.add("random", makeRandom, "n random points in the mesh: -obs_random n, -obs_seed s");
    r.add("file", makeFile, "points from a file: -obs_file sensors.csv");
    r.add(
        "full",
        [](const FunctionSpace& V, const Options&) -> std::unique_ptr<ObservationOperator> {
          return std::make_unique<FullObservation>(V);
        },
        "every free state dof (B = I)");
    r.add(
        "xray",
        [](const FunctionSpace& V, const Options& o) {
          return makeXRayObservation(V, XRayGeometry::fromOptions(o));
        },
        "parallel-beam X-ray transform (CT): -obs_xray_angles k, -obs_xray_bins n, "
        "-obs_xray_range deg, -obs_xray_photons I0");
    return r;
  }();
  return registry;
}

std::unique_ptr<ObservationOperator> observationFromOptions(const FunctionSpace& state,
                                                            const Options& opts) {
  std::string available;
  for (const auto& n : observationRegistry().names())
    available += (available.empty() ? "" : ", ") + n;
  const auto type = opts.getString("type", "points", "observation operator: " + available);
  PetscBool help = PETSC_FALSE;
  PDEINV_CALL(PetscOptionsHasName(nullptr, nullptr, "-help", &help));
  if (help) listAllOptions(state, opts);
  return observationRegistry().create(type, state, opts);
}

}  // namespace pdeinv

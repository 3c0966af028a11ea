#include "pdeinv/mesh/validate.hpp"

#include <petscdmplex.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <utility>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/handle.hpp"
#include "pdeinv/core/session.hpp"

namespace pdeinv {

namespace {

// ---- the gmsh file, read by ourselves ----

// Whitespace-separated words of a file held in memory, read as PETSc's ASCII reader reads them
// (it too ignores line breaks).
class Words {
 public:
  explicit Words(const std::string& text) : s_(text) {}
  std::string_view next() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    const size_t begin = pos_;
    while (pos_ < s_.size() && !std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    return std::string_view(s_).substr(begin, pos_ - begin);
  }
  // The text is one NUL-terminated string, so strtoll/strtod stop at the word's end.
  bool integer(long long& v) {
    const auto w = next();
    char* end = nullptr;
    v = std::strtoll(w.data(), &end, 10);
    return !w.empty() && end == w.data() + w.size();
  }
  size_t leftChars() const { return s_.size() - pos_; }
  bool real(double& v) {
    const auto w = next();
    char* end = nullptr;
    v = std::strtod(w.data(), &end);
    return !w.empty() && end == w.data() + w.size();
  }

 private:
  const std::string& s_;
  size_t pos_ = 0;
};

// The element shapes of PETSc's gmsh reader, in the order in which it numbers the cells of the
// top dimension: by shape (tetrahedra, hexahedra, prisms, pyramids; triangles, quadrilaterals),
// in file order within a shape.
enum Shape { kTet, kHex, kPrism, kPyramid, kTriangle, kQuad, kSegment, kPoint, kNumShapes };
constexpr int kShapeDim[kNumShapes] = {3, 3, 3, 3, 2, 2, 1, 0};

struct ElementType {
  Shape shape;
  int nodes;
};

// Nodes of a Lagrange element of the shape and order (gmsh's complete elements).
int lagrangeNodes(Shape s, int p) {
  switch (s) {
    case kPoint:
      return 1;
    case kSegment:
      return p + 1;
    case kTriangle:
      return (p + 1) * (p + 2) / 2;
    case kQuad:
      return (p + 1) * (p + 1);
    case kTet:
      return (p + 1) * (p + 2) * (p + 3) / 6;
    case kHex:
      return (p + 1) * (p + 1) * (p + 1);
    case kPrism:
      return (p + 1) * (p + 1) * (p + 2) / 2;
    case kPyramid:
      return (p + 1) * (p + 2) * (2 * p + 3) / 6;
    default:
      return 0;
  }
}

// The gmsh element types PETSc's reader accepts (its GmshCellTable); any other is left to PETSc
// to refuse.
std::optional<ElementType> elementType(long long type) {
  struct Family {
    Shape shape;
    std::array<int, 10> types;  // of orders 1, 2, ...; 0 = none
  };
  static const Family families[] = {
      {kSegment, {1, 8, 26, 27, 28, 62, 63, 64, 65, 66}},
      {kTriangle, {2, 9, 21, 23, 25, 42, 43, 44, 45, 46}},
      {kQuad, {3, 10, 36, 37, 38, 47, 48, 49, 50, 51}},
      {kTet, {4, 11, 29, 30, 31, 71, 72, 73, 74, 75}},
      {kHex, {5, 12, 92, 93, 94, 95, 96, 97, 98, 0}},
      {kPrism, {6, 13, 90, 91, 106, 107, 108, 109, 110, 0}},
      {kPyramid, {7, 14, 118, 119, 120, 121, 122, 123, 124, 0}},
  };
  if (type == 15) return ElementType{kPoint, 1};
  if (type == 16) return ElementType{kQuad, 8};  // serendipity
  if (type == 17) return ElementType{kHex, 20};
  for (const auto& f : families) {
    for (int k = 0; k < 10; ++k) {
      if (f.types[k] != 0 && f.types[k] == type) {
        return ElementType{f.shape, lagrangeNodes(f.shape, k + 1)};
      }
    }
  }
  return std::nullopt;
}

// The node tags of $Nodes: a bitmap when they are dense (gmsh numbers 1..n), else sorted.
class NodeTags {
 public:
  void build(std::vector<long long> tags) {
    if (tags.empty()) return;
    const auto [lo, hi] = std::minmax_element(tags.begin(), tags.end());
    lo_ = *lo;
    if (static_cast<unsigned long long>(*hi - *lo) < 8 * tags.size() + 64) {
      present_.assign(static_cast<size_t>(*hi - *lo) + 1, 0);
      for (long long t : tags) present_[static_cast<size_t>(t - lo_)] = 1;
    } else {
      std::sort(tags.begin(), tags.end());
      sorted_ = std::move(tags);
    }
  }
  bool contains(long long t) const {
    if (!present_.empty()) {
      return t >= lo_ && static_cast<unsigned long long>(t - lo_) < present_.size() &&
             present_[static_cast<size_t>(t - lo_)];
    }
    return std::binary_search(sorted_.begin(), sorted_.end(), t);
  }

 private:
  long long lo_ = 0;
  std::vector<char> present_;
  std::vector<long long> sorted_;
};

std::string coordinateProblem(double x) {
  if (!std::isfinite(x)) return "a non-finite coordinate (" + realText(x) + ")";
  if (std::abs(x) > kMaxMeshCoordinate) {
    return "the coordinate " + realText(x) +
           ", beyond the bound |x| <= " + realText(kMaxMeshCoordinate);
  }
  return {};
}

// One pass over the file. run() and each section return false where the file does not parse as
// expected (PETSc's reader reports that); at the first bad reference or coordinate they set
// out.problem and stop, returning true.
class GmshScanner {
 public:
  GmshScanner(const std::string& text, GmshScan& out) : w_(text), out_(out) {}

  bool run() {
    double version = 0;
    long long fileType = 0, dataSize = 0;
    if (w_.next() != "$MeshFormat" || !w_.real(version) || !w_.integer(fileType) ||
        !w_.integer(dataSize)) {
      return false;
    }
    // PETSc's own test of the version (it reads it as a float).
    v41_ = std::lround(version * 10) == 41;
    if (!(v41_ || std::lround(version * 10) == 22) || fileType != 0) return false;
    if (w_.next() != "$EndMeshFormat") return false;
    bool nodes = false, elements = false;
    for (auto section = w_.next(); !section.empty(); section = w_.next()) {
      bool ok = true;
      if (section == "$Entities" && v41_) {
        ok = entitiesRead_ = entities();
      } else if (section == "$Nodes") {
        ok = nodes = v41_ ? nodes41() : nodes22();
      } else if (section == "$Elements") {
        if (!nodes) return false;
        ok = elements = v41_ ? elements41() : elements22();
      } else if (section.size() > 1 && section[0] == '$') {
        const std::string end = "$End" + std::string(section.substr(1));
        auto word = w_.next();
        while (!word.empty() && word != end) word = w_.next();
        ok = !word.empty();
      } else {
        ok = false;
      }
      if (!ok || !out_.problem.empty()) return ok;
    }
    if (!nodes || !elements) return false;
    for (int s = 0; s < kNumShapes; ++s) {
      if (kShapeDim[s] == topDim_ && topDim_ > 0) {
        out_.cellElements.insert(out_.cellElements.end(), ids_[s].begin(), ids_[s].end());
      }
    }
    return true;
  }

 private:
  bool node(long long tag, const double xyz[3]) {
    for (int d = 0; d < 3 && out_.problem.empty(); ++d) {
      const auto p = coordinateProblem(xyz[d]);
      if (!p.empty()) out_.problem = "node " + std::to_string(tag) + " has " + p;
    }
    return out_.problem.empty();
  }

  bool element(long long id, const ElementType& type, const long long* nodes) {
    for (int k = 0; k < type.nodes; ++k) {
      if (!tags_.contains(nodes[k])) {
        out_.problem = "element " + std::to_string(id) + " refers to node " +
                       std::to_string(nodes[k]) + ", which is not in $Nodes";
        return false;
      }
    }
    ids_[type.shape].push_back(static_cast<PetscInt>(id));
    topDim_ = std::max(topDim_, kShapeDim[type.shape]);
    return true;
  }

  // A 4.1 block's entity must exist: PETSc looks it up unchecked.
  bool knownEntity(const char* section, long long dim, long long tag) {
    if (dim >= 0 && dim <= 3 && entities_[dim].count(tag)) return true;
    out_.problem = "a block of " + std::string(section) + " refers to entity " +
                   std::to_string(tag) + " of dimension " + std::to_string(dim) +
                   ", which is not in $Entities";
    return false;
  }

  bool nodes22() {
    long long n = 0, tag = 0;
    if (!w_.integer(n) || n < 0) return false;
    std::vector<long long> tags;
    for (long long i = 0; i < n; ++i) {
      double xyz[3];
      if (!w_.integer(tag) || !w_.real(xyz[0]) || !w_.real(xyz[1]) || !w_.real(xyz[2])) {
        return false;
      }
      if (!node(tag, xyz)) return true;
      tags.push_back(tag);
    }
    tags_.build(std::move(tags));
    return w_.next() == "$EndNodes";
  }

  bool elements22() {
    long long n = 0, head[3];  // id, type, number of tags
    if (!w_.integer(n) || n < 0) return false;
    std::vector<long long> nodes;
    for (long long i = 0; i < n; ++i) {
      if (!w_.integer(head[0]) || !w_.integer(head[1]) || !w_.integer(head[2]) || head[2] < 0) {
        return false;
      }
      const auto type = elementType(head[1]);
      if (!type) return false;
      long long skip = 0;
      for (long long t = 0; t < head[2]; ++t) {
        if (!w_.integer(skip)) return false;
      }
      nodes.resize(type->nodes);
      for (auto& v : nodes) {
        if (!w_.integer(v)) return false;
      }
      if (!element(head[0], *type, nodes.data())) return true;
    }
    return w_.next() == "$EndElements";
  }

  bool entities() {
    long long count[4], tag = 0, n = 0, skip = 0;
    for (auto& c : count) {
      if (!w_.integer(c) || c < 0) return false;
    }
    for (int dim = 0; dim < 4; ++dim) {
      for (long long e = 0; e < count[dim]; ++e) {
        double box[6];
        if (!w_.integer(tag)) return false;
        for (int k = 0; k < (dim == 0 ? 3 : 6); ++k) {
          if (!w_.real(box[k])) return false;
        }
        // Physical tags; then, above points, the bounding entities.
        for (int list = 0; list < (dim == 0 ? 1 : 2); ++list) {
          if (!w_.integer(n) || n < 0) return false;
          for (long long k = 0; k < n; ++k) {
            if (!w_.integer(skip)) return false;
          }
        }
        entities_[dim].insert(tag);
      }
    }
    return w_.next() == "$EndEntities";
  }

  bool nodes41() {
    long long head[4], block[4];  // blocks, nodes, min tag, max tag; dim, entity, parametric, n
    if (!entitiesRead_) return false;
    for (auto& h : head) {
      if (!w_.integer(h)) return false;
    }
    std::vector<long long> tags;
    for (long long b = 0; b < head[0]; ++b) {
      for (auto& h : block) {
        if (!w_.integer(h)) return false;
      }
      if (!knownEntity("$Nodes", block[0], block[1])) return true;
      // PETSc refuses parametric nodes; a count beyond the file's size is a corrupt file.
      if (block[2] != 0 || block[3] < 0 || static_cast<size_t>(block[3]) > w_.leftChars())
        return false;
      const size_t first = tags.size();
      tags.resize(first + static_cast<size_t>(block[3]));
      for (size_t k = first; k < tags.size(); ++k) {
        if (!w_.integer(tags[k])) return false;
      }
      for (size_t k = first; k < tags.size(); ++k) {
        double xyz[3];
        if (!w_.real(xyz[0]) || !w_.real(xyz[1]) || !w_.real(xyz[2])) return false;
        if (!node(tags[k], xyz)) return true;
      }
    }
    tags_.build(std::move(tags));
    return w_.next() == "$EndNodes";
  }

  bool elements41() {
    long long head[4], block[4];  // blocks, elements, min tag, max tag; dim, entity, type, n
    for (auto& h : head) {
      if (!w_.integer(h)) return false;
    }
    std::vector<long long> nodes;
    for (long long b = 0; b < head[0]; ++b) {
      for (auto& h : block) {
        if (!w_.integer(h)) return false;
      }
      if (!knownEntity("$Elements", block[0], block[1])) return true;
      const auto type = elementType(block[2]);
      if (!type || block[3] < 0) return false;
      nodes.resize(type->nodes);
      for (long long e = 0; e < block[3]; ++e) {
        long long id = 0;
        if (!w_.integer(id)) return false;
        for (auto& v : nodes) {
          if (!w_.integer(v)) return false;
        }
        if (!element(id, *type, nodes.data())) return true;
      }
    }
    return w_.next() == "$EndElements";
  }

  Words w_;
  GmshScan& out_;
  bool v41_ = false, entitiesRead_ = false;
  std::set<long long> entities_[4];
  NodeTags tags_;
  std::array<std::vector<PetscInt>, kNumShapes> ids_;
  int topDim_ = 0;
};

// ---- the cells of the DMPlex ----

// The reference cell's vertices as a quadrature (unit weights): det J at the corners of a cell.
// For simplices J is constant; for a bilinear quadrilateral det J is linear in each reference
// coordinate, so its extremes are at the corners; for hexahedra the corners are the usual test.
Owned<PetscQuadrature> cornerQuadrature(DMPolytopeType type) {
  Owned<DM> ref;
  PDEINV_CALL(DMPlexCreateReferenceCell(PETSC_COMM_SELF, type, ref.out()));
  PetscInt dim = 0, n = 0;
  PDEINV_CALL(DMGetDimension(ref, &dim));
  Vec x = nullptr;
  PDEINV_CALL(DMGetCoordinatesLocal(ref, &x));
  PDEINV_CALL(VecGetLocalSize(x, &n));
  const PetscScalar* a = nullptr;
  PetscReal *points = nullptr, *weights = nullptr;
  PDEINV_CALL(PetscMalloc1(n, &points));
  PDEINV_CALL(PetscMalloc1(n / dim, &weights));
  PDEINV_CALL(VecGetArrayRead(x, &a));
  for (PetscInt i = 0; i < n; ++i) points[i] = PetscRealPart(a[i]);
  PDEINV_CALL(VecRestoreArrayRead(x, &a));
  for (PetscInt i = 0; i < n / dim; ++i) weights[i] = 1;
  Owned<PetscQuadrature> q;
  PDEINV_CALL(PetscQuadratureCreate(PETSC_COMM_SELF, q.out()));
  PDEINV_CALL(PetscQuadratureSetData(q, dim, 1, n / dim, points, weights));  // takes them
  return q;
}

class CellChecker {
 public:
  CellChecker(DM dm, const std::vector<PetscInt>& elementNumbers) : dm_(dm) {
    PDEINV_CALL(DMGetDimension(dm, &dim_));
    PDEINV_CALL(DMGetCoordinateDim(dm, &cdim_));
    PDEINV_CALL(DMPlexGetHeightStratum(dm, 0, &cStart_, &cEnd_));
    if (static_cast<PetscInt>(elementNumbers.size()) == cEnd_ - cStart_) numbers_ = elementNumbers;
    PDEINV_CALL(DMGetCoordinatesLocal(dm, &coordinates_));  // collective: every rank calls it
  }

  // The first problem of the local cells, "" if none.
  std::string firstProblem() {
    auto p = coordinates();
    for (PetscInt c = cStart_; c < cEnd_ && p.empty(); ++c) {
      p = geometry(c);
      if (p.empty()) p = duplicate(c);
    }
    return p.empty() ? facets() : p;
  }

 private:
  std::string number(PetscInt c) const {
    return std::to_string(numbers_.empty() ? c : numbers_[c - cStart_]);
  }
  std::string name(PetscInt c) const {
    return (numbers_.empty() ? "cell " : "element ") + number(c);
  }
  // "elements 9, 12 and 17"
  std::string names(const std::vector<PetscInt>& cells) const {
    std::string s = numbers_.empty() ? "cells " : "elements ";
    for (size_t k = 0; k < cells.size(); ++k) {
      s += (k == 0 ? "" : k + 1 == cells.size() ? " and " : ", ") + number(cells[k]);
    }
    return s;
  }

  // Finite, bounded coordinates, point by point (vertices, and the edges and cells of a
  // high-order coordinate field); a bad one is named by the first cell it belongs to.
  std::string coordinates() {
    PetscSection cs = nullptr;
    PetscInt pStart = 0, pEnd = 0;
    const PetscScalar* x = nullptr;
    PDEINV_CALL(DMGetCoordinateSection(dm_, &cs));
    PDEINV_CALL(PetscSectionGetChart(cs, &pStart, &pEnd));
    PDEINV_CALL(VecGetArrayRead(coordinates_, &x));
    std::string problem;
    PetscInt bad = -1;
    for (PetscInt p = pStart; p < pEnd && problem.empty(); ++p) {
      PetscInt dof = 0, off = 0;
      PDEINV_CALL(PetscSectionGetDof(cs, p, &dof));
      PDEINV_CALL(PetscSectionGetOffset(cs, p, &off));
      for (PetscInt k = off; k < off + dof && problem.empty(); ++k) {
        problem = coordinateProblem(PetscRealPart(x[k]));
        bad = p;
      }
    }
    PDEINV_CALL(VecRestoreArrayRead(coordinates_, &x));
    if (problem.empty()) return problem;
    PetscInt n = 0, *star = nullptr, cell = -1;
    PDEINV_CALL(DMPlexGetTransitiveClosure(dm_, bad, PETSC_FALSE, &n, &star));
    for (PetscInt k = 0; k < 2 * n; k += 2) {
      if (star[k] >= cStart_ && star[k] < cEnd_ && (cell < 0 || star[k] < cell)) cell = star[k];
    }
    PDEINV_CALL(DMPlexRestoreTransitiveClosure(dm_, bad, PETSC_FALSE, &n, &star));
    if (cell < 0) return "mesh point " + std::to_string(bad) + " (in no cell) has " + problem;
    return name(cell) + " has a vertex with " + problem;
  }

  // det J at the cell's corners: none near zero (degenerate), none negative (inverted).
  std::string geometry(PetscInt c) {
    DMPolytopeType type = DM_POLYTOPE_UNKNOWN;
    PDEINV_CALL(DMPlexGetCellType(dm_, c, &type));
    // The shapes PETSc computes J for from the vertices alone (prisms and pyramids are not
    // among them): others are not checked.
    if (type != DM_POLYTOPE_SEGMENT && type != DM_POLYTOPE_TRIANGLE &&
        type != DM_POLYTOPE_QUADRILATERAL && type != DM_POLYTOPE_TETRAHEDRON &&
        type != DM_POLYTOPE_HEXAHEDRON) {
      return {};
    }
    auto& q = corners_[type];
    if (!q) q = cornerQuadrature(type);
    PetscInt nq = 0;
    PDEINV_CALL(PetscQuadratureGetData(q, nullptr, nullptr, &nq, nullptr, nullptr));
    PetscReal v[8 * 3], J[8 * 9], invJ[8 * 9], detJ[8];
    try {
      PDEINV_CALL(DMPlexComputeCellGeometryFEM(dm_, c, q, v, J, invJ, detJ));
    } catch (const PetscFailure& e) {
      return "the geometry of " + name(c) + " cannot be computed: " + e.what();
    }
    // The cell's size h: its longest edge at a corner (J's columns are half the edges there,
    // the reference cell being [-1, 1]^dim); at the first vertex only for a simplex.
    PetscReal h2 = 0;
    for (PetscInt k = 0; k < nq; ++k) {
      for (PetscInt j = 0; j < dim_; ++j) {
        PetscReal l2 = 0;
        for (PetscInt i = 0; i < cdim_; ++i)
          l2 += J[(k * cdim_ + i) * cdim_ + j] * J[(k * cdim_ + i) * cdim_ + j];
        h2 = std::max(h2, 4 * l2);
      }
    }
    const PetscReal h = std::sqrt(h2);
    const PetscReal tol = kDegenerateCellTolerance * std::pow(h, static_cast<PetscReal>(dim_));
    for (PetscInt k = 0; k < nq; ++k) {
      if (!(std::abs(detJ[k]) > tol)) {
        return name(c) + " is degenerate: det J = " + realText(detJ[k]) + ", not above " +
               realText(kDegenerateCellTolerance) + "*h^" + std::to_string(dim_) +
               " for its size h = " + realText(h);
      }
    }
    PetscInt negative = 0, at = 0;
    for (PetscInt k = 0; k < nq; ++k) {
      if (detJ[k] < 0) ++negative, at = k;
    }
    if (negative == nq) {
      return name(c) + " is inverted: det J = " + realText(detJ[at]) +
             " < 0 (its nodes are listed in the reverse order; PETSc's reader does not " +
             "reorient cells)";
    }
    if (negative > 0) {
      return name(c) + " is twisted: det J = " + realText(detJ[at]) +
             " < 0 at one corner and > 0 at another (its nodes are not listed in order around " +
             "the cell)";
    }
    return {};
  }

  // A cell listed twice: in an interpolated mesh both copies have the same facets, so the
  // copy is among the cells on the other side of the first facet.
  std::string duplicate(PetscInt c) {
    PetscInt nc = 0, ns = 0;
    const PetscInt *cone = nullptr, *support = nullptr;
    PDEINV_CALL(DMPlexGetConeSize(dm_, c, &nc));
    if (nc == 0 || nc > kMaxCone) return {};
    PDEINV_CALL(DMPlexGetCone(dm_, c, &cone));
    PDEINV_CALL(DMPlexGetSupportSize(dm_, cone[0], &ns));
    if (ns < 2) return {};
    PDEINV_CALL(DMPlexGetSupport(dm_, cone[0], &support));
    // Sorted cones, padded to a fixed size.
    std::array<PetscInt, kMaxCone> mine, theirs;
    mine.fill(PETSC_MAX_INT);
    std::copy(cone, cone + nc, mine.begin());
    std::sort(mine.begin(), mine.end());
    for (PetscInt k = 0; k < ns; ++k) {
      const PetscInt other = support[k];
      PetscInt no = 0;
      const PetscInt* oc = nullptr;
      if (other == c || other < cStart_ || other >= cEnd_) continue;
      PDEINV_CALL(DMPlexGetConeSize(dm_, other, &no));
      if (no != nc) continue;
      PDEINV_CALL(DMPlexGetCone(dm_, other, &oc));
      theirs.fill(PETSC_MAX_INT);
      std::copy(oc, oc + no, theirs.begin());
      std::sort(theirs.begin(), theirs.end());
      if (theirs == mine) {
        return names({c, other}) + " are the same cell (the same vertices, listed twice)";
      }
    }
    return {};
  }

  // Conformity: a facet belongs to one cell (boundary) or two. Seen locally: on a distributed
  // mesh a facet on a partition boundary counts the cells of one side only.
  std::string facets() {
    PetscInt depth = 0, fStart = 0, fEnd = 0;
    PDEINV_CALL(DMPlexGetDepth(dm_, &depth));
    if (depth != dim_) return {};  // not interpolated: the facets are not there
    PDEINV_CALL(DMPlexGetHeightStratum(dm_, 1, &fStart, &fEnd));
    for (PetscInt f = fStart; f < fEnd; ++f) {
      PetscInt ns = 0;
      const PetscInt* support = nullptr;
      PDEINV_CALL(DMPlexGetSupportSize(dm_, f, &ns));
      if (ns <= 2) continue;
      PDEINV_CALL(DMPlexGetSupport(dm_, f, &support));
      return "a facet is shared by " + std::to_string(ns) + " cells (" +
             names({support, support + ns}) +
             "); in a conforming mesh a facet belongs to at most two";
    }
    return {};
  }

  static constexpr PetscInt kMaxCone = 8;  // a hexahedron's vertices, when not interpolated
  DM dm_;
  PetscInt dim_ = 0, cdim_ = 0, cStart_ = 0, cEnd_ = 0;
  std::vector<PetscInt> numbers_;
  Vec coordinates_ = nullptr;
  std::map<DMPolytopeType, Owned<PetscQuadrature>> corners_;
};

// The problem of the lowest rank that has one becomes the same InputError on every rank (an
// exception on some ranks only would be an MPI abort).
void raiseFirst(MPI_Comm comm, const std::string& source, const std::string& problem) {
  const int size = sizeOf(comm);
  int mine = problem.empty() ? size : rankOf(comm), first = size;
  MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm);
  if (first == size) return;
  std::string message = source + ": " + problem;
  int len = static_cast<int>(message.size());
  MPI_Bcast(&len, 1, MPI_INT, first, comm);
  message.resize(len);
  MPI_Bcast(message.data(), len, MPI_CHAR, first, comm);
  throw InputError(message);
}

}  // namespace

GmshScan scanGmshFile(const std::string& path) {
  GmshScan out;
  std::ifstream in(path, std::ios::binary);
  if (!in) return out;
  std::ostringstream text;
  text << in.rdbuf();
  const std::string s = text.str();
  out.checked = GmshScanner(s, out).run();
  if (!out.checked || !out.problem.empty()) out.cellElements.clear();
  return out;
}

void validateMeshCells(DM dm, const std::string& source,
                       const std::vector<PetscInt>& elementNumbers) {
  std::string problem;
  try {
    problem = CellChecker(dm, elementNumbers).firstProblem();
  } catch (const PetscFailure& e) {
    problem = std::string("the mesh cannot be checked: ") + e.what();
  }
  raiseFirst(PetscObjectComm(reinterpret_cast<PetscObject>(dm)), source, problem);
}

}  // namespace pdeinv

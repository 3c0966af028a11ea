#include "pdeinv/inverse/xray.hpp"

#include <petscdmplex.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/session.hpp"
#include "sequential_observation.hpp"

namespace pdeinv {
namespace {

constexpr PetscReal kPi = 3.14159265358979323846;

std::string number(PetscReal v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

MPI_Comm commOf(const FunctionSpace& V) {
  return PetscObjectComm(reinterpret_cast<PetscObject>(V.dm()));
}

// A cell as a convex polygon: vertex coordinates in cyclic order, and per vertex the weights of
// the cell's dofs at that vertex (P1: the vertex's own dof; P0: the cell's one dof).
struct Polygon {
  std::vector<std::array<PetscReal, 2>> v;
  std::vector<PetscInt> dof;  // P1: the global dof at each vertex; P0: one entry
};

// Sorts the vertices (and their dofs) by angle around the centroid: the closure's vertex order
// of a quadrilateral need not be cyclic; the cells are convex.
void makeCyclic(Polygon& p, bool perVertexDofs) {
  const size_t n = p.v.size();
  PetscReal cx = 0, cy = 0;
  for (const auto& q : p.v) cx += q[0] / n, cy += q[1] / n;
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return std::atan2(p.v[a][1] - cy, p.v[a][0] - cx) < std::atan2(p.v[b][1] - cy, p.v[b][0] - cx);
  });
  Polygon q;
  for (size_t k : order) {
    q.v.push_back(p.v[k]);
    if (perVertexDofs) q.dof.push_back(p.dof[k]);
  }
  if (!perVertexDofs) q.dof = p.dof;
  p = std::move(q);
}

// The cells of V owned here, as polygons.
std::vector<Polygon> cellPolygons(const FunctionSpace& V) {
  const int degree = V.element().degree;
  DM dm = V.dm();
  const auto& closure = V.cellClosure();
  PetscInt cStart = 0, cEnd = 0;  // the cells V's closure covers (ghost cells excluded)
  PDEINV_CALL(DMPlexGetSimplexOrBoxCells(dm, 0, &cStart, &cEnd));
  std::vector<Polygon> cells;
  cells.reserve(static_cast<size_t>(cEnd - cStart));
  if (degree == 1) {
    // The dofs' own coordinates, through V's closure offsets (no assumption on vertex order).
    Owned<Vec> xl, yl;
    PDEINV_CALL(DMCreateLocalVector(dm, xl.out()));
    PDEINV_CALL(DMCreateLocalVector(dm, yl.out()));
    V.globalToLocal(V.coordinateField(0), xl, false);
    V.globalToLocal(V.coordinateField(1), yl, false);
    const PetscScalar *x = nullptr, *y = nullptr;
    PDEINV_CALL(VecGetArrayRead(xl, &x));
    PDEINV_CALL(VecGetArrayRead(yl, &y));
    for (PetscInt c = 0; c < cEnd - cStart; ++c) {
      Polygon p;
      for (int a = 0; a < closure.n; ++a) {
        const PetscInt off = closure.loc(c)[a];
        p.v.push_back({PetscRealPart(x[off]), PetscRealPart(y[off])});
        p.dof.push_back(closure.glob(c)[a]);
      }
      makeCyclic(p, true);
      cells.push_back(std::move(p));
    }
    PDEINV_CALL(VecRestoreArrayRead(yl, &y));
    PDEINV_CALL(VecRestoreArrayRead(xl, &x));
    return cells;
  }
  // P0: the cell's vertices from the coordinate DM.
  DM cdm = nullptr;
  Vec coords = nullptr;
  PetscSection csec = nullptr;
  PDEINV_CALL(DMGetCoordinateDM(dm, &cdm));
  PDEINV_CALL(DMGetCoordinatesLocal(dm, &coords));
  PDEINV_CALL(DMGetLocalSection(cdm, &csec));
  for (PetscInt c = cStart; c < cEnd; ++c) {
    PetscInt n = 0;
    PetscScalar* xc = nullptr;
    PDEINV_CALL(DMPlexVecGetClosure(cdm, csec, coords, c, &n, &xc));
    Polygon p;
    for (PetscInt k = 0; k + 1 < n; k += 2)
      p.v.push_back({PetscRealPart(xc[k]), PetscRealPart(xc[k + 1])});
    PDEINV_CALL(DMPlexVecRestoreClosure(cdm, csec, coords, c, &n, &xc));
    p.dof.push_back(closure.glob(c - cStart)[0]);
    makeCyclic(p, false);
    cells.push_back(std::move(p));
  }
  return cells;
}

struct Triplets {
  std::vector<PetscInt> i, j;
  std::vector<PetscScalar> v;
  void add(PetscInt row, PetscInt col, PetscScalar value) {
    if (col < 0 || value == 0) return;
    i.push_back(row), j.push_back(col), v.push_back(value);
  }
  // Sums the entries from index `from` on with equal (row, column), keeping one of each.
  void mergeFrom(size_t from) {
    const size_t n = i.size() - from;
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), from);
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return i[a] != i[b] ? i[a] < i[b] : j[a] < j[b]; });
    std::vector<PetscInt> mi, mj;
    std::vector<PetscScalar> mv;
    for (size_t k : order) {
      if (!mi.empty() && mi.back() == i[k] && mj.back() == j[k]) {
        mv.back() += v[k];
      } else {
        mi.push_back(i[k]), mj.push_back(j[k]), mv.push_back(v[k]);
      }
    }
    i.resize(from), j.resize(from), v.resize(from);
    i.insert(i.end(), mi.begin(), mi.end());
    j.insert(j.end(), mj.begin(), mj.end());
    v.insert(v.end(), mv.begin(), mv.end());
  }
};

// The contributions of one polygon to the rays of angle j.
void addCell(const Polygon& p, const XRayGeometry& g, PetscInt j, bool perVertex, Triplets& out) {
  const PetscReal th = g.angle(j), ex = std::cos(th), ey = std::sin(th);
  const size_t m = p.v.size();
  std::vector<PetscReal> sig(m), t(m);
  PetscReal lo = PETSC_MAX_REAL, hi = -PETSC_MAX_REAL;
  for (size_t a = 0; a < m; ++a) {
    const PetscReal dx = p.v[a][0] - g.center[0], dy = p.v[a][1] - g.center[1];
    sig[a] = dx * ex + dy * ey;
    t[a] = -dx * ey + dy * ex;
    lo = std::min(lo, sig[a]);
    hi = std::max(hi, sig[a]);
  }
  const PetscReal ds = g.width / g.bins;
  // Bins whose centre s_i = −W/2 + (i + ½) ds lies in [lo, hi].
  const auto first =
      std::max<PetscInt>(0, static_cast<PetscInt>(std::ceil((lo + 0.5 * g.width) / ds - 0.5)));
  const auto last = std::min<PetscInt>(
      g.bins - 1, static_cast<PetscInt>(std::floor((hi + 0.5 * g.width) / ds - 0.5)));
  for (PetscInt i = first; i <= last; ++i) {
    const PetscReal s = -0.5 * g.width + (i + 0.5) * ds;
    // Crossings of the line σ = s with the polygon's edges; a vertex on the line counts as on
    // its positive side, so that there are exactly 0 or 2.
    PetscReal tc[2] = {0, 0}, f[2] = {0, 0};
    size_t ea[2] = {0, 0}, eb[2] = {0, 0};
    int found = 0;
    for (size_t a = 0; a < m && found < 2; ++a) {
      const size_t b = (a + 1) % m;
      const bool pa = sig[a] - s >= 0, pb = sig[b] - s >= 0;
      if (pa == pb) continue;
      const PetscReal fr = (sig[a] - s) / (sig[a] - sig[b]);
      tc[found] = t[a] + fr * (t[b] - t[a]);
      f[found] = fr, ea[found] = a, eb[found] = b;
      ++found;
    }
    if (found != 2) continue;
    const PetscReal L = std::abs(tc[1] - tc[0]);
    if (L == 0) continue;
    const PetscInt row = j * g.bins + i;
    if (!perVertex) {
      out.add(row, p.dof[0], L);
      continue;
    }
    // ∫ u along the chord = L (u(p0) + u(p1)) / 2, u(p_k) = (1 − f_k) u_a + f_k u_b.
    for (int k = 0; k < 2; ++k) {
      out.add(row, p.dof[ea[k]], 0.5 * L * (1 - f[k]));
      out.add(row, p.dof[eb[k]], 0.5 * L * f[k]);
    }
  }
}

class XRayObservation final : public detail::SequentialObservation {
 public:
  XRayObservation(const FunctionSpace& V, Owned<Mat> A, XRayGeometry g)
      : SequentialObservation(commOf(V), localRows(A)), geometry_(std::move(g)), A_(std::move(A)) {}
  std::string name() const override { return "xray"; }
  void apply(Vec u, Vec obs) const override {
    applyLinear(u, obs);
    if (geometry_.photons > 0) PDEINV_CALL(VecShift(obs, std::log(geometry_.photons)));
  }
  void applyLinear(Vec du, Vec obs) const override {
    checkObservationVector(obs, "the output vector");
    PDEINV_CALL(MatMult(A_, du, obs));
    if (geometry_.photons > 0) PDEINV_CALL(VecScale(obs, -1.0));
  }
  void applyTranspose(Vec obs, Vec out) const override {
    checkObservationVector(obs, "the input vector");
    PDEINV_CALL(MatMultTranspose(A_, obs, out));
    if (geometry_.photons > 0) PDEINV_CALL(VecScale(out, -1.0));
  }

 private:
  static PetscInt localRows(Mat A) {
    PetscInt m = 0;
    PDEINV_CALL(MatGetLocalSize(A, &m, nullptr));
    return m;
  }
  XRayGeometry geometry_;
  Owned<Mat> A_;
};

// One ellipse of the phantom: density, semi-axes a, b, centre (x0, y0), rotation φ (degrees).
struct Ellipse {
  PetscReal rho, a, b, x0, y0, phi;
};
// The modified Shepp–Logan phantom on [−1, 1]² (Toft 1996; the values of MATLAB's phantom()).
const Ellipse kSheppLogan[] = {
    {1.0, 0.69, 0.92, 0, 0, 0},        {-0.8, 0.6624, 0.874, 0, -0.0184, 0},
    {-0.2, 0.11, 0.31, 0.22, 0, -18},  {-0.2, 0.16, 0.41, -0.22, 0, 18},
    {0.1, 0.21, 0.25, 0, 0.35, 0},     {0.1, 0.046, 0.046, 0, 0.1, 0},
    {0.1, 0.046, 0.046, 0, -0.1, 0},   {0.1, 0.046, 0.023, -0.08, -0.605, 0},
    {0.1, 0.023, 0.023, 0, -0.606, 0}, {0.1, 0.023, 0.046, 0.06, -0.605, 0}};

}  // namespace

void XRayGeometry::validate() const {
  require(angles > 0,
          "option " + flag("angles") + " must be positive, got " + std::to_string(angles));
  require(bins > 0, "option " + flag("bins") + " must be positive, got " + std::to_string(bins));
  require(std::isfinite(rangeDegrees) && rangeDegrees > 0 && rangeDegrees <= 360,
          "option " + flag("range") + " must lie in (0, 360] degrees, got " + number(rangeDegrees));
  require(std::isfinite(startDegrees),
          "option " + flag("start") + " must be finite, got " + number(startDegrees));
  require(std::isfinite(width) && width >= 0,
          "option " + flag("width") + " must be positive, got " + number(width));
  require(std::isfinite(center[0]) && std::isfinite(center[1]),
          "option " + flag("center") + " must be finite");
  require(std::isfinite(photons) && photons >= 0,
          "option " + flag("photons") + " must be non-negative (0: line integrals), got " +
              number(photons));
}

XRayGeometry XRayGeometry::fromOptions(const Options& opts) {
  XRayGeometry g;
  g.prefix = opts.prefix();
  g.angles = opts.getInt("xray_angles", 0, "xray: number of projection angles (> 0)");
  g.bins = opts.getInt("xray_bins", 0, "xray: detector bins per angle (> 0)");
  g.rangeDegrees = opts.getReal("xray_range", 180,
                                "xray: angular range of the scan in degrees (180: full; less: "
                                "limited angle)");
  g.startDegrees = opts.getReal("xray_start", 0, "xray: first angle in degrees");
  g.width = opts.getReal("xray_width", 0,
                         "xray: detector width (0: the diagonal of the mesh's bounding box)");
  const auto c = opts.getRealArray("xray_center", {},
                                   "xray: centre of rotation cx,cy (default: the bounding box's)");
  if (!c.empty()) {
    require(c.size() == 2, "option " + g.flag("center") + " needs 2 values cx,cy, got " +
                               std::to_string(c.size()));
    g.center = {c[0], c[1]};
    g.hasCenter = true;
  }
  g.photons = opts.getReal("xray_photons", 0,
                           "xray: incident photons per ray I0 (> 0: the observation is the log "
                           "of the expected count, for -misfit_type poisson; 0: line integrals)");
  return g;  // validated where it is used (xrayMatrix): -help reads it for any -obs_type
}

PetscReal XRayGeometry::angle(PetscInt j) const {
  return (startDegrees + rangeDegrees * static_cast<PetscReal>(j) / angles) * kPi / 180.0;
}

Owned<Mat> xrayMatrix(const FunctionSpace& V, XRayGeometry& g) {
  g.validate();
  const std::string what = "-" + g.prefix + "type xray";
  require(V.dim() == 2, what + " needs a 2-D mesh, got " + std::to_string(V.dim()) + "-D");
  require(V.components() == 1,
          what + " observes a scalar field, got " + std::to_string(V.components()) + " components");
  const int degree = V.element().degree;
  require(degree == 0 || (degree == 1 && V.mesh().simplex()),
          what +
              " needs a P0 field, or a P1 field on triangles (the line integrals are exact "
              "for those), got " +
              V.element().str() + (V.mesh().simplex() ? "" : " on quadrilaterals"));
  require(!V.hasDirichlet(),
          what +
              " observes every dof of the field, but it has Dirichlet conditions "
              "(with -operator identity, give no -bc_dirichlet_*)");
  MPI_Comm comm = commOf(V);
  PetscReal lo[3] = {0, 0, 0}, hi[3] = {0, 0, 0};
  PDEINV_CALL(DMGetBoundingBox(V.dm(), lo, hi));
  if (!g.hasCenter) g.center = {0.5 * (lo[0] + hi[0]), 0.5 * (lo[1] + hi[1])};
  if (g.width == 0) g.width = std::hypot(hi[0] - lo[0], hi[1] - lo[1]);

  // Angle by angle; each angle's entries are merged (a vertex is shared by the cells a ray
  // crosses around it), so the triplets held at once stay near the matrix's own size.
  Triplets t;
  const auto cells = cellPolygons(V);
  for (PetscInt j = 0; j < g.angles; ++j) {
    const size_t from = t.i.size();
    for (const auto& cell : cells) addCell(cell, g, j, degree == 1, t);
    t.mergeFrom(from);
  }
  const PetscInt rays = g.angles * g.bins;
  auto u = V.createVector();
  PetscInt nLocal = 0, n = 0;
  PDEINV_CALL(VecGetLocalSize(u, &nLocal));
  PDEINV_CALL(VecGetSize(u, &n));
  Owned<Mat> A;
  PDEINV_CALL(MatCreate(comm, A.out()));
  PDEINV_CALL(MatSetSizes(A, PETSC_DECIDE, nLocal, rays, n));
  PDEINV_CALL(MatSetType(A, MATAIJ));
  PDEINV_CALL(
      MatSetPreallocationCOO(A, static_cast<PetscCount>(t.i.size()), t.i.data(), t.j.data()));
  PDEINV_CALL(MatSetValuesCOO(A, t.v.data(), ADD_VALUES));
  return A;
}

std::unique_ptr<ObservationOperator> makeXRayObservation(const FunctionSpace& V,
                                                         XRayGeometry geometry) {
  auto A = xrayMatrix(V, geometry);
  return std::make_unique<XRayObservation>(V, std::move(A), std::move(geometry));
}

std::string sheppLoganExpression(PetscReal cx, PetscReal cy, PetscReal h) {
  std::ostringstream os;
  os.precision(17);
  const std::string X = "((x-(" + number(cx) + "))/" + number(h) + ")";
  const std::string Y = "((y-(" + number(cy) + "))/" + number(h) + ")";
  bool first = true;
  for (const auto& e : kSheppLogan) {
    const PetscReal c = std::cos(e.phi * kPi / 180), s = std::sin(e.phi * kPi / 180);
    os << (first ? "" : "+") << "(" << e.rho << ")*((((" << X << "-(" << e.x0 << "))*(" << c
       << ")+(" << Y << "-(" << e.y0 << "))*(" << s << "))/" << e.a << ")^2+((-(" << X << "-("
       << e.x0 << "))*(" << s << ")+(" << Y << "-(" << e.y0 << "))*(" << c << "))/" << e.b
       << ")^2<=1)";
    first = false;
  }
  return os.str();
}

std::vector<PetscReal> sheppLoganSinogram(const XRayGeometry& g, PetscReal cx, PetscReal cy,
                                          PetscReal h) {
  std::vector<PetscReal> p(static_cast<size_t>(g.angles * g.bins), 0.0);
  const PetscReal ds = g.width / g.bins;
  for (PetscInt j = 0; j < g.angles; ++j) {
    const PetscReal th = g.angle(j), ex = std::cos(th), ey = std::sin(th);
    // The detector's centre in phantom coordinates (X = (x − cx)/h): its offset along e.
    const PetscReal s0 = ((g.center[0] - cx) * ex + (g.center[1] - cy) * ey) / h;
    for (PetscInt i = 0; i < g.bins; ++i) {
      const PetscReal s = s0 + (-0.5 * g.width + (i + 0.5) * ds) / h;
      PetscReal sum = 0;
      for (const auto& e : kSheppLogan) {
        const PetscReal phi = e.phi * kPi / 180;
        const PetscReal a2 =
            std::pow(e.a * std::cos(th - phi), 2) + std::pow(e.b * std::sin(th - phi), 2);
        const PetscReal d = s - (e.x0 * ex + e.y0 * ey);
        if (d * d < a2) sum += 2 * e.rho * e.a * e.b * std::sqrt(a2 - d * d) / a2;
      }
      p[static_cast<size_t>(j * g.bins + i)] = h * sum;  // phantom lengths are h times smaller
    }
  }
  return p;
}

}  // namespace pdeinv

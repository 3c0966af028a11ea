#pragma once
// Helpers shared by pdeinv's tests.
#include <petscsys.h>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/handle.hpp"
#include "pdeinv/fem/function_space.hpp"
#include "pdeinv/mesh/mesh.hpp"

#include <cctype>
#include <sstream>
#include <string>
#include <vector>

namespace pdeinv::test {

// Sets options for the lifetime of the object, then removes them again, so tests do not leak
// options into each other.  ScopedOptions o("-mesh_faces 4,4 -state_element P2");
class ScopedOptions {
 public:
  explicit ScopedOptions(const std::string& text) {
    std::istringstream in(text);
    std::string tok;
    std::vector<std::string> toks;
    while (in >> tok) toks.push_back(tok);
    for (size_t i = 0; i < toks.size(); ++i) {
      std::string value;
      if (i + 1 < toks.size() && !(toks[i + 1][0] == '-' && std::isalpha(toks[i + 1][1]))) {
        value = toks[++i];
      }
      const std::string& name = toks[value.empty() ? i : i - 1];
      PetscOptionsSetValue(nullptr, name.c_str(), value.empty() ? nullptr : value.c_str());
      names_.push_back(name);
    }
  }
  // For values containing spaces: o.set("-bc_dirichlet_label", "Face Sets").
  void set(const std::string& name, const std::string& value) {
    PetscOptionsSetValue(nullptr, name.c_str(), value.c_str());
    names_.push_back(name);
  }
  ~ScopedOptions() {
    for (const auto& n : names_) PetscOptionsClearValue(nullptr, n.c_str());
  }
  ScopedOptions(const ScopedOptions&) = delete;
  ScopedOptions& operator=(const ScopedOptions&) = delete;

 private:
  std::vector<std::string> names_;
};

inline std::string sourceDir() {
  return PDEINV_SOURCE_DIR;
}
inline std::string meshPath(const std::string& name) {
  return sourceDir() + "/meshes/" + name;
}

// ‖a − b‖_∞.
inline PetscReal maxDifference(Vec a, Vec b) {
  Owned<Vec> d;
  PDEINV_CALL(VecDuplicate(a, d.out()));
  PDEINV_CALL(VecWAXPY(d, -1.0, b, a));
  PetscReal n = 0;
  PDEINV_CALL(VecNorm(d, NORM_INFINITY, &n));
  return n;
}

// uᵀ B v for an assembled bilinear form B.
inline PetscReal bilinearForm(Mat B, Vec u, Vec v) {
  Owned<Vec> Bv;
  VecDuplicate(u, Bv.out());
  MatMult(B, v, Bv);
  PetscScalar d = 0;
  VecDot(u, Bv, &d);
  return d;
}

// A gmsh mesh from meshes/, distributed over PETSC_COMM_WORLD and refined `refine` times.
inline Mesh gmshMesh(const std::string& name, int refine = 0) {
  auto m = Mesh::fromGmsh(PETSC_COMM_WORLD, meshPath(name));
  m.distribute();
  m.refineUniformly(refine);
  return m;
}

// The unit square/cube of n^dim quads/hexes, distributed over PETSC_COMM_WORLD.
inline Mesh unitBox(int dim, PetscInt n) {
  BoxSpec b;
  b.dim = dim;
  b.faces.assign(dim, n);
  b.lower.assign(dim, 0.0);
  b.upper.assign(dim, 1.0);
  auto m = Mesh::box(PETSC_COMM_WORLD, b);
  m.distribute();
  return m;
}

// The expression interpolated into V (a global vector).
inline Owned<Vec> field(const FunctionSpace& V, const std::string& expr) {
  auto v = V.createVector();
  V.interpolate(Expression(expr, "-test"), v);
  return v;
}

}  // namespace pdeinv::test

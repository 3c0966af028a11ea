#pragma once
// Small collective helpers on PETSc vectors that return values instead of filling pointers, so
// that formulas read as formulas: dot(a, b), sum(v), like(v). Errors throw through PDEINV_CALL.
#include <petscvec.h>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/handle.hpp"

namespace pdeinv {

// aᵀb (real part). Collective.
inline PetscReal dot(Vec a, Vec b) {
  PetscScalar d = 0;
  PDEINV_CALL(VecDot(a, b, &d));
  return PetscRealPart(d);
}

// Σ_i v_i (real part). Collective.
inline PetscReal sum(Vec v) {
  PetscScalar s = 0;
  PDEINV_CALL(VecSum(v, &s));
  return PetscRealPart(s);
}

// A new vector with v's layout (values not copied). Collective.
inline Owned<Vec> like(Vec v) {
  Owned<Vec> w;
  PDEINV_CALL(VecDuplicate(v, w.out()));
  return w;
}

}  // namespace pdeinv

#include "pdeinv/analysis/derivative_check.hpp"

#include <petscsys.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/handle.hpp"

namespace pdeinv {

PetscReal TaylorResult::observedOrder() const {
  if (exact) return std::numeric_limits<PetscReal>::infinity();
  std::vector<PetscReal> s = slope;
  if (s.empty()) return 0;
  std::sort(s.begin(), s.end());
  return s[s.size() / 2];
}

std::string TaylorResult::report() const {
  std::ostringstream os;
  os << "Taylor test" << (exact ? " (remainder at round-off: linear map)" : "") << "\n";
  for (size_t i = 0; i < h.size(); ++i) {
    os << "  h=" << h[i] << "  r=" << remainder[i];
    if (i > 0) os << "  slope=" << slope[i - 1];
    os << "\n";
  }
  return os.str();
}

TaylorResult taylorTest(const std::function<PetscReal(PetscReal)>& remainder, PetscReal scale,
                        std::vector<PetscReal> hs) {
  TaylorResult t;
  t.h = std::move(hs);
  bool allTiny = true;
  for (PetscReal h : t.h) {
    t.remainder.push_back(remainder(h));
    if (t.remainder.back() > 1e-11 * std::max<PetscReal>(scale, 1e-30)) allTiny = false;
  }
  t.exact = allTiny;
  for (size_t i = 0; i + 1 < t.h.size(); ++i) {
    t.slope.push_back(std::log(t.remainder[i] / t.remainder[i + 1]) /
                      std::log(t.h[i] / t.h[i + 1]));
  }
  return t;
}

PetscReal DotProductResult::relativeError() const {
  const PetscReal s = std::max(std::abs(lhs), std::abs(rhs));
  return s > 0 ? std::abs(lhs - rhs) / s : 0;
}

DotProductResult dotProductTest(PetscReal a, PetscReal b) {
  return {a, b};
}

PetscReal relativeDifference(Vec a, Vec b) {
  Owned<Vec> d;
  PDEINV_CALL(VecDuplicate(a, d.out()));
  PDEINV_CALL(VecWAXPY(d, -1.0, b, a));
  PetscReal nd = 0, nb = 0;
  PDEINV_CALL(VecNorm(d, NORM_2, &nd));
  PDEINV_CALL(VecNorm(b, NORM_2, &nb));
  return nd / nb;
}

}  // namespace pdeinv

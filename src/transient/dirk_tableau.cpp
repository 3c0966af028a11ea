#include "pdeinv/transient/dirk_tableau.hpp"

#include <arkode/arkode_butcher_dirk.h>

#include <cmath>

#include "pdeinv/core/error.hpp"

namespace pdeinv {
namespace {

DirkTableau fromArkode(const std::string& name, ARKODE_DIRKTableID id) {
  ARKodeButcherTable B = ARKodeButcherTable_LoadDIRK(id);
  if (!B) throw Error("ARKODE has no DIRK table for '" + name + "'");
  DirkTableau t;
  t.name = name;
  t.stages = B->stages;
  t.order = B->q;
  t.embeddedOrder = B->p;
  for (int i = 0; i < t.stages; ++i) {
    for (int j = 0; j < t.stages; ++j) t.A.push_back(B->A[i][j]);
    t.b.push_back(B->b[i]);
    t.c.push_back(B->c[i]);
    t.bEmbedded.push_back(B->d ? B->d[i] : 0.0);
  }
  ARKodeButcherTable_Free(B);
  return t;
}

// Alexander's two-stage, L-stable, stiffly accurate SDIRK of order 2 (SIAM J. Numer. Anal. 14,
// 1977). ARKODE's own SDIRK_2_1_2 is not stiffly accurate; this one is, which keeps the
// discrete adjoint free of mass solves. The embedded first-order solution is the first stage.
DirkTableau alexander2() {
  const PetscReal g = 1 - 1 / std::sqrt(2.0);
  DirkTableau t;
  t.name = "sdirk2";
  t.stages = 2;
  t.order = 2;
  t.embeddedOrder = 1;
  t.A = {g, 0, 1 - g, g};
  t.b = {1 - g, g};
  t.c = {g, 1};
  t.bEmbedded = {1, 0};
  return t;
}

}  // namespace

bool DirkTableau::stifflyAccurate() const {
  for (int j = 0; j < stages; ++j)
    if (b[static_cast<size_t>(j)] != a(stages - 1, j)) return false;
  return true;
}

std::vector<std::string> dirkTableauNames() {
  return {"sdirk2", "esdirk3", "esdirk4"};
}

DirkTableau dirkTableau(const std::string& name, const std::string& flag) {
  DirkTableau t;
  if (name == "sdirk2") {
    t = alexander2();
  } else if (name == "esdirk3") {
    t = fromArkode(name, ARKODE_ARK324L2SA_DIRK_4_2_3);
  } else if (name == "esdirk4") {
    t = fromArkode(name, ARKODE_ARK436L2SA_DIRK_6_3_4);
  } else {
    std::string available;
    for (const auto& n : dirkTableauNames()) available += (available.empty() ? "" : ", ") + n;
    throw InputError("unknown tableau '" + name + "' (" + flag + "); available: " + available);
  }
  // ARKODE stores b and the last row of A separately; where they agree to rounding, make them
  // identical so that u_{n+1} = U_s exactly.
  for (int j = 0; j < t.stages; ++j) {
    auto& bj = t.b[static_cast<size_t>(j)];
    if (std::abs(bj - t.a(t.stages - 1, j)) < 1e-14) bj = t.a(t.stages - 1, j);
  }
  if (!t.stifflyAccurate()) throw Error("tableau '" + name + "' is not stiffly accurate");
  return t;
}

}  // namespace pdeinv

#pragma once
// DirkTableau: the Butcher tableau of a diagonally implicit Runge–Kutta method, shared by the
// ARKODE integration (TransientSolver hands it to ARKStepSetTables) and by pdeinv's own
// differentiable stepper (DirkStepper), so both integrate with the same coefficients.
//
//   name      stages  order  embedded  stiffly accurate  first stage
//   sdirk2    2       2      1         yes               implicit   (Alexander 1977, L-stable,
//                                                                    γ = 1 − 1/√2)
//   esdirk3   4       3      2         yes               explicit   (ARKODE ARK324L2SA_DIRK_4_2_3)
//   esdirk4   6       4      3         yes               explicit   (ARKODE ARK436L2SA_DIRK_6_3_4)
//
// All are stiffly accurate (b = last row of A, so u_{n+1} is the last stage value): the discrete
// adjoint needs no mass-matrix solves. A first stage with a₁₁ = 0 is explicit: U₁ = u_n.
#include <petscsys.h>

#include <string>
#include <vector>

namespace pdeinv {

struct DirkTableau {
  std::string name;
  int stages = 0, order = 0, embeddedOrder = 0;
  std::vector<PetscReal> A;  // row-major stages × stages, lower triangular
  std::vector<PetscReal> b, c, bEmbedded;
  PetscReal a(int i, int j) const { return A[static_cast<size_t>(i * stages + j)]; }
  bool explicitFirstStage() const { return a(0, 0) == 0; }
  bool stifflyAccurate() const;
};

// The tableaux accepted by -ts_tableau, by name (InputError naming `flag` for an unknown one).
std::vector<std::string> dirkTableauNames();
DirkTableau dirkTableau(const std::string& name, const std::string& flag = "-ts_tableau");

}  // namespace pdeinv

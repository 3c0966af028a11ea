#include "pdeinv/inverse/quantity_of_interest.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/vec_ops.hpp"
#include "pdeinv/fem/assembler.hpp"
#include "pdeinv/fem/expression.hpp"
#include "pdeinv/fem/forms.hpp"
#include "pdeinv/fem/function_space.hpp"
#include "pdeinv/forward/steady_solver.hpp"
#include "pdeinv/inverse/observation.hpp"

namespace pdeinv {

Owned<Vec> integralWeights(const FunctionSpace& P, const std::string& weight,
                           const std::string& flag, bool mean) {
  auto w = P.createVector();
  P.interpolate(Expression(weight, flag), w);
  auto M = massMatrix(P);
  auto c = P.createVector();
  PDEINV_CALL(MatMult(M, w, c));
  if (!mean) return c;
  const PetscReal total = sum(c);
  // ∫ w against ∫ |w|: a weight that integrates to zero up to rounding has no mean to take.
  PDEINV_CALL(VecAbs(w));
  auto Mabs = like(w);
  PDEINV_CALL(MatMult(M, w, Mabs));
  require(std::abs(total) > 1e-10 * sum(Mabs),
          flag + " '" + weight + "' integrates to zero over the domain");
  PDEINV_CALL(VecScale(c, 1.0 / total));
  return c;
}

ParameterMeanQoi::ParameterMeanQoi(const FunctionSpace& P, const std::string& weight)
    : weight_(weight), c_(integralWeights(P, weight, "-qoi_weight", true)) {}

PetscReal ParameterMeanQoi::value(Vec x) const {
  return dot(c_, x);
}

StatePointQoi::StatePointQoi(const SteadySolver& solver, const std::vector<PetscReal>& point)
    : solver_(solver) {
  const int dim = solver.state().dim();
  require(static_cast<int>(point.size()) == dim, "-qoi_point needs " + std::to_string(dim) +
                                                     " coordinates, got " +
                                                     std::to_string(point.size()));
  require(solver.state().components() == 1,
          "-qoi state_point is for a scalar state; this state has " +
              std::to_string(solver.state().components()) + " components");
  std::array<PetscReal, 3> p = {0, 0, 0};
  description_ = "state at (";
  for (int d = 0; d < dim; ++d) {
    p[static_cast<size_t>(d)] = point[static_cast<size_t>(d)];
    char c[32];
    std::snprintf(c, sizeof c, "%s%g", d ? ", " : "", point[static_cast<size_t>(d)]);
    description_ += c;
  }
  description_ += ")";
  B_ = makePointObservation(solver.state(), {p}, "-qoi_point");
  y_ = B_->createObservationVector();
}

StatePointQoi::~StatePointQoi() = default;

PetscReal StatePointQoi::value(Vec) const {
  B_->apply(solver_.solution(), y_);
  return sum(y_);
}

BoundaryFluxQoi::BoundaryFluxQoi(const SteadySolver& solver, const std::string& label,
                                 const std::vector<PetscInt>& ids, PetscReal sign)
    : solver_(solver), sign_(sign) {
  const auto& V = solver.state();
  require(V.components() == 1, "-qoi boundary_flux is for a scalar state; this state has " +
                                   std::to_string(V.components()) + " components");
  require(!ids.empty(), "-qoi_boundary_ids: give the label values of the boundary part");
  description_ = "flux through " + label + " ";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) description_ += ",";
    description_ += std::to_string(ids[i]);
  }
  {
    std::vector<PetscInt> present;
    try {
      present = V.mesh().labelValues(label);
    } catch (const InputError& e) {
      throw InputError(std::string("-qoi_boundary_label: ") + e.what());
    }
    for (PetscInt v : ids) {
      if (std::find(present.begin(), present.end(), v) != present.end()) continue;
      std::string have;
      for (PetscInt p : present) {
        if (!have.empty()) have += ", ";
        have += std::to_string(p);
      }
      throw InputError("-qoi_boundary_ids: label '" + label + "' has no value " +
                       std::to_string(v) + " (its values are " + have + ")");
    }
  }
  // The indicator of Γ's dofs: a space whose only Dirichlet condition is 1 on Γ, its boundary
  // values inserted into a local vector of zeros.
  DirichletBC onGamma;
  onGamma.label = label;
  onGamma.values = ids;
  onGamma.value = std::make_shared<const Expression>("1", "-qoi_boundary_ids");
  FunctionSpace gamma(V.mesh(), V.element(), "qoi_gamma", {onGamma});
  free_ = std::make_unique<FunctionSpace>(V.mesh(), V.element(), "qoi_free");
  std::vector<const FunctionSpace*> aux = {&solver.parameter()};
  for (const auto* d : solver.dataSpaces()) aux.push_back(d);
  assembler_ = std::make_unique<Assembler>(*free_, aux, solver.op().extraQuadraturePoints());
  Owned<Vec> gLocal, zero = gamma.createVector();
  PDEINV_CALL(DMCreateLocalVector(gamma.dm(), gLocal.out()));
  PDEINV_CALL(VecSet(zero, 0.0));
  gamma.globalToLocal(zero, gLocal, true);
  // The local layouts of the three spaces are the same (one element on one mesh; constraints
  // change only which dofs are global), so local arrays carry over.
  PetscInt nFree = 0, nGamma = 0;
  PDEINV_CALL(DMCreateLocalVector(free_->dm(), uLocal_.out()));
  PDEINV_CALL(VecGetSize(uLocal_, &nFree));
  PDEINV_CALL(VecGetSize(gLocal, &nGamma));
  require(nFree == nGamma, "BoundaryFluxQoi: local layouts differ");
  indicator_ = free_->createVector();
  PDEINV_CALL(VecSet(indicator_, 0.0));
  PDEINV_CALL(DMLocalToGlobal(free_->dm(), gLocal, INSERT_VALUES, indicator_));
  require(sum(indicator_) > 0, "-qoi_boundary_ids: no mesh facet of label '" + label +
                                   "' has one of these values; " + description_ + " is empty");
  // Only the cells touching Γ's dofs contribute to indicatorᵀ R: the residual is assembled on
  // those alone (64 of 2048 cells of the 32² subsurface mesh).
  {
    const auto& closure = free_->cellClosure();
    const PetscInt nCells =
        closure.n > 0 ? static_cast<PetscInt>(closure.local.size()) / closure.n : 0;
    std::vector<PetscInt> cells;
    const PetscScalar* g = nullptr;
    PDEINV_CALL(VecGetArrayRead(gLocal, &g));
    for (PetscInt c = 0; c < nCells; ++c) {
      const PetscInt* loc = closure.loc(c);
      for (int i = 0; i < closure.n; ++i)
        if (loc[i] >= 0 && g[loc[i]] != 0.0) {
          cells.push_back(c);
          break;
        }
    }
    PDEINV_CALL(VecRestoreArrayRead(gLocal, &g));
    assembler_->restrictToCells(std::move(cells));
  }
  uFree_ = free_->createVector();
  r_ = free_->createVector();
}

BoundaryFluxQoi::~BoundaryFluxQoi() = default;

PetscReal BoundaryFluxQoi::value(Vec) const {
  // u with its Dirichlet values, as a vector of the unconstrained space.
  solver_.state().globalToLocal(solver_.solution(), uLocal_, true);
  PDEINV_CALL(DMLocalToGlobal(free_->dm(), uLocal_, INSERT_VALUES, uFree_));
  std::vector<Vec> aux = {solver_.linearizationParameter()};
  for (Vec d : solver_.dataValues()) aux.push_back(d);
  assembler_->setConstants(solver_.kernelConstants());
  assembler_->residual(solver_.op().residual(), uFree_, aux, r_);
  return sign_ * dot(indicator_, r_);
}

}  // namespace pdeinv

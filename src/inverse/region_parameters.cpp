#include "pdeinv/inverse/region_parameters.hpp"

#include <algorithm>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/root_vector.hpp"
#include "pdeinv/core/session.hpp"

namespace pdeinv {

RegionParameters::RegionParameters(const FunctionSpace& field, const std::string& label,
                                   std::vector<PetscInt> values)
    : field_(field), values_(std::move(values)) {
  require(field.element().degree == 0 && field.components() == 1,
          "region parameters need a scalar P0 parameter space (-parameter_element P0)");
  require(!values_.empty(), "region parameters: no region values given (-parameter_regions)");
  DMLabel l = field.mesh().label(label);
  DM dm = field.dm();
  PetscSection global = nullptr;
  PDEINV_CALL(DMGetGlobalSection(dm, &global));
  PetscInt cStart = 0, cEnd = 0, lo = 0, hi = 0;
  PDEINV_CALL(DMPlexGetHeightStratum(dm, 0, &cStart, &cEnd));
  auto v = field.createVector();
  PDEINV_CALL(VecGetOwnershipRange(v, &lo, &hi));
  regionOfDof_.assign(static_cast<size_t>(hi - lo), -1);
  std::vector<PetscReal> count(values_.size(), 0.0);
  int missing = 0;
  PetscInt missingValue = 0;
  for (PetscInt c = cStart; c < cEnd; ++c) {
    PetscInt off = 0, value = -1;
    PDEINV_CALL(PetscSectionGetOffset(global, c, &off));
    if (off < 0) continue;  // not owned here
    PDEINV_CALL(DMLabelGetValue(l, c, &value));
    auto it = std::find(values_.begin(), values_.end(), value);
    if (it == values_.end()) {
      missing = 1, missingValue = value;
      continue;
    }
    const auto k = static_cast<int>(it - values_.begin());
    regionOfDof_[static_cast<size_t>(off - lo)] = k;
    count[static_cast<size_t>(k)] += 1;
  }
  MPI_Comm comm = field.mesh().comm();
  int anyMissing = 0;
  MPI_Allreduce(&missing, &anyMissing, 1, MPI_INT, MPI_MAX, comm);
  PetscInt worst = missing ? missingValue : PETSC_MIN_INT;
  MPI_Allreduce(MPI_IN_PLACE, &worst, 1, MPIU_INT, MPI_MAX, comm);
  require(!anyMissing, "a cell has " + label + " value " + std::to_string(worst) +
                           ", which is not among the parameter regions (-parameter_regions)");
  cellCount_.resize(count.size());
  MPI_Allreduce(count.data(), cellCount_.data(), static_cast<int>(count.size()), MPIU_REAL, MPI_SUM,
                comm);
  for (size_t k = 0; k < values_.size(); ++k) {
    require(cellCount_[k] > 0, "parameter region " + std::to_string(values_[k]) + " of label '" +
                                   label + "' has no cells");
  }
}

Owned<Vec> RegionParameters::createVector() const {
  return createRootVector(field_.mesh().comm(), size());
}

std::vector<PetscReal> RegionParameters::gather(Vec theta) const {
  return gatherRootVector(theta);
}

void RegionParameters::embed(Vec theta, Vec m) const {
  const auto t = gather(theta);
  PetscScalar* a = nullptr;
  PDEINV_CALL(VecGetArray(m, &a));
  for (size_t i = 0; i < regionOfDof_.size(); ++i) a[i] = t[static_cast<size_t>(regionOfDof_[i])];
  PDEINV_CALL(VecRestoreArray(m, &a));
}

void RegionParameters::embedTranspose(Vec g, Vec gTheta) const {
  std::vector<PetscReal> local(values_.size(), 0.0);
  const PetscScalar* a = nullptr;
  PDEINV_CALL(VecGetArrayRead(g, &a));
  for (size_t i = 0; i < regionOfDof_.size(); ++i)
    local[static_cast<size_t>(regionOfDof_[i])] += a[i];
  PDEINV_CALL(VecRestoreArrayRead(g, &a));
  sumToRootVector(local, gTheta);
}

void RegionParameters::regionMeans(Vec m, Vec theta) const {
  embedTranspose(m, theta);
  // Every rank takes the (empty, off rank 0) array, so the vector's state — and with it any
  // cached norm — changes on every rank.
  PetscScalar* a = nullptr;
  PDEINV_CALL(VecGetArray(theta, &a));
  if (rankOf(field_.mesh().comm()) == 0) {
    for (PetscInt k = 0; k < size(); ++k) a[k] /= cellCount_[static_cast<size_t>(k)];
  }
  PDEINV_CALL(VecRestoreArray(theta, &a));
}

}  // namespace pdeinv

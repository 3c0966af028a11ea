#include "pdeinv/core/root_vector.hpp"

#include <algorithm>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/session.hpp"

namespace pdeinv {
namespace {
MPI_Comm commOf(Vec v) {
  MPI_Comm comm = MPI_COMM_NULL;
  PDEINV_CALL(PetscObjectGetComm(reinterpret_cast<PetscObject>(v), &comm));
  return comm;
}
PetscInt sizeOfVec(Vec v) {
  PetscInt n = 0;
  PDEINV_CALL(VecGetSize(v, &n));
  return n;
}
void writeOnRoot(Vec v, const std::vector<PetscReal>& values) {
  // Every rank takes the (possibly empty) array: VecRestoreArray bumps the vector's state,
  // which invalidates cached norms. Skipping it on the other ranks would leave them a stale
  // cached norm, and VecNorm would then reduce on rank 0 only — a hang.
  PetscScalar* a = nullptr;
  PDEINV_CALL(VecGetArray(v, &a));
  if (rankOf(commOf(v)) == 0) std::copy(values.begin(), values.end(), a);
  PDEINV_CALL(VecRestoreArray(v, &a));
}
}  // namespace

Owned<Vec> createRootVector(MPI_Comm comm, PetscInt size) {
  Owned<Vec> v;
  PDEINV_CALL(VecCreateMPI(comm, rankOf(comm) == 0 ? size : 0, size, v.out()));
  return v;
}

std::vector<PetscReal> gatherRootVector(Vec v) {
  MPI_Comm comm = commOf(v);
  std::vector<PetscReal> all(static_cast<size_t>(sizeOfVec(v)), 0.0);
  if (rankOf(comm) == 0) {
    const PetscScalar* a = nullptr;
    PDEINV_CALL(VecGetArrayRead(v, &a));
    std::copy(a, a + all.size(), all.begin());
    PDEINV_CALL(VecRestoreArrayRead(v, &a));
  }
  MPI_Bcast(all.data(), static_cast<int>(all.size()), MPIU_REAL, 0, comm);
  return all;
}

void setRootVector(Vec v, const std::vector<PetscReal>& values) {
  require(static_cast<PetscInt>(values.size()) == sizeOfVec(v),
          "setRootVector: " + std::to_string(values.size()) + " values for a vector of size " +
              std::to_string(sizeOfVec(v)));
  writeOnRoot(v, values);
}

void sumToRootVector(const std::vector<PetscReal>& local, Vec v) {
  std::vector<PetscReal> sum(local.size(), 0.0);
  MPI_Reduce(local.data(), sum.data(), static_cast<int>(local.size()), MPIU_REAL, MPI_SUM, 0,
             commOf(v));
  writeOnRoot(v, sum);
}

}  // namespace pdeinv

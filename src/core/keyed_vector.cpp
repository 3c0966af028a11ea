#include "pdeinv/core/keyed_vector.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "pdeinv/core/error.hpp"

namespace pdeinv {

KeyedValues keyedEntries(Vec x, const std::vector<std::uint64_t>& keys) {
  PetscInt n = 0, start = 0;
  PDEINV_CALL(VecGetLocalSize(x, &n));
  PDEINV_CALL(VecGetOwnershipRange(x, &start, nullptr));
  if (!keys.empty() && static_cast<PetscInt>(keys.size()) != n)
    throw Error("keyed vector: " + std::to_string(keys.size()) + " keys for " + std::to_string(n) +
                " local entries");
  KeyedValues out(static_cast<std::size_t>(n));
  const PetscScalar* a = nullptr;
  PDEINV_CALL(VecGetArrayRead(x, &a));
  for (PetscInt i = 0; i < n; ++i) {
    const auto k = static_cast<std::size_t>(i);
    out[k] = {keys.empty() ? static_cast<std::uint64_t>(start + i) : keys[k], PetscRealPart(a[i])};
  }
  PDEINV_CALL(VecRestoreArrayRead(x, &a));
  return out;
}

KeyedValues gatherKeyed(Vec x, const std::vector<std::uint64_t>& keys) {
  const MPI_Comm comm = PetscObjectComm(reinterpret_cast<PetscObject>(x));
  auto local = keyedEntries(x, keys);
  int size = 1, rank = 0;
  MPI_Comm_size(comm, &size);
  MPI_Comm_rank(comm, &rank);
  const int bytes = static_cast<int>(local.size() * sizeof(local[0]));
  std::vector<int> counts(static_cast<std::size_t>(size)), displs(counts.size());
  MPI_Gather(&bytes, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, comm);
  int total = 0;
  for (std::size_t r = 0; r < counts.size(); ++r) displs[r] = total, total += counts[r];
  KeyedValues all(rank == 0 ? static_cast<std::size_t>(total) / sizeof(local[0]) : 0);
  MPI_Gatherv(local.data(), bytes, MPI_BYTE, all.data(), counts.data(), displs.data(), MPI_BYTE, 0,
              comm);
  std::sort(all.begin(), all.end());
  return all;
}

bool takeKeyed(Vec x, const std::vector<std::uint64_t>& keys, const KeyedValues& all) {
  const MPI_Comm comm = PetscObjectComm(reinterpret_cast<PetscObject>(x));
  auto local = keyedEntries(x, keys);
  int missing = 0;
  for (auto& [key, value] : local) {
    auto it = std::lower_bound(all.begin(), all.end(), std::make_pair(key, -HUGE_VAL));
    if (it == all.end() || it->first != key) {
      missing = 1;
      break;
    }
    value = it->second;
  }
  MPI_Allreduce(MPI_IN_PLACE, &missing, 1, MPI_INT, MPI_MAX, comm);
  if (missing) return false;
  PetscScalar* a = nullptr;
  PDEINV_CALL(VecGetArray(x, &a));
  for (std::size_t i = 0; i < local.size(); ++i) a[i] = local[i].second;
  PDEINV_CALL(VecRestoreArray(x, &a));
  return true;
}

}  // namespace pdeinv

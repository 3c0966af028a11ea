#pragma once
// An observation operator whose observation vector is in the original order: observation i is
// global entry i (no points to locate). The part every such operator shares — the layout, the
// original-order conversions — for "full" (every state dof) and "xray" (one ray per entry).
#include <mpi.h>

#include <array>
#include <string>
#include <vector>

#include "pdeinv/inverse/observation.hpp"

namespace pdeinv::detail {

class SequentialObservation : public ObservationOperator {
 public:
  // nLocal observations on this rank (consecutive, in rank order).
  SequentialObservation(MPI_Comm comm, PetscInt nLocal);

  PetscInt size() const override { return n_; }
  Owned<Vec> createObservationVector() const override;
  const std::vector<std::array<PetscReal, 3>>& points() const override { return none_; }
  void fromOriginalOrder(const std::vector<PetscReal>& values, Vec obs) const override;
  std::vector<PetscReal> toOriginalOrder(Vec obs) const override;

 protected:
  PetscInt localSize() const { return nLocal_; }
  MPI_Comm comm() const { return comm_; }
  // Error unless v has the observation vector's local size.
  void checkObservationVector(Vec v, const std::string& what) const;

 private:
  MPI_Comm comm_;
  PetscInt nLocal_ = 0, n_ = 0;
  std::vector<int> counts_, displs_;
  std::vector<std::array<PetscReal, 3>> none_;
};

}  // namespace pdeinv::detail

#include "pdeinv/transient/time_observation.hpp"

#include <cmath>

#include "pdeinv/core/error.hpp"

namespace pdeinv {
TimeSeriesObservation::TimeSeriesObservation(const ObservationOperator& spatial,
                                             std::vector<PetscReal> times, PetscReal finalTime,
                                             const std::string& flag)
    : B_(&spatial), times_(std::move(times)) {
  require(!times_.empty(), flag + " gives no observation time");
  // Times within a relative 1e-12 of T count as T (a decimal T and a sum of steps).
  const PetscReal slack = 1e-12 * std::max<PetscReal>(1, std::abs(finalTime));
  for (size_t k = 0; k < times_.size(); ++k) {
    auto& t = times_[k];
    require(std::isfinite(t) && t >= -slack && t <= finalTime + slack,
            "observation time " + realText(t) + " (" + flag + ", entry " + std::to_string(k) +
                ") is outside the simulated interval [0, " + realText(finalTime) + "]");
    t = std::min(std::max<PetscReal>(t, 0), finalTime);
    require(k == 0 || t > times_[k - 1], flag + " must be strictly increasing (entry " +
                                             std::to_string(k) + ": " + realText(t) + ")");
  }
  auto probe = B_->createObservationVector();
  PDEINV_CALL(VecGetLocalSize(probe, &nLocal_));
}

Owned<Vec> TimeSeriesObservation::createObservationVector() const {
  auto probe = B_->createObservationVector();
  MPI_Comm comm;
  PDEINV_CALL(PetscObjectGetComm(reinterpret_cast<PetscObject>(probe.get()), &comm));
  Owned<Vec> v;
  PDEINV_CALL(VecCreateMPI(comm, nLocal_ * numTimes(), PETSC_DETERMINE, v.out()));
  PDEINV_CALL(VecSet(v, 0.0));
  return v;
}

void TimeSeriesObservation::getBlock(Vec stacked, int k, Vec block) const {
  const PetscScalar* s = nullptr;
  PetscScalar* b = nullptr;
  PDEINV_CALL(VecGetArrayRead(stacked, &s));
  PDEINV_CALL(VecGetArray(block, &b));
  for (PetscInt i = 0; i < nLocal_; ++i) b[i] = s[k * nLocal_ + i];
  PDEINV_CALL(VecRestoreArray(block, &b));
  PDEINV_CALL(VecRestoreArrayRead(stacked, &s));
}

void TimeSeriesObservation::addToBlock(Vec stacked, int k, PetscReal w, Vec block) const {
  PetscScalar* s = nullptr;
  const PetscScalar* b = nullptr;
  PDEINV_CALL(VecGetArray(stacked, &s));
  PDEINV_CALL(VecGetArrayRead(block, &b));
  for (PetscInt i = 0; i < nLocal_; ++i) s[k * nLocal_ + i] += w * b[i];
  PDEINV_CALL(VecRestoreArrayRead(block, &b));
  PDEINV_CALL(VecRestoreArray(stacked, &s));
}

std::vector<PetscReal> TimeSeriesObservation::toOriginalOrder(Vec stacked) const {
  auto block = B_->createObservationVector();
  std::vector<PetscReal> out;
  for (int k = 0; k < numTimes(); ++k) {
    getBlock(stacked, k, block);
    const auto part = B_->toOriginalOrder(block);
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

void TimeSeriesObservation::fromOriginalOrder(const std::vector<PetscReal>& values,
                                              Vec stacked) const {
  const auto n = static_cast<size_t>(B_->size());
  require(values.size() == n * times_.size(),
          "time-series data: " + std::to_string(values.size()) + " values for " +
              std::to_string(n) + " observations at " + std::to_string(times_.size()) + " times");
  auto block = B_->createObservationVector();
  PDEINV_CALL(VecSet(stacked, 0.0));
  for (int k = 0; k < numTimes(); ++k) {
    std::vector<PetscReal> part(values.begin() + static_cast<long>(k * n),
                                values.begin() + static_cast<long>((k + 1) * n));
    B_->fromOriginalOrder(part, block);
    addToBlock(stacked, k, 1.0, block);
  }
}

std::vector<PetscReal> observationTimesFromOptions(PetscReal finalTime, const Options& opts) {
  const auto raw = opts.getString("times", "final",
                                  "observation times t1,t2,... (or final: the final time only)");
  if (raw == "final") return {finalTime};
  return opts.getRealArray("times", {finalTime}, "observation times");
}

}  // namespace pdeinv

#pragma once
// TimeSeriesObservation: a spatial ObservationOperator B (sensors, or the full field) read at
// times τ_1 < … < τ_K of a transient solve: the observation vector stacks the K blocks
// B u(τ_k), each rank holding its own sensors' entries of every block (local size K·n_local).
// The original order is time-major: all sensors at τ_1 (in B's original order), then τ_2, …
// Final-time observations are the case K = 1, τ_1 = T.
//
// How u(τ) is formed from the discrete trajectory (and so what the adjoint differentiates) is
// the transient reduced functional's business: linear interpolation between the time levels
// t_n ≤ τ ≤ t_{n+1} of the frozen step sequence.
//
// Options: -obs_times t1,t2,... | final   (default: final), strictly increasing, within [0, T]
// (an InputError naming -obs_times otherwise).
#include <vector>

#include "pdeinv/core/options.hpp"
#include "pdeinv/inverse/observation.hpp"

namespace pdeinv {

class TimeSeriesObservation {
 public:
  // times must be strictly increasing and lie in [0, finalTime] (InputError naming `flag`).
  TimeSeriesObservation(const ObservationOperator& spatial, std::vector<PetscReal> times,
                        PetscReal finalTime, const std::string& flag = "-obs_times");

  const ObservationOperator& spatial() const { return *B_; }
  const std::vector<PetscReal>& times() const { return times_; }
  int numTimes() const { return static_cast<int>(times_.size()); }
  PetscInt size() const { return B_->size() * numTimes(); }
  Owned<Vec> createObservationVector() const;
  // block = the k-th block of a stacked vector (block: like spatial().createObservationVector()).
  void getBlock(Vec stacked, int k, Vec block) const;
  // stacked_k += w · block.
  void addToBlock(Vec stacked, int k, PetscReal w, Vec block) const;
  std::vector<PetscReal> toOriginalOrder(Vec stacked) const;
  void fromOriginalOrder(const std::vector<PetscReal>& values, Vec stacked) const;

 private:
  const ObservationOperator* B_;
  std::vector<PetscReal> times_;
  PetscInt nLocal_ = 0;
};

// -obs_times under prefix "obs_" ("final" or a list), validated against [0, finalTime].
std::vector<PetscReal> observationTimesFromOptions(PetscReal finalTime,
                                                   const Options& opts = Options("obs_"));

}  // namespace pdeinv

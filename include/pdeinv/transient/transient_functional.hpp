#pragma once
// TransientReducedFunctional: the objective of a time-dependent inverse problem,
//
//   J(x) = Φ(d_pred(x)) + R(x),   d_pred,k = B((1 − θ_k) u_{n_k} + θ_k u_{n_k+1}),
//
// where u_0 … u_N is the DIRK trajectory (DirkStepper) on a frozen step sequence t_0 < … < t_N
// and τ_k = (1 − θ_k) t_{n_k} + θ_k t_{n_k+1} are the observation times (linear interpolation in
// time, differentiated exactly). x is either
//   Field          the operator's parameter m through a ParameterMap (a conductivity, a source);
//                  u_0 is fixed
//   InitialState   u_0 itself (a state-space vector); the operator's field is fixed
// Gradient: one reverse sweep of DirkStepper::adjointStep from Λ_N, with the observation
// residuals Γ⁻¹(d_pred − d) entering at the time levels around each τ_k; ∇J = g'(x) ⊙ ∂J/∂m, or
// ∇J = Λ_0 for the initial state. Gauss–Newton Hessian-vector product: a tangent sweep
// (DirkStepper::tangentStep) gives δd_pred, then the same reverse sweep with Φ'' δd_pred. The
// Newton Hessian is not provided.
//
// Memory: binomial checkpointing (checkpointing.hpp) with a budget of c stored time levels
// (-ts_checkpoints c, at least 1; "all" or any c ≥ N keeps the whole trajectory). A stored level
// keeps u_n and the stage values of the step that leaves it, so reversing a step whose start is
// stored needs no recomputation; peak memory is c·(1 + stages) state vectors plus a fixed working
// set, whatever N is. value() runs the schedule's first forward sweep (storing its checkpoints);
// gradient() at the same x continues from there.
#include <memory>
#include <vector>

#include "pdeinv/inverse/misfit.hpp"
#include "pdeinv/inverse/objective.hpp"
#include "pdeinv/inverse/parameter_map.hpp"
#include "pdeinv/inverse/regularization.hpp"
#include "pdeinv/transient/dirk_stepper.hpp"
#include "pdeinv/transient/time_observation.hpp"

namespace pdeinv {

enum class TransientParameter { Field, InitialState };

struct CheckpointStats {
  long forwardSteps = 0;       // steps computed, recomputations included
  long adjointSteps = 0;       // reverse steps
  long tangentSteps = 0;       // tangent steps (Gauss–Newton)
  long peakStoredLevels = 0;   // most time levels held at once
  long peakStoredVectors = 0;  // state-sized vectors those levels held
};

class TransientReducedFunctional final : public Objective {
 public:
  // fixed: the initial state u_0 (Field) or the physical field m (InitialState); copied.
  // map: Field only (null = identity). misfit may be set later (setMisfit) — until then value()
  // only predicts. times: t_0 = 0 < … < t_N. budget ≥ 1 stored levels (≥ N: everything).
  TransientReducedFunctional(DirkStepper& stepper, const TimeSeriesObservation& observation,
                             Misfit* misfit, Regularization* regularization,
                             const ParameterMap* map, TransientParameter what, Vec fixed,
                             std::vector<PetscReal> times, long budget);
  ~TransientReducedFunctional();

  void setMisfit(Misfit* misfit);
  // A new step sequence (e.g. chosen again by ARKODE); drops everything cached.
  void setTimes(std::vector<PetscReal> times);
  const std::vector<PetscReal>& times() const { return times_; }
  long steps() const { return static_cast<long>(times_.size()) - 1; }
  long budget() const { return budget_; }
  // A new checkpoint budget (≥ 1); drops everything cached.
  void setBudget(long budget);
  TransientParameter what() const { return what_; }

  Owned<Vec> createParameterVector() const override;
  PetscReal value(Vec x) override;
  PetscReal gradient(Vec x, Vec g) override;
  void hessianApply(Vec x, Vec dx, Vec out, HessianType type) override;
  PetscReal misfitValue() const override { return misfit_; }
  PetscReal regularizationValue() const override { return reg_; }
  const SolveCounts& counts() const override { return counts_; }
  Vec state() const override { return uFinal_; }  // u_N
  bool newtonAvailable() const override { return false; }
  std::string newtonUnavailableReason() const override {
    return "transient problems provide the Gauss-Newton Hessian only";
  }

  // d_pred of the last evaluation (stacked, see TimeSeriesObservation).
  Vec predictedObservations() const { return pred_; }
  // The trajectory of x at the given times (linear interpolation between levels), recomputed.
  std::vector<Owned<Vec>> statesAt(Vec x, const std::vector<PetscReal>& at);
  // Tangent and adjoint of the map x ↦ d_pred (for dot-product tests): dd = (∂d/∂x) dx and
  // out = (∂d/∂x)ᵀ r.
  void predictionTangent(Vec x, Vec dx, Vec dd);
  void predictionAdjoint(Vec x, Vec r, Vec out);
  const CheckpointStats& checkpointStats() const { return stats_; }
  void resetCheckpointStats() { stats_ = {}; }

 private:
  struct Level;
  void update(Vec x);
  void prepare(Vec x);
  void clearLevels();
  Level* levelAt(long n);
  Level& store(long n);
  void release(long n);
  // Steps the current state from level pos_ to `to`, recording stages where a stored level
  // lacks them (and into the working record for the last step when recordLast).
  void advance(long to, bool recordLast = false);
  void restore(long n);
  void observe(long level, Vec u);
  void sweep();
  // Reverse over [a, b) with c levels (level a stored); fresh: the first sweep just ran.
  void reverse(long a, long b, long c, bool fresh);
  void reverseStep(long n, Level& rec);
  void addSources(long level);
  // Λ sweep with residuals r_ (stacked) → dJ/dm into gm (Field) or Λ_0 into out (InitialState).
  void adjointSweep(bool fresh, Vec out);
  void tangentSweep(Vec dx, Vec dd);
  void toVariable(Vec raw, Vec x, Vec out);

  DirkStepper& stepper_;
  const TimeSeriesObservation& obs_;
  Misfit* misfitModel_;
  Regularization* regularization_;
  const ParameterMap* map_;
  TransientParameter what_;
  std::vector<PetscReal> times_;
  long budget_;
  // Per time level: (observation k, weight) pairs of the interpolation.
  std::vector<std::vector<std::pair<int, PetscReal>>> sources_;
  std::vector<std::unique_ptr<Level>> levels_;  // stored levels (pool)
  std::vector<Level*> byStep_;                  // level n → its storage, or null
  std::unique_ptr<Level> working_;
  long pos_ = 0, furthest_ = 0, storedNow_ = 0;
  bool fresh_ = false, haveValue_ = false, haveGradient_ = false;
  Owned<Vec> fixed_, x_, p_, u0_, cur_, next_, uFinal_, pred_, resid_, g_;
  Owned<Vec> lambda_, lambdaTmp_, gm_, obsBlock_, stateTmp_;
  PetscReal misfit_ = 0, reg_ = 0;
  SolveCounts counts_;
  CheckpointStats stats_;
};

}  // namespace pdeinv

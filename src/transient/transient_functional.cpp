#include "pdeinv/transient/transient_functional.hpp"

#include <algorithm>
#include <utility>

#include "pdeinv/core/error.hpp"
#include "pdeinv/transient/checkpointing.hpp"

namespace pdeinv {

// A stored time level: u_n and, once the step leaving it has been computed, that step's stages.
struct TransientReducedFunctional::Level {
  long step = -1;
  bool inUse = false, haveStages = false;
  Owned<Vec> u;
  std::vector<Owned<Vec>> stages;
  std::vector<Vec> views() const {
    std::vector<Vec> v;
    for (const auto& s : stages) v.push_back(s);
    return v;
  }
};

TransientReducedFunctional::TransientReducedFunctional(
    DirkStepper& stepper, const TimeSeriesObservation& observation, Misfit* misfit,
    Regularization* regularization, const ParameterMap* map, TransientParameter what, Vec fixed,
    std::vector<PetscReal> times, long budget)
    : stepper_(stepper),
      obs_(observation),
      misfitModel_(misfit),
      regularization_(regularization),
      map_(map),
      what_(what),
      budget_(1) {
  setBudget(budget);
  const auto& V = stepper_.state();
  PDEINV_CALL(VecDuplicate(fixed, fixed_.out()));
  PDEINV_CALL(VecCopy(fixed, fixed_));
  for (auto* v : {&u0_, &cur_, &next_, &uFinal_, &lambda_, &lambdaTmp_, &stateTmp_})
    *v = V.createVector();
  PDEINV_CALL(VecDuplicate(stepper_.parameter(), p_.out()));
  PDEINV_CALL(VecDuplicate(stepper_.parameter(), gm_.out()));
  x_ = createParameterVector();
  g_ = createParameterVector();
  pred_ = obs_.createObservationVector();
  resid_ = obs_.createObservationVector();
  obsBlock_ = obs_.spatial().createObservationVector();
  auto w = std::make_unique<Level>();
  w->u = V.createVector();
  for (int i = 0; i < stepper_.recordedStages(); ++i) w->stages.push_back(V.createVector());
  working_ = std::move(w);
  if (what_ == TransientParameter::InitialState) stepper_.setParameter(fixed_);
  setTimes(std::move(times));
}

TransientReducedFunctional::~TransientReducedFunctional() = default;

void TransientReducedFunctional::setBudget(long budget) {
  require(budget >= 1, "the checkpoint budget (-ts_checkpoints) must be at least 1, got " +
                           std::to_string(budget));
  budget_ = budget;
  clearLevels();
  haveValue_ = haveGradient_ = fresh_ = false;
}

void TransientReducedFunctional::setMisfit(Misfit* misfit) {
  misfitModel_ = misfit;
  haveValue_ = haveGradient_ = false;
}

void TransientReducedFunctional::setTimes(std::vector<PetscReal> times) {
  require(times.size() >= 2 && times.front() == 0,
          "a transient step sequence starts at t = 0 and has at least one step");
  for (size_t n = 1; n < times.size(); ++n)
    require(times[n] > times[n - 1], "time levels must increase (step " + std::to_string(n) + ")");
  times_ = std::move(times);
  const long N = steps();
  const PetscReal T = times_.back();
  sources_.assign(static_cast<size_t>(N + 1), {});
  const auto& tau = obs_.times();
  for (int k = 0; k < obs_.numTimes(); ++k) {
    const PetscReal t = tau[static_cast<size_t>(k)];
    require(t <= T * (1 + 1e-12), "observation time " + std::to_string(t) +
                                      " is after the last time level " + std::to_string(T));
    long n =
        static_cast<long>(std::upper_bound(times_.begin(), times_.end(), t) - times_.begin()) - 1;
    n = std::min(std::max(n, 0L), N - 1);
    const PetscReal h = times_[static_cast<size_t>(n + 1)] - times_[static_cast<size_t>(n)];
    const PetscReal theta = std::min<PetscReal>(1, (t - times_[static_cast<size_t>(n)]) / h);
    if (theta < 1) sources_[static_cast<size_t>(n)].push_back({k, 1 - theta});
    if (theta > 0) sources_[static_cast<size_t>(n + 1)].push_back({k, theta});
  }
  clearLevels();
  byStep_.assign(static_cast<size_t>(N + 1), nullptr);
  haveValue_ = haveGradient_ = fresh_ = false;
}

Owned<Vec> TransientReducedFunctional::createParameterVector() const {
  Owned<Vec> v;
  if (what_ == TransientParameter::InitialState) return stepper_.state().createVector();
  PDEINV_CALL(VecDuplicate(stepper_.parameter(), v.out()));
  return v;
}

// ---- stored levels ----

void TransientReducedFunctional::clearLevels() {
  for (auto& L : levels_) {
    L->inUse = L->haveStages = false;
    L->step = -1;
  }
  std::fill(byStep_.begin(), byStep_.end(), nullptr);
  storedNow_ = 0;
  if (working_) working_->step = -1;
}

TransientReducedFunctional::Level* TransientReducedFunctional::levelAt(long n) {
  return byStep_[static_cast<size_t>(n)];
}

TransientReducedFunctional::Level& TransientReducedFunctional::store(long n) {
  if (pos_ != n)
    throw Error("checkpointing: storing level " + std::to_string(n) + " at " +
                std::to_string(pos_));
  if (storedNow_ >= budget_) throw Error("checkpointing: budget exceeded (internal error)");
  Level* L = nullptr;
  for (auto& cand : levels_)
    if (!cand->inUse) L = cand.get();
  if (!L) {
    auto fresh = std::make_unique<Level>();
    fresh->u = stepper_.state().createVector();
    for (int i = 0; i < stepper_.recordedStages(); ++i)
      fresh->stages.push_back(stepper_.state().createVector());
    levels_.push_back(std::move(fresh));
    L = levels_.back().get();
  }
  L->inUse = true;
  L->haveStages = false;
  L->step = n;
  PDEINV_CALL(VecCopy(cur_, L->u));
  byStep_[static_cast<size_t>(n)] = L;
  ++storedNow_;
  stats_.peakStoredLevels = std::max(stats_.peakStoredLevels, storedNow_);
  stats_.peakStoredVectors =
      std::max<long>(stats_.peakStoredVectors, storedNow_ * (1 + stepper_.recordedStages()));
  return *L;
}

void TransientReducedFunctional::release(long n) {
  Level* L = levelAt(n);
  if (!L) return;
  L->inUse = L->haveStages = false;
  L->step = -1;
  byStep_[static_cast<size_t>(n)] = nullptr;
  --storedNow_;
}

void TransientReducedFunctional::restore(long n) {
  Level* L = levelAt(n);
  if (!L) throw Error("checkpointing: level " + std::to_string(n) + " is not stored");
  PDEINV_CALL(VecCopy(L->u, cur_));
  pos_ = n;
}

// ---- forward ----

void TransientReducedFunctional::advance(long to, bool recordLast) {
  while (pos_ < to) {
    const long n = pos_;
    const PetscReal t = times_[static_cast<size_t>(n)];
    const PetscReal h = times_[static_cast<size_t>(n + 1)] - t;
    Level* L = levelAt(n);
    if (L && L->haveStages) {
      // The step's stages are stored: u_{n+1} = U_s without recomputation.
      PDEINV_CALL(VecCopy(L->stages.back(), next_));
    } else {
      Level* rec = L ? L : (recordLast && n == to - 1 ? working_.get() : nullptr);
      if (rec == working_.get()) {
        PDEINV_CALL(VecCopy(cur_, working_->u));
        working_->step = -1;
      }
      if (rec) {
        const auto views = rec->views();
        stepper_.step(t, h, cur_, next_, &views);
        rec->haveStages = true;
        if (rec == working_.get()) working_->step = n;
      } else {
        stepper_.step(t, h, cur_, next_, nullptr);
      }
      ++stats_.forwardSteps;
      ++counts_.forward;
    }
    std::swap(cur_, next_);
    ++pos_;
    if (pos_ > furthest_) {
      furthest_ = pos_;
      observe(pos_, cur_);
    }
  }
}

void TransientReducedFunctional::observe(long level, Vec u) {
  for (const auto& [k, w] : sources_[static_cast<size_t>(level)]) {
    obs_.spatial().apply(u, obsBlock_);
    obs_.addToBlock(pred_, k, w, obsBlock_);
  }
}

void TransientReducedFunctional::prepare(Vec x) {
  if (what_ == TransientParameter::Field) {
    if (map_) {
      map_->apply(x, p_);
    } else {
      PDEINV_CALL(VecCopy(x, p_));
    }
    stepper_.setParameter(p_);
    PDEINV_CALL(VecCopy(fixed_, u0_));
  } else {
    PDEINV_CALL(VecCopy(x, u0_));
  }
}

void TransientReducedFunctional::sweep() {
  const long N = steps();
  clearLevels();
  pos_ = furthest_ = 0;
  PDEINV_CALL(VecCopy(u0_, cur_));
  PDEINV_CALL(VecSet(pred_, 0.0));
  observe(0, cur_);
  store(0);
  long a = 0, c = budget_;
  while (N - a > 1 && c > 1) {
    const long m = a + static_cast<long>(binomialSplit(N - a, c));
    advance(m);
    store(m);
    a = m;
    --c;
  }
  advance(N, N - a > 1);
  PDEINV_CALL(VecCopy(cur_, uFinal_));
  fresh_ = true;
}

void TransientReducedFunctional::update(Vec x) {
  if (haveValue_) {
    PetscBool same = PETSC_FALSE;
    PDEINV_CALL(VecEqual(x, x_, &same));
    if (same) return;
  }
  PDEINV_CALL(VecCopy(x, x_));
  haveValue_ = haveGradient_ = false;
  prepare(x);
  sweep();
  misfit_ = misfitModel_ ? misfitModel_->value(pred_) : 0;
  reg_ = regularization_ ? regularization_->value(x) : 0;
  haveValue_ = true;
}

PetscReal TransientReducedFunctional::value(Vec x) {
  update(x);
  return misfit_ + reg_;
}

// ---- reverse ----

void TransientReducedFunctional::addSources(long level) {
  for (const auto& [k, w] : sources_[static_cast<size_t>(level)]) {
    obs_.getBlock(resid_, k, obsBlock_);
    obs_.spatial().applyTranspose(obsBlock_, stateTmp_);
    PDEINV_CALL(VecAXPY(lambda_, w, stateTmp_));
  }
}

void TransientReducedFunctional::reverseStep(long n, Level& rec) {
  const PetscReal t = times_[static_cast<size_t>(n)];
  const PetscReal h = times_[static_cast<size_t>(n + 1)] - t;
  stepper_.adjointStep(t, h, rec.u, rec.views(), lambda_, lambdaTmp_,
                       what_ == TransientParameter::Field ? gm_.get() : nullptr);
  std::swap(lambda_, lambdaTmp_);
  addSources(n);
  ++stats_.adjointSteps;
  ++counts_.adjoint;
}

void TransientReducedFunctional::reverse(long a, long b, long c, bool fresh) {
  if (b - a == 1) {
    Level* L = levelAt(a);
    if (!L->haveStages) {
      restore(a);
      advance(a + 1);  // records the step's stages into level a
    }
    reverseStep(a, *L);
    return;
  }
  if (c == 1) {
    for (long k = b - 1; k > a; --k) {
      Level* L = levelAt(k);
      if (L && L->haveStages) {
        reverseStep(k, *L);
        continue;
      }
      if (!(fresh && k == b - 1 && working_->step == k)) {
        restore(a);
        advance(k + 1, true);
      }
      reverseStep(k, *working_);
    }
    reverse(a, a + 1, 1, false);
    return;
  }
  const long m = a + static_cast<long>(binomialSplit(b - a, c));
  if (!levelAt(m)) {
    restore(a);
    advance(m);
    store(m);
  }
  reverse(m, b, c - 1, fresh);
  if (budget_ < steps()) release(m);
  reverse(a, m, c, false);
}

void TransientReducedFunctional::adjointSweep(bool fresh, Vec out) {
  const long N = steps();
  if (!fresh && budget_ < N) {
    for (long n = 1; n <= N; ++n) release(n);
  }
  PDEINV_CALL(VecSet(lambda_, 0.0));
  PDEINV_CALL(VecSet(gm_, 0.0));
  addSources(N);
  const bool field = what_ == TransientParameter::Field;
  if (field) stepper_.beginParameterGradient();
  reverse(0, N, budget_, fresh);
  if (field) stepper_.finishParameterGradient(gm_);
  fresh_ = false;
  if (what_ == TransientParameter::Field) {
    if (map_) {
      map_->jacobianApply(x_, gm_, out);  // g'(x) ⊙ ∂J/∂p (g' is diagonal)
    } else {
      PDEINV_CALL(VecCopy(gm_, out));
    }
  } else {
    PDEINV_CALL(VecCopy(lambda_, out));  // ∂J/∂u_0 = Λ_0
  }
}

PetscReal TransientReducedFunctional::gradient(Vec x, Vec g) {
  update(x);
  if (!haveGradient_) {
    if (!misfitModel_) throw Error("TransientReducedFunctional: gradient without a misfit");
    misfitModel_->gradient(pred_, resid_);
    adjointSweep(fresh_, g_);
    if (regularization_) {
      auto r = createParameterVector();
      regularization_->gradient(x, r);
      PDEINV_CALL(VecAXPY(g_, 1.0, r));
    }
    haveGradient_ = true;
  }
  PDEINV_CALL(VecCopy(g_, g));
  return misfit_ + reg_;
}

// ---- tangent ----

void TransientReducedFunctional::tangentSweep(Vec dx, Vec dd) {
  const long N = steps();
  Vec du = lambda_, duNext = lambdaTmp_;
  Vec dp = nullptr;
  if (what_ == TransientParameter::Field) {
    dp = gm_;
    if (map_) {
      map_->jacobianApply(x_, dx, dp);
    } else {
      PDEINV_CALL(VecCopy(dx, dp));
    }
    PDEINV_CALL(VecSet(du, 0.0));
  } else {
    PDEINV_CALL(VecCopy(dx, du));
  }
  PDEINV_CALL(VecSet(dd, 0.0));
  auto observeTangent = [&](long level, Vec v) {
    for (const auto& [k, w] : sources_[static_cast<size_t>(level)]) {
      obs_.spatial().applyLinear(v, obsBlock_);
      obs_.addToBlock(dd, k, w, obsBlock_);
    }
  };
  observeTangent(0, du);
  restore(0);
  for (long n = 0; n < N; ++n) {
    const PetscReal t = times_[static_cast<size_t>(n)];
    const PetscReal h = times_[static_cast<size_t>(n + 1)] - t;
    Level* rec = levelAt(n);
    if (!(rec && rec->haveStages)) {
      rec = working_.get();
      PDEINV_CALL(VecCopy(cur_, rec->u));
      const auto views = rec->views();
      stepper_.step(t, h, cur_, next_, &views);
      rec->step = n;
      ++stats_.forwardSteps;
      ++counts_.forward;
    } else {
      PDEINV_CALL(VecCopy(rec->stages.back(), next_));
    }
    stepper_.tangentStep(t, h, rec->u, rec->views(), du, dp, duNext);
    std::swap(du, duNext);
    std::swap(cur_, next_);
    observeTangent(n + 1, du);
    ++stats_.tangentSteps;
    ++counts_.tangent;
  }
  pos_ = N;
  fresh_ = false;
}

void TransientReducedFunctional::hessianApply(Vec x, Vec dx, Vec out, HessianType type) {
  if (type != HessianType::GaussNewton)
    throw InputError(
        "transient problems provide the Gauss-Newton Hessian only (-hessian gauss_newton)");
  if (!misfitModel_) throw Error("TransientReducedFunctional: Hessian without a misfit");
  update(x);
  auto dd = obs_.createObservationVector();
  tangentSweep(dx, dd);
  misfitModel_->gaussNewtonApply(pred_, dd, resid_);
  adjointSweep(false, out);
  ++counts_.incrementalAdjoint;
  if (regularization_) {
    auto r = createParameterVector();
    regularization_->hessianApply(x, dx, r);
    PDEINV_CALL(VecAXPY(out, 1.0, r));
  }
}

void TransientReducedFunctional::predictionTangent(Vec x, Vec dx, Vec dd) {
  update(x);
  tangentSweep(dx, dd);
}

void TransientReducedFunctional::predictionAdjoint(Vec x, Vec r, Vec out) {
  update(x);
  PDEINV_CALL(VecCopy(r, resid_));
  adjointSweep(fresh_, out);
  haveGradient_ = false;
}

std::vector<Owned<Vec>> TransientReducedFunctional::statesAt(Vec x,
                                                             const std::vector<PetscReal>& at) {
  haveValue_ = haveGradient_ = fresh_ = false;
  clearLevels();
  prepare(x);
  std::vector<Owned<Vec>> out;
  for (size_t i = 0; i < at.size(); ++i) out.push_back(stepper_.state().createVector());
  PDEINV_CALL(VecCopy(u0_, cur_));
  const long N = steps();
  auto fill = [&](long n) {  // targets in [t_n, t_{n+1}] from cur_ (u_n) and next_ (u_{n+1})
    for (size_t i = 0; i < at.size(); ++i) {
      const PetscReal t0 = times_[static_cast<size_t>(n)], t1 = times_[static_cast<size_t>(n + 1)];
      const PetscReal tau = std::min(std::max<PetscReal>(at[i], 0), times_.back());
      if (tau < t0 || tau > t1 || (tau == t0 && n > 0)) continue;
      const PetscReal th = (tau - t0) / (t1 - t0);
      PDEINV_CALL(VecAXPBYPCZ(out[i], 1 - th, th, 0.0, cur_, next_));
    }
  };
  for (long n = 0; n < N; ++n) {
    const PetscReal t = times_[static_cast<size_t>(n)];
    stepper_.step(t, times_[static_cast<size_t>(n + 1)] - t, cur_, next_, nullptr);
    fill(n);
    std::swap(cur_, next_);
  }
  return out;
}

}  // namespace pdeinv

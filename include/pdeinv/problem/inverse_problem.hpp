#pragma once
// InverseProblem: a whole steady inverse problem built from the options database — the
// forward problem (SteadyProblem), the observation operator, the observed data (synthetic from
// a truth, or read from a file), the noise model and misfit, the regularization, the parameter
// map and the ReducedFunctional that combines them.
//
// Options (besides those of each component):
//   -truth <expr>          physical parameter that generates synthetic data (the operator's m)
//   -data_file <path>      observed data instead (CSV x,y[,z],value or HDF5); must match the
//                          observation points
//   -noise_sigma / -noise_relative / -noise_seed     noise model (and the synthetic draw)
//   -misfit_type gaussian       data misfit
//   -m_init <expr>         physical starting parameter (default: the map's neutral value)
//   -parameter_regions v1,v2,...   invert for one scalar per cell region instead of a field
//                          (-parameter_regions_label, default "Cell Sets"; needs a P0 parameter)
//   -parameter_space field|regions|scalars   what is inverted for (default: regions when
//                          -parameter_regions is given, else field). scalars: the operator's own
//                          scalar parameters θ (e.g. -poisson_source_model gaussian: strength
//                          and centre of the source), with the field m fixed:
//     -parameter_fixed <expr>      the fixed physical field m (default 0)
//     -truth_scalars t1,t2,...     θ generating synthetic data (one value per scalar)
//     -scalars_init t1,t2,...      starting θ (default: the operator's defaults)
//   (no regularization in scalar mode; -truth, -m_init and -reg_* do not apply)
//   -adjoint implicit|unrolled     steady gradients: implicit at the solution (default), or
//                          through the executed Newton iterations (field parameters; see
//                          ReducedFunctional and docs/nonlinear_adjoints.md)
//
// Transient problems (-problem transient): M u̇ = −R(t, u, m) from u(0) to -ts_final_time,
// integrated by a stiffly accurate DIRK (-ts_tableau, -ts_dt; -ts_adapt 1: ARKODE chooses the
// steps once, at the starting point, and they stay frozen for the inversion), observed by the
// sensors of -obs_* at the times -obs_times t1,t2,...|final, and differentiated exactly
// (TransientReducedFunctional) under a checkpoint budget -ts_checkpoints c|all. What is
// inverted for (-parameter_space):
//   field           the operator's m (a conductivity, a source), from -initial_state <expr>
//                   (default 0); -truth, -m_init, -param_map_type and -reg_* as for steady problems
//   initial_state   u(0), a state-space field (-truth and -m_init are initial states; the
//                   regularization acts on the state space); the operator's m is
//                   -parameter_fixed <expr> (default 0)
// -data_file is not available for transient problems (synthetic data from -truth only).
#include <memory>

#include "pdeinv/forward/steady_problem.hpp"
#include "pdeinv/inverse/linear_constraint.hpp"
#include "pdeinv/inverse/reduced_functional.hpp"
#include "pdeinv/inverse/weighted_regularization.hpp"
#include "pdeinv/transient/transient_functional.hpp"

namespace pdeinv {

// A steady inverse problem given in code: its components built by the program (fromOptions
// builds the same from the options database). The parameter is a field on forward's parameter
// space, or one scalar per region with `regions`.
struct InverseProblemSpec {
  std::unique_ptr<SteadyProblem> forward;            // required
  std::unique_ptr<ObservationOperator> observation;  // required, on forward->state()
  Owned<Vec> data;                                   // observed values (observation vector)
  Owned<Vec> sigma;                // noise standard deviations (observation vector), required
  std::unique_ptr<Misfit> misfit;  // default: Gaussian with sigma
  std::unique_ptr<Regularization> regularization;  // default: none
  PetscReal regularizationWeight = 1.0;            // β in J = Φ + β R
  std::unique_ptr<ParameterMap> map;               // default: identity
  std::unique_ptr<RegionParameters> regions;       // default: a field parameter
  Owned<Vec> initialGuess;  // the optimisation variable's start (default 0: the map's neutral)
  Owned<Vec> truth;         // optional: the true optimisation variable (for reports)
  AdjointMode adjoint = AdjointMode::Implicit;
};

class InverseProblem {
 public:
  static std::unique_ptr<InverseProblem> fromOptions(MPI_Comm comm);
  // From code. A missing or mismatched component is an InputError naming the spec's field.
  static std::unique_ptr<InverseProblem> create(InverseProblemSpec spec);

  SteadyProblem& forward() { return *forward_; }
  const ObservationOperator& observation() const { return *obs_; }
  Misfit& misfit() { return *misfit_; }
  // β·R: the weight β (default 1, multiplying R's own -reg_gamma) is what Morozov's principle
  // and the L-curve change.
  WeightedRegularization* regularization() { return reg_.get(); }
  // The equality constraint's penalty (-constraint_mean/-constraint_integral), if any: added to
  // the regularization in the objective (not scaled by its weight).
  LinearConstraintPenalty* constraint() { return constraint_.get(); }
  // The regularization term of the objective: the constraint's penalty when there is one (it
  // includes the weighted regularization), else the weighted regularization; null for none.
  Regularization* objectiveRegularization() {
    return constraint_ ? static_cast<Regularization*>(constraint_.get()) : reg_.get();
  }
  const ParameterMap& map() const { return *map_; }
  // Region parameters (one scalar per region), or null for a field parameter.
  const RegionParameters* regions() const { return regions_.get(); }
  // Scalar mode: the variable is the operator's θ (a root vector), the field m is fixed.
  bool scalarMode() const { return scalarMode_; }
  // The physical field m = g(E θ) or g(m) of an optimisation variable (for an initial state:
  // the state u(0) = x itself).
  void physicalField(Vec x, Vec field) const;
  // The parameter field the operator sees at x (for an initial state: the fixed m).
  void operatorField(Vec x, Vec field) const;
  // The objective: the steady ReducedFunctional or the TransientReducedFunctional.
  Objective& objective() { return transient_ ? static_cast<Objective&>(*tJ_) : *J_; }
  // The steady one (null for transient problems) and the transient one (null for steady ones).
  ReducedFunctional* steadyObjective() { return J_.get(); }
  TransientReducedFunctional* transientObjective() { return tJ_.get(); }
  bool transient() const { return transient_; }
  // The space of the physical parameter field (the state space for an initial state).
  const FunctionSpace& parameterSpace() const;
  // The number of observed values (sensors × observation times for transient problems).
  PetscInt dataSize() const;
  // "field", "regions", "scalars" or "initial_state".
  const std::string& parameterKind() const { return kind_; }
  // Data d and noise σ (observation vectors); the truth (optimisation variable), if given.
  Vec data() const { return data_; }
  Vec sigma() const { return sigma_; }
  Vec truth() const { return truth_; }
  // The starting point of an inversion (optimisation variable).
  Owned<Vec> initialGuess() const;

 private:
  InverseProblem() = default;
  std::unique_ptr<SteadyProblem> forward_;
  std::unique_ptr<ObservationOperator> obs_;
  std::unique_ptr<Misfit> misfit_;
  std::unique_ptr<WeightedRegularization> reg_;
  std::unique_ptr<LinearConstraintPenalty> constraint_;
  std::unique_ptr<ParameterMap> map_;
  std::unique_ptr<RegionParameters> regions_;
  std::unique_ptr<ReducedFunctional> J_;
  bool transient_ = false;
  std::string kind_ = "field";
  std::unique_ptr<DirkStepper> stepper_;
  std::unique_ptr<TimeSeriesObservation> timeObs_;
  std::unique_ptr<TransientReducedFunctional> tJ_;
  Owned<Vec> transientFixed_;  // u(0) (field) or m (initial state)
  static void buildTransient(InverseProblem& p);
  std::unique_ptr<Expression> init_;
  Owned<Vec> data_, sigma_, truth_;
  bool scalarMode_ = false;
  Owned<Vec> fixedField_;              // scalar mode: the physical field m
  std::vector<PetscReal> scalarInit_;  // scalar mode: the starting θ
  Owned<Vec> initVector_;              // create(): the starting optimisation variable
};

}  // namespace pdeinv

#include "pdeinv/analysis/identifiability.hpp"

#include <Eigen/Dense>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/root_vector.hpp"
#include "pdeinv/core/session.hpp"
#include "pdeinv/io/json.hpp"
#include "pdeinv/problem/inverse_problem.hpp"

namespace pdeinv {
namespace {

// Weighted residual r = (B u − d)/σ and Jacobian columns J_k = −B (∂R/∂u)⁻¹ ∂R/∂θ_k / σ at θ
// (one forward solve, k tangent solves); returns Φ = ½‖r‖².
struct Linearisation {
  Owned<Vec> r;
  std::vector<Owned<Vec>> columns;
  PetscReal phi = 0;
};

Linearisation linearise(InverseProblem& inv, Vec theta, bool withJacobian) {
  auto* J = inv.steadyObjective();
  Linearisation lin;
  J->value(theta);
  PDEINV_CALL(VecDuplicate(inv.data(), lin.r.out()));
  PDEINV_CALL(VecWAXPY(lin.r, -1.0, inv.data(), J->predictedObservations()));
  PDEINV_CALL(VecPointwiseDivide(lin.r, lin.r, inv.sigma()));
  PetscReal nr = 0;
  PDEINV_CALL(VecNorm(lin.r, NORM_2, &nr));
  lin.phi = 0.5 * nr * nr;
  if (!withJacobian) return lin;
  auto& solver = inv.forward().solver();
  const auto& V = inv.forward().state();
  auto rhs = V.createVector(), du = V.createVector();
  for (PetscInt k = 0; k < solver.numScalars(); ++k) {
    solver.scalarDerivative(static_cast<int>(k), rhs);
    solver.solveTangent(rhs, du);
    PDEINV_CALL(VecScale(du, -1.0));
    lin.columns.push_back(inv.observation().createObservationVector());
    inv.observation().applyLinear(du, lin.columns.back());
    PDEINV_CALL(VecPointwiseDivide(lin.columns.back(), lin.columns.back(), inv.sigma()));
  }
  return lin;
}

}  // namespace

IdentifiabilityReport gaussNewtonScalars(InverseProblem& inv, Vec theta,
                                         const IdentifiabilityOptions& opts) {
  require(inv.scalarMode() && inv.steadyObjective(),
          "Gauss-Newton for global parameters needs -parameter_space scalars (a steady problem)");
  require(inv.misfit().name() == "gaussian",
          "Gauss-Newton for global parameters needs -misfit_type gaussian, got '" +
              inv.misfit().name() + "'");
  const auto& solver = inv.forward().solver();
  const int k = static_cast<int>(solver.numScalars());
  IdentifiabilityReport rep;
  for (const auto& s : inv.forward().op().scalarParameters(inv.forward().state().dim()))
    rep.names.push_back(s.name);

  auto normalMatrix = [&](const Linearisation& lin, Eigen::MatrixXd& JtJ, Eigen::VectorXd& Jtr) {
    JtJ.resize(k, k);
    Jtr.resize(k);
    for (int i = 0; i < k; ++i) {
      PDEINV_CALL(VecDot(lin.columns[static_cast<size_t>(i)], lin.r, &Jtr[i]));
      for (int j = 0; j <= i; ++j) {
        PDEINV_CALL(VecDot(lin.columns[static_cast<size_t>(i)], lin.columns[static_cast<size_t>(j)],
                           &JtJ(i, j)));
        JtJ(j, i) = JtJ(i, j);
      }
    }
  };
  auto trial = createRootVector(PetscObjectComm(reinterpret_cast<PetscObject>(theta)), k);
  Eigen::MatrixXd JtJ;
  Eigen::VectorXd Jtr;
  Linearisation lin = linearise(inv, theta, true);
  for (rep.iterations = 0; rep.iterations < opts.maxIterations; ++rep.iterations) {
    normalMatrix(lin, JtJ, Jtr);
    // δ = −(JᵀJ)⁺ Jᵀr: the SVD's pseudo-inverse leaves unseen directions alone.
    Eigen::JacobiSVD<Eigen::MatrixXd> svd(JtJ, Eigen::ComputeFullU | Eigen::ComputeFullV);
    svd.setThreshold(opts.nullTolerance * opts.nullTolerance);
    const Eigen::VectorXd delta = -svd.solve(Jtr);
    const auto t = gatherRootVector(theta);
    const Eigen::Map<const Eigen::VectorXd> tv(t.data(), k);
    PetscReal step = 1;
    bool accepted = false;
    for (int halving = 0; halving < 30 && !accepted; ++halving, step /= 2) {
      std::vector<PetscReal> tt(t);
      for (int i = 0; i < k; ++i) tt[static_cast<size_t>(i)] += step * delta[i];
      setRootVector(trial, tt);
      accepted = linearise(inv, trial, false).phi <= lin.phi;
    }
    if (!accepted) break;  // no decrease along the GN direction: at the minimum to round-off
    PDEINV_CALL(VecCopy(trial, theta));
    lin = linearise(inv, theta, true);
    if (step * delta.norm() <= opts.stepTolerance * (1 + tv.norm())) {
      rep.converged = true;
      ++rep.iterations;
      break;
    }
  }
  if (!rep.converged && rep.iterations < opts.maxIterations) rep.converged = true;

  // What the data determine, at the estimate.
  normalMatrix(lin, JtJ, Jtr);
  rep.misfit = lin.phi;
  rep.theta = gatherRootVector(theta);
  Eigen::JacobiSVD<Eigen::MatrixXd> svd(JtJ, Eigen::ComputeFullV);
  const Eigen::VectorXd s2 = svd.singularValues();  // eigenvalues of JᵀJ = σ²
  const Eigen::MatrixXd V = svd.matrixV();
  for (int i = 0; i < k; ++i) {
    const PetscReal s = std::sqrt(std::max(0.0, s2[i]));
    rep.singularValues.push_back(s);
    rep.directions.emplace_back(V.col(i).data(), V.col(i).data() + k);
  }
  const PetscReal smax = rep.singularValues.empty() ? 0 : rep.singularValues.front();
  const PetscReal smin = rep.singularValues.empty() ? 0 : rep.singularValues.back();
  rep.conditionNumber = smin > 0 ? smax / smin : std::numeric_limits<PetscReal>::infinity();
  Eigen::MatrixXd cov = Eigen::MatrixXd::Zero(k, k);
  for (int i = 0; i < k; ++i) {
    if (rep.singularValues[static_cast<size_t>(i)] < opts.nullTolerance * smax) {
      rep.undetermined.push_back(i);
    } else {
      cov += V.col(i) * V.col(i).transpose() / s2[i];
    }
  }
  for (int i = 0; i < k; ++i) {
    rep.covariance.emplace_back(cov.col(i).data(), cov.col(i).data() + k);
    rep.standardDeviations.push_back(std::sqrt(std::max(0.0, cov(i, i))));
  }
  return rep;
}

void printIdentifiability(MPI_Comm comm, const IdentifiabilityReport& r) {
  if (rankOf(comm) != 0) return;
  const size_t k = r.theta.size();
  std::printf("Gauss-Newton for %zu global parameters: %s after %d iterations, misfit %.6e\n", k,
              r.converged ? "converged" : "NOT converged", r.iterations, r.misfit);
  std::printf("  %-12s %16s %14s\n", "parameter", "estimate", "std. dev.");
  for (size_t i = 0; i < k; ++i)
    std::printf("  %-12s %16.10g %14.4e\n", r.names[i].c_str(), r.theta[i],
                r.standardDeviations[i]);
  std::printf("  singular values of the weighted Jacobian:");
  for (PetscReal s : r.singularValues) std::printf(" %.4e", s);
  std::printf("\n  condition number %.4e\n", r.conditionNumber);
  for (size_t i = 0; i < k; ++i) {
    std::printf("  direction %zu (sigma %.3e)%s:", i + 1, r.singularValues[i],
                i + 1 == k ? " least determined" : (i == 0 ? " best determined" : ""));
    for (size_t j = 0; j < k; ++j) std::printf(" %s %+.4f", r.names[j].c_str(), r.directions[i][j]);
    std::printf("\n");
  }
  if (r.undetermined.empty()) {
    std::printf("  every direction is determined by the data (sigma_i >= tol * sigma_1)\n");
  } else {
    for (int i : r.undetermined) std::printf("  NOT determined by the data: direction %d\n", i + 1);
  }
}

void writeIdentifiabilityJson(MPI_Comm comm, const IdentifiabilityReport& r,
                              const std::string& path) {
  if (rankOf(comm) != 0) return;
  std::ofstream out(path);
  if (!out) throw InputError("cannot write '" + path + "' (-output)");
  JsonWriter w(out);
  w.beginObject();
  w.field("converged", r.converged).field("iterations", static_cast<PetscInt>(r.iterations));
  w.field("misfit", r.misfit);
  w.key("names").beginArray(true);
  for (const auto& n : r.names) w.value(n);
  w.endArray();
  w.field("estimate", std::vector<double>(r.theta.begin(), r.theta.end()));
  w.field("standard_deviations",
          std::vector<double>(r.standardDeviations.begin(), r.standardDeviations.end()));
  w.field("singular_values", std::vector<double>(r.singularValues.begin(), r.singularValues.end()));
  w.field("condition_number", r.conditionNumber);
  w.key("directions").beginArray();
  for (const auto& d : r.directions) w.value(std::vector<double>(d.begin(), d.end()));
  w.endArray();
  w.key("undetermined_directions").beginArray(true);
  for (int i : r.undetermined) w.value(static_cast<PetscInt>(i));
  w.endArray();
  w.endObject();
  w.finish();
}

}  // namespace pdeinv

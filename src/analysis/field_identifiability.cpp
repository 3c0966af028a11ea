#include "pdeinv/analysis/field_identifiability.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/session.hpp"
#include "pdeinv/io/json.hpp"
#include "pdeinv/problem/inverse_problem.hpp"

namespace pdeinv {

void requireFieldIdentifiable(InverseProblem& inv) {
  require(!inv.scalarMode(),
          "the field spectrum needs a parameter field; for "
          "-parameter_space scalars, -mode identify runs Gauss-Newton in the "
          "scalars");
  require(!inv.regions(), "the field spectrum needs a parameter field, not -parameter_regions");
  auto* reg = inv.regularization();
  require(reg != nullptr, "the field spectrum needs a regularization (the prior)");
  // Γ⁻¹ must be invertible: probe applyHessianInverse once.
  auto probe = inv.objective().createParameterVector();
  auto probeOut = inv.objective().createParameterVector();
  PDEINV_CALL(VecSet(probe, 1.0));
  require(reg->applyHessianInverse(probe, probeOut),
          "the field spectrum needs a prior with an invertible Hessian (-reg_type l2, "
          "bilaplacian, or h1 with -reg_delta > 0); got -reg_type " +
              reg->name());
}

FieldIdentifiabilityReport fieldIdentifiability(InverseProblem& inv, Vec m,
                                                const RandomizedEigenOptions& opts) {
  requireFieldIdentifiable(inv);
  auto* reg = inv.regularization();
  auto& J = inv.objective();
  J.value(m);

  FieldIdentifiabilityReport r;
  const LinearAction B = [&](Vec x, Vec out) { reg->hessianApply(m, x, out); };
  const LinearAction Binv = [&](Vec x, Vec out) { reg->applyHessianInverse(x, out); };
  Owned<Vec> work;
  PDEINV_CALL(VecDuplicate(m, work.out()));
  const LinearAction A = [&](Vec x, Vec out) {
    // H_d = H_GN − Γ⁻¹: the objective's Gauss–Newton Hessian holds both.
    J.hessianApply(m, x, out, HessianType::GaussNewton);
    B(x, work);
    PDEINV_CALL(VecAXPY(out, -1.0, work));
  };
  auto pairs = randomizedGeneralizedEigenpairs(A, B, Binv, m, opts);
  r.hessianActions = pairs.actionsA;
  r.eigenvalues = pairs.values;
  r.directions = std::move(pairs.vectors);
  for (PetscReal l : r.eigenvalues) {
    const PetscReal lp = std::max<PetscReal>(l, 0.0);  // round-off can make null ones negative
    r.effectiveRank += lp > 1;
    r.signalDof += lp / (1 + lp);
    r.informationGain += 0.5 * std::log1p(lp);
  }
  r.truncated = !r.eigenvalues.empty() && static_cast<int>(r.eigenvalues.size()) == opts.rank &&
                r.eigenvalues.back() > 1;
  PDEINV_CALL(VecGetSize(m, &r.parameters));
  r.observations = inv.dataSize();
  return r;
}

void printFieldIdentifiability(MPI_Comm comm, const FieldIdentifiabilityReport& r) {
  if (rankOf(comm) != 0) return;
  std::printf("what the data determine about the field: %lld parameters, %lld observations\n",
              static_cast<long long>(r.parameters), static_cast<long long>(r.observations));
  std::printf(
      "  generalized eigenvalues of the misfit Hessian against the prior precision "
      "(%zu computed, %lld Hessian actions):\n   ",
      r.eigenvalues.size(), static_cast<long long>(r.hessianActions));
  for (size_t i = 0; i < r.eigenvalues.size(); ++i) {
    std::printf(" %.3g", r.eigenvalues[i]);
    if (i % 10 == 9 && i + 1 < r.eigenvalues.size()) std::printf("\n   ");
  }
  std::printf(
      "\n  effective rank (eigenvalues > 1): %d%s\n", r.effectiveRank,
      r.truncated ? " or more (every computed eigenvalue exceeds 1; raise -identify_rank)" : "");
  std::printf("  signal degrees of freedom sum l/(1+l): %.2f\n", r.signalDof);
  std::printf("  information gain 1/2 sum log(1+l): %.2f nats\n", r.informationGain);
}

void writeFieldIdentifiabilityJson(MPI_Comm comm, const FieldIdentifiabilityReport& r,
                                   const std::string& path) {
  if (rankOf(comm) != 0) return;
  std::ofstream out(path);
  if (!out) throw InputError("cannot write '" + path + "' (-output)");
  JsonWriter w(out);
  w.beginObject();
  w.field("parameters", r.parameters).field("observations", r.observations);
  w.field("eigenvalues", std::vector<double>(r.eigenvalues.begin(), r.eigenvalues.end()));
  w.field("effective_rank", static_cast<PetscInt>(r.effectiveRank));
  w.field("truncated", r.truncated);
  w.field("signal_dof", r.signalDof).field("information_gain", r.informationGain);
  w.field("hessian_actions", r.hessianActions);
  w.endObject();
  w.finish();
}

}  // namespace pdeinv

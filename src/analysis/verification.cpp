#include "pdeinv/analysis/verification.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "pdeinv/analysis/derivative_check.hpp"
#include "pdeinv/core/error.hpp"
#include "pdeinv/core/handle.hpp"
#include "pdeinv/core/random.hpp"
#include "pdeinv/core/root_vector.hpp"
#include "pdeinv/core/vec_ops.hpp"
#include "pdeinv/forward/steady_solver.hpp"
#include "pdeinv/inverse/reduced_functional.hpp"
#include "pdeinv/io/json.hpp"
#include "pdeinv/problem/inverse_problem.hpp"

namespace pdeinv {
namespace {

std::vector<PetscReal> slopes(const std::vector<PetscReal>& h, const std::vector<PetscReal>& r) {
  std::vector<PetscReal> s;
  for (size_t i = 0; i + 1 < h.size(); ++i) {
    s.push_back(std::log(r[i] / r[i + 1]) / std::log(h[i] / h[i + 1]));
  }
  return s;
}

std::string jsonArray(const std::vector<PetscReal>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + jsonNumber(v[i]);
  return s + "]";
}

CheckResult named(const std::string& component, const std::string& kind, const std::string& what) {
  CheckResult r;
  r.component = component;
  r.kind = kind;
  r.what = what;
  return r;
}

const char* hessianName(HessianType t) {
  return t == HessianType::Newton ? "hessian (newton)" : "hessian (gauss-newton)";
}

}  // namespace

std::vector<PetscReal> halvingSteps(PetscReal h0, int n) {
  std::vector<PetscReal> h;
  for (int i = 0; i < n; ++i) h.push_back(h0 / std::pow(2.0, i));
  return h;
}

namespace {
VerificationSettings& currentSettings() {
  static VerificationSettings s;
  return s;
}
}  // namespace

PetscReal VerificationSettings::relativeNoise() const {
  return std::max<PetscReal>(1e-13, 10 * solverRtol);
}
PetscReal VerificationSettings::exactLevel() const {
  return std::max<PetscReal>(1e-11, 100 * solverRtol);
}
PetscReal VerificationSettings::solveTolerance() const {
  return std::max<PetscReal>(1e-10, 1000 * solverRtol);
}
void VerificationSettings::validate() const {
  require(std::isfinite(h0) && h0 > 0, "-verify_h0 must be positive, got " + std::to_string(h0));
  require(steps >= 4 && steps <= 40,
          "-verify_steps must lie in [4, 40] (three slopes need four steps), got " +
              std::to_string(steps));
  require(std::isfinite(slopeTolerance) && slopeTolerance > 0,
          "the slope tolerance must be positive");
  require(std::isfinite(solverRtol) && solverRtol >= 0 && solverRtol < 1,
          "the solver tolerance must lie in [0, 1)");
}
const VerificationSettings& verificationSettings() {
  return currentSettings();
}
void setVerificationSettings(const VerificationSettings& s) {
  s.validate();
  currentSettings() = s;
}

void judgeTaylor(CheckResult& r, PetscReal tolerance, PetscReal scale, PetscReal valueScale) {
  r.tolerance = tolerance;
  const auto& vs = verificationSettings();
  if (valueScale < 0) valueScale = scale;
  const PetscReal floor = valueScale >= 0 ? vs.relativeNoise() * valueScale : 0.0;
  const PetscReal exactLevel = scale >= 0 ? vs.exactLevel() * scale : 0.0;
  // Exact: every remainder at round-off, or at least the last four and half of them — a
  // piecewise linear/quadratic map (Huber's loss) leaves a large remainder only while the step
  // crosses a kink, and none once the steps stay inside one piece. (Fewer trailing remainders
  // at round-off are too little evidence: a smooth remainder can reach the floor that fast.)
  size_t tail = 0;
  while (tail < r.remainder.size() && r.remainder[r.remainder.size() - 1 - tail] <= exactLevel)
    ++tail;
  if (scale >= 0 && (tail == r.remainder.size() || (tail >= 4 && 2 * tail >= r.remainder.size()))) {
    r.exact = r.passed = true;
    return;
  }
  // Slopes between consecutive remainders both above the floor (slope i joins steps i, i+1);
  // the asymptotic range ends where the first remainder reaches the floor.
  std::vector<PetscReal> valid;
  for (size_t i = 0; i < r.slope.size() && i + 1 < r.remainder.size(); ++i) {
    if (!(r.remainder[i] > floor && r.remainder[i + 1] > floor)) break;
    valid.push_back(r.slope[i]);
  }
  // At least the expected order: a remainder decaying faster means the next-order term vanishes
  // (a symmetric point, an operator linear in the parameter), not an error, while a wrong
  // derivative leaves a remainder one order lower in the asymptotic range: a wrong gradient
  // slope 1, a wrong Hessian slope 2. Judging the last slopes before the floor (not any three
  // anywhere) is what catches a Hessian whose pre-asymptotic slopes look good (4, 5, 6) and
  // whose asymptotic slopes show the error (1.6, 2.2).
  r.passed = valid.size() >= 3 && std::all_of(valid.end() - 3, valid.end(), [&](PetscReal s) {
               return s >= r.expected - tolerance;
             });
}

bool VerificationReport::allPassed() const {
  return std::all_of(checks_.begin(), checks_.end(), [](const auto& c) { return c.passed; });
}

void VerificationReport::print(std::ostream& os) const {
  os << std::left << std::setw(30) << "component" << std::setw(13) << "kind" << std::setw(24)
     << "what"
     << "result\n";
  for (const auto& c : checks_) {
    os << std::left << std::setw(30) << c.component << std::setw(13) << c.kind << std::setw(24)
       << c.what;
    std::ostringstream fig;
    if (c.kind == "taylor") {
      if (c.exact) {
        fig << "exact (remainder at round-off)";
      } else {
        fig << "slopes";
        for (PetscReal s : c.slope) fig << " " << std::fixed << std::setprecision(2) << s;
        fig << " (expected " << c.expected << ")";
      }
    } else {
      fig << "rel. error " << std::scientific << std::setprecision(2) << c.relativeError;
    }
    os << fig.str() << "  " << (c.passed ? "PASS" : "FAIL") << "\n";
  }
  os << (allPassed() ? "all checks passed\n" : "SOME CHECKS FAILED\n");
}

void VerificationReport::writeJson(const std::string& path) const {
  std::ofstream out(path);
  require(static_cast<bool>(out), "cannot write " + path);
  out << "{\n  \"passed\": " << (allPassed() ? "true" : "false") << ",\n  \"checks\": [\n";
  for (size_t i = 0; i < checks_.size(); ++i) {
    const auto& c = checks_[i];
    out << "    {\"component\": " << jsonString(c.component) << ", \"kind\": " << jsonString(c.kind)
        << ", \"what\": " << jsonString(c.what)
        << ", \"passed\": " << (c.passed ? "true" : "false");
    if (c.kind == "taylor") {
      out << ", \"expected_slope\": " << jsonNumber(c.expected) << ", \"h\": " << jsonArray(c.h)
          << ", \"remainder\": " << jsonArray(c.remainder) << ", \"slopes\": " << jsonArray(c.slope)
          << ", \"exact\": " << (c.exact ? "true" : "false");
      if (!c.firstOrder.empty()) {
        out << ", \"first_order_remainder\": " << jsonArray(c.firstOrder)
            << ", \"first_order_slopes\": " << jsonArray(slopes(c.h, c.firstOrder));
      }
    } else {
      out << ", \"lhs\": " << jsonNumber(c.lhs) << ", \"rhs\": " << jsonNumber(c.rhs)
          << ", \"relative_error\": " << jsonNumber(c.relativeError)
          << ", \"tolerance\": " << jsonNumber(c.tolerance);
    }
    out << "}" << (i + 1 < checks_.size() ? "," : "") << "\n";
  }
  out << "  ]\n}\n";
}

CheckResult checkGradient(Objective& J, Vec m, Vec v, const std::vector<PetscReal>& hs) {
  auto r = named("reduced functional", "taylor", "gradient");
  r.expected = 2;
  auto g = like(m), mh = like(m);
  const PetscReal J0 = J.gradient(m, g);
  const PetscReal gv = dot(g, v);
  for (PetscReal h : hs) {
    PDEINV_CALL(VecWAXPY(mh, h, v, m));
    const PetscReal Jh = J.value(mh);
    r.h.push_back(h);
    r.firstOrder.push_back(std::abs(Jh - J0));
    r.remainder.push_back(std::abs(Jh - J0 - h * gv));
  }
  r.slope = slopes(r.h, r.remainder);
  judgeTaylor(r, verificationSettings().slopeTolerance, -1, std::abs(J0));
  J.value(m);  // leave the functional at m
  return r;
}

CheckResult checkHessian(Objective& J, Vec m, Vec v, HessianType type,
                         const std::vector<PetscReal>& hs) {
  auto r = named("reduced functional", "taylor", hessianName(type));
  r.expected = 3;
  auto g = like(m), Hv = like(m), mh = like(m);
  const PetscReal J0 = J.gradient(m, g);
  J.hessianApply(m, v, Hv, type);
  const PetscReal gv = dot(g, v), vHv = dot(v, Hv);
  for (PetscReal h : hs) {
    PDEINV_CALL(VecWAXPY(mh, h, v, m));
    const PetscReal Jh = J.value(mh);
    r.h.push_back(h);
    r.remainder.push_back(std::abs(Jh - J0 - h * gv - 0.5 * h * h * vHv));
  }
  r.slope = slopes(r.h, r.remainder);
  judgeTaylor(r, verificationSettings().slopeTolerance, std::abs(J0) + std::abs(gv) + std::abs(vHv),
              std::abs(J0));
  J.value(m);
  return r;
}

CheckResult checkHessianSymmetry(Objective& J, Vec m, Vec x, Vec y, HessianType type,
                                 PetscReal tolerance) {
  auto r = named("reduced functional", "symmetry", hessianName(type));
  auto Hx = like(m), Hy = like(m);
  J.hessianApply(m, x, Hx, type);
  J.hessianApply(m, y, Hy, type);
  r.lhs = dot(Hx, y);
  r.rhs = dot(x, Hy);
  const PetscReal s = std::max(std::abs(r.lhs), std::abs(r.rhs));
  r.relativeError = s > 0 ? std::abs(r.lhs - r.rhs) / s : 0;
  r.tolerance = tolerance;
  r.passed = r.relativeError <= tolerance;
  return r;
}

CheckResult checkDotProduct(const std::string& component, const std::string& what, Vec x, Vec y,
                            const std::function<void(Vec, Vec)>& A,
                            const std::function<void(Vec, Vec)>& AT, PetscReal tolerance) {
  auto r = named(component, "dot_product", what);
  auto Ax = like(y), ATy = like(x);
  A(x, Ax);
  AT(y, ATy);
  r.lhs = dot(Ax, y);
  r.rhs = dot(x, ATy);
  const PetscReal s = std::max(std::abs(r.lhs), std::abs(r.rhs));
  r.relativeError = s > 0 ? std::abs(r.lhs - r.rhs) / s : 0;
  r.tolerance = tolerance;
  r.passed = r.relativeError <= tolerance;  // both zero (a zero operator) counts as consistent
  return r;
}

namespace {
PetscReal norm(Vec v) {
  PetscReal n = 0;
  PDEINV_CALL(VecNorm(v, NORM_2, &n));
  return n;
}

// Taylor test of a vector-valued map F with derivative action dF: r(h) = ‖F(x+hv) − F(x) − h dF‖.
CheckResult vectorTaylor(const std::string& component, const std::string& what, Vec x, Vec v,
                         Vec Fx, Vec dFv, const std::function<void(Vec xh, Vec Fxh)>& F) {
  auto r = named(component, "taylor", what);
  r.expected = 2;
  auto xh = like(x), Fh = like(Fx);
  for (PetscReal h : halvingSteps(verificationSettings().h0, verificationSettings().steps)) {
    PDEINV_CALL(VecWAXPY(xh, h, v, x));
    F(xh, Fh);
    PDEINV_CALL(VecAXPY(Fh, -1.0, Fx));
    PDEINV_CALL(VecAXPY(Fh, -h, dFv));
    r.h.push_back(h);
    r.remainder.push_back(norm(Fh));
  }
  r.slope = slopes(r.h, r.remainder);
  judgeTaylor(r, verificationSettings().slopeTolerance, norm(Fx) + norm(dFv), norm(Fx));
  return r;
}

// Taylor test of a scalar map f with gradient g: r(h) = |f(x+hv) − f(x) − h ⟨g, v⟩|.
CheckResult scalarTaylor(const std::string& component, const std::string& what, Vec x, Vec v,
                         PetscReal fx, Vec g, const std::function<PetscReal(Vec)>& f) {
  auto r = named(component, "taylor", what);
  r.expected = 2;
  auto xh = like(x);
  const PetscReal gv = dot(g, v);
  for (PetscReal h : halvingSteps(verificationSettings().h0, verificationSettings().steps)) {
    PDEINV_CALL(VecWAXPY(xh, h, v, x));
    r.h.push_back(h);
    r.remainder.push_back(std::abs(f(xh) - fx - h * gv));
  }
  r.slope = slopes(r.h, r.remainder);
  judgeTaylor(r, verificationSettings().slopeTolerance, std::abs(fx) + std::abs(gv), std::abs(fx));
  return r;
}
}  // namespace

std::vector<CheckResult> checkOperator(SteadySolver& solver, Vec m, unsigned long seed) {
  const std::string name = "operator " + solver.op().name();
  std::vector<CheckResult> out;
  auto u = solver.state().createVector();
  PDEINV_CALL(VecSet(u, 0.0));
  solver.solve(m, u);
  auto dm = solver.parameter().createVector(), du = solver.state().createVector();
  fillRandom(dm, seed);
  fillRandom(du, seed + 1);
  auto R0 = solver.state().createVector(), Jdm = solver.state().createVector();
  auto Jdu = solver.state().createVector();
  solver.residual(m, u, R0);
  solver.applyParameterJacobian(dm, Jdm);
  PDEINV_CALL(MatMult(solver.stateJacobian(), du, Jdu));
  out.push_back(vectorTaylor(name, "dR/dm", m, dm, R0, Jdm,
                             [&](Vec mh, Vec R) { solver.residual(mh, u, R); }));
  out.push_back(vectorTaylor(name, "dR/du", u, du, R0, Jdu,
                             [&](Vec uh, Vec R) { solver.residual(m, uh, R); }));
  auto lam = solver.state().createVector();
  fillRandom(lam, seed + 2);
  out.push_back(checkDotProduct(
      name, "dR/dm / dR/dm^T", dm, lam, [&](Vec x, Vec y) { solver.applyParameterJacobian(x, y); },
      [&](Vec y, Vec x) { solver.applyParameterJacobianTranspose(y, x); }, 1e-12));
  out.push_back(checkDotProduct(
      name, "dR/du^-1 / dR/du^-T", du, lam, [&](Vec x, Vec y) { solver.solveTangent(x, y); },
      [&](Vec y, Vec x) { solver.solveTranspose(y, x); }, verificationSettings().solveTolerance()));
  if (solver.numScalars() > 0) {
    for (auto& c : checkOperatorScalars(solver, u, m, seed + 3)) out.push_back(std::move(c));
  }
  for (auto& c : checkSecondOrderBlocks(solver, u, m, lam)) out.push_back(std::move(c));
  for (auto& c : checkAdTwin(solver, u, m, lam, seed + 7)) out.push_back(std::move(c));
  return out;
}

namespace {
// Assemblers of the second-order terms, aux layout of PdeOperator::secondOrderState/Parameter:
// a = (m | u, data…, λ, du, dm).
struct SecondOrderSetup {
  std::unique_ptr<Assembler> onState, onParam;
  std::vector<Vec> auxState, auxParam;  // with the given λ, du, dm
  int kdu = 0, kdp = 0;
  SecondOrderSetup(SteadySolver& solver, Vec u, Vec m, Vec lambda, Vec du, Vec dm) {
    const auto& op = solver.op();
    const auto& V = solver.state();
    const auto& P = solver.parameter();
    std::vector<const FunctionSpace*> auxS = {&P}, auxP = {&V};
    for (auto* d : solver.dataSpaces()) auxS.push_back(d), auxP.push_back(d);
    for (auto* list : {&auxS, &auxP}) list->insert(list->end(), {&V, &V, &P});
    onState = std::make_unique<Assembler>(V, auxS, op.extraQuadraturePoints());
    onParam = std::make_unique<Assembler>(P, auxP, op.extraQuadraturePoints());
    onParam->insertBoundaryValues(0);
    const auto c = solver.kernelConstants();
    onState->setConstants(c);
    onParam->setConstants(c);
    const auto& data = solver.dataValues();
    kdu = static_cast<int>(data.size()) + 2, kdp = kdu + 1;
    for (auto* list : {&auxState, &auxParam}) {
      list->push_back(list == &auxState ? m : u);
      list->insert(list->end(), data.begin(), data.end());
      list->insert(list->end(), {lambda, du, dm});
    }
  }
  // How each Newton Hessian block is assembled: on which side, from which residual kernels
  // (for probing), at which point, which aux field is the trial field.
  struct BlockCase {
    PdeOperator::SecondOrderBlock block;
    const char* name;
    const Assembler* A;
    ResidualKernels residual;
    Vec at;
    const std::vector<Vec>* aux;
    int k;
  };
  std::vector<BlockCase> blocks(const PdeOperator& op, Vec u, Vec m) const {
    using Block = PdeOperator::SecondOrderBlock;
    return {{Block::Wuu, "W_uu", onState.get(), op.secondOrderState(), u, &auxState, kdu},
            {Block::Wum, "W_um", onState.get(), op.secondOrderState(), u, &auxState, kdp},
            {Block::Wmm, "W_mm", onParam.get(), op.secondOrderParameter(), m, &auxParam, kdp}};
  }
};

// ‖A − B‖_F / ‖B‖_F (‖A‖ when B = 0) of two matrices of one pattern, as a comparison result.
CheckResult compareMatrices(const std::string& component, const std::string& what, Mat A, Mat B) {
  auto r = named(component, "comparison", what);
  PDEINV_CALL(MatNorm(B, NORM_FROBENIUS, &r.rhs));
  PDEINV_CALL(MatAXPY(A, -1.0, B, SAME_NONZERO_PATTERN));
  PDEINV_CALL(MatNorm(A, NORM_FROBENIUS, &r.lhs));
  r.relativeError = r.rhs > 0 ? r.lhs / r.rhs : r.lhs;
  r.tolerance = 1e-12;
  r.passed = r.relativeError <= r.tolerance;
  return r;
}
CheckResult compareVectors(const std::string& component, const std::string& what, Vec a, Vec b) {
  auto r = named(component, "comparison", what);
  PDEINV_CALL(VecNorm(b, NORM_2, &r.rhs));
  PDEINV_CALL(VecAXPY(a, -1.0, b));
  PDEINV_CALL(VecNorm(a, NORM_2, &r.lhs));
  r.relativeError = r.rhs > 0 ? r.lhs / r.rhs : r.lhs;
  r.tolerance = 1e-12;
  r.passed = r.relativeError <= r.tolerance;
  return r;
}
}  // namespace

std::vector<CheckResult> checkSecondOrderBlocks(SteadySolver& solver, Vec u, Vec m, Vec lambda) {
  const auto& op = solver.op();
  std::vector<CheckResult> out;
  if (!op.hasSecondOrder()) return out;
  auto zeroU = solver.state().createVector(), zeroP = solver.parameter().createVector();
  PDEINV_CALL(VecSet(zeroU, 0.0));
  PDEINV_CALL(VecSet(zeroP, 0.0));
  SecondOrderSetup s(solver, u, m, lambda, zeroU, zeroP);
  for (const auto& cs : s.blocks(op, u, m)) {
    const JacobianKernels given = op.secondOrderBlock(cs.block);
    if (given.empty()) continue;
    auto W = cs.A->createAuxMatrix(cs.k), Wp = cs.A->createAuxMatrix(cs.k);
    cs.A->linearAuxJacobian(cs.residual, cs.k, cs.at, *cs.aux, W, 0.0, given);
    cs.A->linearAuxJacobian(cs.residual, cs.k, cs.at, *cs.aux, Wp);
    out.push_back(compareMatrices("operator " + op.name(),
                                  std::string(cs.name) + " kernels = probed", W, Wp));
  }
  return out;
}

std::vector<CheckResult> checkAdTwin(SteadySolver& solver, Vec u, Vec m, Vec lambda,
                                     unsigned long seed) {
  using Block = PdeOperator::SecondOrderBlock;
  const auto& op = solver.op();
  std::vector<CheckResult> out;
  const auto twin = op.adTwin();
  if (!twin) return out;
  const std::string name = "operator " + op.name();
  const Assembler& A = solver.assembler();
  std::vector<Vec> aux = {m};
  for (Vec d : solver.dataValues()) aux.push_back(d);
  // Away from the solution (where R ≈ 0 would be all rounding): at u + a random direction.
  auto up = solver.state().createVector();
  fillRandom(up, seed + 2);
  PDEINV_CALL(VecAXPY(up, 1.0, u));
  {
    auto r = solver.state().createVector(), rt = solver.state().createVector();
    A.residual(op.residual(), up, aux, r);
    A.residual(twin->residual(), up, aux, rt);
    out.push_back(compareVectors(name, "R hand = AD", r, rt));
  }
  {
    auto J = A.createStateMatrix(), Jt = A.createStateMatrix();
    A.stateJacobian(op.stateJacobian(), up, aux, J);
    A.stateJacobian(twin->stateJacobian(), up, aux, Jt);
    out.push_back(compareMatrices(name, "dR/du hand = AD", J, Jt));
  }
  {
    auto J = A.createAuxMatrix(0), Jt = A.createAuxMatrix(0);
    A.auxJacobian(op.parameterJacobian(), 0, up, aux, J);
    A.auxJacobian(twin->parameterJacobian(), 0, up, aux, Jt);
    out.push_back(compareMatrices(name, "dR/dm hand = AD", J, Jt));
  }
  if (!op.hasSecondOrder()) return out;
  auto du = solver.state().createVector(), dm = solver.parameter().createVector();
  fillRandom(du, seed);
  fillRandom(dm, seed + 1);
  SecondOrderSetup s(solver, u, m, lambda, du, dm);
  {
    auto w = solver.state().createVector(), wt = solver.state().createVector();
    s.onState->residual(op.secondOrderState(), u, s.auxState, w);
    s.onState->residual(twin->secondOrderState(), u, s.auxState, wt);
    out.push_back(compareVectors(name, "W_u dir. hand = AD", w, wt));
    auto p = solver.parameter().createVector(), pt = solver.parameter().createVector();
    s.onParam->residual(op.secondOrderParameter(), m, s.auxParam, p);
    s.onParam->residual(twin->secondOrderParameter(), m, s.auxParam, pt);
    out.push_back(compareVectors(name, "W_m dir. hand = AD", p, pt));
  }
  // The blocks the Newton Hessian assembles: the operator's (its block kernels, else probed
  // from its second-order residuals) against the AD Hessian blocks. W_uu only where used.
  for (const auto& cs : s.blocks(op, u, m)) {
    if (cs.block == Block::Wuu && op.linearInState()) continue;
    const JacobianKernels ad = twin->secondOrderBlock(cs.block);
    auto W = cs.A->createAuxMatrix(cs.k), Wt = cs.A->createAuxMatrix(cs.k);
    cs.A->linearAuxJacobian(cs.residual, cs.k, cs.at, *cs.aux, W, 0.0,
                            op.secondOrderBlock(cs.block));
    if (ad.empty()) {
      PDEINV_CALL(MatZeroEntries(Wt));
    } else {
      cs.A->linearAuxJacobian(ResidualKernels{}, cs.k, cs.at, *cs.aux, Wt, 0.0,
                              ad);  // kernels given
    }
    out.push_back(compareMatrices(name, std::string(cs.name) + " hand = AD", W, Wt));
  }
  return out;
}

std::vector<CheckResult> checkOperatorScalars(SteadySolver& solver, Vec u, Vec m,
                                              unsigned long seed) {
  const std::string name = "operator " + solver.op().name();
  const auto k = solver.numScalars();
  const auto theta0 = solver.scalars();
  // Σ_k w_k F_k for state vectors F_k, w a root vector.
  auto combine = [&](const std::function<void(int, Vec)>& Fk, Vec w, Vec out) {
    const auto wk = gatherRootVector(w);
    auto t = solver.state().createVector();
    PDEINV_CALL(VecSet(out, 0.0));
    for (PetscInt i = 0; i < k; ++i) {
      Fk(static_cast<int>(i), t);
      PDEINV_CALL(VecAXPY(out, wk[static_cast<size_t>(i)], t));
    }
  };
  // Evaluates f at θ = x (a root vector), then restores θ.
  auto at = [&](Vec x, const std::function<void()>& f) {
    solver.setScalars(gatherRootVector(x));
    f();
    solver.setScalars(theta0);
  };
  MPI_Comm comm = solver.state().mesh().comm();
  auto x = createRootVector(comm, k), v = createRootVector(comm, k), w = createRootVector(comm, k);
  setRootVector(x, theta0);
  fillRandom(v, seed);
  fillRandom(w, seed + 1);
  std::vector<CheckResult> out;
  // ∂R/∂θ: Taylor test of θ ↦ R(u, m; θ).
  auto R0 = solver.state().createVector(), dRv = solver.state().createVector();
  solver.residual(m, u, R0);
  combine([&](int i, Vec t) { solver.scalarDerivative(i, t); }, v, dRv);
  out.push_back(vectorTaylor(name, "dR/dtheta", x, v, R0, dRv,
                             [&](Vec xh, Vec R) { at(xh, [&] { solver.residual(m, u, R); }); }));
  // ∂²R/∂θ²: Taylor test of θ ↦ Σ_k w_k ∂R/∂θ_k (u, m; θ), derivative Σ_k w_k Σ_l ∂²R/∂θ_k∂θ_l v_l.
  if (static_cast<PetscInt>(solver.op().scalarSecondDerivative(solver.state().dim()).size()) == k) {
    const auto vk = gatherRootVector(v);
    auto G0 = solver.state().createVector(), dGv = solver.state().createVector();
    combine([&](int i, Vec t) { solver.scalarDerivative(i, t); }, w, G0);
    combine([&](int i, Vec t) { solver.scalarSecondDerivative(i, vk, t); }, w, dGv);
    out.push_back(vectorTaylor(name, "d2R/dtheta2", x, v, G0, dGv, [&](Vec xh, Vec G) {
      at(xh, [&] { combine([&](int i, Vec t) { solver.scalarDerivative(i, t); }, w, G); });
    }));
  }
  return out;
}

std::vector<CheckResult> checkObservation(const ObservationOperator& B, const std::string& name,
                                          Vec stateLike, unsigned long seed) {
  auto x = like(stateLike);
  auto y = B.createObservationVector();
  fillRandom(x, seed);
  fillRandom(y, seed + 1);
  return {checkDotProduct(
      "observation " + name, "B / B^T", x, y, [&](Vec a, Vec b) { B.applyLinear(a, b); },
      [&](Vec b, Vec a) { B.applyTranspose(b, a); }, 1e-12)};
}

namespace {
// Misfits and regularizations are both scalar functions f of a vector with value, gradient
// and Hessian action: one set of checks serves both.
template <class F>
std::vector<CheckResult> checkScalarFunction(F& f, const std::string& name, Vec x,
                                             unsigned long seed, PetscReal symmetryTolerance,
                                             Vec scale = nullptr) {
  auto v = like(x), w = like(x), g = like(x), Hv = like(x);
  fillRandom(v, seed);
  fillRandom(w, seed + 1);
  if (scale) PDEINV_CALL(VecPointwiseMult(v, v, scale));
  f.gradient(x, g);
  std::vector<CheckResult> out;
  out.push_back(
      scalarTaylor(name, "gradient", x, v, f.value(x), g, [&](Vec xh) { return f.value(xh); }));
  f.hessianApply(x, v, Hv);
  out.push_back(
      vectorTaylor(name, "hessian", x, v, g, Hv, [&](Vec xh, Vec gh) { f.gradient(xh, gh); }));
  out.push_back(checkDotProduct(
      name, "hessian symmetry", v, w, [&](Vec a, Vec b) { f.hessianApply(x, a, b); },
      [&](Vec b, Vec a) { f.hessianApply(x, b, a); }, symmetryTolerance));
  out.back().kind = "symmetry";
  return out;
}
}  // namespace

std::vector<CheckResult> checkMisfit(Misfit& misfit, Vec y, unsigned long seed) {
  const std::string name = "misfit " + misfit.name();
  // Directions on each observation's own scale (σ): a step of h·σ resolves the bends of a
  // robust misfit at any noise level.
  auto scale = like(y);
  misfit.residualScale(scale);
  auto out = checkScalarFunction(misfit, name, y, seed, 1e-12, scale);
  // The Gauss–Newton weight: symmetric, and positive semi-definite (vᵀWv ≥ 0 for a few random
  // v, to rounding relative to |v|ᵀ|W||v| estimated by the largest |vᵀWv| seen).
  auto v = like(y), w = like(y), Wv = like(y);
  fillRandom(v, seed + 2);
  fillRandom(w, seed + 3);
  out.push_back(checkDotProduct(
      name, "gauss-newton weight symmetry", v, w,
      [&](Vec a, Vec b) { misfit.gaussNewtonApply(y, a, b); },
      [&](Vec b, Vec a) { misfit.gaussNewtonApply(y, b, a); }, 1e-12));
  out.back().kind = "symmetry";
  auto psd = named(name, "comparison", "gauss-newton weight positive semi-definite");
  PetscReal smallest = 0, largest = 0;
  for (unsigned long k = 0; k < 4; ++k) {
    fillRandom(v, seed + 10 + k);
    misfit.gaussNewtonApply(y, v, Wv);
    const PetscReal q = dot(v, Wv);
    smallest = k == 0 ? q : std::min(smallest, q);
    largest = std::max(largest, std::abs(q));
  }
  psd.lhs = smallest;
  psd.rhs = largest;
  psd.tolerance = 1e-12;
  psd.relativeError = largest > 0 ? std::max(0.0, -smallest) / largest : 0.0;
  psd.passed = std::isfinite(smallest) && smallest >= -psd.tolerance * largest;
  out.push_back(psd);
  return out;
}

std::vector<CheckResult> checkRegularization(Regularization& R, Vec m, unsigned long seed) {
  // Priors apply M⁻¹ by an iterative solve: symmetric to that solve's tolerance.
  return checkScalarFunction(R, "regularization " + R.name(), m, seed,
                             verificationSettings().solveTolerance());
}

std::vector<CheckResult> checkParameterMap(const ParameterMap& map, Vec m, unsigned long seed) {
  const std::string name = "parameter map " + map.name();
  auto v = like(m), gm = like(m), Jv = like(m), ones = like(m), dJ = like(m), Jm = like(m);
  fillRandom(v, seed);
  map.apply(m, gm);
  map.jacobianApply(m, v, Jv);
  std::vector<CheckResult> out;
  out.push_back(vectorTaylor(name, "g'", m, v, gm, Jv, [&](Vec mh, Vec g) { map.apply(mh, g); }));
  // g'(m) ⊙ 1 is the diagonal; its derivative in direction v is g''(m) ⊙ v.
  PDEINV_CALL(VecSet(ones, 1.0));
  map.jacobianApply(m, ones, Jm);
  map.secondDerivativeApply(m, ones, v, dJ);
  out.push_back(vectorTaylor(name, "g''", m, v, Jm, dJ,
                             [&](Vec mh, Vec d) { map.jacobianApply(mh, ones, d); }));
  return out;
}

std::vector<CheckResult> checkReducedFunctional(Objective& J, Vec m, unsigned long seed) {
  auto v = like(m), w = like(m);
  fillRandom(v, seed);
  fillRandom(w, seed + 1);
  const auto hs = halvingSteps(verificationSettings().h0, verificationSettings().steps);
  std::vector<CheckResult> out;
  out.push_back(checkGradient(J, m, v, hs));
  if (J.newtonAvailable()) out.push_back(checkHessian(J, m, v, HessianType::Newton, hs));
  const PetscReal tol = verificationSettings().solveTolerance();  // the actions solve
  out.push_back(checkHessianSymmetry(J, m, v, w, HessianType::GaussNewton, tol));
  if (J.newtonAvailable())
    out.push_back(checkHessianSymmetry(J, m, v, w, HessianType::Newton, tol));
  return out;
}

CheckResult checkGaussNewtonHessian(InverseProblem& inv, Vec x, unsigned long seed) {
  auto r = named("reduced functional", "taylor", "hessian (gauss-newton)");
  r.expected = 2;
  auto& J = inv.objective();
  auto* tJ = inv.transientObjective();
  auto predictions = [&]() -> Vec {
    return tJ ? tJ->predictedObservations() : inv.steadyObjective()->predictedObservations();
  };
  auto v = like(x), Hv = like(x), xh = like(x);
  fillRandom(v, seed);
  J.hessianApply(x, v, Hv, HessianType::GaussNewton);
  const PetscReal vHv = dot(v, Hv);
  // vᵀ∇²R v, in the field: for region parameters through m = Eθ (E linear); scalar
  // parameters have no regularization.
  PetscReal vRv = 0;
  if (auto* reg = inv.objectiveRegularization(); reg && !inv.scalarMode()) {
    if (const auto* regions = inv.regions()) {
      const auto& P = inv.forward().parameter();
      auto fx = P.createVector(), fv = P.createVector(), Rv = P.createVector();
      regions->embed(x, fx);
      regions->embed(v, fv);
      reg->hessianApply(fx, fv, Rv);
      vRv = dot(fv, Rv);
    } else {
      auto Rv = like(x);
      reg->hessianApply(x, v, Rv);
      vRv = dot(v, Rv);
    }
  }
  J.value(x);
  auto y = like(predictions()), plus = like(y), D = like(y), WD = like(y);
  PDEINV_CALL(VecCopy(predictions(), y));
  const auto& vs = verificationSettings();
  // Fewer steps than the other tests: a central difference's rounding grows like 1/h.
  for (PetscReal h : halvingSteps(vs.h0, std::min(vs.steps, 7))) {
    PDEINV_CALL(VecWAXPY(xh, h, v, x));
    J.value(xh);
    PDEINV_CALL(VecCopy(predictions(), plus));
    PDEINV_CALL(VecWAXPY(xh, -h, v, x));
    J.value(xh);
    PDEINV_CALL(VecWAXPY(D, -1.0, predictions(), plus));
    PDEINV_CALL(VecScale(D, 1.0 / (2 * h)));
    inv.misfit().gaussNewtonApply(y, D, WD);
    r.h.push_back(h);
    r.remainder.push_back(std::abs(vHv - dot(D, WD) - vRv));
  }
  r.slope = slopes(r.h, r.remainder);
  judgeTaylor(r, vs.slopeTolerance, std::abs(vHv), std::abs(vHv));
  J.value(x);
  return r;
}

namespace {
// A KSP that solves exactly (to round-off): preonly with an LU or Cholesky factorization, also
// inside PCREDUNDANT (the parallel default of small 2-D problems: every rank factors).
bool directSolve(KSP ksp) {
  PetscBool preonly = PETSC_FALSE, factored = PETSC_FALSE, redundant = PETSC_FALSE;
  PDEINV_CALL(PetscObjectTypeCompare(reinterpret_cast<PetscObject>(ksp), KSPPREONLY, &preonly));
  if (!preonly) return false;
  PC pc = nullptr;
  PDEINV_CALL(KSPGetPC(ksp, &pc));
  PDEINV_CALL(PetscObjectTypeCompareAny(reinterpret_cast<PetscObject>(pc), &factored, PCLU,
                                        PCCHOLESKY, ""));
  if (factored) return true;
  PDEINV_CALL(PetscObjectTypeCompare(reinterpret_cast<PetscObject>(pc), PCREDUNDANT, &redundant));
  if (!redundant) return false;
  KSP inner = nullptr;
  PDEINV_CALL(PCRedundantGetKSP(pc, &inner));
  return directSolve(inner);
}
}  // namespace

VerificationReport verifyInverseProblem(InverseProblem& inv, unsigned long seed,
                                        VerificationSettings settings) {
  auto m = inv.initialGuess();
  auto p = inv.forward().parameter().createVector();
  inv.operatorField(m, p);
  auto& J = inv.objective();
  J.value(m);  // (configures the solvers)
  // The tolerance of the state solves the checks pass through: 0 for a direct solve.
  KSP ksp = nullptr;
  PDEINV_CALL(SNESGetKSP(inv.forward().solver().snes(), &ksp));
  settings.solverRtol = directSolve(ksp) ? 0.0 : [&] {
    PetscReal rtol = 0;
    PDEINV_CALL(KSPGetTolerances(ksp, &rtol, nullptr, nullptr, nullptr));
    return rtol;
  }();
  const VerificationSettings saved = verificationSettings();
  setVerificationSettings(settings);
  struct Restore {
    VerificationSettings s;
    ~Restore() { setVerificationSettings(s); }
  } restore{saved};
  VerificationReport report;
  auto add = [&](std::vector<CheckResult> checks) {
    for (auto& c : checks) report.add(std::move(c));
  };
  const bool mapped = !inv.regions() && !inv.scalarMode() && inv.parameterKind() != "initial_state";
  if (mapped) add(checkParameterMap(inv.map(), m, seed));
  add(checkOperator(inv.forward().solver(), p, seed + 10));
  add(checkObservation(inv.observation(), inv.observation().name(), J.state(), seed + 20));
  auto* tJ = inv.transientObjective();
  add(checkMisfit(inv.misfit(),
                  tJ ? tJ->predictedObservations() : inv.steadyObjective()->predictedObservations(),
                  seed + 30));
  if (inv.regularization()) {
    auto mField = inv.forward().parameter().createVector();
    if (inv.regions()) inv.regions()->embed(m, mField);
    add(checkRegularization(*inv.regularization(), inv.regions() ? mField.get() : m.get(),
                            seed + 40));
  }
  if (inv.constraint()) add(checkRegularization(*inv.constraint(), m, seed + 45));
  if (inv.regions()) {
    auto field = inv.forward().parameter().createVector();
    auto theta = inv.regions()->createVector();
    add({checkDotProduct(
        "region parameters", "E / E^T", theta, field,
        [&](Vec t, Vec f) { inv.regions()->embed(t, f); },
        [&](Vec f, Vec t) { inv.regions()->embedTranspose(f, t); }, 1e-12)});
  }
  if (tJ) {
    // The whole space-time tangent/adjoint pair of x ↦ predicted observations.
    auto dx = J.createParameterVector();
    Owned<Vec> r;
    PDEINV_CALL(VecDuplicate(tJ->predictedObservations(), r.out()));
    fillRandom(dx, seed + 60);
    fillRandom(r, seed + 61);
    add({checkDotProduct(
        "transient adjoint", "space-time d / d^T", dx, r,
        [&](Vec a, Vec out) { tJ->predictionTangent(m, a, out); },
        [&](Vec a, Vec out) { tJ->predictionAdjoint(m, a, out); },
        verificationSettings().solveTolerance())});
  }
  add(checkReducedFunctional(J, m, seed + 50));
  add({checkGaussNewtonHessian(inv, m, seed + 70)});
  return report;
}

}  // namespace pdeinv

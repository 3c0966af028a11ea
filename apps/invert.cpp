// pdeinv -mode invert: the inverse problem of the options database, solved with TAO.
//
// Output directory (-output DIR):
//   estimate.vtu, truth.vtu, error.vtu, state.vtu   fields for ParaView (physical parameter)
//   fields.h5, fields.png, convergence.png          plot data and the plots made from it
//   history.csv                                     one line per iteration
//   summary.json                                    what the run achieved (see README)
//   estimate.vec                                    the optimisation variable (PETSc binary)
//   checkpoint.{dat,txt}                            with -checkpoint_every k (for -restart)
//   options_used.txt, run_info.json                 how the run was made
// Exit status: 0 converged, 2 not converged (results are written either way).
#include <petsctime.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "modes.hpp"
#include "pdeinv/analysis/field_identifiability.hpp"
#include "pdeinv/core/error.hpp"
#include "pdeinv/core/log_events.hpp"
#include "pdeinv/core/options.hpp"
#include "pdeinv/core/session.hpp"
#include "pdeinv/fem/forms.hpp"
#include "pdeinv/io/json.hpp"
#include "pdeinv/io/output.hpp"
#include "pdeinv/io/plot_data.hpp"
#include "pdeinv/io/run_info.hpp"
#include "pdeinv/optim/checkpoint.hpp"
#include "pdeinv/optim/tao_gncg.hpp"
#include "pdeinv/optim/tao_problem.hpp"
#include "pdeinv/optim/weight_choice.hpp"
#include "pdeinv/problem/inverse_problem.hpp"

namespace pdeinv::app {

namespace {

constexpr const char* kInversionStage = "pdeinv inversion";

// What identifies the problem a checkpoint belongs to.
std::string fingerprint(InverseProblem& inv, Vec x) {
  PetscInt nx = 0;
  PDEINV_CALL(VecGetSize(x, &nx));
  PetscReal dataNorm = 0;
  PDEINV_CALL(VecNorm(inv.data(), NORM_2, &dataNorm));
  std::ostringstream s;
  s << "operator=" << inv.forward().op().name() << " parameter_space=" << inv.parameterKind()
    << " state=" << inv.forward().state().element().str()
    << " parameter=" << inv.forward().parameter().element().str() << " unknowns=" << nx
    << " state_unknowns=" << inv.forward().state().globalSize()
    << " observations=" << inv.dataSize() << " data_norm=" << std::setprecision(12) << dataNorm
    << " map=" << inv.map().name()
    << " regularization=" << (inv.regularization() ? inv.regularization()->name() : "none");
  return s.str();
}

}  // namespace

int runInvert(MPI_Comm comm) {
  const Options opts;
  const bool root = rankOf(comm) == 0;
  PetscLogDouble tStart = 0;
  PDEINV_CALL(PetscTime(&tStart));

  // 1. The inverse problem and how to solve it.
  auto inv = InverseProblem::fromOptions(comm);
  auto& J = inv->objective();
  const auto outDir = outputDirectory("output/invert");
  const bool write = !outDir.empty();
  const auto hessian = opts.getString("hessian", "gauss_newton",
                                      "Hessian of the Newton-Krylov types: gauss_newton | newton");
  require(hessian == "gauss_newton" || hessian == "newton",
          "-hessian must be gauss_newton or newton, got '" + hessian + "'");
  require(hessian == "gauss_newton" || J.newtonAvailable(),
          "-hessian newton: " + J.newtonUnavailableReason());
  const auto every =
      opts.getInt("checkpoint_every", 0, "write a checkpoint every k iterations (0: never)");
  require(every >= 0, "-checkpoint_every must be non-negative, got " + std::to_string(every));
  const bool restart =
      opts.getBool("restart", false, "continue from the checkpoint in the -output directory");
  const auto choice = opts.getString("reg_weight_choice", "fixed",
                                     "regularization weight: fixed | morozov | lcurve");
  require(choice == "fixed" || choice == "morozov" || choice == "lcurve",
          "-reg_weight_choice must be fixed, morozov or lcurve, got '" + choice + "'");
  const PetscReal weight0 =
      opts.getReal("reg_weight", 1.0, "weight β of the regularization (multiplies -reg_gamma)");
  const PetscReal morozovRtol = opts.getReal(
      "morozov_rtol", 0.05, "Morozov: accepted relative distance of the misfit to its target");
  const auto lcurveWeights = opts.getRealArray("lcurve_weights", {1e-3, 1e-2, 1e-1, 1, 10, 100},
                                               "L-curve: the weights β to try");
  // Out of range, these made the weight choice loop until killed or divide by zero.
  auto text = [](PetscReal v) {
    std::ostringstream s;
    s << v;
    return s.str();
  };
  require(std::isfinite(weight0) && weight0 > 0,
          "-reg_weight must be positive and finite, got " + text(weight0));
  require(std::isfinite(morozovRtol) && morozovRtol > 0 && morozovRtol < 1,
          "-morozov_rtol must lie in (0, 1), got " + text(morozovRtol));
  require(!lcurveWeights.empty(), "-lcurve_weights needs at least one weight");
  for (PetscReal w : lcurveWeights)
    require(std::isfinite(w) && w > 0,
            "-lcurve_weights: every weight must be positive and finite, got " + text(w));
  const bool monitorLines = opts.getBool("monitor", true, "print one line per iteration");
  const bool plot = opts.getBool("plot", true, "make the PNG plots (Debian's python3-matplotlib)");
  RandomizedEigenOptions spectrum;
  spectrum.rank = static_cast<int>(opts.getInt(
      "identify_rank", 0,
      "after the inversion: eigenpairs of the misfit Hessian against the prior at the estimate "
      "(identify.json, spectrum.png; 0: none)"));
  require(spectrum.rank >= 0,
          "-identify_rank must be non-negative, got " + std::to_string(spectrum.rank));
  spectrum.oversampling = static_cast<int>(opts.getInt(
      "identify_oversampling", spectrum.oversampling, "field spectrum: extra random directions"));
  require(spectrum.oversampling >= 0, "-identify_oversampling must be non-negative, got " +
                                          std::to_string(spectrum.oversampling));
  if (spectrum.rank > 0) requireFieldIdentifiable(*inv);
  std::vector<PetscReal> outputTimes;
  if (inv->transient()) {
    const auto& tobs = inv->transientObjective()->times();
    outputTimes = opts.getRealArray("output_times", {tobs.back()},
                                    "transient: times at which the state is written "
                                    "(estimate and truth; default: the final time)");
    for (PetscReal t : outputTimes)
      require(t >= 0 && t <= tobs.back() * (1 + 1e-12),
              "-output_times: " + std::to_string(t) + " is outside the simulated interval [0, " +
                  std::to_string(tobs.back()) + "]");
  }
  const auto lowerText = opts.findString("bound_lower", "lower bound on the physical parameter");
  const auto upperText = opts.findString("bound_upper", "upper bound on the physical parameter");
  require(!restart || write, "-restart needs an -output directory holding the checkpoint");
  require(every == 0 || write, "-checkpoint_every needs an -output directory");

  auto* reg = inv->regularization();  // null for scalar parameters
  require(reg || choice == "fixed",
          "-reg_weight_choice " + choice + ": this problem has no regularization to weigh");
  if (reg) reg->setWeight(weight0);
  TaoProblem tp(J, inv->regions() ? nullptr : reg);
  tp.setHessianType(hessian == "newton" ? HessianType::Newton : HessianType::GaussNewton);
  if (lowerText || upperText) {
    // Physical bounds become bounds on the optimisation variable through the (monotone) map.
    auto lo = J.createParameterVector(), hi = J.createParameterVector();
    PDEINV_CALL(VecSet(lo, PETSC_NINFINITY));
    PDEINV_CALL(VecSet(hi, PETSC_INFINITY));
    auto bound = [&](const std::string& text, const char* flag) {
      char* end = nullptr;
      const double v = std::strtod(text.c_str(), &end);
      require(end && *end == '\0' && std::isfinite(v),
              std::string(flag) + " expects a number, got '" + text + "'");
      const std::string what = std::string(flag) + " " + text + " is outside the range of the " +
                               inv->map().name() + " parameter map";
      PetscReal m = 0;
      try {
        m = inv->map().inverse(v);
      } catch (const InputError& e) {
        throw InputError(what + " (" + e.what() + ")");
      }
      require(std::isfinite(m), what);
      return m;
    };
    if (lowerText) PDEINV_CALL(VecSet(lo, bound(*lowerText, "-bound_lower")));
    if (upperText) PDEINV_CALL(VecSet(hi, bound(*upperText, "-bound_upper")));
    tp.setBounds(lo, hi);
  }
  tp.setFromOptions();
  if (printHelpIfRequested(comm)) return 0;
  checkAllOptionsUsed();
  if (write) makeDirectory(comm, outDir);

  // 2. The starting point: the configured guess, or the last checkpoint.
  auto x = inv->initialGuess();
  const std::string fp = fingerprint(*inv, x);
  // Checkpoint keys: dof positions for a field (partition-independent), none for θ on rank 0.
  const bool field = !inv->regions() && !inv->scalarMode();
  const std::vector<std::uint64_t> keys =
      field ? inv->parameterSpace().dofKeys() : std::vector<std::uint64_t>{};
  PetscInt startIteration = 0, restartIteration = 0;
  const bool gncg = tp.typeName() == TAOPDEINVGNCG;
  if (restart) {
    const auto c = readCheckpoint(outDir, x, keys, fp);
    if (gncg) {
      // pdeinvgncg resumes exactly: its iteration count, forcing history and ‖g₀‖ continue.
      GNCGState st;
      auto get = [&](const char* k, double def) {
        auto it = c.state.find(k);
        return it == c.state.end() ? def : it->second;
      };
      st.iteration = static_cast<PetscInt>(get("iteration", static_cast<double>(c.iteration)));
      st.cgTotal = static_cast<PetscInt>(get("cg_total", 0));
      st.gnorm0 = get("gnorm0", -1);
      st.gnormPrev = get("gnorm_prev", -1);
      st.etaPrev = get("eta_prev", -1);
      st.step = get("step", 0);
      taoGNCGSetState(tp.tao(), st);
    } else {
      startIteration = c.iteration;  // TAO's own types restart their counters (and memory)
    }
    restartIteration = c.iteration;
    if (root)
      std::printf("restarting from %s/checkpoint.dat (iteration %lld)\n", outDir.c_str(),
                  static_cast<long long>(restartIteration));
  }

  // 3. One monitor line per iteration; checkpoints.
  const char* header =
      "  it        cost      misfit         reg      |grad|      step    cg   pde    time\n";
  tp.setMonitor([&](const IterationRecord& r) {
    const PetscInt it = r.iteration + startIteration;
    if (monitorLines && root) {
      std::printf("%4lld %11.5e %11.5e %11.5e %11.4e %9.3e %5lld %5lld %7.2f\n",
                  static_cast<long long>(it), r.cost, r.misfit, r.regularization, r.gradientNorm,
                  r.step, static_cast<long long>(r.cgIterations),
                  static_cast<long long>(r.pdeSolves), r.elapsed);
      std::fflush(stdout);
    }
    if (every > 0 && r.iteration > 0 && it % every == 0) {
      Vec xc = nullptr;
      PDEINV_CALL(TaoGetSolution(tp.tao(), &xc));
      Checkpoint c;
      c.iteration = it;
      c.fingerprint = fp;
      if (gncg) {
        const auto st = taoGNCGGetState(tp.tao());
        c.state = {{"iteration", static_cast<double>(st.iteration)},
                   {"cg_total", static_cast<double>(st.cgTotal)},
                   {"gnorm0", st.gnorm0},
                   {"gnorm_prev", st.gnormPrev},
                   {"eta_prev", st.etaPrev},
                   {"step", st.step}};
      }
      writeCheckpoint(outDir, xc, keys, c);
    }
  });
  auto invertAt = [&](PetscReal w) {
    if (reg) reg->setWeight(w);
    if (root) {
      std::printf("inversion: tao %s, beta = %.4e\n%s", tp.typeName().c_str(), w, header);
    }
    tp.solve(x);
    WeightTrial t;
    t.weight = w;
    J.value(x);
    t.misfit = J.misfitValue();
    t.regularization = reg ? J.regularizationValue() / w : 0.0;
    t.iterations = tp.iterations();
    t.converged = tp.converged();
    return t;
  };

  // 4. Solve, choosing β first if asked (in its own log stage: -log_view, summary.json).
  auto inversionStage = std::make_unique<LogStage>(kInversionStage);
  auto x0 = J.createParameterVector();
  PDEINV_CALL(VecCopy(x, x0));
  std::vector<WeightTrial> trials;
  const PetscReal expectedMisfit = 0.5 * static_cast<PetscReal>(inv->dataSize());
  PetscReal weight = weight0;
  bool morozovFound = false;
  if (choice == "morozov") {
    auto r = morozov(invertAt, expectedMisfit, weight0, morozovRtol);
    trials = r.trials;
    weight = r.weight;
    morozovFound = r.found;
    if (root)
      std::printf("Morozov: beta = %.4e (%s after %zu inversions), target misfit %.4e\n", weight,
                  r.found ? "found" : "NOT found", trials.size(), expectedMisfit);
  } else if (choice == "lcurve") {
    for (PetscReal w : lcurveWeights) {
      PDEINV_CALL(VecCopy(x0, x));
      trials.push_back(invertAt(w));
    }
    weight = trials[lcurveCorner(trials)].weight;
    if (root) std::printf("L-curve corner: beta = %.4e\n", weight);
  }
  // The final inversion at the chosen β (Morozov's last trial is already at it, warm-started).
  // (When Morozov stops without meeting its tolerance, the best β is solved again from the start.)
  const bool again = choice == "lcurve" || (choice == "morozov" && !morozovFound);
  if (again) PDEINV_CALL(VecCopy(x0, x));
  if (choice == "fixed" || again) invertAt(weight);
  PetscLogDouble tEnd = 0;
  PDEINV_CALL(PetscTime(&tEnd));
  inversionStage.reset();
  const auto phases = phaseTimes(comm, kInversionStage);  // (the spectrum has its own stage)
  const double peakMemory = peakMemoryMB(comm);
  checkAllOptionsUsed(true);

  // 5. Results.
  const PetscReal cost = J.value(x);
  const auto& P = inv->parameterSpace();
  auto estimate = P.createVector();
  inv->physicalField(x, estimate);
  Owned<Vec> truthField, errorField;
  PetscReal relErr = -1;
  auto M = massMatrix(P);
  if (inv->truth() && !inv->scalarMode()) {
    truthField = P.createVector();
    inv->physicalField(inv->truth(), truthField);
    errorField = P.createVector();
    PDEINV_CALL(VecWAXPY(errorField, -1.0, truthField, estimate));
    relErr = relativeError(M, estimate, truthField);
  }
  if (inv->truth() && (inv->regions() || inv->scalarMode())) {
    // A few global scalars: the Euclidean relative error of θ itself.
    Owned<Vec> d;
    PDEINV_CALL(VecDuplicate(x, d.out()));
    PDEINV_CALL(VecWAXPY(d, -1.0, inv->truth(), x));
    PetscReal nd = 0, nt = 0;
    PDEINV_CALL(VecNorm(d, NORM_2, &nd));
    PDEINV_CALL(VecNorm(inv->truth(), NORM_2, &nt));
    relErr = nt > 0 ? nd / nt : nd;
  }
  // The estimate at the sensors: a layout-free fingerprint of the result (compared across rank
  // counts by the tests).
  std::vector<PetscReal> probes;
  if (!inv->observation().points().empty()) {
    auto probe = makePointObservation(P, inv->observation().points(), "observation points");
    auto pv = probe->createObservationVector();
    probe->apply(estimate, pv);
    probes = probe->toOriginalOrder(pv);
  }
  const auto& hist = tp.history();
  const PetscReal g0 = hist.empty() ? 0 : hist.front().gradientNorm;
  const PetscReal gEnd = hist.empty() ? 0 : hist.back().gradientNorm;
  const auto counts = J.counts();  // the inversion's (the spectrum below adds its own)
  const int ranks = sizeOf(comm);
  PetscInt nParam = 0;
  PDEINV_CALL(VecGetSize(x, &nParam));
  const PetscInt nState = inv->forward().state().globalSize();
  if (root) {
    std::printf("%s: %s after %lld iterations (tao %s)\n",
                tp.converged() ? "converged" : "NOT converged", tp.reasonName().c_str(),
                static_cast<long long>(tp.iterations() + startIteration), tp.typeName().c_str());
    std::printf("  cost %.6e  misfit %.6e (expected %.4e)  regularization %.6e\n", cost,
                J.misfitValue(), expectedMisfit, J.regularizationValue());
    std::printf("  gradient norm %.3e (reduced %.2e-fold)\n", gEnd, gEnd > 0 ? g0 / gEnd : 0.0);
    std::printf(
        "  PDE solves: %lld forward, %lld adjoint, %lld tangent, %lld incremental adjoint\n",
        static_cast<long long>(counts.forward), static_cast<long long>(counts.adjoint),
        static_cast<long long>(counts.tangent), static_cast<long long>(counts.incrementalAdjoint));
    if (relErr >= 0) std::printf("  relative parameter error %.4e\n", relErr);
    std::printf("  wall time %.2f s on %d rank(s), peak memory %.0f MB per rank\n", tEnd - tStart,
                ranks, peakMemory);
    std::printf("  time per phase (s, inclusive):");
    for (const auto& p : phases) {
      if (p.count > 0) std::printf(" %s %.2f", p.name.c_str(), p.seconds);
    }
    std::printf("\n");
  }
  if (spectrum.rank > 0) {
    // What the data determine, linearised at the estimate.
    LogStage identifyStage("pdeinv identify");
    const auto report = fieldIdentifiability(*inv, x, spectrum);
    if (root) std::printf("at the estimate, ");
    printFieldIdentifiability(comm, report);
    if (write) writeFieldIdentifiabilityJson(comm, report, outDir + "/identify.json");
  }
  if (!write) return tp.converged() ? ExitOk : ExitNotConverged;

  writeVtu(estimate, outDir + "/estimate.vtu");
  writeVtu(J.state(), outDir + "/state.vtu");
  // Transient: the state of the estimate and of the truth at the -output_times.
  std::vector<std::pair<std::string, Owned<Vec>>> timeFields;
  if (auto* tJ = inv->transientObjective()) {
    auto est = tJ->statesAt(x, outputTimes);
    std::vector<Owned<Vec>> tru;
    if (inv->truth()) tru = tJ->statesAt(inv->truth(), outputTimes);
    for (size_t k = 0; k < outputTimes.size(); ++k) {
      std::ostringstream tag;
      tag << "t" << outputTimes[k];
      writeVtu(est[k], outDir + "/state_" + tag.str() + ".vtu");
      timeFields.emplace_back("state_" + tag.str(), std::move(est[k]));
      if (!tru.empty()) {
        writeVtu(tru[k], outDir + "/true_state_" + tag.str() + ".vtu");
        timeFields.emplace_back("true_state_" + tag.str(), std::move(tru[k]));
      }
    }
    J.value(x);  // statesAt moved the objective away from x
  }
  if (truthField) {
    writeVtu(truthField, outDir + "/truth.vtu");
    writeVtu(errorField, outDir + "/error.vtu");
  }
  {
    Owned<PetscViewer> v;
    PDEINV_CALL(
        PetscViewerBinaryOpen(comm, (outDir + "/estimate.vec").c_str(), FILE_MODE_WRITE, v.out()));
    PDEINV_CALL(PetscViewerBinarySetSkipInfo(v, PETSC_TRUE));
    PDEINV_CALL(VecView(x, v));
  }
  writeOptionsFile(comm, outDir + "/options_used.txt");
  writeRunInfo(comm, outDir + "/run_info.json");
  {
    std::vector<std::pair<std::string, Vec>> fields = {{"estimate", estimate}};
    if (truthField)
      fields.push_back({"truth", truthField}), fields.push_back({"error", errorField});
    fields.push_back({"state", J.state()});
    for (const auto& [name, v] : timeFields) fields.push_back({name, v.get()});
    writePlotFields(outDir + "/fields.h5", fields);
  }
  if (root) {
    std::ofstream h(outDir + "/history.csv");
    h << "iteration,cost,misfit,regularization,gradient_norm,step,cg_iterations,pde_solves,"
         "elapsed_s\n"
      << std::setprecision(12);
    for (const auto& r : hist) {
      h << r.iteration + startIteration << "," << r.cost << "," << r.misfit << ","
        << r.regularization << "," << r.gradientNorm << "," << r.step << "," << r.cgIterations
        << "," << r.pdeSolves << "," << r.elapsed << "\n";
    }
    std::ofstream out(outDir + "/summary.json");
    JsonWriter w(out);
    w.beginObject();
    w.field("converged", tp.converged()).field("reason", tp.reasonName());
    w.field("iterations", tp.iterations() + startIteration);
    w.field("restarted", restart).field("tao_type", tp.typeName()).field("hessian", hessian);
    w.field("preconditioned", tp.preconditioned());
    w.key("pde_solves").beginObject(true);
    w.field("forward", counts.forward).field("adjoint", counts.adjoint);
    w.field("tangent", counts.tangent).field("incremental_adjoint", counts.incrementalAdjoint);
    w.field("failed_forward", tp.failedEvaluations()).endObject();
    w.key("final").beginObject(true);
    w.field("cost", cost).field("misfit", J.misfitValue());
    w.field("regularization", J.regularizationValue()).field("gradient_norm", gEnd);
    w.endObject();
    w.field("initial_gradient_norm", g0).field("gradient_reduction", g0 > 0 ? gEnd / g0 : 0.0);
    w.field("expected_misfit", expectedMisfit).field("regularization_weight", weight);
    w.key("weight_choice").beginObject().field("method", choice);
    if (choice == "morozov") w.field("found", morozovFound).field("rtol", morozovRtol);
    w.key("trials").beginArray();
    for (const auto& t : trials) {
      w.beginObject(true).field("weight", t.weight).field("misfit", t.misfit);
      w.field("regularization", t.regularization).field("iterations", t.iterations);
      w.field("converged", t.converged).endObject();
    }
    w.endArray().endObject();
    if (relErr >= 0) w.field("relative_parameter_error", relErr);
    w.field("estimate_at_observation_points", std::vector<double>(probes.begin(), probes.end()));
    w.field("observations", inv->dataSize());
    if (auto* tJ = inv->transientObjective()) {
      const auto& cs = tJ->checkpointStats();
      w.key("transient").beginObject();
      w.field("parameter_space", inv->parameterKind());
      w.field("steps", static_cast<PetscInt>(tJ->steps()));
      w.field("final_time", tJ->times().back());
      w.field("checkpoint_budget", static_cast<PetscInt>(tJ->budget()));
      w.field("peak_stored_levels", static_cast<PetscInt>(cs.peakStoredLevels));
      w.field("forward_steps", static_cast<PetscInt>(cs.forwardSteps));
      w.field("adjoint_steps", static_cast<PetscInt>(cs.adjointSteps));
      w.field("tangent_steps", static_cast<PetscInt>(cs.tangentSteps));
      w.field("output_times", std::vector<double>(outputTimes.begin(), outputTimes.end()));
      w.endObject();
    }
    w.field("parameter_unknowns", nParam).field("state_unknowns", nState);
    w.field("wall_time_s", tEnd - tStart).field("ranks", ranks);
    // Inclusive times of each phase (PETSc log events, maximum over ranks) and peak memory.
    w.key("phase_times_s").beginObject();
    for (const auto& p : phases) w.field(p.name, p.seconds);
    w.endObject();
    w.key("phase_counts").beginObject(true);
    for (const auto& p : phases) w.field(p.name, static_cast<PetscInt>(p.count));
    w.endObject();
    w.field("peak_memory_mb", peakMemory);
    w.endObject();
    w.finish();
    std::printf("  wrote %s/{summary.json,history.csv,estimate.vtu,...}\n", outDir.c_str());
  }
  if (plot && root) {
    // The plots come from Debian's matplotlib (scripts/plot_results.py); a machine without it
    // still has every result, so a failed plot is a warning, not an error.
    const std::string cmd = "/usr/bin/python3 '" + std::string(PDEINV_PLOT_SCRIPT) + "' '" +
                            outDir + "' > '" + outDir + "/plot.log' 2>&1";
    if (std::system(cmd.c_str()) == 0) {
      std::printf("  plots: %s/fields.png, %s/convergence.png%s\n", outDir.c_str(), outDir.c_str(),
                  spectrum.rank > 0 ? (", " + outDir + "/spectrum.png").c_str() : "");
    } else {
      std::printf("  warning: no plots (see %s/plot.log)\n", outDir.c_str());
    }
  }
  return tp.converged() ? ExitOk : ExitNotConverged;
}

}  // namespace pdeinv::app

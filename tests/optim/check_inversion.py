#!/usr/bin/python3
"""Checks on `pdeinv -mode invert` run directories (used by CTest; standard library only).

  check_inversion.py converged DIR            summary.json has the documented keys and converged
  check_inversion.py same DIR1 DIR2 TOL       the estimates agree (at the sensors) to TOL relative
  check_inversion.py morozov DIR TOL          Morozov found beta with |misfit/expected - 1| <= TOL
  check_inversion.py checkpoints DIR BUDGET   a transient run: converged (as above), and its adjoint
                                              stored at most BUDGET time levels at once
  check_inversion.py restart TOL -- CMD...    kill -9 a run mid-way, restart it, compare with an
                                              uninterrupted run (at the sensors) to TOL relative
  check_inversion.py restart TOL --restart-ranks N -- CMD...   the same, restarted on N ranks
  check_inversion.py evaluate RUN EVAL TOL    -mode evaluate -evaluate_at RUN (in EVAL) gives the
                                              run's final cost and gradient norm to TOL relative
"""
import json
import math
import os
import signal
import subprocess
import sys
import time


def fail(msg):
    print("check_inversion: FAILED: " + msg)
    sys.exit(1)


def summary(d):
    path = os.path.join(d, "summary.json")
    if not os.path.exists(path):
        fail("no " + path)
    with open(path) as f:
        return json.load(f)


def converged(d):
    s = summary(d)
    for key in ["converged", "iterations", "pde_solves", "final", "relative_parameter_error",
                "wall_time_s", "ranks"]:
        if key not in s:
            fail("summary.json lacks '%s'" % key)
    for key in ["cost", "misfit", "regularization", "gradient_norm"]:
        if key not in s["final"]:
            fail("summary.json final lacks '%s'" % key)
    for key in ["forward", "adjoint", "tangent", "incremental_adjoint"]:
        if key not in s["pde_solves"]:
            fail("summary.json pde_solves lacks '%s'" % key)
    if not s["converged"]:
        fail("not converged: " + s.get("reason", "?"))
    for f in ["estimate.vtu", "truth.vtu", "error.vtu", "state.vtu", "history.csv",
              "options_used.txt", "run_info.json", "fields.h5"]:
        if not os.path.exists(os.path.join(d, f)):
            fail("missing " + f)
    # options_used.txt: the options set, then the pdeinv options read at their defaults as
    # "# -flag default" comments (the optimizer's type is always read).
    with open(os.path.join(d, "options_used.txt")) as f:
        used = f.read()
    if "# pdeinv options this run read at their defaults" not in used or "\n# -" not in used:
        fail("options_used.txt lacks the defaults the run read")
    print("converged in %d iterations, gradient reduced to %.2e, relative error %.4f" %
          (s["iterations"], s["gradient_reduction"], s["relative_parameter_error"]))


def relative(a, b):
    num = math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b)))
    den = math.sqrt(sum(y * y for y in b))
    return num / den


def same(d1, d2, tol):
    a = summary(d1)["estimate_at_observation_points"]
    b = summary(d2)["estimate_at_observation_points"]
    if len(a) != len(b) or not a:
        fail("different or empty probe lists")
    r = relative(a, b)
    print("estimates differ by %.3e (relative, at %d sensors); tolerance %.1e" % (r, len(a), tol))
    if r > tol:
        fail("estimates differ")


def morozov(d, tol):
    s = summary(d)
    w = s["weight_choice"]
    if w["method"] != "morozov" or not w.get("found"):
        fail("Morozov did not find a weight")
    ratio = s["final"]["misfit"] / s["expected_misfit"]
    print("Morozov beta %.4e: misfit %.3f, expected %.3f (ratio %.4f) after %d inversions" %
          (s["regularization_weight"], s["final"]["misfit"], s["expected_misfit"], ratio,
           len(w["trials"])))
    if abs(ratio - 1) > tol:
        fail("misfit not within %.0f%% of its expected value" % (100 * tol))


def checkpoints(d, budget):
    converged(d)
    t = summary(d).get("transient")
    if t is None:
        fail("summary.json has no 'transient' object")
    peak = t["peak_stored_levels"]
    print("%d time steps, peak stored time levels %d, budget %d" % (t["steps"], peak, budget))
    if peak > budget:
        fail("stored more time levels than the budget")


def checkpoint_iteration(d):
    try:
        with open(os.path.join(d, "checkpoint.txt")) as f:
            for line in f:
                if line.startswith("iteration "):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def restart(tol, cmd, restart_ranks=None):
    base = cmd[-1]  # the last argument is the output directory
    full, killed = base + "_full", base + "_killed"
    for d in (full, killed):
        subprocess.run(["rm", "-rf", d])
    run = lambda d, extra: cmd[:-1] + [d] + extra
    if subprocess.run(run(full, [])).returncode != 0:
        fail("uninterrupted run failed")
    total = summary(full)["iterations"]
    target = max(2, total // 2)
    if restart_ranks is not None:
        # Across rank counts the point is the rank change: the first run stops at a fixed
        # iteration (a one-rank run can finish between two polls of the kill loop below).
        first = run(killed, ["-checkpoint_every", "1", "-tao_max_it", str(target)])
        if subprocess.run(first).returncode not in (0, 2):
            fail("interrupted run failed")
        print("stopped after checkpoint %d of %d iterations" % (checkpoint_iteration(killed), total))
        os.remove(os.path.join(killed, "summary.json"))
        finish_restart(tol, run, killed, full, total, restart_ranks)
        return
    p = subprocess.Popen(run(killed, ["-checkpoint_every", "1"]), start_new_session=True)
    deadline = time.time() + 300
    while checkpoint_iteration(killed) < target:
        if p.poll() is not None:
            fail("the run ended before it could be killed (checkpoint %d of %d)" %
                 (checkpoint_iteration(killed), target))
        if time.time() > deadline:
            os.killpg(p.pid, signal.SIGKILL)
            fail("no checkpoint")
        time.sleep(0.02)
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    at = checkpoint_iteration(killed)
    print("killed (SIGKILL) after checkpoint %d of %d iterations" % (at, total))
    if os.path.exists(os.path.join(killed, "summary.json")):
        fail("the killed run finished anyway")
    finish_restart(tol, run, killed, full, total, restart_ranks)


def finish_restart(tol, run, killed, full, total, restart_ranks):
    again = run(killed, ["-restart", "-checkpoint_every", "1"])
    if restart_ranks is not None:
        # The checkpoint restarts on another number of ranks (mpiexec's -n N).
        i = again.index("-n")
        print("restarting on %s rank(s) (killed run: %s)" % (restart_ranks, again[i + 1]))
        again[i + 1] = restart_ranks
    if subprocess.run(again).returncode != 0:
        fail("restarted run failed")
    # The partition (and so the vector layout) may differ from run to run: compare the
    # estimates where the sensors are.
    a = summary(killed)["estimate_at_observation_points"]
    b = summary(full)["estimate_at_observation_points"]
    r = relative(a, b)
    s = summary(killed)
    print("restarted run: %d iterations in all (uninterrupted: %d); final parameters differ by "
          "%.3e relative (tolerance %.1e)" % (s["iterations"], total, r, tol))
    if r > tol:
        fail("the restarted run ends elsewhere")
    if not s["restarted"]:
        fail("summary.json does not record the restart")


def evaluate(run_dir, eval_dir, tol):
    final = summary(run_dir)["final"]
    with open(os.path.join(eval_dir, "evaluate.json")) as f:
        e = json.load(f)
    # The final gradient is ~1e-9 of the first: it is compared relative to the first.
    g0 = summary(run_dir)["initial_gradient_norm"]
    for key, ekey, t, scale in (("cost", "cost", tol, abs(final["cost"])),
                                ("misfit", "misfit", tol, abs(final["misfit"])),
                                ("gradient_norm", "gradient_norm", tol, g0)):
        r = abs(e[ekey] - final[key]) / max(scale, 1e-300)
        print("%s: run %.17g, evaluate %.17g, relative difference %.2e" % (key, final[key], e[ekey], r))
        if r > t:
            fail("-mode evaluate differs from the run's final %s" % key)
    for name in ("gradient.dat", "gradient.txt", "gradient.vtu"):
        if not os.path.exists(os.path.join(eval_dir, name)):
            fail("missing " + name)


def main(argv):
    if len(argv) < 2:
        fail(__doc__)
    what = argv[1]
    if what == "converged":
        converged(argv[2])
    elif what == "same":
        same(argv[2], argv[3], float(argv[4]))
    elif what == "morozov":
        morozov(argv[2], float(argv[3]))
    elif what == "checkpoints":
        checkpoints(argv[2], int(argv[3]))
    elif what == "evaluate":
        evaluate(argv[2], argv[3], float(argv[4]))
    elif what == "restart":
        ranks = argv[argv.index("--restart-ranks") + 1] if "--restart-ranks" in argv else None
        restart(float(argv[2]), argv[argv.index("--") + 1:], ranks)
    else:
        fail("unknown check " + what)


if __name__ == "__main__":
    main(sys.argv)

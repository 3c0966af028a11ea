#!/usr/bin/env python3
"""Generates the static catalogue of every option the pdeinv driver reads (run by CMake).

    gen_option_catalog.py SOURCE_ROOT OUTPUT.cpp

Every option is read through pdeinv::Options (include/pdeinv/core/options.hpp): a call
`<receiver>.getInt|getReal|getBool|getString|getType|findString|getIntArray|getRealArray(name,
[default,] help)`. This script finds every such call in src/, include/ and the driver's
sources in apps/, and writes a C++ table {group, prefixes, name, type, default, help} that
`pdeinv -help` prints before anything is built (core/session.hpp). The prefix a call reads
under (Options("obs_"), a `const Options&` parameter, ...) and the group a call belongs to
come from the tables below; a prefix declared next to the call as `Options v("lit")` is found
by itself.

Anything the script cannot read with certainty — a file or function missing from the tables,
a name or default that is not a literal and has no entry, a call it cannot parse — stops the
build with a message naming file:line, so the catalogue cannot silently drift from the code.
The run-time side of the same promise: `-options_catalog_check` makes a run fail when it read
an option the catalogue lacks (tests/help/tests.cmake).
"""
import os
import re
import sys

GETTERS = {
    # getter: (option type as the run-time record names it, number of arguments)
    "getInt": ("int", 3),
    "getReal": ("real", 3),
    "getBool": ("bool", 3),
    "getString": ("string", 3),
    "getType": ("string", 3),  # reads <name>_type
    "findString": ("string", 2),
    "getIntArray": ("int list", 3),
    "getRealArray": ("real list", 3),
}

# Where options are looked for: the library and the driver. The benchmark programs read
# options of their own (-bench_*) that the driver does not have, and options.cpp implements
# the getters.
SCAN_DIRS = ["apps", "src", "include"]  # the driver's own options first in a group
SKIP_FILES = {"src/core/options.cpp"}
SKIP_PATTERNS = [r"^apps/bench_", r"^apps/extension_example/"]

# The groups of `-help`, in the order printed.
GROUPS = [
    "general",
    "mesh",
    "forward problem: operator, spaces, boundary conditions",
    "operators (-<operator>_...: options of the chosen -operator_type)",
    "forward mode (-mode forward, the default)",
    "inverse problem: parameter space, truth, data",
    "parameter map",
    "observations",
    "noise and misfit",
    "regularization",
    "transient problems (-problem transient)",
    "optimizer",
    "linear solvers",
    "inversion workflow (-mode invert)",
    "verify mode (-mode verify)",
    "identify mode (-mode identify)",
    "evaluate mode (-mode evaluate)",
    "sample mode (-mode sample)",
]

# The operators whose own options (their setFromOptions, their data fields) are read under
# "<operator name>_" (forward/steady_problem.cpp).
OPERATOR_PREFIX = {
    "src/physics/poisson.cpp": "poisson_",
    "src/physics/advection_diffusion.cpp": "advection_diffusion_",
    "src/physics/advection_diffusion_source.cpp": "advection_diffusion_source_",
    "src/physics/elasticity.cpp": "elasticity_",
}

# Every KSP configured by setDefaultLinearSolver (core/linear_solver.cpp) and its prefix:
# the steady forward solve (forward/steady_solver.hpp), the prior's solves with A and with the
# mass matrix (inverse/bilaplacian_prior.cpp, regularization.cpp: "<reg prefix>A_" and
# "<reg prefix>mass_"), the transient stage solves (transient/dirk_stepper.cpp: "ts_stage_")
# and the Newton systems of ARKODE (transient/transient_solver.cpp: "ts_newton_"), and the
# preconditioners of the total variation and L1 regularizations (inverse/total_variation.cpp:
# "<reg prefix>tv_", "<reg prefix>l1_").
LINEAR_SOLVER_PREFIXES = ["state_", "reg_A_", "reg_mass_", "reg_tv_", "reg_l1_", "ts_stage_",
                          "ts_newton_"]

# The group and prefixes of the reads in a file, by (file, enclosing function or class,
# receiver); "*" matches any. The first entry that gives a field wins. A prefix declared next to
# the call (`const Options noise("noise_")`) needs no entry.
RULES = [
    ("apps/pdeinv.cpp", "runVerify", "*", {"group": "verify mode (-mode verify)"}),
    ("apps/pdeinv.cpp", "runForward", "*", {"group": "forward mode (-mode forward, the default)"}),
    ("apps/pdeinv.cpp", "runEvaluate", "*", {"group": "evaluate mode (-mode evaluate)"}),
    ("apps/pdeinv.cpp", "main", "*", {"group": "general"}),
    ("src/io/output.cpp", "outputDirectoryFromOptions", "*", {"group": "general"}),
    ("src/workflow/inversion.cpp", "InversionSettings::fromOptions", "*",
     {"group": "inversion workflow (-mode invert)"}),
    ("src/workflow/laplace_run.cpp", "LaplaceRunSettings::fromOptions", "*",
     {"group": "inversion workflow (-mode invert)"}),
    ("src/workflow/sample_run.cpp", "SampleSettings::fromOptions", "*",
     {"group": "sample mode (-mode sample)"}),
    ("src/workflow/identify_run.cpp", "IdentifySettings::fromOptions", "*",
     {"group": "identify mode (-mode identify)"}),
    ("src/workflow/forward_run.cpp", "ForwardSettings::fromOptions", "*",
     {"group": "forward mode (-mode forward, the default)"}),
    ("src/core/session.cpp", "runMain", "*", {"group": "general"}),
    ("src/core/plugin.cpp", "loadPlugins", "*", {"group": "general"}),
    ("src/core/linear_solver.cpp", "setDefaultLinearSolver", "opts",
     {"group": "linear solvers", "prefixes": LINEAR_SOLVER_PREFIXES}),
    ("src/mesh/mesh.cpp", "Mesh::fromOptions", "opts", {"group": "mesh", "prefixes": ["mesh_"]}),
    ("src/forward/steady_problem.cpp", "SteadyProblem::fromOptions", "opOpts",
     {"group": "operators (-<operator>_...: options of the chosen -operator_type)",
      "prefixes": ["poisson_", "advection_diffusion_", "nonlinear_diffusion_"]}),
    ("src/forward/steady_problem.cpp", "*", "*",
     {"group": "forward problem: operator, spaces, boundary conditions"}),
] + [
    (f, "*", "opts",
     {"group": "operators (-<operator>_...: options of the chosen -operator_type)",
      "prefixes": [p]}) for f, p in OPERATOR_PREFIX.items()
] + [
    ("src/inverse/misfit.cpp", "noiseSigmaFromOptions", "opts",
     {"group": "noise and misfit", "prefixes": ["noise_"]}),
    ("src/inverse/misfit.cpp", "drawSyntheticData", "opts",
     {"group": "noise and misfit", "prefixes": ["noise_"]}),
    ("src/inverse/misfit.cpp", "LaplaceMisfit", "opts",
     {"group": "noise and misfit", "prefixes": ["misfit_"]}),
    ("src/inverse/misfit.cpp", "HuberMisfit", "opts",
     {"group": "noise and misfit", "prefixes": ["misfit_"]}),
    ("src/inverse/misfit.cpp", "StudentTMisfit", "opts",
     {"group": "noise and misfit", "prefixes": ["misfit_"]}),
    # With -help, a program without a catalogue lists every observation option whatever the
    # type (listAllOptions): the same options the factories above read, not listed twice.
    ("src/inverse/observation.cpp", "listAllOptions", "*", {"repeats": True}),
    ("src/inverse/observation.cpp", "*", "opts",
     {"group": "observations", "prefixes": ["obs_"]}),
    ("src/inverse/xray.cpp", "*", "opts", {"group": "observations", "prefixes": ["obs_"]}),
    ("src/inverse/parameter_map.cpp", "SigmoidMap", "opts",
     {"group": "parameter map", "prefixes": ["param_map_"]}),
    ("src/inverse/parameter_map.cpp", "parameterMapFromOptions", "opts",
     {"group": "parameter map", "prefixes": [""]}),
    ("src/inverse/regularization.cpp", "*", "*", {"group": "regularization", "prefixes": ["reg_"]}),
    ("src/inverse/linear_constraint.cpp", "*", "opts",
     {"group": "regularization", "prefixes": ["constraint_"]}),
    # TaoProblem's prefix is the Tao's own, "" in the driver.
    ("src/optim/tao_problem.cpp", "TaoProblem::wirePreconditioner", "opts",
     {"group": "optimizer", "prefixes": ["tao_pdeinv_"]}),
    # readScalars is called with InverseProblem::fromOptions' `opts` (no prefix).
    ("src/problem/inverse_problem.cpp", "readScalars", "opts", {"prefixes": [""]}),
    ("src/problem/inverse_problem.cpp", "*", "noise", {"group": "noise and misfit"}),
    ("src/problem/inverse_problem.cpp", "*", "ts", {"group": "transient problems (-problem transient)"}),
    ("src/problem/inverse_problem.cpp", "InverseProblem::buildTransient", "*",
     {"group": "transient problems (-problem transient)"}),
    ("src/problem/inverse_problem.cpp", "*", "*", {"group": "inverse problem: parameter space, truth, data"}),
    ("src/transient/time_grid.cpp", "TimeGrid::fromOptions", "opts",
     {"group": "transient problems (-problem transient)", "prefixes": ["ts_"]}),
    ("src/transient/time_observation.cpp", "observationTimesFromOptions", "opts",
     {"group": "transient problems (-problem transient)", "prefixes": ["obs_"]}),
]

# Options read in several places that belong to one group wherever they are read.
GROUP_OF_OPTION = {
    "-misfit_type": "noise and misfit",
}

# Reads whose option name is not a literal, by (file, enclosing function): what they read.
# "entries": the options themselves (name, default, help); "forwarded": the enclosing function
# takes the name and help from its callers, found in the same file: calls `function(...)` with
# the name as argument `name` and the help as argument `help` (0-based), and `default` text.
NON_LITERAL = {
    # The operators' data fields (PdeOperator::dataFields(): physics/log_diffusion.hpp,
    # nonlinear_diffusion.hpp, the AD twin in poisson.cpp), read under the operator's prefix.
    ("src/forward/steady_problem.cpp", "SteadyProblem::fromOptions"): {
        "entries": [("source", "1", "right-hand side f(x, y, z)")],
    },
    ("src/problem/inverse_problem.cpp", "readScalars"): {
        "forwarded": {"function": "readScalars", "name": 1, "help": 4,
                      "default": "the operator's scalar parameters' defaults"},
    },
}

# Default expressions that are not literals, by (file, expression text): what -help shows.
# (A member of a local struct, as `g.dt` for `TimeGrid g;`, is looked up in its header.)
DEFAULTS = {
    ("src/forward/steady_problem.cpp",
     "spec.op->boundaryValueProblem() ? std::vector<PetscInt>{1} : std::vector<PetscInt>{}"):
        "1 (none for -operator_type identity)",
    ("src/inverse/misfit.cpp", 'known ? misfitType : "gaussian"'):
        "the misfit's model (gaussian for huber)",
    ("apps/pdeinv.cpp", 'verify ? "verify" : "forward"'): "forward (verify with -verify)",
    ("src/io/output.cpp", "def"): "output/<mode>",
    ("src/workflow/inversion.cpp", "{tobs.back()}"): "the final observation time",
    ("src/workflow/inversion.cpp", "s.spectrum.oversampling"): "10",
    ("src/workflow/identify_run.cpp", "s.eigen.rank"): "20",
    ("src/workflow/identify_run.cpp", "s.eigen.oversampling"): "10",
    ("src/workflow/identify_run.cpp", "s.scalars.maxIterations"): "50",
    ("src/workflow/identify_run.cpp", "s.scalars.nullTolerance"): "1e-08",
    ("src/forward/steady_problem.cpp", "zeros(components)"):
        "0 for each state component",
    ("src/mesh/mesh.cpp", "std::vector<PetscInt>(box.dim, 8)"): "8 per dimension",
    ("src/mesh/mesh.cpp", "std::vector<PetscReal>(box.dim, 0.0)"): "0 per dimension",
    ("src/mesh/mesh.cpp", "std::vector<PetscReal>(box.dim, 1.0)"): "1 per dimension",
    ("src/problem/inverse_problem.cpp", 'regions.empty() ? "field" : "regions"'):
        "field (regions with -parameter_regions)",
    ("src/problem/inverse_problem.cpp", "neutral"): "the map's neutral value",
    ("src/inverse/regularization.cpp", "id.thetaOrIdentity(dim)"): "the identity",
    ("src/inverse/observation.cpp", "defLo"): "the mesh's bounding box shrunk by 5%",
    ("src/inverse/observation.cpp", "defHi"): "the mesh's bounding box shrunk by 5%",
    ("src/inverse/observation.cpp", "lo"): "the mesh's bounding box",
    ("src/inverse/observation.cpp", "hi"): "the mesh's bounding box",
    ("src/transient/time_observation.cpp", "{finalTime}"): "the final time",
}

# Help texts ending in a computed list: what -help shows in its place.
HELP_PARTS = {
    "available": "(the registered ones, listed below)",
    "list": "(the registered ones, listed below)",
}


class CatalogError(Exception):
    pass


def fail(path, line, message):
    raise CatalogError("%s:%d: %s" % (path, line, message))


# ---- C++ text: comments and literals masked, so that searches see code only ----

def mask(text):
    """The text with comments and the contents of string/char literals replaced by spaces
    (newlines kept, so positions and line numbers agree)."""
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            for k in range(i, j):
                out[k] = " "
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            for k in range(i, j):
                if out[k] != "\n":
                    out[k] = " "
            i = j
        elif text.startswith('R"', i) and not (i > 0 and (text[i - 1].isalnum() or
                                                         text[i - 1] == "_")):
            # A raw string literal R"delim(...)delim": no escapes, and it may hold quotes.
            open_paren = text.find("(", i + 2)
            closing = ")" + text[i + 2:open_paren] + '"'
            end = text.find(closing, open_paren) if open_paren >= 0 else -1
            end = n if end < 0 else end + len(closing)
            for k in range(i + 2, end - 1):
                if out[k] != "\n":
                    out[k] = " "
            i = end
        elif c == '"' or (c == "'" and not (i > 0 and text[i - 1].isalnum())):
            # A digit separator (1'000) is not a char literal; pdeinv has none, but be safe.
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            for k in range(i + 1, min(j, n)):
                if out[k] != "\n":
                    out[k] = " "
            i = j + 1
        else:
            i += 1
    return "".join(out)


def line_of(text, pos):
    return text.count("\n", 0, pos) + 1


def matching(masked, open_pos):
    """Position of the bracket closing the one at open_pos."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    stack = []
    for i in range(open_pos, len(masked)):
        c = masked[i]
        if c in pairs:
            stack.append(pairs[c])
        elif c in ")]}":
            if not stack or stack.pop() != c:
                return -1
            if not stack:
                return i
    return -1


def split_args(text, masked, start, end):
    """The top-level comma-separated arguments between start and end, as (text, offset)."""
    args, depth, begin = [], 0, start
    for i in range(start, end):
        c = masked[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            args.append((text[begin:i], begin))
            begin = i + 1
    if text[begin:end].strip() or args:
        args.append((text[begin:end], begin))
    return args


STRING_RE = re.compile(r'\s*"((?:[^"\\\n]|\\.)*)"\s*')


def unescape(s):
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), s)


def string_literals(expr):
    """The value of adjacent string literals, or None if expr is anything else."""
    pos, parts = 0, []
    while pos < len(expr):
        m = STRING_RE.match(expr, pos)
        if not m:
            return None
        parts.append(unescape(m.group(1)))
        pos = m.end()
    return "".join(parts) if parts else None


def normalize(expr):
    """Whitespace-collapsed expression text (the key of the tables above)."""
    out, i = [], 0
    for m in re.finditer(r'"(?:[^"\\\n]|\\.)*"', expr):
        out.append(re.sub(r"\s+", " ", expr[i:m.start()]))
        out.append(m.group(0))
        i = m.end()
    out.append(re.sub(r"\s+", " ", expr[i:]))
    return "".join(out).strip()


NUMBER_RE = re.compile(r"^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def number_text(s):
    """A numeric literal as the run-time record prints it (C++ `os << v`, as %g)."""
    if re.match(r"^-?\d+$", s):
        return str(int(s))
    return "%g" % float(s)


# ---- struct member defaults (for `g.dt` where `TimeGrid g;`) ----

class Headers:
    def __init__(self, root):
        self.texts = []
        for base, _, files in os.walk(os.path.join(root, "include")):
            for f in sorted(files):
                if f.endswith(".hpp"):
                    with open(os.path.join(base, f), encoding="utf-8") as fh:
                        text = fh.read()
                    self.texts.append((text, mask(text)))

    def member_default(self, struct, member):
        found = []
        for text, masked in self.texts:
            for m in re.finditer(r"\b(?:struct|class)\s+%s\b[^;{]*\{" % re.escape(struct), masked):
                close = matching(masked, m.end() - 1)
                if close < 0:
                    continue
                body, mbody = text[m.end():close], masked[m.end():close]
                # Declarations at the struct's own level: split at ';' outside brackets.
                depth, begin = 0, 0
                for i, c in enumerate(mbody):
                    if c in "([{":
                        depth += 1
                    elif c in ")]}":
                        depth -= 1
                    elif c == ";" and depth == 0:
                        decl, mdecl = body[begin:i], mbody[begin:i]
                        begin = i + 1
                        for part, _ in split_args(decl, mdecl, 0, len(decl)):
                            dm = re.match(r"(?:.*\s)?%s\s*(?:=\s*(.*)|\{(.*)\})\s*$"
                                          % re.escape(member), part.strip(), re.S)
                            if dm:
                                found.append((dm.group(1) or dm.group(2)).strip())
        return found[0] if len(set(found)) == 1 else None


# ---- the scan ----

def enclosing(masked, pos):
    """The function (or class) whose definition encloses pos: the last line at column 0 that
    starts one (clang-format indents nothing at namespace level)."""
    start = masked.rfind("\n", 0, pos)
    while start >= 0:
        prev = masked.rfind("\n", 0, start)
        line = masked[prev + 1:start + 1]
        m = re.match(r"(?:class|struct)\s+(\w+)", line)
        if m:
            return m.group(1), prev + 1
        if line[:1].isalpha() and "(" in line and not re.match(r"(namespace|using|return)\b", line):
            m = re.search(r"([\w:~]+)\s*\(", line)
            if m:
                return m.group(1), prev + 1
        start = prev
    return "", 0


def rule(path, context, receiver, field):
    for f, c, r, values in RULES:
        if f == path and c in ("*", context) and r in ("*", receiver) and field in values:
            return values[field]
    return None


def receiver_of(text, masked, dot):
    """The receiver before `.getX(`: ("Options", args text) for an inline Options(...), or
    ("var", name)."""
    i = dot - 1
    while i >= 0 and masked[i].isspace():
        i -= 1
    if masked[i] == ")":
        depth, j = 0, i
        while j >= 0:
            if masked[j] == ")":
                depth += 1
            elif masked[j] == "(":
                depth -= 1
                if depth == 0:
                    break
            j -= 1
        m = re.search(r"([\w:]+)\s*$", masked[:j])
        if m and m.group(1).split("::")[-1] == "Options":
            return "Options", text[j + 1:i]
        return None, None
    m = re.search(r"(\w+)\s*$", masked[:i + 1])
    return ("var", m.group(1)) if m else (None, None)


def local_prefix(text, masked, begin, pos, var):
    """The prefix of `var` if declared between begin and pos as `Options var("lit")` or
    `Options var;`; None if it is a parameter or built from a non-literal."""
    decl = None
    for m in re.finditer(r"\bOptions\s*(&?)\s*%s\b\s*([(;{=,)])" % re.escape(var), masked[begin:pos]):
        decl = m
    if not decl or decl.group(1) == "&" or decl.group(2) in ",)=":
        return None  # a parameter, or initialised from an expression
    if decl.group(2) == ";":
        return ""
    open_pos = begin + decl.end() - 1
    close = matching(masked, open_pos)
    value = string_literals(text[open_pos + 1:close]) if close > 0 else None
    if decl.group(2) in "({" and not text[open_pos + 1:close].strip():
        return ""
    return value


class Catalog:
    def __init__(self, root):
        self.root = root
        self.headers = Headers(root)
        self.entries = []  # (group, prefixes, name, type, default, help, where)
        self.repeats = []  # reads marked as repeating others: checked once all are known

    def default_text(self, path, line, expr, text, masked, begin, pos):
        e = normalize(expr)
        lit = string_literals(e)
        if lit is not None:
            return lit
        if NUMBER_RE.match(e):
            return number_text(e)
        if e in ("true", "false"):
            return e
        if e.startswith("{") and e.endswith("}"):
            items = [normalize(x) for x in e[1:-1].split(",") if x.strip()]
            if all(NUMBER_RE.match(x) for x in items):
                return ",".join(number_text(x) for x in items)
        if (path, e) in DEFAULTS:
            return DEFAULTS[(path, e)]
        m = re.match(r"^(\w+)\.(\w+)$", e)
        if m:
            decl = None
            for d in re.finditer(r"\b(\w+)\s+%s\s*[;{]" % re.escape(m.group(1)), masked[begin:pos]):
                decl = d
            if decl:
                value = self.headers.member_default(decl.group(1), m.group(2))
                if value is not None:
                    return self.default_text(path, line, value, value, mask(value), 0, 0)
        fail(path, line, "cannot show the default '%s': add it to DEFAULTS in %s"
             % (e, os.path.basename(__file__)))

    def help_text(self, path, line, expr):
        e = normalize(expr)
        masked, parts, begin = mask(e), [], 0
        for i, c in enumerate(masked):  # split at the '+' outside literals and brackets
            if c == "+" and masked[:i].count("(") == masked[:i].count(")"):
                parts.append(e[begin:i].strip())
                begin = i + 1
        parts.append(e[begin:].strip())
        out = []
        for p in parts:
            lit = string_literals(p)
            if lit is not None:
                out.append(lit)
            elif p in HELP_PARTS:
                out.append(HELP_PARTS[p])
            else:
                fail(path, line, "cannot show the help text '%s': add '%s' to HELP_PARTS in %s"
                     % (e, p, os.path.basename(__file__)))
        return "".join(out)

    def scan_file(self, path):
        with open(os.path.join(self.root, path), encoding="utf-8") as fh:
            text = fh.read()
        masked = mask(text)
        getter_re = re.compile(r"(\.|->)\s*(%s)\s*\(" % "|".join(GETTERS))
        for m in getter_re.finditer(masked):
            getter = m.group(2)
            line = line_of(text, m.start(2))
            kind, value = receiver_of(text, masked, m.start(1))
            if kind is None:
                fail(path, line, "cannot tell which Options object %s() is called on" % getter)
            context, begin = enclosing(masked, m.start())
            receiver = value if kind == "var" else "Options(...)"
            open_pos = m.end() - 1
            close = matching(masked, open_pos)
            if close < 0:
                fail(path, line, "unbalanced parentheses in the call of %s()" % getter)
            args = split_args(text, masked, open_pos + 1, close)
            type_, nargs = GETTERS[getter]
            if len(args) != nargs:
                fail(path, line, "%s() with %d arguments (expected %d)" % (getter, len(args), nargs))
            # The prefix.
            if kind == "Options":
                prefixes = [string_literals(value)] if value.strip() else [""]
                if prefixes[0] is None:
                    prefixes = rule(path, context, receiver, "prefixes")
            else:
                p = local_prefix(text, masked, begin, m.start(), value)
                prefixes = [p] if p is not None else rule(path, context, receiver, "prefixes")
            if prefixes is None:
                fail(path, line, "cannot tell the prefix of %s.%s() in %s(): add (file, function, "
                     "receiver) to RULES in %s" % (receiver, getter, context,
                                                  os.path.basename(__file__)))
            if rule(path, context, receiver, "repeats"):
                self.repeats.append((path, line, getter, args, text, masked))
                continue
            group = rule(path, context, receiver, "group")
            if group is None:
                fail(path, line, "no group for the options read in %s(): add it to RULES in %s"
                     % (context, os.path.basename(__file__)))
            if group not in GROUPS:
                fail(path, line, "group '%s' is not in GROUPS" % group)
            where = "%s:%d" % (path, line)
            name = string_literals(args[0][0])
            if name is None:
                special = NON_LITERAL.get((path, context))
                if special is None:
                    fail(path, line, "the option name '%s' is not a string literal: add (file, "
                         "function) to NON_LITERAL in %s" % (normalize(args[0][0]),
                                                            os.path.basename(__file__)))
                for n, d, h in special.get("entries", []):
                    self.add(group, prefixes, n, getter, type_, d, h, where)
                fwd = special.get("forwarded")
                if fwd:
                    self.forwarded(path, text, masked, fwd, group, prefixes, getter, type_)
                continue
            help_ = self.help_text(path, line, args[-1][0])
            default = "" if nargs == 2 else self.default_text(path, line, args[1][0], text,
                                                              masked, begin, m.start())
            self.add(group, prefixes, name, getter, type_, default, help_, where)

    def forwarded(self, path, text, masked, fwd, group, prefixes, getter, type_):
        calls = 0
        for m in re.finditer(r"\b%s\s*\(" % re.escape(fwd["function"]), masked):
            line = line_of(text, m.start())
            close = matching(masked, m.end() - 1)
            args = split_args(text, masked, m.end(), close)
            if len(args) <= max(fwd["name"], fwd["help"]):
                continue  # the definition's parameter list, or a call with other arguments
            name = string_literals(args[fwd["name"]][0])
            if name is None:
                if re.match(r"\s*(const\s+)?[\w:<>&\s]+\s\w+\s*$", args[fwd["name"]][0]):
                    continue  # a parameter declaration
                fail(path, line, "%s() called with a non-literal option name"
                     % fwd["function"])
            help_ = self.help_text(path, line, args[fwd["help"]][0])
            self.add(group, prefixes, name, getter, type_, fwd["default"], help_,
                     "%s:%d" % (path, line))
            calls += 1
        if calls == 0:
            raise CatalogError("%s: no call of %s() with a literal option name"
                               % (path, fwd["function"]))

    def check_repeats(self):
        for path, line, getter, args, text, masked in self.repeats:
            name = string_literals(args[0][0])
            if name is None:
                fail(path, line, "a repeated read needs a literal option name")
            name += "_type" if getter == "getType" else ""
            if not any(e[2] == name and e[6].startswith(path + ":") for e in self.entries):
                fail(path, line, "'%s' is marked as repeating a read of this file (RULES), but "
                     "nothing else here reads it" % name)

    def add(self, group, prefixes, name, getter, type_, default, help_, where):
        if getter == "getType":
            name += "_type"
        for p in prefixes:
            group = GROUP_OF_OPTION.get("-" + p + name, group)
        entry = (group, tuple(prefixes), name, type_, default, " ".join(help_.split()), where)
        # The same read in two places (observation.cpp lists every option for -help as well)
        # is listed once.
        if any(e[:6] == entry[:6] for e in self.entries):
            return
        self.entries.append(entry)


def sources(root):
    found = []
    for top in SCAN_DIRS:
        for base, dirs, files in os.walk(os.path.join(root, top)):
            dirs.sort()
            for f in sorted(files):
                path = os.path.relpath(os.path.join(base, f), root).replace(os.sep, "/")
                skip = path in SKIP_FILES or any(re.search(p, path) for p in SKIP_PATTERNS)
                if f.endswith((".cpp", ".hpp")) and not skip:
                    found.append(path)
    return found


def cxx_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def generate(root):
    catalog = Catalog(root)
    for path in sources(root):
        catalog.scan_file(path)
    catalog.check_repeats()
    for (f, c), _ in NON_LITERAL.items():
        if not any(e[6].startswith(f + ":") for e in catalog.entries):
            raise CatalogError("%s: NON_LITERAL names %s(), which reads no option there" % (f, c))
    order = {g: i for i, g in enumerate(GROUPS)}
    entries = sorted(catalog.entries, key=lambda e: (order[e[0]],))  # stable: source order
    lines = [
        "// Generated by scripts/gen_option_catalog.py from the getter calls in src/, include/ and",
        "// apps/: every option the pdeinv driver reads. Do not edit; it is rebuilt with them.",
        '#include "option_catalog.hpp"',
        "",
        "namespace pdeinv::app {",
        "namespace {",
        "const CatalogOption kOptions[] = {",
    ]
    for group, prefixes, name, type_, default, help_, where in entries:
        lines.append("    {%s, %s, %s, %s, %s, %s},  // %s" % (
            cxx_string(group), cxx_string(",".join(prefixes)), cxx_string(name),
            cxx_string(type_), cxx_string(default), cxx_string(help_), where))
    lines += [
        "};",
        "}  // namespace",
        "",
        "std::span<const CatalogOption> optionCatalog() { return kOptions; }",
        "",
        "}  // namespace pdeinv::app",
        "",
    ]
    return "\n".join(lines)


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: %s SOURCE_ROOT OUTPUT.cpp\n" % argv[0])
        return 2
    root, output = os.path.abspath(argv[1]), argv[2]
    try:
        text = generate(root)
    except CatalogError as e:
        sys.stderr.write("gen_option_catalog.py: error: %s\n" % e)
        return 1
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    with open(output, "w", encoding="utf-8") as fh:
        fh.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

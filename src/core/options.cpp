#include "pdeinv/core/options.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <petscviewer.h>

#include "pdeinv/core/error.hpp"

namespace pdeinv {
namespace {

// Longest list an array option may hold (PETSc needs the room up front).
constexpr size_t kMaxArray = 1 << 16;

struct CatalogueEntry {
  std::string type, def, help;
};
std::map<std::string, CatalogueEntry>& catalogue() {
  static std::map<std::string, CatalogueEntry> c;
  return c;
}
void record(const std::string& flag, const std::string& type, const std::string& def,
            const std::string& help) {
  catalogue()[flag] = {type, def, help};
}

template <class T>
std::string join(const std::vector<T>& v) {
  std::ostringstream os;
  for (size_t i = 0; i < v.size(); ++i) os << (i ? "," : "") << v[i];
  return os.str();
}

// PETSc's parse errors ("Input string abc has no integer value") become an InputError naming
// the option, so the user sees which of their options is wrong.
template <class F>
void readOption(const std::string& flag, const char* what, F&& f) {
  try {
    f();
  } catch (const PetscFailure&) {
    PetscBool set = PETSC_FALSE;
    char buf[PETSC_MAX_PATH_LEN] = "";
    PetscOptionsGetString(nullptr, nullptr, flag.c_str(), buf, sizeof buf, &set);
    throw InputError("option " + flag + " expects " + what + ", got '" + buf + "'");
  }
}
}  // namespace

Options::Options(std::string prefix) : prefix_(std::move(prefix)) {}

std::string Options::getType(const std::string& name, const std::string& def,
                             const std::string& help) const {
  if (isSet(name)) {
    char value[256] = "";
    PetscBool set = PETSC_FALSE;
    PDEINV_CALL(
        PetscOptionsGetString(nullptr, nullptr, flag(name).c_str(), value, sizeof value, &set));
    throw InputError("option " + flag(name) + " is now " + flag(name + "_type") +
                     " (selectors are named -xxx_type, as PETSc's): give " + flag(name + "_type") +
                     " " + (value[0] ? value : "<name>"));
  }
  return getString(name + "_type", def, help);
}

bool Options::isSet(const std::string& name) const {
  PetscBool set = PETSC_FALSE;
  PDEINV_CALL(PetscOptionsHasName(nullptr, nullptr, flag(name).c_str(), &set));
  return set;
}

PetscInt Options::getInt(const std::string& name, PetscInt def, const std::string& help) const {
  const auto f = flag(name);
  record(f, "int", std::to_string(def), help);
  PetscInt v = def;
  readOption(f, "an integer",
             [&] { PDEINV_CALL(PetscOptionsGetInt(nullptr, nullptr, f.c_str(), &v, nullptr)); });
  return v;
}

PetscReal Options::getReal(const std::string& name, PetscReal def, const std::string& help) const {
  const auto f = flag(name);
  std::ostringstream d;
  d << def;
  record(f, "real", d.str(), help);
  PetscReal v = def;
  readOption(f, "a real number",
             [&] { PDEINV_CALL(PetscOptionsGetReal(nullptr, nullptr, f.c_str(), &v, nullptr)); });
  return v;
}

bool Options::getBool(const std::string& name, bool def, const std::string& help) const {
  const auto f = flag(name);
  record(f, "bool", def ? "true" : "false", help);
  PetscBool v = def ? PETSC_TRUE : PETSC_FALSE;
  readOption(f, "true or false",
             [&] { PDEINV_CALL(PetscOptionsGetBool(nullptr, nullptr, f.c_str(), &v, nullptr)); });
  return v;
}

std::optional<std::string> Options::findString(const std::string& name,
                                               const std::string& help) const {
  const auto f = flag(name);
  if (!catalogue().count(f)) record(f, "string", "", help);
  char buf[4096] = "";
  PetscBool set = PETSC_FALSE;
  PDEINV_CALL(PetscOptionsGetString(nullptr, nullptr, f.c_str(), buf, sizeof buf, &set));
  if (!set) return std::nullopt;
  return std::string(buf);
}

std::string Options::getString(const std::string& name, const std::string& def,
                               const std::string& help) const {
  record(flag(name), "string", def, help);
  return findString(name, help).value_or(def);
}

std::vector<PetscInt> Options::getIntArray(const std::string& name,
                                           const std::vector<PetscInt>& def,
                                           const std::string& help) const {
  const auto f = flag(name);
  record(f, "int list", join(def), help);
  std::vector<PetscInt> v(kMaxArray);
  PetscInt n = static_cast<PetscInt>(v.size());
  PetscBool set = PETSC_FALSE;
  readOption(f, "a comma-separated list of integers", [&] {
    PDEINV_CALL(PetscOptionsGetIntArray(nullptr, nullptr, f.c_str(), v.data(), &n, &set));
  });
  if (!set) return def;
  v.resize(n);
  return v;
}

std::vector<PetscReal> Options::getRealArray(const std::string& name,
                                             const std::vector<PetscReal>& def,
                                             const std::string& help) const {
  const auto f = flag(name);
  record(f, "real list", join(def), help);
  std::vector<PetscReal> v(kMaxArray);
  PetscInt n = static_cast<PetscInt>(v.size());
  PetscBool set = PETSC_FALSE;
  readOption(f, "a comma-separated list of real numbers", [&] {
    PDEINV_CALL(PetscOptionsGetRealArray(nullptr, nullptr, f.c_str(), v.data(), &n, &set));
  });
  if (!set) return def;
  v.resize(n);
  return v;
}

void printOptionsHelp(std::ostream& os) {
  os << "pdeinv options (PETSc solver options such as -state_ksp_type are listed by PETSc):\n";
  for (const auto& [flag, e] : catalogue()) {
    os << "  " << std::left << std::setw(28) << flag << " <" << e.type << ">"
       << (e.def.empty() ? "" : " (default " + e.def + ")") << "  " << e.help << "\n";
  }
}

namespace {
std::vector<std::string> splitPrefixes(const char* list) {
  std::vector<std::string> out;
  std::istringstream in(list);
  for (std::string p; std::getline(in, p, ',');) out.push_back(p);
  if (out.empty()) out.emplace_back();  // "": no prefix
  return out;
}
}  // namespace

void printOptionCatalog(std::ostream& os, std::span<const CatalogOption> catalog) {
  std::string group;
  for (const auto& o : catalog) {
    if (group != o.group) {
      group = o.group;
      os << "\n" << group << ":\n";
    }
    const auto prefixes = splitPrefixes(o.prefixes);
    std::string flag = "-";
    if (prefixes.size() == 1) {
      flag += prefixes.front();
    } else {
      flag += "{";
      for (size_t i = 0; i < prefixes.size(); ++i) flag += (i ? "," : "") + prefixes[i];
      flag += "}";
    }
    flag += o.name;
    os << "  " << std::left << std::setw(28) << flag << " <" << o.type << ">"
       << (*o.def ? std::string(" (default ") + o.def + ")" : "") << "  " << o.help << "\n";
  }
}

std::vector<std::string> optionsMissingFromCatalog(std::span<const CatalogOption> catalog) {
  std::set<std::string> listed;
  for (const auto& o : catalog)
    for (const auto& p : splitPrefixes(o.prefixes)) listed.insert("-" + p + o.name);
  std::vector<std::string> missing;
  for (const auto& [flag, e] : catalogue())
    if (!listed.count(flag)) missing.push_back(flag);
  return missing;
}

void checkAllOptionsUsed(bool final) {
  // Options PETSc consumes at start-up or that only steer diagnostics.
  static const std::set<std::string> harmless = {"options_left",    "help",
                                                 "malloc_debug",    "malloc_dump",
                                                 "log_view",        "check_pointer_intensity",
                                                 "options_monitor", "no_signal_handler",
                                                 "on_error_abort",  "info"};
  PetscInt n = 0;
  char** names = nullptr;
  char** values = nullptr;
  PDEINV_CALL(PetscOptionsLeftGet(nullptr, &n, &names, &values));
  std::vector<std::string> unused;
  for (PetscInt i = 0; i < n; ++i) {
    if (harmless.count(names[i])) continue;
    // PETSc reads its viewing options (-ksp_view, -snes_converged_reason, ...) only when a
    // solve ends, and TAO its derivative tests (-tao_test_gradient, -tao_test_hessian) at the
    // first evaluation: before the first solve they cannot be judged yet.
    static const std::regex lazy("(^|_)(view|converged_reason|test_gradient|test_hessian)(_|$)");
    if (!final && std::regex_search(names[i], lazy)) continue;
    std::string entry = "-";
    entry += names[i];
    if (values[i]) (entry += ' ') += values[i];
    unused.push_back(entry);
  }
  PDEINV_CALL(PetscOptionsLeftRestore(nullptr, &n, &names, &values));
  // Unused only where no rank used it: an option may be read on some ranks alone (the inner
  // solver of PCTELESCOPE exists on a subset), and the verdict must be the same on every rank.
  {
    MPI_Comm comm = PETSC_COMM_WORLD;
    int size = 1;
    MPI_Comm_size(comm, &size);
    if (size > 1) {
      std::string mine;
      for (const auto& e : unused) (mine += e) += '\n';
      int len = static_cast<int>(mine.size());
      std::vector<int> lens(static_cast<size_t>(size)), offsets(static_cast<size_t>(size), 0);
      MPI_Allgather(&len, 1, MPI_INT, lens.data(), 1, MPI_INT, comm);
      for (int r = 1; r < size; ++r) offsets[r] = offsets[r - 1] + lens[r - 1];
      std::string all(static_cast<size_t>(offsets.back() + lens.back()), '\0');
      MPI_Allgatherv(mine.data(), len, MPI_CHAR, all.data(), lens.data(), offsets.data(), MPI_CHAR,
                     comm);
      std::map<std::string, int> count;
      for (int r = 0; r < size; ++r) {
        std::istringstream in(
            all.substr(static_cast<size_t>(offsets[r]), static_cast<size_t>(lens[r])));
        for (std::string e; std::getline(in, e);) ++count[e];
      }
      unused.clear();
      for (const auto& [e, c] : count)
        if (c == size) unused.push_back(e);
    }
  }
  if (unused.empty()) return;
  std::ostringstream os;
  os << (unused.size() == 1 ? "option " : "options ");
  for (size_t i = 0; i < unused.size(); ++i) os << (i ? ", " : "") << unused[i];
  os << (unused.size() == 1 ? " was" : " were")
     << " set but never used (misspelled, or not applicable to this run; -help lists the options)";
  throw InputError(os.str());
}

void writeOptionsFile(MPI_Comm comm, const std::string& path) {
  PetscViewer viewer = nullptr;
  PDEINV_CALL(PetscViewerASCIIOpen(comm, path.c_str(), &viewer));
  PDEINV_CALL(PetscOptionsView(nullptr, viewer));
  PDEINV_CALL(PetscViewerDestroy(&viewer));
  // Then every pdeinv option this run read at its default, as comments: the record of what the
  // run used, even if a later version changes a default. (Not as options: some are exclusive —
  // -noise_sigma or -noise_relative — and a default set explicitly would be a different run.)
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  if (rank != 0) return;
  std::ofstream out(path, std::ios::app);
  require(static_cast<bool>(out), "cannot write " + path);
  out << "# pdeinv options this run read at their defaults (not set; as comments):\n";
  for (const auto& [flag, e] : catalogue()) {
    PetscBool set = PETSC_FALSE;
    PDEINV_CALL(PetscOptionsHasName(nullptr, nullptr, flag.c_str(), &set));
    if (set) continue;
    out << "# " << flag << " " << (e.def.empty() ? "(not given)" : e.def) << "\n";
  }
}

}  // namespace pdeinv

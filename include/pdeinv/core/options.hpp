#pragma once
// Typed reads from the PETSc options database under a prefix.
//
// The options database is the single source of truth for a run. Every read is recorded (name,
// default, help): writeOptionsFile() lists the defaults a run used, and a run can be checked
// against a program's static catalogue (CatalogOption: what `-help` lists before anything is
// built, core/session.hpp). checkAllOptionsUsed() turns an option that was set but never read
// into an error.
#include <petscsys.h>

#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <vector>

namespace pdeinv {

class Options {
 public:
  // prefix without the leading dash, e.g. "state_" reads -state_xxx.
  explicit Options(std::string prefix = "");

  const std::string& prefix() const { return prefix_; }
  Options sub(const std::string& more) const { return Options(prefix_ + more); }
  // The option as typed on the command line, e.g. "-mesh_file".
  std::string flag(const std::string& name) const { return "-" + prefix_ + name; }

  bool isSet(const std::string& name) const;
  PetscInt getInt(const std::string& name, PetscInt def, const std::string& help) const;
  PetscReal getReal(const std::string& name, PetscReal def, const std::string& help) const;
  bool getBool(const std::string& name, bool def, const std::string& help) const;
  std::string getString(const std::string& name, const std::string& def,
                        const std::string& help) const;
  // A component selector -<prefix><name>_type (as PETSc's -ksp_type): its old name
  // -<prefix><name> is refused with a message naming the new one.
  std::string getType(const std::string& name, const std::string& def,
                      const std::string& help) const;
  std::optional<std::string> findString(const std::string& name, const std::string& help) const;
  std::vector<PetscInt> getIntArray(const std::string& name, const std::vector<PetscInt>& def,
                                    const std::string& help) const;
  std::vector<PetscReal> getRealArray(const std::string& name, const std::vector<PetscReal>& def,
                                      const std::string& help) const;

 private:
  std::string prefix_;
};

// Prints every option read so far with its default and help text.
void printOptionsHelp(std::ostream& os);

// One entry of a program's static option catalogue: what -help lists before anything is built.
// The pdeinv driver's is generated at build time from the getter calls in the sources
// (scripts/gen_option_catalog.py), so it lists the options of every mode and component.
struct CatalogOption {
  const char* group;     // the component, e.g. "mesh"
  const char* prefixes;  // comma-separated prefixes the option is read under; "" for none
  const char* name;      // without dash and prefix
  const char* type;      // as the run-time record names it: int, real, bool, string, ... list
  const char* def;       // the default as text; "" when there is none
  const char* help;
};

// Prints the catalogue group by group, one option a line: "-flag <type> (default d)  help"; an
// option read under several prefixes is shown once as -{a_,b_}name.
void printOptionCatalog(std::ostream& os, std::span<const CatalogOption> catalog);

// The options this run has read so far (the record behind printOptionsHelp) that the catalogue
// does not list under any of its prefixes, as flags ("-mesh_file").
std::vector<std::string> optionsMissingFromCatalog(std::span<const CatalogOption> catalog);

// Throws InputError naming every option that was set but never read by anything
// (pdeinv or PETSc). Call once all objects are configured (final = false: PETSc's viewing
// options, read only when a solve ends, are not judged yet) and again when the run ends.
// Collective over PETSC_COMM_WORLD: an option counts as used when any rank read it.
void checkAllOptionsUsed(bool final = false);

// Writes the options database as an options file (what this run actually used), followed by
// every pdeinv option the run read at its default, as a comment line "# -flag default".
void writeOptionsFile(MPI_Comm comm, const std::string& path);

}  // namespace pdeinv

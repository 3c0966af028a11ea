#include "pdeinv/core/plugin.hpp"

#include <dlfcn.h>

#include <set>
#include <string>
#include <vector>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/options.hpp"

namespace pdeinv {

void loadPlugins(MPI_Comm comm) {
  const Options opts;
  if (!opts.isSet("plugin")) return;
  const auto list = opts.getString(
      "plugin", "", "shared libraries adding components, comma-separated (core/plugin.hpp)");
  require(!list.empty(), "-plugin needs at least one shared library path");
  std::vector<std::string> paths(1);
  for (char c : list) {
    if (c == ',') {
      paths.emplace_back();
    } else {
      paths.back() += c;
    }
  }
  static std::set<std::string> loaded;  // a program may run runMain more than once (the tests)
  for (const auto& path : paths) {
    require(!path.empty(), "-plugin: an empty library path");
    std::string problem;
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
    using Entry = void (*)();
    Entry entry = nullptr;
    if (!handle) {
      const char* why = dlerror();
      problem = "cannot load plugin '" + path + "': " + (why ? why : "unknown reason");
    } else {
      entry = reinterpret_cast<Entry>(dlsym(handle, "pdeinv_register_plugin"));
      if (!entry) {
        problem = "plugin '" + path +
                  "' has no entry point pdeinv_register_plugin() (define it with PDEINV_PLUGIN, "
                  "pdeinv/core/plugin.hpp)";
      }
    }
    // Every rank opens its own copy; a failure on one rank (a file missing on one node) is
    // reported by all, so that no rank goes on alone.
    int ok = problem.empty() ? 1 : 0, allOk = 0;
    MPI_Allreduce(&ok, &allOk, 1, MPI_INT, MPI_MIN, comm);
    if (!allOk) {
      throw InputError(problem.empty() ? "plugin '" + path + "' could not be loaded on some rank"
                                       : problem);
    }
    if (loaded.insert(path).second) entry();  // registries keep what it registered
  }
}

}  // namespace pdeinv

// Fuzz target: the options-file checker, checkOptionsFile (core/options_file.hpp), which runMain
// applies to every -options_file and -options_file_yaml before PETSc reads them. Each input is
// checked both as a plain PETSc options file and as a YAML one, and what passes is then read by
// PETSc itself (into an options database of its own), as PetscInitialize would: the check must
// leave PETSc nothing to crash or loop on. The readers run in the scratch directory, so that an
// input can include itself ("-options_file options"); libFuzzer's own paths stay relative to the
// directory it was started in (but a crash's artifact lands in the scratch directory unless
// -artifact_prefix is absolute).
#include <dirent.h>
#include <fcntl.h>
#include <petscsys.h>
#include <sanitizer/lsan_interface.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <set>

#include "fuzz_common.hpp"
#include "pdeinv/core/options_file.hpp"

namespace {

// The file descriptors open in this process (but the one that lists them).
std::set<int> openDescriptors() {
  std::set<int> fds;
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return fds;
  while (const dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') fds.insert(std::atoi(e->d_name));
  }
  fds.erase(dirfd(dir));
  closedir(dir);
  return fds;
}

// PETSc's reader of the file, once the check passed. Its errors are expected (the check leaves
// some structural ones to it). Its error paths neither free nor close the file: what it
// allocates is not checked for leaks, and the descriptors it leaves open are closed here (a
// program stops at the first such error; a fuzzer would run out of descriptors).
void readWithPetsc(const std::string& flag, const std::string& path) {
  const auto before = openDescriptors();
  PetscOptions options = nullptr;
  __lsan_disable();
  PetscOptionsCreate(&options);
  if (flag == "-options_file_yaml") {
    (void)PetscOptionsInsertFileYAML(PETSC_COMM_SELF, options, path.c_str(), PETSC_TRUE);
  } else {
    (void)PetscOptionsInsertFile(PETSC_COMM_SELF, options, path.c_str(), PETSC_TRUE);
  }
  PetscOptionsDestroy(&options);
  __lsan_enable();
  for (int fd : openDescriptors()) {
    if (!before.count(fd)) close(fd);
  }
}

void changeDirectory(int (*change)(), const char* what) {
  if (change() != 0) {
    std::perror(what);
    std::abort();
  }
}

int startDirectory = -1;  // where libFuzzer was started

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  pdeinv::fuzz::initialize();
  startDirectory = open(".", O_RDONLY | O_DIRECTORY);
  if (startDirectory < 0) {
    std::perror("pdeinv fuzz: open .");
    std::abort();
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = pdeinv::fuzz::writeFile("options", data, size);
  changeDirectory([] { return chdir(pdeinv::fuzz::scratchDir().c_str()); }, "chdir scratch");
  for (const char* flag : {"-options_file", "-options_file_yaml"}) {
    std::string problem = "?";
    pdeinv::fuzz::read([&] { problem = pdeinv::checkOptionsFile(flag, path); });
    if (problem.empty()) readWithPetsc(flag, path);
  }
  changeDirectory([] { return fchdir(startDirectory); }, "fchdir back");
  return 0;
}

#pragma once
// Run records: which build of pdeinv, on which libraries and machine, produced a result.
#include <petscsys.h>

#include <string>

namespace pdeinv {

// Writes <path> (JSON, on rank 0; collective) describing the build and the run:
//   {
//     "pdeinv": {"version": "0.1.0", "git_revision": "327dec1a2b3c-dirty",
//                "build_type": "Release", "compiler": "GNU 12.2.0"},
//     "libraries": {"petsc": "3.18.5", "petsc_release": "Petsc Release Version 3.18.5, ...",
//                   "sundials": "6.4.1", "eigen": "3.4.0", "muparser": "2.3.3 (Release)",
//                   "mpi": "Open MPI v4.1.4, package: ..."},   (first line of the MPI version)
//     "run": {"ranks": 2, "hostname": "vm", "date_utc": "2026-11-29T03:12:45Z"}
//   }
// git_revision is `git describe --always --dirty` of the source tree at build time, "unknown"
// outside a git checkout (cmake/PdeinvBuildInfo.cmake). A file that cannot be written is an
// InputError on every rank.
void writeRunInfo(MPI_Comm comm, const std::string& path);

// The pieces, for a caller that wants them elsewhere (e.g. in summary.json or a log line).
std::string gitRevision();
std::string petscVersion();       // "3.18.5"
std::string sundialsVersion();    // "6.4.1"
std::string eigenVersion();       // "3.4.0"
std::string muparserVersion();    // "2.3.3 (Release)"
std::string mpiLibraryVersion();  // first line of MPI_Get_library_version
std::string utcDate();            // ISO 8601, e.g. "2026-11-29T03:12:45Z"

}  // namespace pdeinv

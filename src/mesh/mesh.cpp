#include "pdeinv/mesh/mesh.hpp"

#include <dlfcn.h>
#include <link.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/resources.hpp"
#include "pdeinv/core/session.hpp"
#include "pdeinv/mesh/validate.hpp"

namespace pdeinv {

Mesh::Mesh(Owned<DM> dm) : dm_(std::move(dm)) {
  // "boundary" = every boundary facet (value 1), for meshes whose files carry no tags.
  DMLabel boundary = nullptr;
  PDEINV_CALL(DMCreateLabel(dm_, "boundary"));
  PDEINV_CALL(DMGetLabel(dm_, "boundary", &boundary));
  PDEINV_CALL(DMPlexMarkBoundaryFaces(dm_, 1, boundary));
  completeLabels();
  PetscBool simplex = PETSC_TRUE;
  PDEINV_CALL(DMPlexIsSimplex(dm_, &simplex));
  // DMPlexIsSimplex is local; a rank without cells must agree with the others.
  int local = simplex ? 1 : 0, global = 0;
  PetscInt cStart = 0, cEnd = 0;
  PDEINV_CALL(DMPlexGetHeightStratum(dm_, 0, &cStart, &cEnd));
  if (cEnd == cStart) local = -1;
  MPI_Allreduce(&local, &global, 1, MPI_INT, MPI_MAX, comm());
  simplex_ = global == 1;
}

MPI_Comm Mesh::comm() const {
  return PetscObjectComm(reinterpret_cast<PetscObject>(dm_.get()));
}

int Mesh::dim() const {
  PetscInt d = 0;
  PDEINV_CALL(DMGetDimension(dm_, &d));
  return static_cast<int>(d);
}

Mesh Mesh::fromOptions(MPI_Comm comm, const Options& opts) {
  const auto file =
      opts.findString("file", "gmsh mesh file (.msh); without it a box mesh is built");
  const int refine =
      static_cast<int>(opts.getInt("refine", 0, "uniform refinements after distribution"));
  const auto partitioner = opts.getString("partitioner", "ptscotch", "PetscPartitioner type");
  require(refine >= 0 && refine <= 12,
          opts.flag("refine") + " must be between 0 and 12, got " + std::to_string(refine));
  Mesh mesh = [&] {
    if (file) return fromGmsh(comm, *file, opts.flag("file"));
    BoxSpec box;
    box.dim = static_cast<int>(opts.getInt("dim", 2, "box mesh dimension (2 or 3)"));
    require(box.dim == 2 || box.dim == 3, opts.flag("dim") + " must be 2 or 3");
    box.faces =
        opts.getIntArray("faces", std::vector<PetscInt>(box.dim, 8), "box cells per direction");
    box.lower =
        opts.getRealArray("lower", std::vector<PetscReal>(box.dim, 0.0), "box lower corner");
    box.upper =
        opts.getRealArray("upper", std::vector<PetscReal>(box.dim, 1.0), "box upper corner");
    box.simplex =
        opts.getBool("simplex", false, "box of simplices (needs a mesh generator) or quads/hexes");
    return Mesh::box(comm, box);
  }();
  mesh.distribute(partitioner);
  if (refine > 0) {
    // Each uniform refinement multiplies the cells by 2^dim: refuse what cannot fit (at least
    // ~1 KB per cell for the mesh alone, before any function space) before building it.
    const double cells = static_cast<double>(mesh.globalNumCells()) *
                         std::pow(2.0, static_cast<double>(mesh.dim() * refine));
    char what[160];
    std::snprintf(what, sizeof what, "%s %d (%.3g cells)", opts.flag("refine").c_str(), refine,
                  cells);
    requireFits(comm, 1024.0 * cells, what);
  }
  mesh.refineUniformly(refine);
  PDEINV_CALL(DMViewFromOptions(mesh.dm(), nullptr, ("-" + opts.prefix() + "view").c_str()));
  return mesh;
}

Mesh Mesh::fromGmsh(MPI_Comm comm, const std::string& path, const std::string& option) {
  // PETSc's gmsh reader parses on rank 0; a parse error there would leave the other ranks
  // waiting in a collective. So rank 0 first reads the file alone, and the verdict (with
  // PETSc's message) is broadcast: a bad file is one InputError on every rank, never a hang.
  // Before PETSc, rank 0 reads the file itself (scanGmshFile): PETSc's reader trusts the file
  // (node tags, counts, word lengths) and crashes or hangs on one that lies, so it only sees
  // files that read to the end there.
  const std::string file = "mesh file '" + path + "' (" + option + ")";
  std::string problem;
  GmshScan scan;
  if (rankOf(comm) == 0) {
    std::ifstream in(path);
    std::string first;
    if (!in) {
      problem =
          "cannot open mesh file '" + path + "' (" + option + "): no such file or not readable";
    } else if (!std::getline(in, first) || first.rfind("$MeshFormat", 0) != 0) {
      problem = file + " is not a gmsh .msh file (it does not start with $MeshFormat)";
    } else if (scan = scanGmshFile(path); !scan.problem.empty()) {
      problem = (scan.checked ? file + ": " : "cannot read " + file + ": ") + scan.problem;
    } else {
      DM probe = nullptr;
      try {
        PDEINV_CALL(DMPlexCreateGmshFromFile(PETSC_COMM_SELF, path.c_str(), PETSC_TRUE, &probe));
      } catch (const PetscFailure& e) {
        problem = "cannot read " + file + ": " + e.what();
      }
      if (probe) DMDestroy(&probe);
    }
  }
  raiseFromRoot(comm, problem);

  Owned<DM> dm;
  PDEINV_CALL(DMPlexCreateGmshFromFile(comm, path.c_str(), PETSC_TRUE, dm.out()));
  PDEINV_CALL(PetscObjectSetName(reinterpret_cast<PetscObject>(dm.get()), "mesh"));
  // The DM is not distributed yet: rank 0 holds every cell, in the order of scan.cellElements.
  validateMeshCells(dm, file, scan.cellElements);
  return Mesh(std::move(dm));
}

Mesh Mesh::box(MPI_Comm comm, const BoxSpec& spec) {
  const auto d = static_cast<size_t>(spec.dim);
  require(spec.faces.size() == d && spec.lower.size() == d && spec.upper.size() == d,
          "box mesh: -mesh_faces, -mesh_lower and -mesh_upper need " + std::to_string(d) +
              " entries each (one per dimension)");
  double cells = spec.simplex ? (spec.dim == 2 ? 2.0 : 6.0) : 1.0;
  for (size_t i = 0; i < d; ++i) {
    require(spec.faces[i] > 0, "box mesh: -mesh_faces entries must be positive");
    require(spec.upper[i] > spec.lower[i], "box mesh: -mesh_upper must exceed -mesh_lower");
    cells *= static_cast<double>(spec.faces[i]);
  }
  char count[32];
  std::snprintf(count, sizeof count, "%.3g", cells);
  require(cells < 2e9, std::string("box mesh: -mesh_faces asks for ") + count +
                           " cells, beyond PETSc's 32-bit indices");
  requireFits(comm, 1024.0 * cells, std::string("box mesh -mesh_faces (") + count + " cells)");
  Owned<DM> dm;
  PDEINV_CALL(DMPlexCreateBoxMesh(comm, spec.dim, spec.simplex ? PETSC_TRUE : PETSC_FALSE,
                                  spec.faces.data(), spec.lower.data(), spec.upper.data(), nullptr,
                                  PETSC_TRUE, dm.out()));
  PDEINV_CALL(PetscObjectSetName(reinterpret_cast<PetscObject>(dm.get()), "mesh"));
  // Cheap, and catches bounds such as -mesh_upper 1e20.
  validateMeshCells(dm, "box mesh");
  return Mesh(std::move(dm));
}

namespace {
// PT-Scotch draws its random numbers from a generator seeded by the clock (Debian builds it
// without SCOTCH_DETERMINISTIC) and runs threads, so two identical runs got different
// partitions and, through the rounding of every parallel sum, different iterates. Its generator is reset to a fixed
// seed before each partition. PETSc loads both libptscotch and libscotch, each with its own
// generator and its own exported SCOTCH_randomSeed/SCOTCH_randomReset: both are reset, found
// in the loaded libraries themselves (a plain call would bind to whichever comes first).
void seedScotch() {
  // Scotch 7 also partitions with threads, whose scheduling changes the result: one thread
  // (a user's own SCOTCH_PTHREAD_NUMBER is kept, at the price of reproducibility).
  setenv("SCOTCH_PTHREAD_NUMBER", "1", 0);
  std::vector<std::string> libraries;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) {
        if (info->dlpi_name && std::strstr(info->dlpi_name, "scotch"))
          static_cast<std::vector<std::string>*>(data)->push_back(info->dlpi_name);
        return 0;
      },
      &libraries);
  for (const auto& path : libraries) {
    void* lib = dlopen(path.c_str(), RTLD_LAZY | RTLD_NOLOAD);
    if (!lib) continue;
    auto seed = reinterpret_cast<void (*)(int)>(dlsym(lib, "SCOTCH_randomSeed"));
    auto reset = reinterpret_cast<void (*)()>(dlsym(lib, "SCOTCH_randomReset"));
    if (seed) seed(1);
    if (reset) reset();
    dlclose(lib);
  }
}
}  // namespace

void Mesh::distribute(const std::string& partitioner) {
  // The type is checked on every rank count: a run that works on one rank must not fail on
  // the cluster over a misspelled partitioner.
  {
    Owned<PetscPartitioner> probe;
    PDEINV_CALL(PetscPartitionerCreate(PETSC_COMM_SELF, probe.out()));
    std::string available;
    for (const char* t : {PETSCPARTITIONERPTSCOTCH, PETSCPARTITIONERSIMPLE,
                          PETSCPARTITIONERPARMETIS, PETSCPARTITIONERCHACO, PETSCPARTITIONERGATHER,
                          PETSCPARTITIONERMATPARTITIONING, PETSCPARTITIONERSHELL}) {
      try {
        PDEINV_CALL(PetscPartitionerSetType(probe, t));
        available += (available.empty() ? "" : ", ") + std::string(t);
      } catch (const PetscFailure&) {
      }  // not in this PETSc build
    }
    bool known = true;
    try {
      PDEINV_CALL(PetscPartitionerSetType(probe, partitioner.c_str()));
    } catch (const PetscFailure&) {
      known = false;
    }
    require(known, "unknown partitioner '" + partitioner +
                       "' (-mesh_partitioner); available: " + available);
  }
  if (sizeOf(comm()) == 1) return;
  PetscPartitioner part = nullptr;
  PDEINV_CALL(DMPlexGetPartitioner(dm_, &part));
  PDEINV_CALL(PetscPartitionerSetType(part, partitioner.c_str()));
  if (partitioner == PETSCPARTITIONERPTSCOTCH) seedScotch();
  Owned<DM> dist;
  PDEINV_CALL(DMPlexDistribute(dm_, 0, nullptr, dist.out()));
  if (dist) dm_ = std::move(dist);
}

void Mesh::refineUniformly(int times) {
  for (int i = 0; i < times; ++i) {
    // Progress on long set-up: a refinement into millions of cells takes tens of seconds.
    const double next = static_cast<double>(globalNumCells()) * std::pow(2.0, dim());
    if (next > 1e6 && rankOf(comm()) == 0) {
      std::printf("pdeinv: refining the mesh, level %d of %d (%.3g cells)\n", i + 1, times, next);
      std::fflush(stdout);
    }
    Owned<DM> fine;
    PDEINV_CALL(DMPlexSetRefinementUniform(dm_, PETSC_TRUE));
    PDEINV_CALL(DMRefine(dm_, comm(), fine.out()));
    dm_ = std::move(fine);
  }
  PDEINV_CALL(PetscObjectSetName(reinterpret_cast<PetscObject>(dm_.get()), "mesh"));
  completeLabels();
}

void Mesh::completeLabels() {
  // Essential conditions constrain every dof in the closure of a tagged facet (its vertices
  // and edges too), so the facet labels are completed to their closures.
  for (const char* name : {"boundary", "Face Sets"}) {
    DMLabel l = nullptr;
    PDEINV_CALL(DMGetLabel(dm_, name, &l));
    if (l) PDEINV_CALL(DMPlexLabelComplete(dm_, l));
  }
}

PetscInt Mesh::globalNumCells() const {
  PetscInt cStart = 0, cEnd = 0;
  PDEINV_CALL(DMPlexGetHeightStratum(dm_, 0, &cStart, &cEnd));
  PetscInt local = cEnd - cStart, global = 0;
  MPI_Allreduce(&local, &global, 1, MPIU_INT, MPI_SUM, comm());
  return global;
}

PetscInt Mesh::globalNumVertices() const {
  // Vertices are shared between ranks; count each at its owner through a point SF-aware vector.
  Owned<DM> vdm;
  PDEINV_CALL(DMClone(dm_, vdm.out()));
  Owned<PetscFE> fe;
  PDEINV_CALL(PetscFECreateLagrange(comm(), dim(), 1, simplex_ ? PETSC_TRUE : PETSC_FALSE, 1,
                                    PETSC_DETERMINE, fe.out()));
  PDEINV_CALL(DMSetField(vdm, 0, nullptr, reinterpret_cast<PetscObject>(fe.get())));
  PDEINV_CALL(DMCreateDS(vdm));
  Owned<Vec> v;
  PDEINV_CALL(DMCreateGlobalVector(vdm, v.out()));
  PetscInt n = 0;
  PDEINV_CALL(VecGetSize(v, &n));
  return n;
}

Owned<PetscFE> Mesh::coordinateElement() const {
  DM cdm = nullptr;
  PetscObject obj = nullptr;
  PDEINV_CALL(DMGetCoordinateDM(dm_, &cdm));
  PDEINV_CALL(DMGetField(cdm, 0, nullptr, &obj));
  PetscClassId id = 0;
  if (obj) PDEINV_CALL(PetscObjectGetClassId(obj, &id));
  if (obj && id == PETSCFE_CLASSID) return Owned<PetscFE>::borrow(reinterpret_cast<PetscFE>(obj));
  Owned<PetscFE> fe;
  PDEINV_CALL(PetscFECreateLagrange(PETSC_COMM_SELF, dim(), dim(),
                                    simplex_ ? PETSC_TRUE : PETSC_FALSE, 1, PETSC_DETERMINE,
                                    fe.out()));
  return fe;
}

DMLabel Mesh::label(const std::string& name) const {
  DMLabel l = nullptr;
  PDEINV_CALL(DMGetLabel(dm_, name.c_str(), &l));
  if (!l) {
    PetscInt n = 0;
    PDEINV_CALL(DMGetNumLabels(dm_, &n));
    std::string names;
    for (PetscInt i = 0; i < n; ++i) {
      const char* s = nullptr;
      PDEINV_CALL(DMGetLabelName(dm_, i, &s));
      names += (names.empty() ? "" : ", ") + std::string("'") + s + "'";
    }
    throw InputError("mesh has no label '" + name + "'; its labels are " + names);
  }
  return l;
}

std::vector<PetscInt> Mesh::labelValues(const std::string& name) const {
  DMLabel l = label(name);
  IS is = nullptr;
  PDEINV_CALL(DMLabelGetValueIS(l, &is));
  PetscInt n = 0;
  const PetscInt* vals = nullptr;
  PDEINV_CALL(ISGetLocalSize(is, &n));
  PDEINV_CALL(ISGetIndices(is, &vals));
  std::vector<PetscInt> local(vals, vals + n);
  PDEINV_CALL(ISRestoreIndices(is, &vals));
  PDEINV_CALL(ISDestroy(&is));
  int ln = static_cast<int>(local.size());
  std::vector<int> counts(sizeOf(comm())), displs(sizeOf(comm()));
  MPI_Allgather(&ln, 1, MPI_INT, counts.data(), 1, MPI_INT, comm());
  int total = 0;
  for (size_t r = 0; r < counts.size(); ++r) displs[r] = total, total += counts[r];
  std::vector<PetscInt> all(total);
  MPI_Allgatherv(local.data(), ln, MPIU_INT, all.data(), counts.data(), displs.data(), MPIU_INT,
                 comm());
  std::set<PetscInt> uniq(all.begin(), all.end());
  return {uniq.begin(), uniq.end()};
}

}  // namespace pdeinv

// Observation data files (CSV and HDF5) and the point tables behind them and behind sensor files.
//
// Files are read by rank 0 alone and the result — the table, or the message describing what is
// wrong with the file — is broadcast, so bad input is one InputError on every rank: no rank
// waits in a collective that another rank left by throwing.
#include <hdf5.h>
#include <petscviewer.h>
#include <petscviewerhdf5.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <limits>
#include <numeric>
#include <sstream>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/handle.hpp"
#include "pdeinv/core/session.hpp"
#include "pdeinv/inverse/observation.hpp"
#include "pdeinv/io/hdf5_util.hpp"
#include "point_table.hpp"

namespace pdeinv {
namespace detail {
namespace {

// Opens an HDF5 file on this rank alone.
Owned<PetscViewer> openHdf5(const std::string& path, PetscFileMode mode) {
  Owned<PetscViewer> viewer;
  PDEINV_CALL(PetscViewerCreate(PETSC_COMM_SELF, viewer.out()));
  PDEINV_CALL(PetscViewerSetType(viewer, PETSCVIEWERHDF5));
  PDEINV_CALL(PetscViewerFileSetMode(viewer, mode));
  PDEINV_CALL(PetscViewerFileSetName(viewer, path.c_str()));
  return viewer;
}

// Checks that dataset `name` of the HDF5 file at `path` (`bytes` long) stores all the numbers
// its header claims, before PETSc's VecLoad reads it; returns what is wrong, or "". HDF5 trusts
// a file's metadata: a layout claiming more than is stored makes H5Dread copy past its buffers
// (found by fuzzing: a chunked dataset with no chunk allocated, read from a corrupt fill value).
// So only plain storage is read: one or two dimensions of 4- or 8-byte floating-point numbers,
// no filters, and every byte of the data inside the file (compact, contiguous, or chunked with
// every chunk allocated at its full size) — the way writeObservationData and PETSc store them.
std::string checkHdf5Storage(const std::string& path, const char* name, std::uintmax_t bytes,
                             const std::string& where) {
  // HDF5 prints its error stack on failure by default; these failures become messages here.
  Hdf5QuietErrors quiet;

  const std::string dataset = where + ": dataset '" + name + "'";
  Hdf5Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.ok()) return "cannot read " + where + ": HDF5 cannot open it (a corrupt file)";
  if (H5Lexists(file.id, name, H5P_DEFAULT) <= 0) return "";  // the caller names it missing
  Hdf5Id set(H5Dopen2(file.id, name, H5P_DEFAULT), H5Dclose);
  if (!set.ok()) return dataset + " cannot be opened (a corrupt file, or not a dataset)";
  Hdf5Id type(H5Dget_type(set.id), H5Tclose);
  Hdf5Id space(H5Dget_space(set.id), H5Sclose);
  Hdf5Id plist(H5Dget_create_plist(set.id), H5Pclose);
  if (!type.ok() || !space.ok() || !plist.ok()) return dataset + " has a corrupt header";
  const std::size_t typeSize = H5Tget_size(type.id);
  if (H5Tget_class(type.id) != H5T_FLOAT || (typeSize != 4 && typeSize != 8)) {
    return dataset + " must hold 4- or 8-byte floating-point numbers";
  }
  hsize_t dims[2] = {0, 0};
  const int rank = H5Sget_simple_extent_ndims(space.id);
  if (rank < 1 || rank > 2 || H5Sget_simple_extent_dims(space.id, dims, nullptr) != rank) {
    return dataset + " must have one or two dimensions";
  }
  // The number of bytes the data take, as a double: a corrupt header may claim 2^64 elements.
  double need = static_cast<double>(typeSize);
  for (int d = 0; d < rank; ++d) need *= static_cast<double>(dims[d]);
  char count[32];
  std::snprintf(count, sizeof count, "%.15g", need / static_cast<double>(typeSize));
  const std::string claim = dataset + " claims " + count + " numbers";
  if (need > static_cast<double>(bytes)) {
    return claim + ", more than the file's " + std::to_string(bytes) +
           " bytes hold (a corrupt file)";
  }
  const int filters = H5Pget_nfilters(plist.id);
  if (filters != 0) {
    return dataset + " is compressed or filtered (" + std::to_string(filters) +
           " filters), which is not read: store it uncompressed";
  }
  auto inside = [&](haddr_t address, hsize_t size) {
    return address != HADDR_UNDEF && address <= bytes && size <= bytes - address;
  };
  const std::string corrupt = claim + " but does not store them all (a corrupt file)";
  switch (H5Pget_layout(plist.id)) {
    case H5D_COMPACT:
      if (static_cast<double>(H5Dget_storage_size(set.id)) != need) return corrupt;
      return "";
    case H5D_CONTIGUOUS: {
      const hsize_t stored = H5Dget_storage_size(set.id);
      if (static_cast<double>(stored) != need || !inside(H5Dget_offset(set.id), stored)) {
        return corrupt;
      }
      return "";
    }
    case H5D_CHUNKED: {
      hsize_t chunk[2] = {0, 0};
      if (H5Pget_chunk(plist.id, rank, chunk) != rank) return corrupt;
      double chunks = 1, chunkBytes = static_cast<double>(typeSize);
      for (int d = 0; d < rank; ++d) {
        if (chunk[d] == 0) return corrupt;
        chunks *= static_cast<double>((dims[d] + chunk[d] - 1) / chunk[d]);
        chunkBytes *= static_cast<double>(chunk[d]);
      }
      hsize_t allocated = 0;
      if (H5Dget_num_chunks(set.id, space.id, &allocated) < 0 ||
          static_cast<double>(allocated) != chunks) {
        return corrupt;
      }
      for (hsize_t i = 0; i < allocated; ++i) {
        hsize_t offset[2] = {0, 0}, size = 0;
        unsigned mask = 0;
        haddr_t address = HADDR_UNDEF;
        if (H5Dget_chunk_info(set.id, space.id, i, offset, &mask, &address, &size) < 0 ||
            static_cast<double>(size) != chunkBytes || !inside(address, size)) {
          return corrupt;
        }
      }
      return "";
    }
    default:
      return dataset + " has a layout pdeinv does not read (virtual or unknown)";
  }
}

constexpr PetscReal kPointTolerance = 1e-10;

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::vector<std::string> splitFields(const std::string& line) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ',')) out.push_back(trim(field));
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

// The whole field must be a number ("nan" and "inf" parse; finiteness is checked separately).
bool parseReal(const std::string& field, PetscReal& out) {
  if (field.empty()) return false;
  char* end = nullptr;
  const double v = std::strtod(field.c_str(), &end);
  if (end != field.c_str() + field.size()) return false;
  out = static_cast<PetscReal>(v);
  return true;
}

std::string columnsText(int dim, int valuesPerPoint) {
  std::string s = dim == 1 ? "x" : dim == 2 ? "x,y" : "x,y,z";
  if (valuesPerPoint == 1) s += ",value";
  for (int k = 0; valuesPerPoint > 1 && k < valuesPerPoint; ++k) s += ",value" + std::to_string(k);
  return s;
}

// Rank 0: reads a CSV table into t, or returns what is wrong with the file.
std::string readCsv(const std::string& path, int dim, bool withValues, const std::string& what,
                    PointTable& t) {
  std::ifstream in(path);
  if (!in) return "cannot open " + what + " '" + path + "': no such file or not readable";
  const std::string where = what + " '" + path + "'";
  std::string line;
  long lineNo = 0;
  bool seenContent = false;
  int fieldsPerLine = -1;
  while (std::getline(in, line)) {
    ++lineNo;
    const std::string text = trim(line);
    if (text.empty() || text[0] == '#') continue;
    const auto fields = splitFields(text);
    std::vector<PetscReal> numbers(fields.size());
    size_t numeric = 0;
    for (size_t i = 0; i < fields.size(); ++i) numeric += parseReal(fields[i], numbers[i]);
    const std::string at = where + " line " + std::to_string(lineNo);
    if (numeric == 0 && !seenContent) {  // a header line such as "x,y,value"
      seenContent = true;
      continue;
    }
    seenContent = true;
    if (numeric != fields.size()) {
      return at + ": malformed line '" + text + "' (expected numbers " +
             columnsText(dim, withValues ? std::max(fieldsPerLine - dim, 1) : 0) + ")";
    }
    const int nf = static_cast<int>(fields.size());
    if (fieldsPerLine < 0) {
      if (withValues ? nf <= dim : nf != dim) {
        return at + ": " + std::to_string(nf) + " field(s), expected " +
               columnsText(dim, withValues ? 1 : 0) + " (the mesh is " + std::to_string(dim) +
               "-D)";
      }
      fieldsPerLine = nf;
    } else if (nf != fieldsPerLine) {
      return at + ": " + std::to_string(nf) + " field(s), expected " +
             std::to_string(fieldsPerLine) + " (" + columnsText(dim, fieldsPerLine - dim) +
             ") as on the first data line";
    }
    Point p{0, 0, 0};
    for (int d = 0; d < dim; ++d) {
      if (!std::isfinite(numbers[d])) return at + ": coordinate '" + fields[d] + "' is not finite";
      p[d] = numbers[d];
    }
    for (int k = dim; k < nf; ++k) {
      if (!std::isfinite(numbers[k])) {
        return at + ": value '" + fields[k] + "' is NaN or Inf";
      }
      t.values.push_back(numbers[k]);
    }
    t.points.push_back(p);
    t.origins.push_back("line " + std::to_string(lineNo));
  }
  if (in.bad()) return "cannot read " + where;
  if (t.points.empty()) return where + " contains no data lines";
  t.valuesPerPoint = withValues ? fieldsPerLine - dim : 0;
  return "";
}

// Rank 0: reads datasets "points" (n×dim) and "values" (n or n×k) into t, or returns what is
// wrong. PETSc's HDF5 viewer reads them as vectors whose block size is the second dimension.
std::string readHdf5(const std::string& path, int dim, bool withValues, const std::string& what,
                     PointTable& t) {
  const std::string where = what + " '" + path + "'";
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) return "cannot open " + where + ": no such file or not readable";
    char signature[8] = {};
    in.read(signature, sizeof signature);
    if (in.gcount() != 8 || std::memcmp(signature, "\x89HDF\r\n\x1a\n", 8) != 0) {
      return where +
             " is not an HDF5 file (its name ends in .h5/.hdf5; use another extension "
             "for CSV)";
    }
  }
  try {
    auto viewer = openHdf5(path, FILE_MODE_READ);
    std::error_code ec;
    const auto bytes = std::filesystem::file_size(path, ec);
    auto load = [&](const char* name, Owned<Vec>& v) -> std::string {
      PetscBool has = PETSC_FALSE;
      PDEINV_CALL(PetscViewerHDF5HasDataset(viewer, name, &has));
      if (!has) return where + " has no dataset '" + name + "'";
      // VecLoad allocates the size the dataset's header claims, and HDF5 reads what the layout
      // claims: both are checked against what the file stores first.
      if (auto e = checkHdf5Storage(path, name, bytes, where); !e.empty()) return e;
      PDEINV_CALL(VecCreate(PETSC_COMM_SELF, v.out()));
      PDEINV_CALL(PetscObjectSetName(reinterpret_cast<PetscObject>(v.get()), name));
      PDEINV_CALL(VecLoad(v, viewer));
      return "";
    };
    Owned<Vec> P, V;
    if (auto e = load("points", P); !e.empty()) return e;
    PetscInt size = 0, bs = 0;
    PDEINV_CALL(VecGetSize(P, &size));
    PDEINV_CALL(VecGetBlockSize(P, &bs));
    if (bs != dim || size == 0) {
      return where + ": dataset 'points' must be n×" + std::to_string(dim) +
             " with n ≥ 1 (it has " + std::to_string(size / std::max<PetscInt>(bs, 1)) + "×" +
             std::to_string(bs) + ")";
    }
    const PetscInt n = size / dim;
    {
      const PetscScalar* a = nullptr;
      PDEINV_CALL(VecGetArrayRead(P, &a));
      for (PetscInt i = 0; i < n; ++i) {
        Point p{0, 0, 0};
        for (int d = 0; d < dim; ++d) p[d] = PetscRealPart(a[i * dim + d]);
        t.points.push_back(p);
        t.origins.push_back("index " + std::to_string(i));
      }
      PDEINV_CALL(VecRestoreArrayRead(P, &a));
    }
    for (PetscInt i = 0; i < n; ++i) {
      for (int d = 0; d < dim; ++d) {
        if (!std::isfinite(t.points[i][d])) {
          return where + ": points[" + std::to_string(i) + "] has a coordinate that is not finite";
        }
      }
    }
    if (!withValues) return "";
    if (auto e = load("values", V); !e.empty()) return e;
    PetscInt nv = 0;
    PDEINV_CALL(VecGetSize(V, &nv));
    if (nv == 0 || nv % n != 0) {
      return where + ": dataset 'values' has " + std::to_string(nv) + " entries for " +
             std::to_string(n) + " points (expected n or n×components)";
    }
    t.valuesPerPoint = static_cast<int>(nv / n);
    const PetscScalar* a = nullptr;
    PDEINV_CALL(VecGetArrayRead(V, &a));
    for (PetscInt i = 0; i < nv; ++i) t.values.push_back(PetscRealPart(a[i]));
    PDEINV_CALL(VecRestoreArrayRead(V, &a));
    for (PetscInt i = 0; i < nv; ++i) {
      if (!std::isfinite(t.values[i])) {
        return where + ": the value at index " + std::to_string(i / t.valuesPerPoint) +
               " is NaN or Inf";
      }
    }
  } catch (const PetscFailure& e) {
    return "cannot read " + where + ": " + e.what();
  }
  return "";
}

// Broadcasts a string from rank 0.
void broadcast(MPI_Comm comm, std::string& s) {
  int len = static_cast<int>(s.size());
  MPI_Bcast(&len, 1, MPI_INT, 0, comm);
  s.resize(len);
  MPI_Bcast(s.data(), len, MPI_CHAR, 0, comm);
}

// Broadcasts the table from rank 0 (origins included, for later messages).
void broadcast(MPI_Comm comm, PointTable& t) {
  long sizes[3] = {static_cast<long>(t.points.size()), static_cast<long>(t.values.size()),
                   t.valuesPerPoint};
  MPI_Bcast(sizes, 3, MPI_LONG, 0, comm);
  t.points.resize(sizes[0]);
  t.values.resize(sizes[1]);
  t.valuesPerPoint = static_cast<int>(sizes[2]);
  t.origins.resize(sizes[0]);
  MPI_Bcast(t.points.data(), static_cast<int>(3 * sizes[0]), MPIU_REAL, 0, comm);
  MPI_Bcast(t.values.data(), static_cast<int>(sizes[1]), MPIU_REAL, 0, comm);
  for (auto& o : t.origins) broadcast(comm, o);
}

}  // namespace

bool isHdf5Path(const std::string& path) {
  auto ends = [&](const std::string& ext) {
    return path.size() >= ext.size() &&
           path.compare(path.size() - ext.size(), ext.size(), ext) == 0;
  };
  return ends(".h5") || ends(".hdf5");
}

std::string formatPoint(const Point& p, int dim) {
  std::ostringstream os;
  os << std::setprecision(10) << "(";
  for (int d = 0; d < dim; ++d) os << (d ? ", " : "") << p[d];
  os << ")";
  return os.str();
}

bool samePoint(const Point& a, const Point& b, int dim) {
  for (int d = 0; d < dim; ++d) {
    const PetscReal scale = std::max<PetscReal>({1.0, std::abs(a[d]), std::abs(b[d])});
    if (std::abs(a[d] - b[d]) > kPointTolerance * scale) return false;
  }
  return true;
}

std::optional<std::pair<size_t, size_t>> findDuplicate(const std::vector<Point>& points, int dim) {
  // Sorted by x, a point's duplicates are among the following points whose x is within the
  // tolerance; the scan checks those completely, so near-duplicates are not missed.
  std::vector<size_t> order(points.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return points[a][0] < points[b][0]; });
  std::optional<std::pair<size_t, size_t>> best;
  for (size_t s = 0; s < order.size(); ++s) {
    const Point& a = points[order[s]];
    for (size_t r = s + 1; r < order.size(); ++r) {
      const Point& b = points[order[r]];
      const PetscReal scale = std::max<PetscReal>({1.0, std::abs(a[0]), std::abs(b[0])});
      if (b[0] - a[0] > kPointTolerance * scale) break;
      if (samePoint(a, b, dim)) {
        const std::pair<size_t, size_t> pair{std::min(order[s], order[r]),
                                             std::max(order[s], order[r])};
        if (!best || pair < *best) best = pair;
      }
    }
  }
  return best;
}

PointTable readPointTable(MPI_Comm comm, const std::string& path, int dim, bool withValues,
                          const std::string& what) {
  PointTable t;
  std::string problem;
  if (rankOf(comm) == 0) {
    problem = isHdf5Path(path) ? readHdf5(path, dim, withValues, what, t)
                               : readCsv(path, dim, withValues, what, t);
    if (problem.empty()) {
      if (auto dup = findDuplicate(t.points, dim)) {
        problem = what + " '" + path + "': duplicate point " +
                  formatPoint(t.points[dup->first], dim) + " on " + t.origins[dup->first] +
                  " and " + t.origins[dup->second];
      }
    }
  }
  raiseFromRoot(comm, problem);
  broadcast(comm, t);
  return t;
}

}  // namespace detail

ObservationData readObservationData(MPI_Comm comm, const std::string& path, int dim) {
  require(dim >= 1 && dim <= 3, "readObservationData: dimension must be 1, 2 or 3");
  auto t = detail::readPointTable(comm, path, dim, true, "observation data file");
  return {std::move(t.points), std::move(t.values)};
}

void writeObservationData(MPI_Comm comm, const std::string& path, int dim,
                          const ObservationData& data) {
  const size_t n = data.points.size();
  require(dim >= 1 && dim <= 3, "writeObservationData: dimension must be 1, 2 or 3");
  require(n > 0 && !data.values.empty() && data.values.size() % n == 0,
          "writeObservationData '" + path + "': " + std::to_string(data.values.size()) +
              " values for " + std::to_string(n) + " points (need a positive multiple)");
  const int k = static_cast<int>(data.values.size() / n);
  std::string problem;
  if (rankOf(comm) == 0) {
    if (detail::isHdf5Path(path)) {
      try {
        auto viewer = detail::openHdf5(path, FILE_MODE_WRITE);
        std::vector<PetscScalar> coords(n * dim);
        for (size_t i = 0; i < n; ++i)
          for (int d = 0; d < dim; ++d) coords[i * dim + d] = data.points[i][d];
        std::vector<PetscScalar> values(data.values.begin(), data.values.end());
        auto write = [&](const char* name, PetscInt bs, std::vector<PetscScalar>& a) {
          Owned<Vec> v;
          PDEINV_CALL(VecCreateSeqWithArray(PETSC_COMM_SELF, bs, static_cast<PetscInt>(a.size()),
                                            a.data(), v.out()));
          PDEINV_CALL(PetscObjectSetName(reinterpret_cast<PetscObject>(v.get()), name));
          PDEINV_CALL(VecView(v, viewer));
        };
        write("points", dim, coords);
        write("values", k, values);
      } catch (const PetscFailure& e) {
        problem = "cannot write observation data file '" + path + "': " + e.what();
      }
    } else {
      std::ofstream out(path);
      if (!out) {
        problem = "cannot write observation data file '" + path +
                  "' (no such directory or "
                  "not writable)";
      } else {
        out << detail::columnsText(dim, k) << "\n";
        out << std::setprecision(std::numeric_limits<PetscReal>::max_digits10);
        for (size_t i = 0; i < n; ++i) {
          for (int d = 0; d < dim; ++d) out << data.points[i][d] << ",";
          for (int c = 0; c < k; ++c) out << data.values[i * k + c] << (c + 1 < k ? "," : "\n");
        }
        if (!out) problem = "cannot write observation data file '" + path + "'";
      }
    }
  }
  raiseFromRoot(comm, problem);
}

void checkDataMatchesObservation(const ObservationData& data, const ObservationOperator& op,
                                 const std::string& path) {
  const std::string where = "observation data file '" + path + "'";
  const auto& points = op.points();
  const auto nObs = static_cast<size_t>(op.size());
  if (points.empty()) {
    require(data.values.size() == nObs, where + " has " + std::to_string(data.values.size()) +
                                            " values but the observation operator (" + op.name() +
                                            ") has " + std::to_string(nObs) + " observations");
    return;
  }
  const size_t perPoint = nObs / points.size();
  require(data.points.size() == points.size(),
          where + " has " + std::to_string(data.points.size()) +
              " points but the observation operator (" + op.name() + ") has " +
              std::to_string(points.size()));
  require(data.values.size() == nObs,
          where + " has " +
              std::to_string(data.values.size() / std::max<size_t>(1, points.size())) +
              " value(s) per point but the observation operator observes " +
              std::to_string(perPoint) + " (the state's components)");
  // Unused coordinates are 0 on both sides, so all three are compared; messages show the
  // coordinates the operator's points use.
  int dim = 1;
  for (const auto& p : points) dim = std::max(dim, p[2] != 0 ? 3 : p[1] != 0 ? 2 : 1);
  for (size_t i = 0; i < points.size(); ++i) {
    if (detail::samePoint(data.points[i], points[i], 3)) continue;
    throw InputError(where + ": data point " + std::to_string(i) + " " +
                     detail::formatPoint(data.points[i], dim) + " differs from observation point " +
                     std::to_string(i) + " " + detail::formatPoint(points[i], dim) +
                     " (tolerance 1e-10)");
  }
}

}  // namespace pdeinv

#pragma once
// Internal to the observation layer: tables of points (and optionally values per point) read
// from CSV or HDF5 files, shared by sensor files (-obs_file) and observation data files.
#include <petscsys.h>

#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pdeinv::detail {

using Point = std::array<PetscReal, 3>;

struct PointTable {
  std::vector<Point> points;
  std::vector<PetscReal> values;  // valuesPerPoint per point, point-major
  int valuesPerPoint = 0;
  // Where each point came from, for messages: "line 7" (CSV) or "index 6" (HDF5).
  std::vector<std::string> origins;
};

// Reads the table on rank 0 and broadcasts it; a problem is the same InputError on every rank.
// what names the file in messages ("observation data file", "sensor file (-obs_file)").
// withValues: each point carries ≥ 1 values (the same number on every line); otherwise points
// only. Duplicate points and non-finite numbers are errors.
PointTable readPointTable(MPI_Comm comm, const std::string& path, int dim, bool withValues,
                          const std::string& what);

bool isHdf5Path(const std::string& path);

// "(1.5, 0.2)": the first dim coordinates.
std::string formatPoint(const Point& p, int dim);

// Coordinates equal within 1e-10, relative to the coordinate when it exceeds 1.
bool samePoint(const Point& a, const Point& b, int dim);

// The first pair (i < j) of points that are the same, if any. O(n log n) for spread points.
std::optional<std::pair<size_t, size_t>> findDuplicate(const std::vector<Point>& points, int dim);

}  // namespace pdeinv::detail

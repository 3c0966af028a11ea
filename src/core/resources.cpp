#include "pdeinv/core/resources.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "pdeinv/core/error.hpp"

namespace pdeinv {

double availableMemoryBytes() {
  std::ifstream in("/proc/meminfo");
  std::string key, unit;
  double value = 0;
  while (in >> key >> value >> unit) {
    if (key == "MemAvailable:") return value * 1024.0;  // kB
  }
  return 0;
}

std::string formatBytes(double bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB", "PB", "EB"};
  int u = 0;
  while (bytes >= 1024 && u < 6) bytes /= 1024, ++u;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3g %s", bytes, units[u]);
  return buf;
}

void requireFits(MPI_Comm comm, double bytes, const std::string& what) {
  // The ranks sharing this node's memory.
  MPI_Comm node = MPI_COMM_NULL;
  MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
  int onNode = 1, size = 1;
  MPI_Comm_size(node, &onNode);
  MPI_Comm_free(&node);
  MPI_Comm_size(comm, &size);
  const double available = availableMemoryBytes();
  const double share = bytes * onNode / size;
  // Unknown availability (no /proc/meminfo) refuses nothing.
  double ratio = available > 0 ? share / available : 0, worst = 0, minAvailable = 0;
  MPI_Allreduce(&ratio, &worst, 1, MPI_DOUBLE, MPI_MAX, comm);
  double avail = available > 0 ? available : 1e300;
  MPI_Allreduce(&avail, &minAvailable, 1, MPI_DOUBLE, MPI_MIN, comm);
  if (worst > 1)
    throw InputError(what + " needs at least " + formatBytes(bytes) + ", more than the " +
                     formatBytes(minAvailable * size / onNode) +
                     " this machine has available: refused before allocating");
}

}  // namespace pdeinv

#pragma once
// Size checks before allocation: a request that cannot fit in memory (a mesh refined 12 times,
// an observation grid of 10¹² points) is refused up front with its estimate, instead of
// running until the memory or the clock is gone.
#include <petscsys.h>

#include <string>

namespace pdeinv {

// Memory this node can still give (MemAvailable of /proc/meminfo), in bytes; 0 if unknown.
double availableMemoryBytes();

// "1.2 GB", "340 MB", ...
std::string formatBytes(double bytes);

// Collective over comm. `bytes` is a lower estimate of what a build needs over all ranks of
// comm; the ranks on each node share that node's available memory. Throws InputError
// "<what> needs at least <bytes>, more than the <available> this machine has available" on
// every rank when some node cannot hold its share.
void requireFits(MPI_Comm comm, double bytes, const std::string& what);

}  // namespace pdeinv

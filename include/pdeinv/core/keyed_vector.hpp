#pragma once
// A distributed vector by key instead of by position: (key, value) pairs, so that a vector
// written on one partition can be read on another (mesh partitions differ between rank counts
// and from run to run). Keys are FunctionSpace::dofKeys() for fields; without keys the global
// index is the key. Used by checkpoints (restart on any rank count) and by MCMC chain groups
// (fields combined across sub-communicators).
#include <petscvec.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace pdeinv {

using KeyedValues = std::vector<std::pair<std::uint64_t, double>>;

// The local entries of x with their keys (one key per local entry, or none: global indices).
KeyedValues keyedEntries(Vec x, const std::vector<std::uint64_t>& keys);
// Every rank's entries on rank 0 of x's communicator, sorted by key (empty on other ranks).
// Collective.
KeyedValues gatherKeyed(Vec x, const std::vector<std::uint64_t>& keys);
// x's local entries from `all` (sorted by key, the same on every rank). Returns false on every
// rank, leaving x unchanged, when some rank's key is not in `all`. Collective.
bool takeKeyed(Vec x, const std::vector<std::uint64_t>& keys, const KeyedValues& all);

}  // namespace pdeinv

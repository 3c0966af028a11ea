#pragma once
// Seeded standard normal numbers by key: the number for (seed, key) depends on nothing else — no
// stream state, no rank, no C library — so draws keyed by a partition-independent index (an
// observation's position in the original order, a dof's location) are the same on any number
// of ranks. splitmix64 hashes (seed, key) into two 53-bit uniforms; Box–Muller makes them a
// normal number.
#include <petscvec.h>

#include <cstdint>

namespace pdeinv {

std::uint64_t splitmix64(std::uint64_t x);
// One 64-bit key from two (order matters).
std::uint64_t combineKeys(std::uint64_t a, std::uint64_t b);
// A coordinate as an integer key: rounded to 1e-9, so that the last bits a different summation
// order leaves (another partition) do not change it.
std::uint64_t coordinateKey(PetscReal x);
// The key of a location: coordinateKey of each coordinate, combined in order from 0.
std::uint64_t locationKey(const PetscReal x[], int dim);
// Uniform in (0, 1), a function of (seed, key) alone.
PetscReal uniform01(std::uint64_t seed, std::uint64_t key);
// N(0, 1), a function of (seed, key) alone.
PetscReal standardNormal(std::uint64_t seed, std::uint64_t key);

// Fills v with reproducible random entries in [-1, 1] (PETSc's generator, seeded per rank: the
// same on a given number of ranks and layout, not across them — random directions for checks
// and sketches, not samples).
void fillRandom(Vec v, unsigned long seed);

}  // namespace pdeinv

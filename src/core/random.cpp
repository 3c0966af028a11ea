#include "pdeinv/core/random.hpp"

#include <cmath>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/handle.hpp"

namespace pdeinv {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

std::uint64_t combineKeys(std::uint64_t a, std::uint64_t b) {
  return splitmix64(splitmix64(a) ^ (b + 0xD1B54A32D192ED03ull));
}

std::uint64_t coordinateKey(PetscReal x) {
  return static_cast<std::uint64_t>(static_cast<std::int64_t>(std::llround(x * 1e9)));
}

std::uint64_t locationKey(const PetscReal x[], int dim) {
  std::uint64_t key = 0;
  for (int d = 0; d < dim; ++d) key = combineKeys(key, coordinateKey(x[d]));
  return key;
}

namespace {
// A uniform in (0, 1) from the top 53 bits of a hash, offset by half a step.
double uniformFromBits(std::uint64_t bits) {
  return (static_cast<double>(bits >> 11) + 0.5) * 0x1.0p-53;
}
}  // namespace

PetscReal uniform01(std::uint64_t seed, std::uint64_t key) {
  return uniformFromBits(combineKeys(seed, key));
}

PetscReal standardNormal(std::uint64_t seed, std::uint64_t key) {
  const std::uint64_t h = combineKeys(seed, key);
  const double u1 = uniformFromBits(h), u2 = uniformFromBits(splitmix64(h));
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

void fillRandom(Vec v, unsigned long seed) {
  Owned<PetscRandom> rnd;
  MPI_Comm comm = PetscObjectComm(reinterpret_cast<PetscObject>(v));
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  PDEINV_CALL(PetscRandomCreate(comm, rnd.out()));
  PDEINV_CALL(PetscRandomSetInterval(rnd, -1.0, 1.0));
  PDEINV_CALL(PetscRandomSetSeed(rnd, seed + 7919ul * static_cast<unsigned long>(rank)));
  PDEINV_CALL(PetscRandomSeed(rnd));
  PDEINV_CALL(VecSetRandom(v, rnd));
}

}  // namespace pdeinv

// pdeinv_consumer — the smallest program built against an installed pdeinv: it starts a
// session, builds an 8 x 4 quadrilateral box mesh and prints its number of cells (32).
#include <cstdio>

#include "pdeinv/core/session.hpp"
#include "pdeinv/mesh/mesh.hpp"

static const char help[] = "pdeinv_consumer: builds a box mesh with an installed pdeinv.\n";

int main(int argc, char** argv) {
  return pdeinv::runMain(argc, argv, help, [](MPI_Comm comm) {
    pdeinv::BoxSpec spec;
    spec.faces = {8, 4};
    const auto mesh = pdeinv::Mesh::box(comm, spec);
    const auto cells = static_cast<long long>(mesh.globalNumCells());
    if (pdeinv::rankOf(comm) == 0)
      std::printf("pdeinv_consumer: box mesh with %lld cells\n", cells);
    return cells == 32 ? 0 : 1;
  });
}

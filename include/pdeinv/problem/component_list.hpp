#pragma once
// The registered components, one line each (name — description): every PDE operator, parameter
// map, observation type, misfit and regularization in its registry (including operators an
// outside project has added), and the TAO types pdeinv supports. `pdeinv -list_operators` and
// the end of `pdeinv -help` print it.
#include <ostream>

namespace pdeinv {

void printRegisteredComponents(std::ostream& os);

}  // namespace pdeinv

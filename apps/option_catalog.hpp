#pragma once
// The static catalogue of every option the pdeinv driver reads, in every mode: generated at
// build time from the getter calls in src/, include/ and apps/ (scripts/gen_option_catalog.py,
// apps/CMakeLists.txt), for `pdeinv -help` (core/session.hpp).
#include <span>

#include "pdeinv/core/options.hpp"

namespace pdeinv::app {

std::span<const CatalogOption> optionCatalog();

}  // namespace pdeinv::app

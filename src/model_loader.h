// Loading of an archive into a ModelState: reading, manifest, method checks, optimization,
// verification and warm-up.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "model_state.h"
#include "mtl/load_options.h"

namespace mtl::detail {

std::shared_ptr<ModelState> load_from_file(const std::string& path, const LoadOptions& options);

std::shared_ptr<ModelState> load_from_memory(const unsigned char* data, std::size_t size, const std::string& source,
                                             const LoadOptions& options);

}  // namespace mtl::detail

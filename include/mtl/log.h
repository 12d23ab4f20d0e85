// Log sink: how mtl reports warnings without ever printing on its own.
//
// The library is silent by default. A host that wants mtl's warnings (an archive without a manifest,
// a head that raised during warm-up) passes a sink in LoadOptions and routes the lines to its own
// logging. The sink may be called from any thread that calls into mtl, so it must be thread-safe.
#pragma once

#include <functional>
#include <string>

namespace mtl {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

/// Returns the level's lower-case name, such as "warning".
const char* to_string(LogLevel level) noexcept;

/// Receives one complete message per call, without a trailing newline.
using LogSink = std::function<void(LogLevel level, const std::string& message)>;

}  // namespace mtl

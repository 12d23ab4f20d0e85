// mtl::Error: the one exception type that mtl throws.
//
// Every failure that a caller can cause or handle (a bad file, an unknown task, an input of the wrong
// shape, a head that raised) reaches the caller as mtl::Error. LibTorch's own exceptions are
// translated at the library boundary, so callers never need to catch c10::Error. The message names
// the value at fault, what was expected, what was found and, where there is one, what to do.
//
// Thread safety: an Error is an immutable value and may be copied and read from any thread.
#pragma once

#include <stdexcept>
#include <string>

namespace mtl {

/// The category of a failure, for callers that branch on it without parsing the message.
enum class ErrorCode {
  kInvalidArgument,  ///< A caller-supplied value (task name, option, tensor) is not acceptable.
  kNotFound,         ///< A file, method, task or key does not exist.
  kInvalidModel,     ///< An archive or its manifest is corrupt or breaks the model format.
  kInvalidData,      ///< An evaluation set, image or policy file is unreadable or inconsistent.
  kInference,        ///< LibTorch failed while running a method, or a head raised.
  kIo,               ///< Reading or writing a file failed.
  kInternal,         ///< A broken invariant inside mtl; please report it.
};

/// Returns the code's name, such as "invalid_argument", for logs and JSON output.
const char* to_string(ErrorCode code) noexcept;

/// The exception type of mtl. Derives from std::runtime_error, so `what()` carries the message.
class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}

  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace mtl

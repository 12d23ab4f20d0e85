#include "mtl/error.h"

namespace mtl {

const char* to_string(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kInvalidModel:
      return "invalid_model";
    case ErrorCode::kInvalidData:
      return "invalid_data";
    case ErrorCode::kInference:
      return "inference";
    case ErrorCode::kIo:
      return "io";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "unknown";
}

}  // namespace mtl

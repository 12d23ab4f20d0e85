#include "torch_boundary.h"

namespace mtl::detail {

std::string torch_message(const std::exception& error) {
  if (const auto* torch_error = dynamic_cast<const c10::Error*>(&error)) {
    return torch_error->what_without_backtrace();
  }
  std::string message = error.what();
  // Messages of TorchScript exceptions end with a newline; keep log lines single-ended.
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
  }
  return message;
}

}  // namespace mtl::detail

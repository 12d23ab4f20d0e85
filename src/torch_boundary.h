// Translation of LibTorch exceptions into mtl::Error, done once at every call into LibTorch.
#pragma once

#include <c10/util/Exception.h>

#include <exception>
#include <string>
#include <utility>

#include "mtl/error.h"

namespace mtl::detail {

/// Shortens a LibTorch message: drops the C++ backtrace and keeps the TorchScript traceback.
std::string torch_message(const std::exception& error);

/// Calls `function` and rethrows any LibTorch or standard exception as mtl::Error(code) whose
/// message starts with `context`. mtl::Error passes through unchanged.
template <typename Function>
auto call_torch(ErrorCode code, const std::string& context, Function&& function) -> decltype(function()) {
  try {
    return std::forward<Function>(function)();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& error) {
    throw Error(code, context + ": " + torch_message(error));
  }
}

}  // namespace mtl::detail

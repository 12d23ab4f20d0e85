// The loaded state shared by every copy of a MultiTaskModel handle.
#pragma once

#include <c10/core/Device.h>
#include <torch/csrc/jit/api/module.h>

#include <memory>
#include <string>
#include <vector>

#include "mtl/log.h"
#include "mtl/manifest.h"

namespace mtl::detail {

struct ModelState {
  std::string source;
  torch::jit::Module module;
  Manifest manifest;
  std::string backbone_digest;  // computed at load from the backbone's weights, never from the manifest
  std::vector<std::string> task_names;
  c10::Device device{c10::kCPU};
  LogSink log_sink;

  // Method handles, looked up once at load. torch::jit::Method has no empty state, hence pointers.
  std::unique_ptr<torch::jit::Method> backbone;
  std::vector<torch::jit::Method> heads;  // heads[i] serves manifest.tasks[i]
  std::unique_ptr<torch::jit::Method> forward;

  void log(LogLevel level, const std::string& message) const {
    if (log_sink) {
      log_sink(level, message);
    }
  }
};

}  // namespace mtl::detail

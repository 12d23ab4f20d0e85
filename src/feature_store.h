// The storage behind mtl::Features: the named tensors and the same tensors as a TorchScript
// dictionary, built once, so every head call passes it without copying.
#pragma once

#include <ATen/core/Dict.h>
#include <ATen/core/ivalue.h>

#include <string>
#include <utility>
#include <vector>

namespace mtl::detail {

struct FeatureStore {
  std::vector<std::pair<std::string, at::Tensor>> entries;
  c10::IValue dict;  // Dict(str, Tensor) holding the same tensors, the argument of every head.
  std::size_t byte_size = 0;
};

}  // namespace mtl::detail

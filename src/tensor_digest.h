// XXH3-128 digests of tensors: the content part of backbone cache keys, and the backbone digest of
// archives that carry no manifest.
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/csrc/jit/ir/ir.h>

#include "xxh3.h"

namespace mtl::detail {

/// Feeds a tensor's dtype, shape, device and bytes (in logical row-major order, so a
/// non-contiguous or channels-last tensor hashes like its contiguous copy) into `hasher`.
void hash_tensor(Xxh3Hasher& hasher, const at::Tensor& tensor);

/// Digest of one tensor, as hash_tensor computes it.
Hash128 tensor_digest(const at::Tensor& tensor);

/// "xxh3:" and the digest of every tensor constant of a frozen graph, in graph order.
std::string graph_constant_digest(const torch::jit::Graph& graph);

}  // namespace mtl::detail

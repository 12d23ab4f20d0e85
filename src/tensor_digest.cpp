#include "tensor_digest.h"

#include <fmt/format.h>

namespace mtl::detail {

std::string Hash128::hex() const { return fmt::format("{:016x}{:016x}", high, low); }

void hash_tensor(Xxh3Hasher& hasher, const at::Tensor& tensor) {
  hasher.update_value(static_cast<int32_t>(tensor.scalar_type()));
  hasher.update_value(static_cast<int64_t>(tensor.dim()));
  for (int64_t size : tensor.sizes()) {
    hasher.update_value(size);
  }
  hasher.update_value(static_cast<int32_t>(tensor.device().type()));
  hasher.update_value(static_cast<int32_t>(tensor.device().index()));

  // The bytes are read from a row-major contiguous CPU copy when the tensor is not one already,
  // so the key depends only on the values, never on the memory layout.
  at::Tensor dense = tensor;
  if (dense.is_mkldnn()) {
    dense = dense.to_dense();
  }
  if (!dense.device().is_cpu()) {
    dense = dense.cpu();
  }
  dense = dense.contiguous();
  hasher.update(dense.data_ptr(), dense.numel() * dense.element_size());
}

Hash128 tensor_digest(const at::Tensor& tensor) {
  Xxh3Hasher hasher;
  hash_tensor(hasher, tensor);
  return hasher.digest();
}

std::string graph_constant_digest(const torch::jit::Graph& graph) {
  Xxh3Hasher hasher;
  for (const torch::jit::Node* node : graph.nodes()) {
    if (node->kind() != c10::prim::Constant || !node->output()->type()->cast<c10::TensorType>()) {
      continue;
    }
    const auto value = torch::jit::toIValue(node->output());
    if (value && value->isTensor()) {
      hash_tensor(hasher, value->toTensor());
    }
  }
  return "xxh3:" + hasher.digest().hex();
}

}  // namespace mtl::detail

// Features: the backbone's output for one input, shared by every head that runs on it.
//
// A Features value is an immutable, reference-counted map from feature name to tensor. Copies are
// cheap and share the tensors, which is how the backbone cache hands one backbone output to many
// requests. Heads must not write into it; MultiTaskModel::load rejects a model whose head does.
//
// Thread safety: safe for concurrent reads from any number of threads.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mtl {

namespace detail {
struct FeatureStore;
}  // namespace detail

class Features {
 public:
  /// An empty value, as returned by a default-constructed result.
  Features();

  /// Takes ownership of named tensors, in the backbone's order.
  /// Throws: mtl::Error (kInvalidArgument) on a duplicate or empty name or an undefined tensor.
  explicit Features(std::vector<std::pair<std::string, at::Tensor>> entries);

  bool empty() const;
  std::size_t size() const;

  /// The feature names, in the backbone's order.
  std::vector<std::string> names() const;

  bool contains(const std::string& name) const;

  /// Returns the tensor of one feature. Throws: mtl::Error (kNotFound) listing the names present.
  const at::Tensor& at(const std::string& name) const;

  /// The named tensors, in the backbone's order.
  const std::vector<std::pair<std::string, at::Tensor>>& entries() const;

  /// Sum of the tensors' storage bytes, counting a storage shared by several tensors once.
  std::size_t byte_size() const;

  /// The shared implementation; mtl uses it to pass the features to a head without copying.
  const std::shared_ptr<const detail::FeatureStore>& store() const { return store_; }

 private:
  std::shared_ptr<const detail::FeatureStore> store_;
};

}  // namespace mtl

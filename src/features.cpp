#include "mtl/features.h"

#include <fmt/format.h>

#include <set>

#include "feature_store.h"
#include "mtl/error.h"

namespace mtl {
namespace {

const std::vector<std::pair<std::string, at::Tensor>> kNoEntries;

std::size_t count_storage_bytes(const std::vector<std::pair<std::string, at::Tensor>>& entries) {
  // Several features may be views of one storage; charge each storage once.
  std::set<const void*> seen;
  std::size_t total = 0;
  for (const auto& entry : entries) {
    const at::Tensor& tensor = entry.second;
    if (tensor.is_mkldnn() || !tensor.has_storage()) {
      total += tensor.numel() * tensor.element_size();
      continue;
    }
    const void* storage = tensor.storage().unsafeGetStorageImpl();
    if (seen.insert(storage).second) {
      total += tensor.storage().nbytes();
    }
  }
  return total;
}

}  // namespace

Features::Features() = default;

Features::Features(std::vector<std::pair<std::string, at::Tensor>> entries) {
  c10::Dict<std::string, at::Tensor> dict;
  for (const auto& [name, tensor] : entries) {
    if (name.empty()) {
      throw Error(ErrorCode::kInvalidArgument, "feature name is empty; every feature needs a name");
    }
    if (!tensor.defined()) {
      throw Error(ErrorCode::kInvalidArgument, fmt::format("feature '{}' is an undefined tensor", name));
    }
    if (dict.contains(name)) {
      throw Error(ErrorCode::kInvalidArgument, fmt::format("feature name '{}' appears twice", name));
    }
    dict.insert(name, tensor);
  }

  auto store = std::make_shared<detail::FeatureStore>();
  store->byte_size = count_storage_bytes(entries);
  store->entries = std::move(entries);
  store->dict = c10::IValue(std::move(dict));
  store_ = std::move(store);
}

bool Features::empty() const { return !store_ || store_->entries.empty(); }

std::size_t Features::size() const { return store_ ? store_->entries.size() : 0; }

std::vector<std::string> Features::names() const {
  std::vector<std::string> names;
  for (const auto& entry : entries()) {
    names.push_back(entry.first);
  }
  return names;
}

bool Features::contains(const std::string& name) const {
  for (const auto& entry : entries()) {
    if (entry.first == name) {
      return true;
    }
  }
  return false;
}

const at::Tensor& Features::at(const std::string& name) const {
  for (const auto& entry : entries()) {
    if (entry.first == name) {
      return entry.second;
    }
  }
  throw Error(ErrorCode::kNotFound,
              fmt::format("feature '{}' not found; the backbone returned: {}", name, fmt::join(names(), ", ")));
}

const std::vector<std::pair<std::string, at::Tensor>>& Features::entries() const {
  return store_ ? store_->entries : kNoEntries;
}

std::size_t Features::byte_size() const { return store_ ? store_->byte_size : 0; }

}  // namespace mtl

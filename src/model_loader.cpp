#include "model_loader.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/csrc/jit/serialization/import.h>

#include <caffe2/serialize/in_memory_adapter.h>

#include <filesystem>
#include <set>
#include <fstream>
#include <iterator>
#include <thread>

#include "archive_check.h"
#include "feature_store.h"
#include "input_check.h"
#include "method_optimizer.h"
#include "method_runner.h"
#include "mtl/error.h"
#include "output_check.h"
#include "tensor_digest.h"
#include "torch_boundary.h"

namespace mtl::detail {
namespace {

const char* const kManifestFile = "mtl/manifest.json";
// Marks an extra file that the archive does not contain: torch::jit::load leaves such entries as
// they were, and a real manifest is JSON, so it never starts with a NUL byte.
const std::string kAbsent(1, '\0');
// More intra-op threads than this only oversubscribes any machine mtl runs on.
constexpr int kMaxThreads = 1024;

c10::Device parse_device(const std::string& spec) {
  const c10::Device device = call_torch(
      ErrorCode::kInvalidArgument,
      fmt::format("LoadOptions.device '{}' is invalid (expected \"cpu\" or \"cuda:N\")", spec),
      [&] { return c10::Device(spec); });
  if (!device.is_cpu() && !device.is_cuda()) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("LoadOptions.device '{}' is not supported; use \"cpu\" or \"cuda:N\"", spec));
  }
  if (device.is_cuda() && !at::hasCUDA()) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("LoadOptions.device '{}' is not available: this LibTorch build has no CUDA support or no "
                            "CUDA device is visible; use \"cpu\"",
                            spec));
  }
  return device;
}

std::vector<std::string> method_names(const torch::jit::Module& module) {
  std::vector<std::string> names;
  for (const torch::jit::Method& method : module.get_methods()) {
    names.push_back(method.name());
  }
  return names;
}

// Input channels of the first convolution in the backbone, the best guess of the input spec of
// an archive without a manifest; 3 when the backbone has no convolution constant.
int64_t guess_channels(const torch::jit::Graph& graph) {
  for (const torch::jit::Node* node : graph.nodes()) {
    if (node->kind() == c10::Symbol::fromQualString("aten::conv2d") && node->inputs().size() > 1) {
      const auto weight = torch::jit::toIValue(node->input(1));
      if (weight && weight->isTensor() && weight->toTensor().dim() == 4) {
        return weight->toTensor().size(1);
      }
    }
  }
  return 3;
}

Manifest discover_manifest(const torch::jit::Module& module, const std::string& source) {
  Manifest manifest;
  manifest.from_file = false;
  manifest.model_name = std::filesystem::path(source).stem().string();
  manifest.model_version = "unknown";
  for (const std::string& name : method_names(module)) {
    if (name.rfind("head_", 0) == 0 && name.size() > 5) {
      TaskInfo task;
      task.name = name.substr(5);
      task.method = name;
      manifest.tasks.push_back(std::move(task));
    }
  }
  if (manifest.tasks.empty()) {
    throw Error(ErrorCode::kInvalidModel,
                fmt::format("{}: archive has no {} and no head_<task> methods (methods: {}); export it with "
                            "python/mtl_export",
                            source, kManifestFile, method_names(module)));
  }
  if (manifest.tasks.size() > 64) {
    throw Error(ErrorCode::kInvalidModel,
                fmt::format("{}: archive has {} head methods; mtl supports at most 64", source, manifest.tasks.size()));
  }

  // Without a manifest the input size is unknown: accept any size and warm up at a common one.
  manifest.input.dynamic_size = true;
  manifest.input.height = 224;
  manifest.input.width = 224;
  if (const auto backbone = module.find_method("backbone")) {
    manifest.input.channels = guess_channels(*backbone->graph());
  }
  manifest.input.mean.assign(manifest.input.channels, 0.0f);
  manifest.input.std.assign(manifest.input.channels, 1.0f);
  return manifest;
}

// Rejects weights that do not match their records. LibTorch 1.13 sizes each storage from the
// pickle and fills it from its record without comparing the two, so a record cut short (with valid
// CRCs) would be read past its end. Every storage must match a tensor record of exactly its size,
// and every tensor must lie inside its storage.
void check_weight_records(const torch::jit::Module& module, const std::vector<std::string>& methods,
                          const std::vector<ArchiveEntry>& entries, const std::string& source) {
  std::multiset<uint64_t> record_sizes;
  for (const ArchiveEntry& entry : entries) {
    const bool tensor_record = entry.name.find("/constants/") != std::string::npos ||
                               entry.name.find("/data/") != std::string::npos;
    if (tensor_record && entry.name.find(".pkl") == std::string::npos) {
      record_sizes.insert(entry.size);
    }
  }

  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const std::string& name : methods) {
    for (const torch::jit::Node* node : module.get_method(name).graph()->nodes()) {
      if (node->kind() == c10::prim::Constant && node->output()->type()->cast<c10::TensorType>()) {
        const auto value = torch::jit::toIValue(node->output());
        if (value && value->isTensor()) {
          tensors.emplace_back("a constant of method '" + name + "'", value->toTensor());
        }
      }
    }
  }
  for (const auto& parameter : module.named_attributes(/*recurse=*/true)) {
    if (parameter.value.isTensor()) {
      tensors.emplace_back("attribute '" + parameter.name + "'", parameter.value.toTensor());
    }
  }

  std::set<const void*> seen;
  for (const auto& [where, tensor] : tensors) {
    if (!tensor.defined() || !tensor.has_storage() || tensor.is_mkldnn()) {
      continue;
    }
    const uint64_t storage_bytes = tensor.storage().nbytes();
    if (seen.insert(tensor.storage().unsafeGetStorageImpl()).second && storage_bytes > 0) {
      const auto match = record_sizes.find(storage_bytes);
      if (match == record_sizes.end()) {
        throw Error(ErrorCode::kInvalidModel,
                    fmt::format("{}: {} (shape {}) has a {}-byte storage but no tensor record of that size; a weight "
                                "record is damaged or cut short, re-export the model",
                                source, where, tensor.sizes(), storage_bytes));
      }
      record_sizes.erase(match);
    }

    int64_t last = tensor.storage_offset();
    bool inside = last >= 0;
    for (int64_t d = 0; d < tensor.dim() && inside; ++d) {
      inside = tensor.stride(d) >= 0;
      last += tensor.size(d) > 0 ? (tensor.size(d) - 1) * tensor.stride(d) : 0;
    }
    const uint64_t needed = static_cast<uint64_t>(last + 1) * tensor.element_size();
    if (!inside || (tensor.numel() > 0 && needed > storage_bytes)) {
      throw Error(ErrorCode::kInvalidModel,
                  fmt::format("{}: {} (shape {}, strides {}, offset {}) reaches past its {}-byte storage; the "
                              "archive is damaged, re-export it",
                              source, where, tensor.sizes(), tensor.strides(), tensor.storage_offset(),
                              storage_bytes));
    }
  }
}

void check_schema(const torch::jit::Method& method, const std::string& source, const std::string& role,
                  const c10::TypePtr& argument_type) {
  static const c10::TypePtr kFeatureDict = c10::DictType::create(c10::StringType::get(), c10::TensorType::get());
  const c10::FunctionSchema& schema = method.function().getSchema();
  const auto& arguments = schema.arguments();
  const bool arguments_match = arguments.size() == 2 && *arguments[1].type() == *argument_type;
  const bool returns_match = schema.returns().size() == 1 && *schema.returns()[0].type() == *kFeatureDict;
  if (!arguments_match || !returns_match) {
    throw Error(ErrorCode::kInvalidModel,
                fmt::format("{}: {} method has the signature {}, expected {}(self, {}) -> Dict(str, Tensor)", source,
                            role, c10::toString(schema), method.name(), argument_type->str()));
  }
}

torch::jit::Method require_method(const torch::jit::Module& module, const std::string& name,
                                  const std::string& source, const std::string& role) {
  auto method = module.find_method(name);
  if (!method) {
    throw Error(ErrorCode::kInvalidModel,
                fmt::format("{}: {} method '{}' not found; the archive has: {}", source, role, name,
                            method_names(module)));
  }
  return *method;
}

void set_threads(const LoadOptions& options, ModelState& state) {
  if (options.intra_op_threads < 0) {
    return;
  }

  const int threads = options.intra_op_threads > 0 ? options.intra_op_threads
                                                   : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (at::get_num_threads() != threads) {
    at::set_num_threads(threads);
    state.log(LogLevel::kInfo, fmt::format("LibTorch intra-op threads set to {}", threads));
  }
}

// Runs every head once without inference mode, so the features keep version counters, and
// rejects a head that writes into them or breaks its kind's output convention. A head that
// raises on the sample input only gets a warning: it may reject such an input on purpose.
std::vector<bool> verify_heads(const ModelState& state, const at::Tensor& sample) {
  c10::NoGradGuard no_grad;
  const Features features = run_backbone(state, sample);
  std::vector<bool> usable(state.heads.size(), true);

  for (std::size_t index = 0; index < state.heads.size(); ++index) {
    const TaskInfo& task = state.manifest.tasks[index];
    std::vector<int64_t> versions;
    std::vector<at::Tensor> copies;
    for (const auto& entry : features.entries()) {
      versions.push_back(entry.second._version());
      copies.push_back(entry.second.clone());
    }

    TensorMap outputs;
    try {
      outputs = run_head_unchecked(state, static_cast<int>(index), features);
    } catch (const Error& error) {
      usable[index] = false;
      state.log(LogLevel::kWarning, fmt::format("{}: head '{}' failed on the warm-up input and was not warmed up: {}",
                                                state.source, task.name, error.what()));
      continue;
    }

    for (std::size_t i = 0; i < features.entries().size(); ++i) {
      const auto& [name, tensor] = features.entries()[i];
      if (tensor._version() != versions[i] || !tensor.equal(copies[i])) {
        throw Error(ErrorCode::kInvalidModel,
                    fmt::format("{}: head '{}' (method {}) writes into its input feature '{}'; heads must leave the "
                                "backbone's features unchanged because they are shared; use out-of-place operations",
                                state.source, task.name, task.method, name));
      }
    }
    if (const auto violation = find_output_violation(task, outputs)) {
      throw Error(ErrorCode::kInvalidModel, fmt::format("{}: head '{}' ({}) breaks the {} output convention: {}",
                                                        state.source, task.name, task.method, to_string(task.kind),
                                                        *violation));
    }
  }
  return usable;
}

void warm_up(const ModelState& state, const at::Tensor& sample, int runs, const std::vector<bool>& usable) {
  c10::InferenceMode inference;
  for (int run = 0; run < runs; ++run) {
    const Features features = run_backbone(state, sample);
    for (std::size_t index = 0; index < state.heads.size(); ++index) {
      if (usable[index]) {
        run_head(state, static_cast<int>(index), features);
      }
    }
  }
}

std::shared_ptr<ModelState> finish_loading(torch::jit::Module module, const std::string& manifest_text,
                                           const std::vector<ArchiveEntry>& entries, const std::string& source,
                                           const LoadOptions& options, const c10::Device& device) {
  auto state = std::make_shared<ModelState>();
  state->source = source;
  state->device = device;
  state->log_sink = options.log_sink;

  if (manifest_text == kAbsent) {
    state->manifest = discover_manifest(module, source);
  } else {
    state->manifest = Manifest::parse(manifest_text, source);
  }
  for (const TaskInfo& task : state->manifest.tasks) {
    state->task_names.push_back(task.name);
  }
  if (!state->manifest.from_file) {
    state->log(LogLevel::kWarning,
               fmt::format("{}: archive has no {}; tasks discovered from head_* methods: {}; their kinds are unknown "
                           "and any input size is accepted",
                           source, kManifestFile, fmt::join(state->task_names, ", ")));
  }

  // Check the methods before any graph work, so a broken archive fails fast with a clear message.
  static const c10::TypePtr kFeatureDict = c10::DictType::create(c10::StringType::get(), c10::TensorType::get());
  const std::string& backbone_name = state->manifest.backbone_method;
  check_schema(require_method(module, backbone_name, source, "backbone"), source, "backbone",
               c10::TensorType::get());
  std::vector<std::string> methods = {backbone_name};
  for (const TaskInfo& task : state->manifest.tasks) {
    check_schema(require_method(module, task.method, source, fmt::format("head of task '{}':", task.name)), source,
                 fmt::format("head of task '{}':", task.name), kFeatureDict);
    methods.push_back(task.method);
  }
  if (module.find_method("forward")) {
    methods.push_back("forward");
  }

  call_torch(ErrorCode::kInvalidModel, fmt::format("{}: preparing the model failed", source), [&] {
    // Before freezing, the module's tensors are still the ones read from the records.
    check_weight_records(module, methods, entries, source);
    if (needs_freezing(module)) {
      module = freeze_keeping(module, methods);
    }
    // The cache shares features between models by this digest, so it is computed from the weights
    // themselves: a manifest's declared digest could be stale or copied from another model.
    state->backbone_digest = graph_constant_digest(*module.get_method(backbone_name).graph());
    if (state->manifest.backbone_digest.empty()) {
      state->manifest.backbone_digest = state->backbone_digest;
    }
    if (options.optimize) {
      optimize_methods(module, methods);
    }
  });

  state->module = module;
  state->backbone = std::make_unique<torch::jit::Method>(*module.find_method(backbone_name));
  for (const TaskInfo& task : state->manifest.tasks) {
    state->heads.push_back(*module.find_method(task.method));
  }
  if (auto forward = module.find_method("forward")) {
    state->forward = std::make_unique<torch::jit::Method>(*forward);
  }

  set_threads(options, *state);

  const at::Tensor sample = call_torch(
      ErrorCode::kInvalidModel,
      fmt::format("{}: the warm-up input of the manifest's size could not be made", source),
      [&] { return sample_input(state->manifest.input, device); });
  std::vector<bool> usable(state->heads.size(), true);
  if (options.verify_heads) {
    usable = verify_heads(*state, sample);
  }
  if (options.warmup_runs > 0) {
    warm_up(*state, sample, options.warmup_runs, usable);
  }
  return state;
}

}  // namespace

std::shared_ptr<ModelState> load_from_file(const std::string& path, const LoadOptions& options) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    throw Error(ErrorCode::kNotFound, fmt::format("model file '{}' not found", path));
  }
  if (!std::filesystem::is_regular_file(path, error)) {
    throw Error(ErrorCode::kInvalidModel, fmt::format("model path '{}' is not a regular file", path));
  }

  std::ifstream file(path, std::ios::binary);
  std::vector<unsigned char> bytes;
  try {
    bytes.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  } catch (const std::bad_alloc&) {
    throw Error(ErrorCode::kIo, fmt::format("model file '{}' ({} bytes) does not fit in memory", path,
                                            std::filesystem::file_size(path, error)));
  }
  if (file.bad()) {
    throw Error(ErrorCode::kIo, fmt::format("model file '{}' could not be read", path));
  }
  if (bytes.empty()) {
    throw Error(ErrorCode::kInvalidModel, fmt::format("model file '{}' is empty, expected a TorchScript archive", path));
  }
  return load_from_memory(bytes.data(), bytes.size(), path, options);
}

std::shared_ptr<ModelState> load_from_memory(const unsigned char* data, std::size_t size, const std::string& source,
                                             const LoadOptions& options) {
  const c10::Device device = parse_device(options.device);
  if (options.intra_op_threads > kMaxThreads) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("LoadOptions.intra_op_threads is {}, more than the {} mtl accepts; use at most the "
                            "machine's cores ({})",
                            options.intra_op_threads, kMaxThreads, std::thread::hardware_concurrency()));
  }
  const std::vector<ArchiveEntry> entries = verify_archive(data, size, source);

  // NOTE: the CRC and weight-record checks catch damaged archives, not crafted ones: a pickle
  // written to attack LibTorch 1.13's unpickler can still crash the process inside
  // torch::jit::load. Archives are code; load only archives from a trusted source.
  torch::jit::ExtraFilesMap extra_files = {{kManifestFile, kAbsent}};
  torch::jit::Module module = call_torch(
      ErrorCode::kInvalidModel,
      fmt::format("model '{}' is not a readable TorchScript archive; re-export it with torch.jit.save", source), [&] {
        // The adapter reads the caller's bytes in place; LibTorch copies what it keeps.
        auto reader = std::make_shared<caffe2::serialize::MemoryReadAdapter>(data, static_cast<off_t>(size));
        return torch::jit::load(reader, device, extra_files);
      });
  return finish_loading(std::move(module), extra_files[kManifestFile], entries, source, options, device);
}

}  // namespace mtl::detail

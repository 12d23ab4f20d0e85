// Inference optimization of every method of a frozen TorchScript module.
#pragma once

#include <torch/csrc/jit/api/module.h>

#include <string>
#include <vector>

namespace mtl::detail {

/// Returns true if the module still has the `training` attribute, that is, it was saved unfrozen.
bool needs_freezing(const torch::jit::Module& module);

/// Freezes an unfrozen module in eval mode, keeping every method in `methods`, and folds batch
/// norm into convolutions as torch.jit.freeze does.
torch::jit::Module freeze_keeping(const torch::jit::Module& module, const std::vector<std::string>& methods);

/// Applies the frozen-graph passes of torch.jit.optimize_for_inference to each method's graph.
///
/// LibTorch 1.13's C++ torch::jit::optimize_for_inference freezes with no preserved methods, which
/// drops every method but `forward`, and torch::jit::freeze optimizes only `forward`'s graph. This
/// runs the same passes (OptimizeFrozenGraph, FuseFrozenConvAddRelu, ConvertFrozenOpsToMKLDNN,
/// FrozenLinearTranspose) on every listed method instead.
void optimize_methods(torch::jit::Module& module, const std::vector<std::string>& methods);

/// Lists a graph's nodes, one per line as "outputs = kind(inputs)", nested blocks indented.
/// Constant values are left out: LibTorch's own printer fails on oneDNN tensor constants.
std::string describe_graph(const torch::jit::Graph& graph);

}  // namespace mtl::detail

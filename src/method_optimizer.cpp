#include "method_optimizer.h"

#include <torch/csrc/jit/passes/freeze_module.h>
#include <torch/csrc/jit/passes/frozen_conv_add_relu_fusion.h>
#include <torch/csrc/jit/passes/frozen_graph_optimizations.h>
#include <torch/csrc/jit/passes/frozen_linear_transpose.h>
#include <torch/csrc/jit/passes/frozen_ops_to_mkldnn.h>

namespace mtl::detail {

bool needs_freezing(const torch::jit::Module& module) { return module.hasattr("training"); }

torch::jit::Module freeze_keeping(const torch::jit::Module& module, const std::vector<std::string>& methods) {
  torch::jit::Module evaluating = module.clone();
  evaluating.eval();
  return torch::jit::freeze_module(evaluating, methods);
}

void optimize_methods(torch::jit::Module& module, const std::vector<std::string>& methods) {
  for (const std::string& name : methods) {
    std::shared_ptr<torch::jit::Graph> graph = module.get_method(name).graph();
    torch::jit::OptimizeFrozenGraph(graph, /*optimize_numerics=*/true);
    torch::jit::FuseFrozenConvAddRelu(graph);
    torch::jit::ConvertFrozenOpsToMKLDNN(graph);
    torch::jit::FrozenLinearTranspose(graph);
  }
}

}  // namespace mtl::detail

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
  torch::jit::Module frozen = torch::jit::freeze_module(evaluating, methods);
  // torch.jit.freeze folds batch norm into convolutions in every preserved method; do the same, so
  // the model runs folded even when LoadOptions::optimize is off.
  for (const std::string& name : methods) {
    std::shared_ptr<torch::jit::Graph> graph = frozen.get_method(name).graph();
    torch::jit::OptimizeFrozenGraph(graph, /*optimize_numerics=*/true);
  }
  return frozen;
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

namespace {

std::string value_list(c10::ArrayRef<const torch::jit::Value*> values) {
  std::string text;
  for (const torch::jit::Value* value : values) {
    text += (text.empty() ? "%" : ", %") + value->debugName();
  }
  return text;
}

void describe_block(const torch::jit::Block& block, int depth, std::string& text) {
  const std::string indent(2 * depth, ' ');
  for (const torch::jit::Node* node : block.nodes()) {
    const std::string outputs = value_list(node->outputs());
    text += indent + (outputs.empty() ? "" : outputs + " = ") + node->kind().toQualString() + "(" +
            value_list(node->inputs()) + ")\n";
    for (const torch::jit::Block* nested : node->blocks()) {
      describe_block(*nested, depth + 1, text);
    }
  }
  text += indent + "return (" + value_list(block.outputs()) + ")\n";
}

}  // namespace

std::string describe_graph(const torch::jit::Graph& graph) {
  std::string text = "graph(" + value_list(graph.inputs()) + "):\n";
  describe_block(*graph.block(), 1, text);
  return text;
}

}  // namespace mtl::detail

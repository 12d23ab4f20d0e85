// LoadOptions: how MultiTaskModel::load prepares a model.
//
// Thread safety: a plain value.
#pragma once

#include <string>

#include "mtl/log.h"

namespace mtl {

struct LoadOptions {
  /// Device to load the weights on and run the model on, in LibTorch's spelling ("cpu", "cuda:0").
  /// Default: "cpu".
  std::string device = "cpu";

  /// LibTorch's intra-op thread count, a process-wide setting. 0 uses the machine's hardware
  /// threads; a negative value leaves the current setting alone (for hosts that manage it).
  /// Default: 0.
  int intra_op_threads = 0;

  /// Runs of the backbone and of every head on a zero input at load, so that TorchScript's
  /// profiling executor has compiled its optimized graphs before the first real request.
  /// Default: 3.
  int warmup_runs = 3;

  /// Applies the frozen-graph inference passes (batch-norm folding, conv-add-relu fusion, oneDNN
  /// layout conversion, linear pre-transposition) to every method. Default: true.
  bool optimize = true;

  /// Runs every head once at load under version tracking and rejects the model if a head writes
  /// into its input features. Default: true.
  bool verify_heads = true;

  /// Receives warnings and information; empty means silent. Default: empty.
  LogSink log_sink;
};

}  // namespace mtl

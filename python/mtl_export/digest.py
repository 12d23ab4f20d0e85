"""Backbone digests: equal digests mean identical backbone weights."""

import hashlib

import torch


def _update(hasher, name: str, tensor: torch.Tensor) -> None:
    tensor = tensor.detach().contiguous().cpu()
    hasher.update(name.encode())
    hasher.update(str(tensor.dtype).encode())
    hasher.update(repr(tuple(tensor.shape)).encode())
    hasher.update(tensor.numpy().tobytes() if tensor.dtype != torch.bfloat16 else tensor.view(torch.int16).numpy().tobytes())


def state_digest(module: torch.nn.Module) -> str:
    """Return "sha256:<hex>" over the module's parameters and buffers, sorted by name."""
    hasher = hashlib.sha256()
    for name, tensor in sorted(module.state_dict().items()):
        _update(hasher, name, tensor)
    return "sha256:" + hasher.hexdigest()


def graph_constant_digest(method) -> str:
    """Return "sha256:<hex>" over the tensor constants of a frozen method's graph, in graph order.

    Used when the caller names no backbone submodule: after freezing, the weights a method uses are
    exactly its tensor constants.
    """
    hasher = hashlib.sha256()
    index = 0
    for node in method.graph.nodes():
        if node.kind() != "prim::Constant" or node.output().type().kind() != "TensorType":
            continue
        _update(hasher, str(index), node.t("value"))
        index += 1
    return "sha256:" + hasher.hexdigest()

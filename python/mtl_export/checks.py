"""Checks an exported model must pass: methods present, heads pure, outputs of the declared kind."""

from typing import Callable, Dict, List

import torch

from .spec import ExportError, TaskSpec

Features = Dict[str, torch.Tensor]
Outputs = Dict[str, torch.Tensor]

# Keys each kind must return, with the expected rank and dtype class of each.
_REQUIRED_OUTPUTS = {
    "detection": {"boxes": (2, "float"), "scores": (1, "float"), "labels": (1, "int")},
    "segmentation": {"logits": (3, "float")},
    "classification": {"logits": (1, "float")},
    "multilabel": {"logits": (1, "float")},
    "depth": {"depth": (2, "float")},
    "custom": {},
}


def require_methods(module, backbone_method: str, tasks: List[TaskSpec]) -> None:
    """Raise ExportError unless the module has the backbone method and every head method."""
    for method in [backbone_method] + [task.method_name for task in tasks]:
        if not callable(getattr(module, method, None)):
            raise ExportError(
                f"module {type(module).__name__} has no method {method!r}; "
                "define it and mark it @torch.jit.export")


def _as_dict(value, where: str) -> Dict[str, torch.Tensor]:
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in value.items()):
        raise ExportError(f"{where} returned {type(value).__name__}, expected Dict[str, Tensor]")
    return value


def check_output_kind(task: TaskSpec, outputs: Outputs) -> None:
    """Raise ExportError if a head's outputs break its kind's convention (docs/model-format.md)."""
    where = f"task {task.name!r} ({task.kind})"
    for key, (rank, dtype_class) in _REQUIRED_OUTPUTS[task.kind].items():
        if key not in outputs:
            raise ExportError(f"{where}: output {key!r} is missing; the head returned keys {sorted(outputs)}")
        tensor = outputs[key]
        if tensor.dim() != rank:
            raise ExportError(f"{where}: output {key!r} has shape {list(tensor.shape)}, expected rank {rank}")
        is_float = tensor.is_floating_point()
        if (dtype_class == "float") != is_float:
            raise ExportError(f"{where}: output {key!r} has dtype {tensor.dtype}, expected a {dtype_class} dtype")
    if task.kind == "detection":
        count = outputs["boxes"].shape[0]
        if outputs["boxes"].shape[1] != 4:
            raise ExportError(f"{where}: boxes have shape {list(outputs['boxes'].shape)}, expected [N, 4]")
        if outputs["scores"].shape[0] != count or outputs["labels"].shape[0] != count:
            raise ExportError(
                f"{where}: boxes, scores and labels disagree on N: {count}, "
                f"{outputs['scores'].shape[0]}, {outputs['labels'].shape[0]}")
    if task.labels and task.kind in ("segmentation", "classification", "multilabel"):
        channels = outputs["logits"].shape[0]
        if channels != len(task.labels):
            raise ExportError(
                f"{where}: logits have {channels} classes, but the task declares {len(task.labels)} labels")
    if task.labels and task.kind == "detection" and outputs["labels"].numel() > 0:
        top = int(outputs["labels"].max())
        if top >= len(task.labels) or int(outputs["labels"].min()) < 0:
            raise ExportError(f"{where}: label index {top} is outside the {len(task.labels)} declared labels")


def run_head_checked(head: Callable, features: Features, task: TaskSpec, where: str) -> Outputs:
    """Run one head and raise ExportError if it writes into its input features."""
    before = {key: tensor.clone() for key, tensor in features.items()}
    versions = {key: tensor._version for key, tensor in features.items()}
    outputs = _as_dict(head(features), f"{where} {task.method_name}")
    for key, tensor in features.items():
        if tensor._version != versions[key] or not torch.equal(tensor, before[key]):
            raise ExportError(
                f"{where} {task.method_name} modified its input feature {key!r}; heads must not write "
                "into the backbone's features (use out-of-place ops, e.g. x = x + 1, not x += 1)")
    return outputs


def compare_outputs(expected: Outputs, actual: Outputs, where: str, rtol: float, atol: float) -> None:
    """Raise ExportError unless both dictionaries hold the same keys and close tensors."""
    if sorted(expected) != sorted(actual):
        raise ExportError(f"{where}: output keys {sorted(actual)} differ from the eager keys {sorted(expected)}")
    for key, tensor in expected.items():
        other = actual[key]
        if tensor.shape != other.shape or tensor.dtype != other.dtype:
            raise ExportError(
                f"{where}: output {key!r} is {other.dtype} {list(other.shape)}, "
                f"eager gave {tensor.dtype} {list(tensor.shape)}")
        if tensor.is_floating_point():
            if not torch.allclose(tensor, other, rtol=rtol, atol=atol, equal_nan=True):
                worst = (tensor - other).abs().max().item()
                raise ExportError(f"{where}: output {key!r} differs from eager by up to {worst:.3g}")
        elif not torch.equal(tensor, other):
            raise ExportError(f"{where}: output {key!r} differs from eager")

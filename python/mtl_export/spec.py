"""Descriptions of a model's input and tasks, as written to the archive's manifest."""

import math
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

FORMAT_NAME = "mtl-multitask"
FORMAT_VERSION = 1
MANIFEST_PATH = "mtl/manifest.json"

KINDS = ("detection", "segmentation", "classification", "multilabel", "depth", "custom")
COLOR_ORDERS = ("rgb", "bgr")
RESIZE_MODES = ("stretch", "letterbox")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ExportError(ValueError):
    """An invalid module, spec or output found while exporting. The message names what to change."""


@dataclass
class InputSpec:
    """The image tensor a model expects: `[1, channels, height, width]` float32, normalized."""

    channels: int
    height: int
    width: int
    mean: Sequence[float]
    std: Sequence[float]
    color_order: str = "rgb"
    resize: str = "stretch"
    dynamic_size: bool = False
    dtype: str = "float32"

    def validate(self) -> None:
        if self.channels <= 0 or self.height <= 0 or self.width <= 0:
            raise ExportError(
                f"input size {self.channels}x{self.height}x{self.width} is invalid: "
                "channels, height and width must be positive")
        for label, values in (("mean", self.mean), ("std", self.std)):
            if len(values) != self.channels:
                raise ExportError(
                    f"input {label} has {len(values)} values, expected one per channel "
                    f"({self.channels})")
            if not all(math.isfinite(v) for v in values):
                raise ExportError(f"input {label} {list(values)} contains a NaN or infinity")
        if any(v <= 0 for v in self.std):
            raise ExportError(f"input std {list(self.std)} must be positive in every channel")
        if self.color_order not in COLOR_ORDERS:
            raise ExportError(f"input color_order {self.color_order!r} is invalid, expected one of {COLOR_ORDERS}")
        if self.resize not in RESIZE_MODES:
            raise ExportError(f"input resize {self.resize!r} is invalid, expected one of {RESIZE_MODES}")
        if self.dtype != "float32":
            raise ExportError(f"input dtype {self.dtype!r} is not supported, expected 'float32'")

    def to_json(self) -> Dict:
        return {
            "channels": self.channels,
            "height": self.height,
            "width": self.width,
            "dynamic_size": self.dynamic_size,
            "dtype": self.dtype,
            "color_order": self.color_order,
            "resize": self.resize,
            "mean": [float(v) for v in self.mean],
            "std": [float(v) for v in self.std],
        }


@dataclass
class TaskSpec:
    """One task: its head method, the kind of output it produces and how the gate judges it."""

    name: str
    kind: str
    labels: List[str] = field(default_factory=list)
    metric: str = ""
    max_regression: Dict[str, float] = field(default_factory=lambda: {"absolute": 0.0})
    critical: bool = False
    method: Optional[str] = None

    @property
    def method_name(self) -> str:
        return self.method or f"head_{self.name}"

    def validate(self) -> None:
        if not _IDENTIFIER.match(self.name):
            raise ExportError(f"task name {self.name!r} is invalid: use letters, digits and underscores")
        if not _IDENTIFIER.match(self.method_name):
            raise ExportError(f"task {self.name!r}: method name {self.method_name!r} is not an identifier")
        if self.kind not in KINDS:
            raise ExportError(f"task {self.name!r}: kind {self.kind!r} is invalid, expected one of {KINDS}")
        if len(self.max_regression) != 1 or next(iter(self.max_regression)) not in ("absolute", "relative"):
            raise ExportError(
                f"task {self.name!r}: max_regression {self.max_regression!r} must be "
                "{'absolute': d} or {'relative': r}")
        allowance = next(iter(self.max_regression.values()))
        if not math.isfinite(allowance) or allowance < 0:
            raise ExportError(f"task {self.name!r}: max_regression {allowance} must be finite and >= 0")
        if len(set(self.labels)) != len(self.labels):
            raise ExportError(f"task {self.name!r}: labels {self.labels} contain a duplicate")

    def to_json(self) -> Dict:
        return {
            "name": self.name,
            "method": self.method_name,
            "kind": self.kind,
            "labels": list(self.labels),
            "metric": self.metric,
            "max_regression": {k: float(v) for k, v in self.max_regression.items()},
            "critical": bool(self.critical),
        }


def build_manifest(name: str, version: str, description: str, input_spec: InputSpec,
                   tasks: Sequence[TaskSpec], backbone_method: str, digest: str) -> Dict:
    """Assemble the manifest dictionary in the layout of docs/model-format.md."""
    return {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "model": {"name": name, "version": version, "description": description},
        "input": input_spec.to_json(),
        "backbone": {"method": backbone_method, "digest": digest},
        "tasks": [task.to_json() for task in tasks],
    }

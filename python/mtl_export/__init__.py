"""Export PyTorch multi-task models as mtl archives (see docs/model-format.md)."""

from .digest import graph_constant_digest, state_digest
from .export import ExportReport, export_model, save_archive
from .spec import FORMAT_VERSION, KINDS, MANIFEST_PATH, ExportError, InputSpec, TaskSpec, build_manifest

__all__ = [
    "ExportError", "ExportReport", "FORMAT_VERSION", "InputSpec", "KINDS", "MANIFEST_PATH", "TaskSpec",
    "build_manifest", "export_model", "graph_constant_digest", "save_archive", "state_digest",
]

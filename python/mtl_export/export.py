"""export_model: script, freeze, check and save a multi-task model as an mtl archive."""

import json
import os
import tempfile
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

import torch

from .checks import _as_dict, check_output_kind, compare_outputs, require_methods, run_head_checked
from .digest import graph_constant_digest, state_digest
from .spec import MANIFEST_PATH, ExportError, InputSpec, TaskSpec, build_manifest

# Freezing folds batch norm into convolutions, which changes float32 results by rounding only.
_FROZEN_RTOL = 1e-3
_FROZEN_ATOL = 1e-4


@dataclass
class ExportReport:
    """The archive export_model wrote, its methods, manifest and checked outputs."""

    path: str
    methods: List[str]
    manifest: Optional[Dict]
    size_bytes: int
    outputs: Dict[str, Dict[str, torch.Tensor]] = field(default_factory=dict)


def _freeze(scripted, methods: Sequence[str]):
    # preserved_attrs keeps every head method; without it freezing keeps only forward.
    return torch.jit.freeze(scripted.eval(), preserved_attrs=list(methods))


def save_archive(frozen, path: str, manifest_text: Optional[str]) -> None:
    """Write a frozen module with an optional manifest; no checks. Used for test fixtures too."""
    extra_files = {} if manifest_text is None else {MANIFEST_PATH: manifest_text}
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    # Write into a temporary folder under the final file name (TorchScript names the archive's
    # top folder after it), then move: a failed export never leaves a truncated archive behind.
    staging = tempfile.mkdtemp(dir=directory, prefix=".mtl-export-")
    staged = os.path.join(staging, os.path.basename(path))
    try:
        torch.jit.save(frozen, staged, _extra_files=extra_files)
        os.replace(staged, path)
    finally:
        if os.path.exists(staged):
            os.unlink(staged)
        os.rmdir(staging)


def export_model(module: torch.nn.Module, path: str, *, name: str, version: str,
                 input_spec: InputSpec, tasks: Sequence[TaskSpec], description: str = "",
                 backbone_method: str = "backbone", backbone_attr: Optional[str] = None,
                 example_input: Optional[torch.Tensor] = None,
                 write_manifest: bool = True) -> ExportReport:
    """Export `module` to `path` as an mtl archive and return what was written.

    The module needs `backbone_method(x) -> Dict[str, Tensor]` and, per task,
    `head_<task>(features) -> Dict[str, Tensor]`, all marked @torch.jit.export. `forward`, if the
    module has one, is kept too. `backbone_attr` names the submodule whose parameters make the
    backbone digest; without it the digest covers the frozen backbone's weights.

    Raises ExportError if a method is missing, a head modifies its input, an output breaks its
    kind's convention, or the scripted or frozen model disagrees with the eager one.
    """
    input_spec.validate()
    tasks = list(tasks)
    for task in tasks:
        task.validate()
    names = [task.name for task in tasks]
    if len(set(names)) != len(names):
        raise ExportError(f"task names {names} contain a duplicate")
    if not tasks:
        raise ExportError("no tasks given; a model needs at least one head")
    require_methods(module, backbone_method, tasks)

    module = module.eval()
    if example_input is None:
        generator = torch.Generator().manual_seed(0)
        example_input = torch.rand(1, input_spec.channels, input_spec.height, input_spec.width, generator=generator)
    expected_shape = [1, input_spec.channels, input_spec.height, input_spec.width]
    if not input_spec.dynamic_size and list(example_input.shape) != expected_shape:
        raise ExportError(f"example_input has shape {list(example_input.shape)}, expected {expected_shape}")

    with torch.no_grad():
        eager = _run_all(module, example_input, backbone_method, tasks, "eager")
        for task in tasks:
            check_output_kind(task, eager[task.name])

        scripted = torch.jit.script(module)
        scripted_outputs = _run_all(scripted, example_input, backbone_method, tasks, "scripted")
        for task in tasks:
            compare_outputs(eager[task.name], scripted_outputs[task.name], f"scripted task {task.name!r}", 1e-5, 1e-6)

        methods = [backbone_method] + [task.method_name for task in tasks]
        frozen = _freeze(scripted, methods)
        frozen_outputs = _run_all(frozen, example_input, backbone_method, tasks, "frozen")
        for task in tasks:
            compare_outputs(eager[task.name], frozen_outputs[task.name], f"frozen task {task.name!r}",
                            _FROZEN_RTOL, _FROZEN_ATOL)
        _check_forward(frozen, example_input, tasks, frozen_outputs)

    if backbone_attr is not None:
        digest = state_digest(getattr(module, backbone_attr))
    else:
        digest = graph_constant_digest(getattr(frozen, backbone_method))

    manifest = build_manifest(name, version, description, input_spec, tasks, backbone_method, digest)
    manifest_text = json.dumps(manifest, indent=2) if write_manifest else None
    save_archive(frozen, path, manifest_text)

    # The saved archive must load and reproduce the frozen outputs exactly.
    with torch.no_grad():
        reloaded = torch.jit.load(path)
        reloaded_outputs = _run_all(reloaded, example_input, backbone_method, tasks, "reloaded")
        for task in tasks:
            compare_outputs(frozen_outputs[task.name], reloaded_outputs[task.name], f"reloaded task {task.name!r}", 0, 0)

    return ExportReport(path=path, methods=list(reloaded._c._method_names()),
                        manifest=manifest if write_manifest else None,
                        size_bytes=os.path.getsize(path), outputs=reloaded_outputs)


def _run_all(model, x: torch.Tensor, backbone_method: str, tasks: List[TaskSpec], where: str):
    features = _as_dict(getattr(model, backbone_method)(x), f"{where} {backbone_method}")
    return {task.name: run_head_checked(getattr(model, task.method_name), features, task, where) for task in tasks}


def _check_forward(frozen, x: torch.Tensor, tasks: List[TaskSpec], head_outputs) -> None:
    if not frozen._c._has_method("forward"):
        return
    try:
        result = frozen(x)
    except Exception as error:  # forward is optional; a broken one must still not be shipped silently
        raise ExportError(f"forward failed on the example input: {error}") from error
    if not isinstance(result, dict):
        return  # a forward with another contract is kept for tools that expect it, but not compared
    for task in tasks:
        if task.name in result:
            compare_outputs(head_outputs[task.name], _as_dict(result[task.name], "forward"),
                            f"forward task {task.name!r}", 1e-5, 1e-6)

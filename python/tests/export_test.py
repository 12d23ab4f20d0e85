"""Checks of the exporter: good models export, broken ones raise ExportError with a clear message."""

import json
import os
import sys
import tempfile
import unittest
import zipfile
from typing import Dict

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))

from mtl_export import ExportError, InputSpec, TaskSpec, export_model  # noqa: E402

Features = Dict[str, torch.Tensor]
SPEC = InputSpec(channels=3, height=16, width=16, mean=[0.5] * 3, std=[0.25] * 3)


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU())
        self.classifier = nn.Linear(4, 2)

    @torch.jit.export
    def backbone(self, x: torch.Tensor) -> Features:
        return {"c": self.encoder(x)}

    @torch.jit.export
    def head_cls(self, features: Features) -> Features:
        return {"logits": self.classifier(features["c"].mean(dim=[2, 3]))[0]}

    def forward(self, x: torch.Tensor) -> Dict[str, Features]:
        return {"cls": self.head_cls(self.backbone(x))}


class Mutating(Model):
    @torch.jit.export
    def head_cls(self, features: Features) -> Features:
        c = features["c"]
        c.add_(1.0)
        return {"logits": self.classifier(c.mean(dim=[2, 3]))[0]}


class WrongKind(Model):
    @torch.jit.export
    def head_cls(self, features: Features) -> Features:
        return {"scores": features["c"].mean(dim=[2, 3])[0]}


class ExportTest(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)
        self.folder = tempfile.mkdtemp()
        self.path = os.path.join(self.folder, "model.pt")

    def export(self, module, tasks=None, **kwargs):
        tasks = tasks or [TaskSpec("cls", "classification", ["a", "b"], "accuracy")]
        return export_model(module.eval(), self.path, name="m", version="1.0.0", input_spec=SPEC, tasks=tasks, **kwargs)

    def test_export_writes_manifest_and_methods(self):
        report = self.export(Model(), backbone_attr="encoder")
        self.assertIn("backbone", report.methods)
        self.assertIn("head_cls", report.methods)
        self.assertIn("forward", report.methods)
        with zipfile.ZipFile(self.path) as archive:
            name = next(n for n in archive.namelist() if n.endswith("extra/mtl/manifest.json"))
            manifest = json.loads(archive.read(name))
        self.assertEqual(manifest["format_version"], 1)
        self.assertEqual(manifest["tasks"][0]["method"], "head_cls")
        self.assertTrue(manifest["backbone"]["digest"].startswith("sha256:"))

    def test_digest_depends_only_on_backbone(self):
        model = Model()
        first = self.export(model, backbone_attr="encoder").manifest["backbone"]["digest"]
        with torch.no_grad():
            model.classifier.weight.mul_(2.0)
        second = self.export(model, backbone_attr="encoder").manifest["backbone"]["digest"]
        with torch.no_grad():
            model.encoder[0].weight.mul_(2.0)
        third = self.export(model, backbone_attr="encoder").manifest["backbone"]["digest"]
        self.assertEqual(first, second)
        self.assertNotEqual(first, third)

    def test_mutating_head_is_rejected(self):
        with self.assertRaisesRegex(ExportError, "modified its input feature 'c'"):
            self.export(Mutating())
        self.assertFalse(os.path.exists(self.path))

    def test_output_kind_is_checked(self):
        with self.assertRaisesRegex(ExportError, "output 'logits' is missing"):
            self.export(WrongKind())

    def test_label_count_is_checked(self):
        with self.assertRaisesRegex(ExportError, "2 classes, but the task declares 3 labels"):
            self.export(Model(), tasks=[TaskSpec("cls", "classification", ["a", "b", "c"])])

    def test_missing_method_is_rejected(self):
        with self.assertRaisesRegex(ExportError, "no method 'head_seg'"):
            self.export(Model(), tasks=[TaskSpec("seg", "segmentation")])

    def test_invalid_specs_are_rejected(self):
        with self.assertRaisesRegex(ExportError, "kind 'hologram'"):
            self.export(Model(), tasks=[TaskSpec("cls", "hologram")])
        with self.assertRaisesRegex(ExportError, "one per channel"):
            export_model(Model(), self.path, name="m", version="1",
                         input_spec=InputSpec(3, 16, 16, mean=[0.5], std=[1.0] * 3),
                         tasks=[TaskSpec("cls", "classification")])
        with self.assertRaisesRegex(ExportError, "duplicate"):
            self.export(Model(), tasks=[TaskSpec("cls", "classification"), TaskSpec("cls", "classification")])


if __name__ == "__main__":
    unittest.main()

"""Export the benchmark model: ResNet-18 + FPN with detection, segmentation, depth and
classification heads at 1x3x384x640, random weights from a fixed seed.

The architecture is torchvision's (no weights are downloaded). The model is generated on demand
for performance work and is not committed.

    /usr/bin/python3 bench/export_bench_model.py build/bench/resnet18_fpn.pt
"""

import argparse
import os
import sys
from collections import OrderedDict
from typing import Dict

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision.ops import FeaturePyramidNetwork

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))

from mtl_export import InputSpec, TaskSpec, export_model  # noqa: E402

Features = Dict[str, torch.Tensor]
HEIGHT, WIDTH = 384, 640
DETECTION_CLASSES = 80
SEGMENTATION_CLASSES = 21
IMAGE_CLASSES = 1000
FPN_CHANNELS = 128


class ResNetFpn(nn.Module):
    """ResNet-18 body with an FPN over C2..C5: features p2 (stride 4) to p5 (stride 32)."""

    def __init__(self):
        super().__init__()
        resnet = torchvision.models.resnet18(weights=None)
        self.stem = nn.Sequential(resnet.conv1, resnet.bn1, resnet.relu, resnet.maxpool)
        self.layer1, self.layer2, self.layer3, self.layer4 = resnet.layer1, resnet.layer2, resnet.layer3, resnet.layer4
        self.fpn = FeaturePyramidNetwork([64, 128, 256, 512], FPN_CHANNELS)

    def forward(self, x: torch.Tensor) -> Features:
        c2 = self.layer1(self.stem(x))
        c3 = self.layer2(c2)
        c4 = self.layer3(c3)
        c5 = self.layer4(c4)
        levels = OrderedDict([("p2", c2), ("p3", c3), ("p4", c4), ("p5", c5)])
        pyramid = self.fpn(levels)
        return {"p2": pyramid["p2"], "p3": pyramid["p3"], "p4": pyramid["p4"], "p5": pyramid["p5"], "c5": c5}


def conv_block(channels_in: int, channels_out: int) -> nn.Module:
    return nn.Sequential(nn.Conv2d(channels_in, channels_out, 3, padding=1), nn.BatchNorm2d(channels_out), nn.ReLU())


class BenchModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = ResNetFpn()
        self.det_tower = nn.Sequential(conv_block(FPN_CHANNELS, FPN_CHANNELS), conv_block(FPN_CHANNELS, FPN_CHANNELS))
        self.det_heat = nn.Conv2d(FPN_CHANNELS, DETECTION_CLASSES, 1)
        self.det_size = nn.Conv2d(FPN_CHANNELS, 2, 1)
        self.seg_tower = nn.Sequential(conv_block(FPN_CHANNELS, FPN_CHANNELS), conv_block(FPN_CHANNELS, 64))
        self.seg_logits = nn.Conv2d(64, SEGMENTATION_CLASSES, 1)
        self.depth_tower = conv_block(FPN_CHANNELS, 64)
        self.depth_out = nn.Conv2d(64, 1, 1)
        self.classifier = nn.Linear(512, IMAGE_CLASSES)

    @torch.jit.export
    def backbone(self, x: torch.Tensor) -> Features:
        return self.encoder(x)

    @torch.jit.export
    def head_det(self, features: Features) -> Features:
        tower = self.det_tower(features["p3"])
        heat = torch.sigmoid(self.det_heat(tower))
        peaks = F.max_pool2d(heat, 3, stride=1, padding=1)
        heat = torch.where(peaks == heat, heat, torch.zeros_like(heat))[0]
        size = F.relu(self.det_size(tower))[0] * 8.0
        classes, rows, cols = heat.shape
        scores, flat = heat.reshape(-1).topk(100)
        labels = torch.div(flat, rows * cols, rounding_mode="floor")
        cell = flat % (rows * cols)
        cy = torch.div(cell, cols, rounding_mode="floor").to(torch.float32) * 8.0 + 4.0
        cx = (cell % cols).to(torch.float32) * 8.0 + 4.0
        half_w = size[0].reshape(-1)[cell] / 2.0
        half_h = size[1].reshape(-1)[cell] / 2.0
        boxes = torch.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], dim=1)
        return {"boxes": boxes, "scores": scores, "labels": labels}

    @torch.jit.export
    def head_seg(self, features: Features) -> Features:
        logits = self.seg_logits(self.seg_tower(features["p2"]))
        logits = F.interpolate(logits, scale_factor=4.0, mode="bilinear", align_corners=False)
        return {"logits": logits[0]}

    @torch.jit.export
    def head_depth(self, features: Features) -> Features:
        depth = F.softplus(self.depth_out(self.depth_tower(features["p2"])))
        depth = F.interpolate(depth, scale_factor=4.0, mode="bilinear", align_corners=False)
        return {"depth": depth[0, 0]}

    @torch.jit.export
    def head_cls(self, features: Features) -> Features:
        pooled = features["c5"].mean(dim=[2, 3])
        return {"logits": self.classifier(pooled)[0]}

    def forward(self, x: torch.Tensor) -> Dict[str, Features]:
        features = self.backbone(x)
        return {
            "det": self.head_det(features),
            "seg": self.head_seg(features),
            "depth": self.head_depth(features),
            "cls": self.head_cls(features),
        }


def main():
    parser = argparse.ArgumentParser(description="Export the ResNet-18 + FPN benchmark model.")
    parser.add_argument("output", help="path of the .pt archive to write")
    parser.add_argument("--seed", type=int, default=2024, help="weight initialization seed (default: 2024)")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    model = BenchModel().eval()
    # Non-trivial batch-norm statistics, as a trained model has, so folding has work to do.
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.running_mean.uniform_(-0.1, 0.1)
                module.running_var.uniform_(0.5, 2.0)

    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    tasks = [
        TaskSpec("det", "detection", [f"class{i}" for i in range(DETECTION_CLASSES)], "map50", {"absolute": 0.01}),
        TaskSpec("seg", "segmentation", [f"class{i}" for i in range(SEGMENTATION_CLASSES)], "miou",
                 {"absolute": 0.01}, critical=True),
        TaskSpec("depth", "depth", [], "abs_rel", {"relative": 0.05}),
        TaskSpec("cls", "classification", [f"class{i}" for i in range(IMAGE_CLASSES)], "accuracy",
                 {"absolute": 0.01}),
    ]
    report = export_model(model, args.output, name="resnet18-fpn-bench", version="1.0.0",
                          description="ResNet-18 + FPN benchmark model with random weights",
                          input_spec=InputSpec(3, HEIGHT, WIDTH, mean, std), tasks=tasks,
                          backbone_attr="encoder", example_input=torch.rand(1, 3, HEIGHT, WIDTH))
    print(f"wrote {report.path} ({report.size_bytes / 1e6:.1f} MB), methods: {', '.join(report.methods)}")


if __name__ == "__main__":
    main()

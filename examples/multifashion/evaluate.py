#!/usr/bin/python3
"""Evaluate an mtl archive on an evaluation split on disk, the way `mtl eval` does in C++.

Images are read from their PNG files and preprocessed as the C++ side does. Each is decoded as RGB
uint8 and converted to float32. The script divides by 255, subtracts the manifest's mean, divides
by its std per channel and passes the result as NCHW [1, 3, H, W]. No resize happens, so the split's images must have the archive's
input size. Each task runs as `backbone` followed by that task's head method from the manifest.
"""

import argparse
import json
import os
import sys
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from metrics import (DetectionImage, SegmentationConfusion, argmax_labels,  # noqa: E402
                     detection_metrics, multilabel_metrics)

MANIFEST_PATH = "mtl/manifest.json"


@dataclass
class EvalImage:
    """One image of an evaluation split with its labels."""

    image_id: int
    file_name: str  # relative to the split folder
    segmentation_file: Optional[str]
    tags: List[int]  # category ids
    boxes: np.ndarray  # float64 [G, 4], x1, y1, x2, y2
    box_categories: np.ndarray  # int64 [G], category ids


class EvalSplit:
    """An evaluation split in the layout of docs/eval-format.md."""

    def __init__(self, root: str):
        self.root = root
        with open(os.path.join(root, "annotations.json"), encoding="utf-8") as stream:
            self.index = json.load(stream)
        self.categories = {c["id"]: c["name"] for c in self.index["categories"]}
        self.ignore_label = int(self.index.get("segmentation", {}).get("ignore_label", 255))
        boxes_by_image: Dict[int, List] = {}
        for annotation in self.index.get("annotations", []):
            boxes_by_image.setdefault(annotation["image_id"], []).append(annotation)
        self.images: List[EvalImage] = []
        for record in self.index["images"]:
            annotations = boxes_by_image.get(record["id"], [])
            boxes = np.array([[a["bbox"][0], a["bbox"][1], a["bbox"][0] + a["bbox"][2],
                               a["bbox"][1] + a["bbox"][3]] for a in annotations],
                             dtype=np.float64).reshape(-1, 4)
            categories = np.array([a["category_id"] for a in annotations], dtype=np.int64)
            self.images.append(EvalImage(record["id"], record["file_name"], record.get("segmentation_file"),
                                         list(record.get("tags", [])), boxes, categories))

    @property
    def info(self) -> Dict:
        return self.index.get("info", {})

    def path(self, relative: str) -> str:
        return os.path.join(self.root, relative)

    def category_to_label(self, labels: Sequence[str], reserve_background: bool = False) -> Dict[int, int]:
        """Map each category id to the index of its name in a task's labels.

        With reserve_background, label 0 is the background, and a category named like it is an error.
        """
        mapping = {}
        for category_id, name in self.categories.items():
            if name not in labels:
                raise ValueError(f"category {name!r} (id {category_id}) is not among the model's labels "
                                 f"{list(labels)}")
            mapping[category_id] = list(labels).index(name)
        if reserve_background and 0 in mapping.values():
            raise ValueError(f"category {labels[0]!r} maps to label 0, which a segmentation task "
                             "reserves for the background")
        return mapping


def load_archive(path: str):
    """Load an archive and return (module, manifest dictionary)."""
    extra_files = {MANIFEST_PATH: ""}
    module = torch.jit.load(path, map_location="cpu", _extra_files=extra_files)
    if not extra_files[MANIFEST_PATH]:
        raise ValueError(f"{path}: the archive has no {MANIFEST_PATH}")
    return module.eval(), json.loads(extra_files[MANIFEST_PATH])


def load_input(path: str, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    """Decode a PNG or JPEG as RGB and return the normalized float32 tensor [1, 3, H, W]."""
    with Image.open(path) as image:
        rgb = np.asarray(image.convert("RGB"), dtype=np.uint8)
    pixels = rgb.astype(np.float32) / np.float32(255.0)
    pixels = (pixels - np.asarray(mean, dtype=np.float32)) / np.asarray(std, dtype=np.float32)
    return torch.from_numpy(np.ascontiguousarray(pixels.transpose(2, 0, 1)))[None]


def read_label_map(path: str) -> np.ndarray:
    """Read an 8-bit single-channel label map PNG."""
    with Image.open(path) as decoded:
        if decoded.mode != "L":
            raise ValueError(f"{path}: label map has mode {decoded.mode}, expected 8-bit single channel (L)")
        return np.asarray(decoded)


def run_tasks(module, manifest: Dict, x: torch.Tensor) -> Dict[str, Dict[str, torch.Tensor]]:
    """Run the backbone once and every task's head on one input."""
    with torch.no_grad():
        features = getattr(module, manifest["backbone"]["method"])(x)
        return {task["name"]: getattr(module, task["method"])(features) for task in manifest["tasks"]}


def evaluate(module, manifest: Dict, split: EvalSplit) -> Dict[str, Dict[str, Optional[float]]]:
    """Run every task of the archive on every image of the split and return metrics per task."""
    input_spec = manifest["input"]
    tasks = manifest["tasks"]
    for image in split.images[:1]:
        with Image.open(split.path(image.file_name)) as decoded:
            size = decoded.size
        if size != (input_spec["width"], input_spec["height"]):
            raise ValueError(f"{image.file_name} is {size[0]}x{size[1]}, but the archive expects "
                             f"{input_spec['width']}x{input_spec['height']} and this script does not resize")

    detection_images: Dict[str, List[DetectionImage]] = {}
    confusions: Dict[str, SegmentationConfusion] = {}
    tag_logits: Dict[str, List[np.ndarray]] = {}
    mappings = {}
    for task in tasks:
        if task["kind"] == "segmentation":
            mappings[task["name"]] = split.category_to_label(task["labels"], reserve_background=True)
            confusions[task["name"]] = SegmentationConfusion(len(task["labels"]), split.ignore_label)
        elif task["kind"] == "detection":
            mappings[task["name"]] = split.category_to_label(task["labels"])
            detection_images[task["name"]] = []
        elif task["kind"] == "multilabel":
            mappings[task["name"]] = split.category_to_label(task["labels"])
            tag_logits[task["name"]] = []
        else:
            raise ValueError(f"task {task['name']!r} has kind {task['kind']!r}, which this script does not evaluate")

    for image in split.images:
        x = load_input(split.path(image.file_name), input_spec["mean"], input_spec["std"])
        outputs = run_tasks(module, manifest, x)
        for task in tasks:
            name, kind, output = task["name"], task["kind"], outputs[task["name"]]
            if kind == "detection":
                mapping = mappings[name]
                detection_images[name].append(DetectionImage(
                    image.boxes, np.array([mapping[c] for c in image.box_categories], dtype=np.int64),
                    output["boxes"].numpy(), output["scores"].numpy(), output["labels"].numpy()))
            elif kind == "segmentation":
                target = read_label_map(split.path(image.segmentation_file))
                lookup = np.full(256, -1, dtype=np.int64)
                lookup[0] = 0
                lookup[split.ignore_label] = split.ignore_label
                for category_id, channel in mappings[name].items():
                    lookup[category_id] = channel
                mapped = lookup[target]
                if (mapped < 0).any():
                    raise ValueError(f"{image.segmentation_file} contains a value that is not a category id")
                confusions[name].update(argmax_labels(output["logits"].numpy()), mapped)
            else:
                tag_logits[name].append(output["logits"].numpy())

    results: Dict[str, Dict[str, Optional[float]]] = {}
    for task in tasks:
        name, labels = task["name"], task["labels"]
        if task["kind"] == "detection":
            results[name] = detection_metrics(detection_images[name], labels)
        elif task["kind"] == "segmentation":
            results[name] = confusions[name].metrics(labels)
        else:
            targets = np.zeros((len(split.images), len(labels)), dtype=bool)
            for row, image in enumerate(split.images):
                for category_id in image.tags:
                    targets[row, mappings[name][category_id]] = True
            results[name] = multilabel_metrics(np.stack(tag_logits[name]), targets, labels)
    return results


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description="Evaluate an mtl archive on an evaluation split and "
                                                 "print the metrics of every task as JSON.")
    parser.add_argument("--model", required=True, help="path of the .pt archive")
    parser.add_argument("--data", required=True, help="split folder that contains annotations.json")
    parser.add_argument("--threads", type=int, default=2, help="intra-op threads of torch (default: 2)")
    arguments = parser.parse_args(argv)
    torch.set_num_threads(arguments.threads)
    module, manifest = load_archive(arguments.model)
    results = evaluate(module, manifest, EvalSplit(arguments.data))
    print(json.dumps(results, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

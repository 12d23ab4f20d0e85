#!/usr/bin/python3
"""Train one multifashion reference archive, export it with mtl_export and evaluate it.

Variants:
- v1: backbone with the det, seg and tags heads, all losses weighted equally (multifashion 1.0.0).
- v2: fine-tunes v1's weights for detection and tags: an 8x detection loss weight, and the
  segmentation head frozen (weights and batch-norm statistics) with its loss only logged. The shared
  backbone drifts away from what the frozen head expects, which trades segmentation quality for
  detection quality, the regression a deployment gate must catch (multifashion 2.0.0). Needs v1's
  state file.
- seg: backbone with the seg head only, a dedicated fallback model (multifashion-seg 1.0.0).

The training scenes are composed in memory from the Fashion-MNIST training images only. After
training, the script writes into --models-dir the archive, <stem>.metrics.json (metrics of the
loaded archive on the evaluation split, read from its PNG files) and <stem>.reference.json (outputs
on three evaluation scenes), and keeps the state dictionary in --work-dir for fine-tuning.
"""

import argparse
import hashlib
import json
import math
import os
import random
import sys
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO_ROOT, "python"))

import scenes  # noqa: E402
from evaluate import EvalSplit, evaluate, load_archive, load_input  # noqa: E402
from model import (CLASS_COUNT, DETECTION_STRIDE, INPUT_SIZE, SIZE_UNIT,  # noqa: E402
                   MultiFashionNet, MultiFashionSegNet)
from reference import DEFAULT_SCENES, build_reference  # noqa: E402

# Per-channel mean and std of the training scenes' pixels on the 0..1 scale, measured on training
# scenes 0..999 of seed 0 (0.1231, 0.1225, 0.1225 and 0.1422, 0.1428, 0.1428) and rounded.
MEAN = [0.123, 0.122, 0.123]
STD = [0.142, 0.143, 0.143]
TRAIN_SEED = 0
SEGMENTATION_LABELS = ["background"] + scenes.CLASS_NAMES
# Heat map Gaussians: sigma in grid cells is GAUSSIAN_SCALE * box side / stride, at least MIN_SIGMA.
GAUSSIAN_SCALE = 0.1
MIN_SIGMA = 0.7
LOG_EVERY = 50


@dataclass
class Variant:
    """Everything that differs between the trained archives."""

    name: str
    model_name: str
    version: str
    stem: str
    tasks: List[str]
    loss_weights: Dict[str, float]  # a task with weight 0 is computed without gradients, for the log
    steps: int
    learning_rate: float
    warmup_steps: int
    init_from: Optional[str]  # stem of the variant whose state dictionary starts the training
    frozen_heads: List[str]  # head submodules kept as they are: no updates, batch norm in eval mode
    description: str


VARIANTS = {
    "v1": Variant("v1", "multifashion", "1.0.0", "multifashion-v1", ["det", "seg", "tags"],
                  {"det": 1.0, "seg": 1.0, "tags": 1.0}, 1000, 2e-3, 50, None, [],
                  "Fashion-MNIST scene parser: garment detection, segmentation and tags, "
                  "trained with equal loss weights"),
    "v2": Variant("v2", "multifashion", "2.0.0", "multifashion-v2", ["det", "seg", "tags"],
                  {"det": 8.0, "seg": 0.0, "tags": 1.0}, 500, 4e-3, 20, "multifashion-v1", ["seg"],
                  "Fashion-MNIST scene parser: v1 fine-tuned for detection, "
                  "with a lower segmentation quality"),
    "seg": Variant("seg", "multifashion-seg", "1.0.0", "multifashion-seg", ["seg"],
                   {"seg": 1.0}, 1000, 2e-3, 50, None, [],
                   "Fashion-MNIST garment segmentation, a dedicated single-task model"),
}


# Training data

class TrainingScenes:
    """Training scenes held in memory, with the labels each loss needs."""

    def __init__(self, count: int, seed: int, data_dir: str):
        pool = scenes.GarmentPool("train", data_dir)
        self.images = np.empty((count, INPUT_SIZE, INPUT_SIZE, 3), dtype=np.uint8)
        self.label_maps = np.empty((count, INPUT_SIZE, INPUT_SIZE), dtype=np.uint8)
        self.tags = np.zeros((count, CLASS_COUNT), dtype=np.float32)
        self.boxes: List[np.ndarray] = []  # per scene, float64 [G, 4] COCO x, y, w, h
        self.classes: List[np.ndarray] = []  # per scene, int64 [G], label index 0..9
        for index in range(count):
            scene = scenes.compose_scene(pool, seed, index)
            self.images[index] = scene.image
            self.label_maps[index] = scene.label_map
            self.boxes.append(np.array([g.box for g in scene.garments], dtype=np.float64))
            self.classes.append(np.array([g.category_id - 1 for g in scene.garments], dtype=np.int64))
            self.tags[index, self.classes[-1]] = 1.0

    def __len__(self) -> int:
        return self.images.shape[0]


def normalize(images: np.ndarray) -> torch.Tensor:
    """Turn uint8 NHWC RGB images into the normalized float32 NCHW input of the model."""
    pixels = images.astype(np.float32) / np.float32(255.0)
    pixels = (pixels - np.asarray(MEAN, dtype=np.float32)) / np.asarray(STD, dtype=np.float32)
    return torch.from_numpy(np.ascontiguousarray(pixels.transpose(0, 3, 1, 2)))


@dataclass
class DetectionTargets:
    heat: torch.Tensor  # [B, 10, h, w], 1 at object centres, Gaussian falloff around them
    batch_index: torch.Tensor  # [M], one entry per object
    row: torch.Tensor  # [M], centre cell
    column: torch.Tensor  # [M]
    log_size: torch.Tensor  # [M, 2], log(width / SIZE_UNIT), log(height / SIZE_UNIT)
    offset: torch.Tensor  # [M, 2], centre position inside its cell, 0..1


def detection_targets(boxes: Sequence[np.ndarray], classes: Sequence[np.ndarray]) -> DetectionTargets:
    """Build CenterNet targets on the stride-4 grid from COCO boxes in input pixels."""
    grid = INPUT_SIZE // DETECTION_STRIDE
    heat = np.zeros((len(boxes), CLASS_COUNT, grid, grid), dtype=np.float32)
    cells = np.arange(grid, dtype=np.float64)
    batch_index, rows, columns, log_sizes, offsets = [], [], [], [], []
    for b, (scene_boxes, scene_classes) in enumerate(zip(boxes, classes)):
        for (x, y, width, height), label in zip(scene_boxes, scene_classes):
            centre_x = (x + width / 2.0) / DETECTION_STRIDE
            centre_y = (y + height / 2.0) / DETECTION_STRIDE
            column = min(int(centre_x), grid - 1)
            row = min(int(centre_y), grid - 1)
            sigma_x = max(MIN_SIGMA, GAUSSIAN_SCALE * width / DETECTION_STRIDE)
            sigma_y = max(MIN_SIGMA, GAUSSIAN_SCALE * height / DETECTION_STRIDE)
            gaussian = np.exp(-((cells[None, :] - column) ** 2 / (2 * sigma_x ** 2)
                                + (cells[:, None] - row) ** 2 / (2 * sigma_y ** 2)))
            np.maximum(heat[b, label], gaussian.astype(np.float32), out=heat[b, label])
            batch_index.append(b)
            rows.append(row)
            columns.append(column)
            log_sizes.append([math.log(width / SIZE_UNIT), math.log(height / SIZE_UNIT)])
            offsets.append([centre_x - column, centre_y - row])
    return DetectionTargets(
        torch.from_numpy(heat), torch.tensor(batch_index, dtype=torch.int64),
        torch.tensor(rows, dtype=torch.int64), torch.tensor(columns, dtype=torch.int64),
        torch.tensor(log_sizes, dtype=torch.float32).reshape(-1, 2),
        torch.tensor(offsets, dtype=torch.float32).reshape(-1, 2))


def make_batch(data: TrainingScenes, indices: np.ndarray, flips: np.ndarray):
    """Gather a batch, mirroring the scenes marked in `flips` left to right."""
    images = data.images[indices].copy()
    label_maps = data.label_maps[indices].copy()
    boxes = [data.boxes[i].copy() for i in indices]
    for position, flip in enumerate(flips):
        if flip:
            images[position] = images[position, :, ::-1]
            label_maps[position] = label_maps[position, :, ::-1]
            boxes[position][:, 0] = INPUT_SIZE - boxes[position][:, 0] - boxes[position][:, 2]
    classes = [data.classes[i] for i in indices]
    return (normalize(images), torch.from_numpy(label_maps.astype(np.int64)),
            torch.from_numpy(data.tags[indices]), detection_targets(boxes, classes))


# Losses

def focal_loss(heat_logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """CenterNet's penalty-reduced focal loss (alpha 2, beta 4), divided by the object count."""
    probability = torch.sigmoid(heat_logits)
    positive = (target == 1.0).to(heat_logits.dtype)
    positive_term = F.logsigmoid(heat_logits) * (1.0 - probability) ** 2 * positive
    negative_term = F.logsigmoid(-heat_logits) * probability ** 2 * (1.0 - target) ** 4 * (1.0 - positive)
    return -(positive_term.sum() + negative_term.sum()) / positive.sum().clamp(min=1.0)


def detection_loss(maps: torch.Tensor, targets: DetectionTargets) -> torch.Tensor:
    heat = focal_loss(maps[:, :CLASS_COUNT], targets.heat)
    at_centres = maps[targets.batch_index, :, targets.row, targets.column]  # [M, 14]
    count = max(int(targets.batch_index.numel()), 1)
    size = (at_centres[:, CLASS_COUNT:CLASS_COUNT + 2] - targets.log_size).abs().sum() / count
    offset = (at_centres[:, CLASS_COUNT + 2:CLASS_COUNT + 4] - targets.offset).abs().sum() / count
    return heat + size + offset


def task_loss(model, task: str, features: Dict[str, torch.Tensor], batch) -> torch.Tensor:
    _, label_maps, tags, targets = batch
    if task == "det":
        return detection_loss(model.det_maps(features), targets)
    if task == "seg":
        return F.cross_entropy(model.seg_logits(features), label_maps)
    return F.binary_cross_entropy_with_logits(model.tag_logits(features), tags)


def task_losses(model, variant: Variant, batch) -> Dict[str, torch.Tensor]:
    """Return each task's loss; losses of tasks with weight 0 carry no gradient."""
    features = model.backbone(batch[0])
    losses = {}
    for task in variant.tasks:
        if variant.loss_weights[task] == 0.0:
            with torch.no_grad():
                losses[task] = task_loss(model, task, features, batch)
        else:
            losses[task] = task_loss(model, task, features, batch)
    return losses


# Training loop

def learning_rate_at(step: int, variant: Variant) -> float:
    """Linear warm-up, then cosine decay to zero at the last step."""
    if step < variant.warmup_steps:
        return variant.learning_rate * (step + 1) / variant.warmup_steps
    progress = (step - variant.warmup_steps) / max(1, variant.steps - variant.warmup_steps)
    return 0.5 * variant.learning_rate * (1.0 + math.cos(math.pi * progress))


def train(model, variant: Variant, data: TrainingScenes, batch_size: int, seed: int) -> None:
    # Channels-last tensors make oneDNN's convolutions about 20% faster on the CPU (measured with
    # torch 1.13 on 2 cores), and the export converts the weights back to the default layout.
    model.to(memory_format=torch.channels_last)
    for name in variant.frozen_heads:
        getattr(model, name).requires_grad_(False)
    trainable = [parameter for parameter in model.parameters() if parameter.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=variant.learning_rate, weight_decay=1e-4)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(data))
    cursor = 0
    start = time.monotonic()
    running: Dict[str, float] = {}
    model.train()
    for name in variant.frozen_heads:
        getattr(model, name).eval()
    for step in range(variant.steps):
        if cursor + batch_size > len(order):
            order = rng.permutation(len(data))
            cursor = 0
        indices = order[cursor:cursor + batch_size]
        cursor += batch_size
        batch = make_batch(data, indices, rng.random(batch_size) < 0.5)
        batch = (batch[0].contiguous(memory_format=torch.channels_last),) + batch[1:]

        for group in optimizer.param_groups:
            group["lr"] = learning_rate_at(step, variant)
        losses = task_losses(model, variant, batch)
        total = sum(variant.loss_weights[name] * loss for name, loss in losses.items()
                    if variant.loss_weights[name] != 0.0)
        optimizer.zero_grad(set_to_none=True)
        total.backward()
        optimizer.step()

        for name, loss in losses.items():
            running[name] = running.get(name, 0.0) + float(loss)
        if (step + 1) % LOG_EVERY == 0 or step + 1 == variant.steps:
            window = (step % LOG_EVERY) + 1
            summary = ", ".join(f"{name} {value / window:.4f}" for name, value in running.items())
            print(f"step {step + 1}/{variant.steps}: {summary} ({time.monotonic() - start:.0f} s)", flush=True)
            running = {}
    model.to(memory_format=torch.contiguous_format)
    model.eval()


# Export and evaluation

def task_specs(variant: Variant):
    from mtl_export import TaskSpec
    specs = {
        "det": TaskSpec(name="det", kind="detection", labels=list(scenes.CLASS_NAMES), metric="map50",
                        max_regression={"absolute": 0.02}, critical=False),
        "seg": TaskSpec(name="seg", kind="segmentation", labels=list(SEGMENTATION_LABELS), metric="miou",
                        max_regression={"absolute": 0.02}, critical=True),
        "tags": TaskSpec(name="tags", kind="multilabel", labels=list(scenes.CLASS_NAMES), metric="map",
                         max_regression={"absolute": 0.02}, critical=False),
    }
    return [specs[name] for name in variant.tasks]


def export_archive(model, variant: Variant, path: str, example_input: torch.Tensor):
    from mtl_export import InputSpec, export_model
    return export_model(
        model, path, name=variant.model_name, version=variant.version, description=variant.description,
        input_spec=InputSpec(channels=3, height=INPUT_SIZE, width=INPUT_SIZE, mean=MEAN, std=STD,
                             color_order="rgb", resize="stretch"),
        tasks=task_specs(variant), backbone_attr="encoder", example_input=example_input)


def ensure_eval_split(eval_dir: str, seed: int, count: int, data_dir: str) -> EvalSplit:
    """Return the evaluation split in eval_dir, building it first unless it matches seed and count."""
    index_path = os.path.join(eval_dir, "annotations.json")
    if os.path.exists(index_path):
        with open(index_path, encoding="utf-8") as stream:
            info = json.load(stream).get("info", {})
        if info.get("seed") == seed and info.get("count") == count and info.get("split") == "eval":
            return EvalSplit(eval_dir)
        print(f"{eval_dir} holds another split (seed {info.get('seed')}, count {info.get('count')}); rebuilding")
    scenes.write_split(eval_dir, "eval", count, seed, data_dir)
    return EvalSplit(eval_dir)


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_json(path: str, document: Dict) -> None:
    with open(path, "w", encoding="utf-8") as stream:
        json.dump(document, stream, indent=1)
        stream.write("\n")


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Train one multifashion archive, export it and evaluate it on the evaluation split.")

    parser.add_argument("--variant", choices=sorted(VARIANTS), required=True,
                        help="v1: three tasks, equal loss weights. v2: v1 fine-tuned for detection "
                             "(run v1 first). seg: segmentation only")
    parser.add_argument("--steps", type=int, default=None,
                        help="optimizer steps (default: 1000 for v1 and seg, 500 for v2)")
    parser.add_argument("--batch-size", type=int, default=32, help="scenes per step (default: 32)")
    parser.add_argument("--train-scenes", type=int, default=20000,
                        help="training scenes composed before training (default: 20000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of torch, numpy and random (default: 0)")
    parser.add_argument("--threads", type=int, default=2, help="intra-op threads of torch (default: 2)")
    parser.add_argument("--data-dir", default=scenes.DEFAULT_DATA_DIR,
                        help=f"folder with the Fashion-MNIST .gz files (default: {scenes.DEFAULT_DATA_DIR})")
    parser.add_argument("--eval-dir", default=os.path.join(REPO_ROOT, "build", "data", "multifashion-eval"),
                        help="evaluation split folder, built there if missing (default: "
                             "build/data/multifashion-eval in the repository, where the build and "
                             "scripts/demo.sh put it)")
    parser.add_argument("--eval-seed", type=int, default=scenes.DEFAULT_EVAL_SEED,
                        help=f"seed of the evaluation split (default: {scenes.DEFAULT_EVAL_SEED})")
    parser.add_argument("--eval-count", type=int, default=scenes.DEFAULT_EVAL_COUNT,
                        help=f"scenes in the evaluation split (default: {scenes.DEFAULT_EVAL_COUNT})")
    parser.add_argument("--work-dir", default=os.path.join(REPO_ROOT, "build-data", "multifashion"),
                        help="folder for state dictionaries (default: build-data/multifashion)")
    parser.add_argument("--models-dir", default=os.path.join(REPO_ROOT, "models"),
                        help="folder for the archive and its JSON files (default: models)")

    arguments = parser.parse_args(argv)
    for name in ("steps", "batch_size", "train_scenes", "threads"):
        value = getattr(arguments, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1, got {value}")
    return arguments


def main(argv: Sequence[str]) -> int:
    arguments = parse_arguments(argv)
    variant = VARIANTS[arguments.variant]
    if arguments.steps is not None:
        variant.steps = arguments.steps
    torch.set_num_threads(arguments.threads)
    seed_everything(arguments.seed)
    os.makedirs(arguments.work_dir, exist_ok=True)
    os.makedirs(arguments.models_dir, exist_ok=True)
    start = time.monotonic()

    model = MultiFashionNet() if variant.tasks != ["seg"] else MultiFashionSegNet()
    if variant.init_from is not None:
        init_path = os.path.join(arguments.work_dir, variant.init_from + ".state.pt")
        if not os.path.exists(init_path):
            raise SystemExit(f"{init_path} not found: run train.py --variant v1 first "
                             f"(with the same --work-dir)")
        model.load_state_dict(torch.load(init_path))
        print(f"initialized from {init_path}")

    data = TrainingScenes(arguments.train_scenes, TRAIN_SEED, arguments.data_dir)
    print(f"composed {len(data)} training scenes ({time.monotonic() - start:.0f} s)", flush=True)
    eval_split = ensure_eval_split(arguments.eval_dir, arguments.eval_seed, arguments.eval_count,
                                   arguments.data_dir)

    train(model, variant, data, arguments.batch_size, arguments.seed)
    train_seconds = time.monotonic() - start
    torch.save(model.state_dict(), os.path.join(arguments.work_dir, variant.stem + ".state.pt"))

    archive_path = os.path.join(arguments.models_dir, variant.stem + ".pt")
    first_image = eval_split.path(eval_split.images[0].file_name)
    report = export_archive(model, variant, archive_path, load_input(first_image, MEAN, STD))
    print(f"exported {archive_path} ({report.size_bytes} bytes)")

    module, manifest = load_archive(archive_path)
    metrics = evaluate(module, manifest, eval_split)
    total_seconds = time.monotonic() - start
    write_json(os.path.join(arguments.models_dir, variant.stem + ".metrics.json"), {
        "archive": os.path.basename(archive_path),
        "archive_sha256": file_sha256(archive_path),
        "model": manifest["model"],
        "eval_split": {"split": "eval", "seed": arguments.eval_seed, "count": len(eval_split.images)},
        "tasks": metrics,
        "training": {
            "variant": variant.name, "steps": variant.steps, "batch_size": arguments.batch_size,
            "train_scenes": arguments.train_scenes, "train_scene_seed": TRAIN_SEED, "seed": arguments.seed,
            "loss_weights": variant.loss_weights, "learning_rate": variant.learning_rate,
            "init_from": variant.init_from, "frozen_heads": variant.frozen_heads,
            "threads": arguments.threads,
            "train_seconds": round(train_seconds, 1), "total_seconds": round(total_seconds, 1),
            "torch_version": torch.__version__,
        },
    })
    reference = build_reference(archive_path, eval_split, DEFAULT_SCENES)
    write_json(os.path.join(arguments.models_dir, variant.stem + ".reference.json"), reference)

    for task, values in metrics.items():
        headline = {key: round(value, 4) for key, value in values.items() if "/" not in key}
        print(f"{task}: {headline}")
    print(f"done in {time.monotonic() - start:.0f} s (training {train_seconds:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

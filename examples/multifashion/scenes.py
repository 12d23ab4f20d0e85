#!/usr/bin/python3
"""Compose deterministic 128x128 RGB scenes of Fashion-MNIST garments and write them to disk.

Each scene contains 1 to 4 garments. A garment is one 28x28 Fashion-MNIST image, rescaled to a square
patch of 20 to 56 pixels with bilinear interpolation, tinted with a random colour that does not
depend on its class and alpha-blended onto a dark noisy background. Garments are pasted in order,
so a later garment occludes earlier ones.

Labels:
- The garment mask is the set of patch pixels whose rescaled intensity is at least
  MASK_THRESHOLD (on the 0..255 scale of the source image).
- The box is the tight box of the whole mask, occluded pixels included (the amodal extent), as
  COCO [x, y, width, height] on the pixel grid: pixel column c covers [c, c + 1), so a mask with
  columns 3..7 has x = 3 and width = 5.
- The label map contains the category id of the last garment whose mask covers a pixel, and 0
  elsewhere. No pixel carries the ignore label.
- The tags are the sorted category ids of the garments in the scene.

Placement keeps labels meaningful: the boxes of any two garments have IoU at most MAX_BOX_IOU, and
every garment keeps at least MIN_VISIBLE_FRACTION of its mask pixels visible after all later
garments are pasted. A garment slot that finds no valid position in PLACEMENT_ATTEMPTS tries is
dropped, so a scene can contain fewer garments than it drew (never fewer than one).

Scenes of the "train" split use only the Fashion-MNIST training images, scenes of the "eval" split
only the test images. Scene i of a split depends only on (seed, split, i), so the same arguments
give the same bytes.
"""

import argparse
import colorsys
import gzip
import json
import os
import sys
import time
from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

import numpy as np
from PIL import Image
from skimage.transform import resize

CANVAS_SIZE = 128
MIN_GARMENTS = 1
MAX_GARMENTS = 4
MIN_PATCH_SIZE = 20
MAX_PATCH_SIZE = 56
MASK_THRESHOLD = 40.0
MAX_BOX_IOU = 0.3
MIN_VISIBLE_FRACTION = 0.6
PLACEMENT_ATTEMPTS = 50
# Intensity at and above which a garment pixel is fully opaque. Fainter pixels blend with the
# background, which softens the garment's outline.
OPAQUE_INTENSITY = 64.0
IGNORE_LABEL = 255
PNG_COMPRESS_LEVEL = 6

DEFAULT_DATA_DIR = "/usr/share/datasets/fashion-mnist"
DEFAULT_EVAL_SEED = 1
DEFAULT_EVAL_COUNT = 1000

CLASS_NAMES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]

# Fashion-MNIST file prefix of each split's source images.
SPLIT_SOURCES = {"train": "train", "eval": "t10k"}
# Mixed into the random seed so that the two splits never share a random stream.
SPLIT_CODES = {"train": 0, "eval": 1}


@dataclass
class Garment:
    """One garment placed in a scene."""

    source_index: int  # index of the image in the split's Fashion-MNIST file
    category_id: int  # 1..10, the Fashion-MNIST label plus one
    x: int  # column of the patch's top-left pixel
    y: int  # row of the patch's top-left pixel
    size: int  # side of the square patch in pixels
    tint: Tuple[float, float, float]  # RGB in [0, 1]
    mask: np.ndarray  # bool [size, size], the garment's pixels inside its patch
    box: Tuple[int, int, int, int]  # tight box of the mask on the canvas, COCO [x, y, w, h]


@dataclass
class Scene:
    """A composed image with its labels."""

    image: np.ndarray  # uint8 [128, 128, 3], RGB
    label_map: np.ndarray  # uint8 [128, 128], 0 background, else category id
    garments: List[Garment]  # in paste order

    @property
    def tags(self) -> List[int]:
        return sorted({garment.category_id for garment in self.garments})


def read_idx(path: str) -> np.ndarray:
    """Read a gzip-compressed IDX file of unsigned bytes (images or labels) into an array."""
    with gzip.open(path, "rb") as stream:
        data = stream.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path}: not an IDX file of unsigned bytes (invalid magic number)")
    dimension_count = data[3]
    header_size = 4 + 4 * dimension_count
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dimension_count))
    expected_size = header_size + int(np.prod(shape))
    if len(data) != expected_size:
        raise ValueError(f"{path}: expected {expected_size} bytes for shape {shape}, got {len(data)}")
    return np.frombuffer(data, dtype=np.uint8, offset=header_size).reshape(shape)


class GarmentPool:
    """The Fashion-MNIST images and labels that one split draws its garments from."""

    def __init__(self, split: str, data_dir: str = DEFAULT_DATA_DIR):
        if split not in SPLIT_SOURCES:
            raise ValueError(f"unknown split {split!r}: expected one of {sorted(SPLIT_SOURCES)}")
        prefix = SPLIT_SOURCES[split]
        self.split = split
        self.images_file = f"{prefix}-images-idx3-ubyte.gz"
        self.images = read_idx(os.path.join(data_dir, self.images_file))
        self.labels = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"))
        if self.images.shape[0] != self.labels.shape[0] or self.images.shape[1:] != (28, 28):
            raise ValueError(
                f"{data_dir}: image and label files of split {split!r} do not match: "
                f"images {self.images.shape}, labels {self.labels.shape}")

    def __len__(self) -> int:
        return int(self.images.shape[0])


def scene_rng(seed: int, split: str, index: int) -> np.random.Generator:
    """Return the random generator of one scene, independent of every other scene."""
    return np.random.default_rng([seed, SPLIT_CODES[split], index])


def rescale_garment(source: np.ndarray, size: int) -> np.ndarray:
    """Rescale a 28x28 uint8 garment to size x size with bilinear interpolation (float64, 0..255)."""
    return resize(source, (size, size), order=1, mode="edge", anti_aliasing=False,
                  preserve_range=True)


def tight_box(mask: np.ndarray, x: int, y: int) -> Tuple[int, int, int, int]:
    """Return the COCO [x, y, w, h] box of a non-empty patch mask whose top-left pixel is (x, y)."""
    rows = np.flatnonzero(mask.any(axis=1))
    columns = np.flatnonzero(mask.any(axis=0))
    return (x + int(columns[0]), y + int(rows[0]),
            int(columns[-1] - columns[0] + 1), int(rows[-1] - rows[0] + 1))


def box_iou(a: Sequence[int], b: Sequence[int]) -> float:
    """IoU of two COCO [x, y, w, h] boxes."""
    overlap_w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    overlap_h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if overlap_w <= 0 or overlap_h <= 0:
        return 0.0
    intersection = overlap_w * overlap_h
    return intersection / (a[2] * a[3] + b[2] * b[3] - intersection)


def full_canvas_mask(garment: Garment) -> np.ndarray:
    """Return the garment's mask placed on the whole canvas."""
    canvas = np.zeros((CANVAS_SIZE, CANVAS_SIZE), dtype=bool)
    canvas[garment.y:garment.y + garment.size, garment.x:garment.x + garment.size] = garment.mask
    return canvas


def random_tint(rng: np.random.Generator) -> Tuple[float, float, float]:
    """Draw a colour from the whole hue circle, so colour carries no class information."""
    hue = rng.uniform(0.0, 1.0)
    saturation = rng.uniform(0.0, 0.7)
    value = rng.uniform(0.6, 1.0)
    return colorsys.hsv_to_rgb(hue, saturation, value)


def render_background(rng: np.random.Generator) -> np.ndarray:
    """Draw a dark background: a base colour, a linear gradient and per-pixel noise (float64)."""
    base = rng.uniform(0.0, 40.0, size=3)
    angle = rng.uniform(0.0, 2.0 * np.pi)
    amplitude = rng.uniform(0.0, 15.0)
    coordinates = (np.arange(CANVAS_SIZE) - (CANVAS_SIZE - 1) / 2.0) / CANVAS_SIZE
    gradient = amplitude * (np.cos(angle) * coordinates[None, :] + np.sin(angle) * coordinates[:, None])
    noise = rng.integers(-8, 9, size=(CANVAS_SIZE, CANVAS_SIZE, 3))
    return np.clip(base[None, None, :] + gradient[:, :, None] + noise, 0.0, 255.0)


def keeps_garments_visible(garments: List[Garment], canvas_masks: List[np.ndarray],
                         new_mask: np.ndarray) -> bool:
    """Return whether each placed garment stays MIN_VISIBLE_FRACTION visible under new_mask."""
    for index, garment in enumerate(garments):
        covered = new_mask.copy()
        for later in canvas_masks[index + 1:]:
            covered |= later
        visible = np.count_nonzero(canvas_masks[index] & ~covered)
        if visible < MIN_VISIBLE_FRACTION * np.count_nonzero(garment.mask):
            return False
    return True


def place_garments(pool: GarmentPool, rng: np.random.Generator) -> List[Garment]:
    """Draw and place the garments of one scene, in paste order."""
    slot_count = int(rng.integers(MIN_GARMENTS, MAX_GARMENTS + 1))
    garments: List[Garment] = []
    canvas_masks: List[np.ndarray] = []
    while len(garments) == 0 or slot_count > 0:
        slot_count -= 1
        source_index = int(rng.integers(0, len(pool)))
        size = int(rng.integers(MIN_PATCH_SIZE, MAX_PATCH_SIZE + 1))
        tint = random_tint(rng)
        mask = rescale_garment(pool.images[source_index], size) >= MASK_THRESHOLD
        if not mask.any():
            continue
        for _ in range(PLACEMENT_ATTEMPTS):
            x = int(rng.integers(0, CANVAS_SIZE - size + 1))
            y = int(rng.integers(0, CANVAS_SIZE - size + 1))
            box = tight_box(mask, x, y)
            if any(box_iou(box, other.box) > MAX_BOX_IOU for other in garments):
                continue
            garment = Garment(source_index, int(pool.labels[source_index]) + 1, x, y, size,
                              tint, mask, box)
            canvas_mask = full_canvas_mask(garment)
            if not keeps_garments_visible(garments, canvas_masks, canvas_mask):
                continue
            garments.append(garment)
            canvas_masks.append(canvas_mask)
            break
    return garments


def compose_scene(pool: GarmentPool, seed: int, index: int) -> Scene:
    """Compose scene `index` of the pool's split."""
    rng = scene_rng(seed, pool.split, index)
    garments = place_garments(pool, rng)
    canvas = render_background(rng)
    label_map = np.zeros((CANVAS_SIZE, CANVAS_SIZE), dtype=np.uint8)
    for garment in garments:
        intensity = rescale_garment(pool.images[garment.source_index], garment.size)
        alpha = np.clip(intensity / OPAQUE_INTENSITY, 0.0, 1.0)[:, :, None]
        shade = (0.3 + 0.7 * intensity / 255.0)[:, :, None]
        colour = 255.0 * shade * np.asarray(garment.tint)[None, None, :]
        window = (slice(garment.y, garment.y + garment.size), slice(garment.x, garment.x + garment.size))
        canvas[window] = canvas[window] * (1.0 - alpha) + colour * alpha
        label_map[window][garment.mask] = garment.category_id
    image = np.clip(np.rint(canvas), 0, 255).astype(np.uint8)
    return Scene(image, label_map, garments)


def write_png(path: str, array: np.ndarray) -> None:
    """Write an 8-bit grey or RGB PNG with fixed settings, so equal arrays give equal bytes."""
    Image.fromarray(array).save(path, format="PNG", compress_level=PNG_COMPRESS_LEVEL)


def scene_records(scene: Scene, image_id: int, first_annotation_id: int,
                  images_file: str) -> Tuple[Dict, List[Dict]]:
    """Return the `images` entry and the `annotations` entries of one scene."""
    stem = f"{image_id:06d}"
    image_record = {
        "id": image_id,
        "file_name": f"images/{stem}.png",
        "width": CANVAS_SIZE,
        "height": CANVAS_SIZE,
        "segmentation_file": f"masks/{stem}.png",
        "tags": scene.tags,
    }
    annotations = []
    for offset, garment in enumerate(scene.garments):
        annotations.append({
            "id": first_annotation_id + offset,
            "image_id": image_id,
            "category_id": garment.category_id,
            "bbox": [float(value) for value in garment.box],
            # Pixel count of the whole garment mask, occluded pixels included, like the box.
            "area": float(np.count_nonzero(garment.mask)),
            "iscrowd": 0,
            # How the garment was made, so a test can rebuild its mask from the source file.
            "source": {
                "file": images_file,
                "index": garment.source_index,
                "patch": [garment.x, garment.y, garment.size],
                "paste_order": offset,
            },
        })
    return image_record, annotations


def write_split(out_dir: str, split: str, count: int, seed: int,
                data_dir: str = DEFAULT_DATA_DIR) -> Dict:
    """Compose `count` scenes of a split and write them in the layout of docs/eval-format.md.

    Returns the index that was written to annotations.json.
    """
    pool = GarmentPool(split, data_dir)
    os.makedirs(os.path.join(out_dir, "images"), exist_ok=True)
    os.makedirs(os.path.join(out_dir, "masks"), exist_ok=True)
    images, annotations = [], []
    for index in range(count):
        scene = compose_scene(pool, seed, index)
        image_record, scene_annotations = scene_records(
            scene, index + 1, len(annotations) + 1, pool.images_file)
        write_png(os.path.join(out_dir, image_record["file_name"]), scene.image)
        write_png(os.path.join(out_dir, image_record["segmentation_file"]), scene.label_map)
        images.append(image_record)
        annotations.extend(scene_annotations)

    index_document = {
        "info": {
            "description": f"multifashion {split} scenes: Fashion-MNIST garments on 128x128 canvases",
            "version": "1",
            "split": split,
            "seed": seed,
            "count": count,
        },
        "categories": [{"id": i + 1, "name": name} for i, name in enumerate(CLASS_NAMES)],
        "images": images,
        "annotations": annotations,
        "segmentation": {"ignore_label": IGNORE_LABEL},
    }
    with open(os.path.join(out_dir, "annotations.json"), "w", encoding="utf-8") as stream:
        json.dump(index_document, stream, indent=1, sort_keys=True)
        stream.write("\n")
    return index_document


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Compose deterministic multi-garment scenes from Fashion-MNIST and write "
                    "annotations.json, images/ and masks/ in the layout of docs/eval-format.md.")
    parser.add_argument("--out", required=True, help="output folder (created if missing)")
    parser.add_argument("--split", choices=sorted(SPLIT_SOURCES), default="eval",
                        help="eval draws from the Fashion-MNIST test images, train from the "
                             "training images (default: eval)")
    parser.add_argument("--count", type=int, default=DEFAULT_EVAL_COUNT,
                        help=f"number of scenes (default: {DEFAULT_EVAL_COUNT})")
    parser.add_argument("--seed", type=int, default=DEFAULT_EVAL_SEED,
                        help=f"random seed. Scene i depends only on seed, split and i "
                             f"(default: {DEFAULT_EVAL_SEED})")
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR,
                        help=f"folder with the Fashion-MNIST .gz files (default: {DEFAULT_DATA_DIR})")
    arguments = parser.parse_args(argv)
    if arguments.count < 1:
        parser.error(f"--count must be at least 1, got {arguments.count}")
    if arguments.seed < 0:
        parser.error(f"--seed must be non-negative, got {arguments.seed}")
    return arguments


def main(argv: Sequence[str]) -> int:
    arguments = parse_arguments(argv)
    start = time.monotonic()
    document = write_split(arguments.out, arguments.split, arguments.count, arguments.seed,
                           arguments.data_dir)
    print(f"wrote {len(document['images'])} {arguments.split} scenes with "
          f"{len(document['annotations'])} garments to {arguments.out} "
          f"in {time.monotonic() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Tests of the scene builder: byte-identical rebuilds and labels that match the garments.

The label checks rebuild every garment mask from the Fashion-MNIST file named in the annotation,
with their own IDX reader and their own composition, so they do not trust the builder's code path.
"""

import gzip
import json
import os
import sys
import tempfile
import unittest

import numpy as np
from PIL import Image
from skimage.transform import resize

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scenes  # noqa: E402

DATA_DIR = scenes.DEFAULT_DATA_DIR
THRESHOLD = 40.0  # the builder's documented mask threshold, restated so a change shows up here
CANVAS = 128


def load_idx_images(path):
    with gzip.open(path, "rb") as stream:
        raw = stream.read()
    count, rows, columns = (int.from_bytes(raw[4 * i:4 * i + 4], "big") for i in (1, 2, 3))
    return np.frombuffer(raw[16:], dtype=np.uint8).reshape(count, rows, columns)


def load_idx_labels(path):
    with gzip.open(path, "rb") as stream:
        raw = stream.read()
    return np.frombuffer(raw[8:], dtype=np.uint8)


def garment_canvas_mask(source_images, annotation):
    """Rebuild one garment's mask on the canvas from its source image and patch."""
    x, y, size = annotation["source"]["patch"]
    patch = resize(source_images[annotation["source"]["index"]], (size, size), order=1,
                   mode="edge", anti_aliasing=False, preserve_range=True) >= THRESHOLD
    canvas = np.zeros((CANVAS, CANVAS), dtype=bool)
    canvas[y:y + size, x:x + size] = patch
    return canvas


def coco_iou(a, b):
    width = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    height = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    return width * height / (a[2] * a[3] + b[2] * b[3] - width * height)


def read_tree(root):
    """Map every file path under root, relative to it, to its bytes."""
    contents = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as stream:
                contents[os.path.relpath(path, root)] = stream.read()
    return contents


class EvalSplitTest(unittest.TestCase):
    """Checks on the default evaluation split, built once into a temporary folder."""

    @classmethod
    def setUpClass(cls):
        cls.temp = tempfile.TemporaryDirectory()
        cls.root = os.path.join(cls.temp.name, "first")
        scenes.write_split(cls.root, "eval", scenes.DEFAULT_EVAL_COUNT, scenes.DEFAULT_EVAL_SEED)
        with open(os.path.join(cls.root, "annotations.json"), encoding="utf-8") as stream:
            cls.index = json.load(stream)
        cls.source_images = load_idx_images(os.path.join(DATA_DIR, "t10k-images-idx3-ubyte.gz"))
        cls.source_labels = load_idx_labels(os.path.join(DATA_DIR, "t10k-labels-idx1-ubyte.gz"))
        cls.by_image = {}
        for annotation in cls.index["annotations"]:
            cls.by_image.setdefault(annotation["image_id"], []).append(annotation)

    @classmethod
    def tearDownClass(cls):
        cls.temp.cleanup()

    def test_rebuild_is_byte_identical(self):
        second = os.path.join(self.temp.name, "second")
        scenes.write_split(second, "eval", scenes.DEFAULT_EVAL_COUNT, scenes.DEFAULT_EVAL_SEED)
        first_files = read_tree(self.root)
        second_files = read_tree(second)
        self.assertEqual(sorted(first_files), sorted(second_files))
        self.assertEqual(len(first_files), 2 * scenes.DEFAULT_EVAL_COUNT + 1)
        for path, data in first_files.items():
            self.assertEqual(data, second_files[path], f"{path} differs between two builds")

    def test_other_seed_changes_scenes(self):
        other = os.path.join(self.temp.name, "other-seed")
        scenes.write_split(other, "eval", 3, scenes.DEFAULT_EVAL_SEED + 1)
        for stem in ("000001", "000002", "000003"):
            with open(os.path.join(self.root, "images", stem + ".png"), "rb") as stream:
                default_bytes = stream.read()
            with open(os.path.join(other, "images", stem + ".png"), "rb") as stream:
                other_bytes = stream.read()
            self.assertNotEqual(default_bytes, other_bytes, stem)

    def test_index_layout(self):
        categories = self.index["categories"]
        self.assertEqual([c["id"] for c in categories], list(range(1, 11)))
        self.assertEqual([c["name"] for c in categories], scenes.CLASS_NAMES)
        self.assertEqual(self.index["segmentation"]["ignore_label"], 255)
        self.assertEqual(len(self.index["images"]), scenes.DEFAULT_EVAL_COUNT)
        image_ids = [image["id"] for image in self.index["images"]]
        self.assertEqual(len(set(image_ids)), len(image_ids))
        annotation_ids = [a["id"] for a in self.index["annotations"]]
        self.assertEqual(len(set(annotation_ids)), len(annotation_ids))

    def test_every_scene_has_one_to_four_garments(self):
        for image in self.index["images"]:
            count = len(self.by_image.get(image["id"], []))
            self.assertGreaterEqual(count, 1, image["file_name"])
            self.assertLessEqual(count, 4, image["file_name"])

    def test_eval_garments_come_from_test_file(self):
        for annotation in self.index["annotations"]:
            self.assertEqual(annotation["source"]["file"], "t10k-images-idx3-ubyte.gz")
            expected = int(self.source_labels[annotation["source"]["index"]]) + 1
            self.assertEqual(annotation["category_id"], expected, annotation["id"])

    def test_boxes_inside_canvas_and_tight(self):
        for annotation in self.index["annotations"]:
            x, y, width, height = annotation["bbox"]
            self.assertGreaterEqual(x, 0)
            self.assertGreaterEqual(y, 0)
            self.assertGreater(width, 0)
            self.assertGreater(height, 0)
            self.assertLessEqual(x + width, CANVAS)
            self.assertLessEqual(y + height, CANVAS)

            mask = garment_canvas_mask(self.source_images, annotation)
            rows = np.flatnonzero(mask.any(axis=1))
            columns = np.flatnonzero(mask.any(axis=0))
            expected = [columns[0], rows[0], columns[-1] - columns[0] + 1, rows[-1] - rows[0] + 1]
            self.assertEqual(annotation["bbox"], [float(v) for v in expected], annotation["id"])
            self.assertEqual(annotation["area"], float(mask.sum()), annotation["id"])

    def test_boxes_overlap_at_most_limit(self):
        for annotations in self.by_image.values():
            for i, first in enumerate(annotations):
                for second in annotations[i + 1:]:
                    self.assertLessEqual(coco_iou(first["bbox"], second["bbox"]), 0.3 + 1e-12)

    def test_label_maps_match_visible_masks(self):
        for image in self.index["images"]:
            annotations = sorted(self.by_image[image["id"]], key=lambda a: a["source"]["paste_order"])
            masks = [garment_canvas_mask(self.source_images, a) for a in annotations]
            expected_counts = np.zeros(256, dtype=np.int64)
            for position, (annotation, mask) in enumerate(zip(annotations, masks)):
                visible = mask.copy()
                for later in masks[position + 1:]:
                    visible &= ~later
                self.assertGreaterEqual(visible.sum(), 0.6 * mask.sum(), annotation["id"])
                expected_counts[annotation["category_id"]] += int(visible.sum())
            expected_counts[0] = CANVAS * CANVAS - expected_counts.sum()

            with Image.open(os.path.join(self.root, image["segmentation_file"])) as label_image:
                self.assertEqual(label_image.mode, "L")
                label_map = np.asarray(label_image)
            self.assertEqual(label_map.shape, (CANVAS, CANVAS))
            actual_counts = np.bincount(label_map.ravel(), minlength=256)
            np.testing.assert_array_equal(actual_counts, expected_counts, err_msg=image["file_name"])

    def test_tags_equal_box_classes(self):
        for image in self.index["images"]:
            box_classes = sorted({a["category_id"] for a in self.by_image[image["id"]]})
            self.assertEqual(image["tags"], box_classes, image["file_name"])
            with Image.open(os.path.join(self.root, image["segmentation_file"])) as label_image:
                label_map = np.asarray(label_image)
            present = sorted(int(v) for v in np.unique(label_map) if v != 0)
            self.assertEqual(present, box_classes, image["file_name"])

    def test_images_are_rgb_canvas(self):
        for image in self.index["images"][:50]:
            with Image.open(os.path.join(self.root, image["file_name"])) as decoded:
                self.assertEqual(decoded.mode, "RGB")
                self.assertEqual(decoded.size, (CANVAS, CANVAS))


class TrainSplitTest(unittest.TestCase):

    def test_train_garments_come_from_train_file(self):
        pool = scenes.GarmentPool("train")
        self.assertEqual(len(pool), 60000)
        for index in range(20):
            scene = scenes.compose_scene(pool, 0, index)
            self.assertGreaterEqual(len(scene.garments), 1)
            for garment in scene.garments:
                self.assertEqual(garment.category_id, int(pool.labels[garment.source_index]) + 1)
        self.assertEqual(pool.images_file, "train-images-idx3-ubyte.gz")

    def test_unknown_split_raises(self):
        with self.assertRaises(ValueError):
            scenes.GarmentPool("validation")


if __name__ == "__main__":
    unittest.main()

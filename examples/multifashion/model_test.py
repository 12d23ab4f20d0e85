"""Tests of the reference model: TorchScript methods, output shapes, and detection decoding."""

import math
import os
import sys
import unittest

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train  # noqa: E402
from model import CLASS_COUNT, MultiFashionNet, MultiFashionSegNet  # noqa: E402


def maps_from_targets(targets: train.DetectionTargets) -> torch.Tensor:
    """Build detection maps whose decoding should return exactly the target boxes."""
    heat = targets.heat[0]
    maps = torch.zeros(1, CLASS_COUNT + 4, heat.shape[1], heat.shape[2])
    # Logit 5 (0.993) at the centres, lower logits around them so only the centres are peaks.
    maps[0, :CLASS_COUNT] = torch.where(heat == 1.0, torch.tensor(5.0), heat * 4.0 - 8.0)
    for index in range(targets.row.numel()):
        row, column = targets.row[index], targets.column[index]
        maps[0, CLASS_COUNT:CLASS_COUNT + 2, row, column] = targets.log_size[index]
        maps[0, CLASS_COUNT + 2:, row, column] = targets.offset[index]
    return maps


class ModelTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        torch.manual_seed(0)
        cls.model = MultiFashionNet().eval()
        cls.scripted = torch.jit.script(cls.model)
        cls.x = torch.randn(1, 3, 128, 128)

    def test_output_shapes_without_batch(self):
        with torch.no_grad():
            outputs = self.scripted(self.x)
        self.assertEqual(sorted(outputs), ["det", "seg", "tags"])
        self.assertEqual(list(outputs["seg"]["logits"].shape), [11, 128, 128])
        self.assertEqual(list(outputs["tags"]["logits"].shape), [10])
        detections = outputs["det"]
        count = detections["scores"].shape[0]
        self.assertEqual(list(detections["boxes"].shape), [count, 4])
        self.assertEqual(detections["labels"].dtype, torch.int64)
        self.assertLessEqual(count, 20)

    def test_heads_leave_features_unchanged(self):
        with torch.no_grad():
            features = self.scripted.backbone(self.x)
            before = {key: value.clone() for key, value in features.items()}
            for head in ("head_det", "head_seg", "head_tags"):
                getattr(self.scripted, head)(features)
                for key, value in features.items():
                    self.assertTrue(torch.equal(value, before[key]), f"{head} changed {key}")

    def test_forward_matches_heads(self):
        with torch.no_grad():
            features = self.scripted.backbone(self.x)
            outputs = self.scripted(self.x)
            self.assertTrue(torch.equal(outputs["seg"]["logits"], self.scripted.head_seg(features)["logits"]))
            self.assertTrue(torch.equal(outputs["tags"]["logits"], self.scripted.head_tags(features)["logits"]))

    def test_segmentation_model_has_one_head(self):
        scripted = torch.jit.script(MultiFashionSegNet().eval())
        with torch.no_grad():
            outputs = scripted(self.x)
        self.assertEqual(sorted(outputs), ["seg"])
        self.assertFalse(hasattr(scripted, "head_det"))


class DetectionCodingTest(unittest.TestCase):

    def test_targets_decode_to_boxes(self):
        # COCO boxes x, y, w, h with labels 3 and 7.
        boxes = np.array([[10.0, 20.0, 30.0, 41.0], [70.0, 64.0, 52.0, 23.0]])
        labels = np.array([3, 7])
        targets = train.detection_targets([boxes], [labels])
        head = MultiFashionNet().det
        decoded = head.decode(maps_from_targets(targets))
        self.assertEqual(sorted(decoded["labels"].tolist()), [3, 7])
        for box, label in zip(boxes, labels):
            position = decoded["labels"].tolist().index(int(label))
            expected = [box[0], box[1], box[0] + box[2], box[1] + box[3]]
            np.testing.assert_allclose(decoded["boxes"][position].numpy(), expected, atol=1e-4)
            self.assertAlmostEqual(float(decoded["scores"][position]), 1 / (1 + math.exp(-5.0)), places=6)

    def test_decoding_keeps_only_peaks_above_threshold(self):
        maps = torch.full((1, CLASS_COUNT + 4, 32, 32), -10.0)
        maps[0, 2, 5, 5] = 0.0     # score 0.5, a peak
        maps[0, 2, 5, 6] = -1.0    # next to a higher value: not a peak
        maps[0, 4, 20, 20] = -4.0  # score 0.018, a peak below the 0.05 threshold
        decoded = MultiFashionNet().det.decode(maps)
        self.assertEqual(decoded["labels"].tolist(), [2])
        self.assertAlmostEqual(float(decoded["scores"][0]), 0.5)

    def test_boxes_clamped_to_input(self):
        maps = torch.full((1, CLASS_COUNT + 4, 32, 32), -10.0)
        maps[0, 0, 0, 0] = 3.0
        maps[0, CLASS_COUNT:CLASS_COUNT + 2, 0, 0] = math.log(4.0)  # 128 x 128 pixels at the corner
        decoded = MultiFashionNet().det.decode(maps)
        box = decoded["boxes"][0].tolist()
        self.assertEqual(box[0], 0.0)
        self.assertEqual(box[1], 0.0)
        self.assertLessEqual(box[2], 128.0)
        self.assertLessEqual(box[3], 128.0)

    def test_flip_mirrors_boxes_and_maps(self):
        data = train.TrainingScenes(2, 0, train.scenes.DEFAULT_DATA_DIR)
        indices = np.array([0, 1])
        plain = train.make_batch(data, indices, np.array([False, False]))
        flipped = train.make_batch(data, indices, np.array([True, False]))
        self.assertTrue(torch.equal(flipped[0][0], plain[0][0].flip(-1)))
        self.assertTrue(torch.equal(flipped[1][0], plain[1][0].flip(-1)))
        self.assertTrue(torch.equal(flipped[0][1], plain[0][1]))
        # Centre cells need not mirror exactly because of rounding, so the expected centre column
        # is recomputed from the mirrored box.
        x, _, width, _ = data.boxes[0][0]
        mirrored_centre = (128 - x - width + width / 2) / 4
        first = (flipped[3].batch_index == 0).nonzero()[0, 0]
        self.assertEqual(int(flipped[3].column[first]), min(int(mirrored_centre), 31))


if __name__ == "__main__":
    unittest.main()

"""Hand-computed cases for metrics.py. The expected numbers are worked out in the comments."""

import os
import sys
import unittest

import numpy as np
from sklearn.metrics import average_precision_score

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from metrics import (DetectionImage, SegmentationConfusion, argmax_labels,  # noqa: E402
                     box_iou_matrix, detection_metrics, interpolated_ap, multilabel_metrics,
                     rank_predictions, match_ranked, raw_ap, resize_nearest)

LABELS = ["a", "b", "c"]


def image(gt_boxes, gt_labels, boxes=(), scores=(), labels=()):
    return DetectionImage(np.asarray(gt_boxes, dtype=np.float64).reshape(-1, 4),
                          np.asarray(gt_labels, dtype=np.int64),
                          np.asarray(boxes, dtype=np.float32).reshape(-1, 4),
                          np.asarray(scores, dtype=np.float32),
                          np.asarray(labels, dtype=np.int64))


BOX_A = [10, 10, 30, 30]
BOX_B = [50, 50, 90, 70]
FAR_BOX = [100, 100, 120, 120]


class BoxIouTest(unittest.TestCase):

    def test_iou_without_plus_one(self):
        # Overlap 10 x 20 = 200, union 400 + 400 - 200 = 600.
        iou = box_iou_matrix(np.array([[0, 0, 20, 20]]), np.array([[10, 0, 30, 20]]))
        self.assertAlmostEqual(iou[0, 0], 200 / 600)

    def test_disjoint_and_empty(self):
        self.assertEqual(box_iou_matrix(np.array([BOX_A]), np.array([FAR_BOX]))[0, 0], 0.0)
        self.assertEqual(box_iou_matrix(np.array([BOX_A]), np.zeros((0, 4))).shape, (1, 0))


class DetectionMetricsTest(unittest.TestCase):

    def test_perfect_prediction(self):
        images = [image([BOX_A, BOX_B], [0, 1], [BOX_B, BOX_A], [0.9, 0.8], [1, 0]),
                  image([BOX_A], [2], [BOX_A], [0.3], [2])]
        result = detection_metrics(images, LABELS)
        self.assertEqual(result["map50"], 1.0)
        self.assertEqual(result["map"], 1.0)
        for name in LABELS:
            self.assertEqual(result[f"ap50/{name}"], 1.0)

    def test_all_wrong(self):
        # One prediction with the wrong class, one at the wrong place: no true positive at all.
        images = [image([BOX_A, BOX_B], [0, 1], [BOX_A, FAR_BOX], [0.9, 0.8], [1, 1])]
        result = detection_metrics(images, LABELS)
        self.assertEqual(result["ap50/a"], 0.0)
        self.assertEqual(result["ap50/b"], 0.0)
        self.assertEqual(result["map50"], 0.0)
        self.assertEqual(result["map"], 0.0)

    def test_class_without_predictions_scores_zero(self):
        images = [image([BOX_A, BOX_B], [0, 1], [BOX_A], [0.9], [0])]
        result = detection_metrics(images, LABELS)
        self.assertEqual(result["ap50/a"], 1.0)
        self.assertEqual(result["ap50/b"], 0.0)
        self.assertEqual(result["map50"], 0.5)

    def test_class_without_ground_truth_left_out(self):
        # Class c has predictions but no ground truth: it is not reported and not averaged.
        images = [image([BOX_A], [0], [BOX_A, BOX_B], [0.9, 0.95], [0, 2])]
        result = detection_metrics(images, LABELS)
        self.assertNotIn("ap50/c", result)
        self.assertNotIn("ap50/b", result)
        self.assertEqual(result["map50"], 1.0)

    def test_no_ground_truth_at_all(self):
        result = detection_metrics([image([], [], [BOX_A], [0.5], [0])], LABELS)
        self.assertIsNone(result["map50"])
        self.assertIsNone(result["map"])

    def test_empty_image_without_predictions_changes_nothing(self):
        base = [image([BOX_A], [0], [BOX_A], [0.9], [0])]
        with_empty = base + [image([], [])]
        self.assertEqual(detection_metrics(with_empty, LABELS)["map50"],
                         detection_metrics(base, LABELS)["map50"])

    def test_empty_image_with_prediction_adds_false_positive(self):
        # Ranking: FP (0.9, image without boxes), TP (0.8). Precision 0, then 1/2, recall 0, then 1.
        # Monotone precision is 1/2 at both positions, so every recall point reads 1/2.
        images = [image([], [], [BOX_A], [0.9], [0]), image([BOX_A], [0], [BOX_A], [0.8], [0])]
        self.assertAlmostEqual(detection_metrics(images, LABELS)["map50"], 0.5)

    def test_tied_scores_keep_image_order(self):
        # Class a, G = 2. Ranked with a stable sort: FP (0.9, image 0), TP (0.9, image 1),
        # TP (0.5, image 0). Precision 0, 1/2, 2/3 and recall 0, 1/2, 1, so the monotone precision
        # is 2/3 everywhere and AP = 2/3.
        first = image([BOX_A], [0], [FAR_BOX, BOX_A], [0.9, 0.5], [0, 0])
        second = image([BOX_B], [0], [BOX_B], [0.9], [0])
        self.assertAlmostEqual(detection_metrics([first, second], LABELS)["ap50/a"], 2 / 3)
        # Swapped image order ranks the TP first: precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1.
        # Recall points 0..0.50 (51 of them) read 1, points 0.51..1 (50) read 2/3.
        swapped = detection_metrics([second, first], LABELS)["ap50/a"]
        self.assertAlmostEqual(swapped, (51 * 1.0 + 50 * 2 / 3) / 101)

    def test_tied_scores_keep_head_order(self):
        # Within one image, equal scores keep the head's output order: FP first, then TP.
        fp_first = image([BOX_A], [0], [FAR_BOX, BOX_A], [0.7, 0.7], [0, 0])
        tp_first = image([BOX_A], [0], [BOX_A, FAR_BOX], [0.7, 0.7], [0, 0])
        # FP then TP: precision 0, 1/2 at recall 0, 1, so AP = 1/2. TP then FP: AP = 1.
        self.assertAlmostEqual(detection_metrics([fp_first], LABELS)["ap50/a"], 0.5)
        self.assertAlmostEqual(detection_metrics([tp_first], LABELS)["ap50/a"], 1.0)

    def test_101_point_interpolation(self):
        # G = 3, ranking TP, FP, TP, and the third box is never found. Recall 1/3, 1/3, 2/3,
        # precision 1, 1/2, 2/3, monotone 1, 2/3, 2/3. Points 0..0.33 (34) read 1,
        # points 0.34..0.66 (33) read 2/3, points 0.67..1 (34) read 0: AP = 56 / 101.
        flags = np.array([True, False, True])
        self.assertAlmostEqual(interpolated_ap(flags, 3), 56 / 101)

    def test_recall_point_reached_exactly(self):
        # G = 4, ranking TP, FP, TP, TP, TP: recall 0.25, 0.25, 0.5, 0.75, 1 and precision 1, 1/2,
        # 2/3, 3/4, 4/5, monotone 1, 0.8, 0.8, 0.8, 0.8. Recall point 0.25 is reached exactly at
        # position 0 and reads 1. Points 0..0.25 (26) read 1, points 0.26..1 (75) read 0.8.
        flags = np.array([True, False, True, True, True])
        self.assertAlmostEqual(interpolated_ap(flags, 4), (26 * 1.0 + 75 * 0.8) / 101)

    def test_greedy_matching_takes_best_unmatched(self):
        # Two boxes of class a side by side. The first prediction overlaps left best (IoU 0.82)
        # and takes it. The second also overlaps left most (0.54), but left is taken, so at an IoU
        # threshold of 0.3 it matches right (1/3) and both are true positives.
        left, right = [0, 0, 20, 20], [16, 0, 36, 20]
        first = [2, 0, 22, 20]    # IoU with left 360/440, with right 120/680
        second = [6, 0, 26, 20]   # IoU with left 280/520, with right 200/600
        gt = np.array([left, right], dtype=np.float64)
        self.assertGreater(box_iou_matrix(np.array([second]), gt)[0, 0],
                           box_iou_matrix(np.array([second]), gt)[0, 1])
        images = [image([left, right], [0, 0], [first, second], [0.9, 0.8], [0, 0])]
        flags = match_ranked(rank_predictions(images, 0), 1, 0.3)
        self.assertEqual(flags.tolist(), [True, True])
        # At 0.5 the second prediction's IoU with the remaining box (1/3) is too low.
        flags = match_ranked(rank_predictions(images, 0), 1, 0.5)
        self.assertEqual(flags.tolist(), [True, False])

    def test_duplicate_prediction_is_false_positive(self):
        images = [image([BOX_A], [0], [BOX_A, BOX_A], [0.9, 0.8], [0, 0])]
        flags = match_ranked(rank_predictions(images, 0), 1, 0.5)
        self.assertEqual(flags.tolist(), [True, False])
        self.assertEqual(detection_metrics(images, LABELS)["ap50/a"], 1.0)

    def test_coco_map_over_thresholds(self):
        # IoU = 0.72 with the only box: a hit at 0.50, 0.55, 0.60, 0.65, 0.70 and a miss at the
        # five higher thresholds, so map = 5 / 10.
        predicted = [10, 10, 30, 30 + 20 * (1 / 0.72 - 1)]
        iou = box_iou_matrix(np.array([predicted]), np.array([BOX_A]))[0, 0]
        self.assertAlmostEqual(iou, 0.72)
        result = detection_metrics([image([BOX_A], [0], [predicted], [0.9], [0])], LABELS)
        self.assertEqual(result["map50"], 1.0)
        self.assertAlmostEqual(result["map"], 0.5)

    def test_raw_ap_matches_sklearn(self):
        # With distinct scores, raw AP equals sklearn's AP on the ranking, scaled by matched / G.
        flags = np.array([True, False, True, True, False, False, True])
        scores = np.linspace(1.0, 0.1, flags.size)
        gt_count = 6
        expected = average_precision_score(flags, scores) * flags.sum() / gt_count
        self.assertAlmostEqual(raw_ap(flags, gt_count), expected)


class SegmentationMetricsTest(unittest.TestCase):

    def test_perfect_prediction(self):
        target = np.array([[0, 1], [2, 2]])
        confusion = SegmentationConfusion(3)
        confusion.update(target.copy(), target)
        result = confusion.metrics(LABELS)
        self.assertEqual(result["miou"], 1.0)
        self.assertEqual(result["pixel_accuracy"], 1.0)

    def test_hand_case_with_ignore(self):
        # Counted pixels: 0->0, 1->1, 1->0. The prediction (2) on the ignored pixel does not count.
        # Class 0: TP 1, FP 1, FN 0 -> 1/2. Class 1: TP 1, FP 0, FN 1 -> 1/2. Class 2: left out.
        target = np.array([[0, 1], [1, 255]])
        predicted = np.array([[0, 1], [0, 2]])
        confusion = SegmentationConfusion(3)
        confusion.update(predicted, target)
        result = confusion.metrics(LABELS)
        self.assertAlmostEqual(result["iou/a"], 0.5)
        self.assertAlmostEqual(result["iou/b"], 0.5)
        self.assertNotIn("iou/c", result)
        self.assertAlmostEqual(result["miou"], 0.5)
        self.assertAlmostEqual(result["pixel_accuracy"], 2 / 3)

    def test_all_wrong(self):
        target = np.array([[0, 0], [1, 1]])
        confusion = SegmentationConfusion(3)
        confusion.update(np.array([[1, 1], [2, 2]]), target)
        result = confusion.metrics(LABELS)
        self.assertEqual(result["miou"], 0.0)
        self.assertEqual(result["pixel_accuracy"], 0.0)

    def test_confusion_accumulates_over_images(self):
        # Image 1: 3 pixels of class 1 all right. Image 2: 1 pixel of class 1 predicted as 0.
        # Over the set, class 1 has TP 3, FN 1 -> 3/4, and class 0 has TP 0, FP 1 -> 0.
        # The mean of per-image mIoUs would differ (1 and 0).
        confusion = SegmentationConfusion(2)
        confusion.update(np.array([1, 1, 1]), np.array([1, 1, 1]))
        confusion.update(np.array([0]), np.array([1]))
        result = confusion.metrics(["background", "b"])
        self.assertAlmostEqual(result["iou/b"], 0.75)
        self.assertAlmostEqual(result["iou/background"], 0.0)
        self.assertAlmostEqual(result["miou"], 0.375)

    def test_only_ignored_pixels(self):
        confusion = SegmentationConfusion(2)
        confusion.update(np.array([[0, 1]]), np.array([[255, 255]]))
        result = confusion.metrics(["background", "b"])
        self.assertIsNone(result["miou"])
        self.assertIsNone(result["pixel_accuracy"])

    def test_argmax_ties_go_to_lower_channel(self):
        logits = np.zeros((3, 1, 2), dtype=np.float32)
        logits[1, 0, 1] = 1.0
        logits[2, 0, 1] = 1.0
        self.assertEqual(argmax_labels(logits).tolist(), [[0, 1]])

    def test_nearest_resize(self):
        label_map = np.array([[1, 2], [3, 4]])
        self.assertEqual(resize_nearest(label_map, 4, 4)[:, 0].tolist(), [1, 1, 3, 3])
        self.assertEqual(resize_nearest(label_map, 1, 1).tolist(), [[1]])


class MultilabelMetricsTest(unittest.TestCase):

    def test_perfect_prediction(self):
        targets = np.array([[1, 0], [0, 1], [1, 1]])
        logits = np.where(targets == 1, 3.0, -3.0)
        result = multilabel_metrics(logits, targets, ["a", "b"])
        self.assertEqual(result["map"], 1.0)
        self.assertEqual(result["f1"], 1.0)
        self.assertEqual(result["macro_f1"], 1.0)

    def test_hand_ap(self):
        # Ranked targets 1, 0, 1, 0: precision 1 at recall 1/2, 2/3 at recall 1 -> 1/2 + 1/3.
        logits = np.array([[2.0], [1.0], [0.5], [-1.0]])
        targets = np.array([[1], [0], [1], [0]])
        self.assertAlmostEqual(multilabel_metrics(logits, targets, ["a"])["ap/a"], 5 / 6)

    def test_tied_scores_form_one_step(self):
        # Scores 0.5, 0.5, 0.2 with targets 1, 0, 1: the tie is one step with precision 1/2 and
        # recall 1/2, then precision 2/3 at recall 1. AP = 1/2 * 1/2 + 1/2 * 2/3 = 7/12.
        logits = np.array([[0.5], [0.5], [0.2]])
        targets = np.array([[1], [0], [1]])
        self.assertAlmostEqual(multilabel_metrics(logits, targets, ["a"])["ap/a"], 7 / 12)

    def test_label_without_positives_left_out(self):
        logits = np.array([[1.0, 5.0], [-1.0, 4.0]])
        targets = np.array([[1, 0], [0, 0]])
        result = multilabel_metrics(logits, targets, ["a", "b"])
        self.assertNotIn("ap/b", result)
        self.assertEqual(result["map"], 1.0)

    def test_f1_hand_case(self):
        # Label a: TP 1, FP 1, FN 0 -> F1 2/3. Label b: TP 0, FP 0, FN 1 -> F1 0.
        # Label c: no positives and no predictions -> left out of macro F1.
        # Micro: TP 1, FP 1, FN 1 -> 2 / 4.
        logits = np.array([[1.0, -1.0, -2.0], [0.0, -0.5, -3.0]])  # logit 0 is sigmoid 0.5: positive
        targets = np.array([[1, 0, 0], [0, 1, 0]])
        result = multilabel_metrics(logits, targets, LABELS)
        self.assertAlmostEqual(result["f1"], 0.5)
        self.assertAlmostEqual(result["macro_f1"], (2 / 3 + 0.0) / 2)

    def test_all_wrong(self):
        logits = np.array([[-1.0, 1.0], [1.0, -1.0]])
        targets = np.array([[1, 0], [0, 1]])
        result = multilabel_metrics(logits, targets, ["a", "b"])
        self.assertEqual(result["f1"], 0.0)
        self.assertEqual(result["macro_f1"], 0.0)
        self.assertAlmostEqual(result["map"], 0.5)


if __name__ == "__main__":
    unittest.main()

"""Evaluation metrics as defined in docs/metrics.md, in NumPy.

The C++ evaluator (`mtl eval`) implements the same definitions and must agree with these functions
to 1e-3, so the choices the page leaves to the implementation are fixed here:

- Detection IoU thresholds are (50 + 5 * i) / 100 and recall points k / 100, computed in float64,
  and recall is TP / G in float64. Boxes and IoUs are float64.
- A prediction whose best unmatched ground-truth boxes tie in IoU matches the first of them in the
  set's annotation order.
- Tag AP ranks images by the raw logit. Sigmoid is monotonic, so this is the same ranking as by
  probability, without the ties that float32 sigmoid produces for large logits.
- The 0.5 probability threshold of the F1 scores is applied as `logit >= 0`, which is exactly
  `sigmoid(logit) >= 0.5`.

Undefined means (no class with ground truth, no counted pixel) are returned as None.
"""

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np
from sklearn.metrics import average_precision_score

IOU_THRESHOLDS = [(50 + 5 * i) / 100.0 for i in range(10)]
RECALL_POINTS = np.array([k / 100.0 for k in range(101)], dtype=np.float64)


def _mean_or_none(values: Sequence[float]) -> Optional[float]:
    return float(np.mean(values)) if len(values) > 0 else None


# Detection

@dataclass
class DetectionImage:
    """Ground truth and predictions of one image, boxes as x1, y1, x2, y2 in pixels."""

    gt_boxes: np.ndarray  # float [G, 4]
    gt_labels: np.ndarray  # int [G], label index
    boxes: np.ndarray  # float [N, 4], in the head's output order
    scores: np.ndarray  # float [N]
    labels: np.ndarray  # int [N], label index


def box_iou_matrix(boxes: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Return the [len(boxes), len(others)] IoU matrix of x1, y1, x2, y2 boxes (area without +1)."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    others = np.asarray(others, dtype=np.float64).reshape(-1, 4)
    left = np.maximum(boxes[:, None, 0], others[None, :, 0])
    top = np.maximum(boxes[:, None, 1], others[None, :, 1])
    right = np.minimum(boxes[:, None, 2], others[None, :, 2])
    bottom = np.minimum(boxes[:, None, 3], others[None, :, 3])
    intersection = np.clip(right - left, 0.0, None) * np.clip(bottom - top, 0.0, None)
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    other_area = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    union = area[:, None] + other_area[None, :] - intersection
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(union > 0.0, intersection / union, 0.0)


def rank_predictions(images: Sequence[DetectionImage], label: int):
    """Return (image index, IoU row against that image's boxes of `label`) per prediction, best first.

    The sort is stable over image order, then the head's output order, so equal scores keep it.
    """
    scores, entries = [], []
    for image_index, image in enumerate(images):
        gt_boxes = np.asarray(image.gt_boxes, dtype=np.float64).reshape(-1, 4)
        class_gt = gt_boxes[np.asarray(image.gt_labels) == label]
        selected = np.flatnonzero(np.asarray(image.labels) == label)
        if selected.size == 0:
            continue
        ious = box_iou_matrix(np.asarray(image.boxes).reshape(-1, 4)[selected], class_gt)
        for row, prediction in enumerate(selected):
            scores.append(float(image.scores[prediction]))
            entries.append((image_index, ious[row]))
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")
    return [entries[i] for i in order]


def match_ranked(ranked, image_count: int, threshold: float) -> np.ndarray:
    """Greedily match ranked predictions at an IoU threshold and return their true-positive flags."""
    matched = [None] * image_count
    flags = np.zeros(len(ranked), dtype=bool)
    for position, (image_index, ious) in enumerate(ranked):
        if ious.size == 0:
            continue
        if matched[image_index] is None:
            matched[image_index] = np.zeros(ious.size, dtype=bool)
        available = np.where(matched[image_index], -np.inf, ious)
        best = int(np.argmax(available))  # the first of equal IoUs
        if not matched[image_index][best] and available[best] >= threshold:
            matched[image_index][best] = True
            flags[position] = True
    return flags


def interpolated_ap(true_positive: np.ndarray, gt_count: int) -> float:
    """Return the COCO 101-point interpolated AP of ranked true-positive flags."""
    if gt_count <= 0:
        raise ValueError(f"AP needs at least one ground-truth box, got {gt_count}")
    if true_positive.size == 0:
        return 0.0
    tp = np.cumsum(true_positive, dtype=np.int64)
    fp = np.cumsum(~true_positive, dtype=np.int64)
    recall = tp / float(gt_count)
    precision = tp / (tp + fp).astype(np.float64)
    precision = np.maximum.accumulate(precision[::-1])[::-1]
    positions = np.searchsorted(recall, RECALL_POINTS, side="left")
    sampled = np.where(positions < recall.size, precision[np.minimum(positions, recall.size - 1)], 0.0)
    return float(np.sum(sampled) / RECALL_POINTS.size)


def raw_ap(true_positive: np.ndarray, gt_count: int) -> float:
    """Return the un-interpolated AP: the sum over true positives of precision / G."""
    if true_positive.size == 0:
        return 0.0
    tp = np.cumsum(true_positive, dtype=np.int64)
    precision = tp / np.arange(1, true_positive.size + 1, dtype=np.float64)
    return float(np.sum(precision[true_positive]) / gt_count)


def detection_metrics(images: Sequence[DetectionImage], labels: Sequence[str]) -> Dict[str, Optional[float]]:
    """Return map50, map, ap50/<label> and ap50_raw/<label> over a set of images.

    Labels without ground truth in the set are left out of the means and of the per-label keys.
    """
    results: Dict[str, Optional[float]] = {}
    ap_at_threshold = {threshold: [] for threshold in IOU_THRESHOLDS}
    for label_index, name in enumerate(labels):
        gt_count = int(sum(np.count_nonzero(np.asarray(image.gt_labels) == label_index) for image in images))
        if gt_count == 0:
            continue
        ranked = rank_predictions(images, label_index)
        for threshold in IOU_THRESHOLDS:
            flags = match_ranked(ranked, len(images), threshold)
            ap = interpolated_ap(flags, gt_count)
            ap_at_threshold[threshold].append(ap)
            if threshold == 0.5:
                results[f"ap50/{name}"] = ap
                results[f"ap50_raw/{name}"] = raw_ap(flags, gt_count)
    results["map50"] = _mean_or_none(ap_at_threshold[0.5])
    per_threshold = [_mean_or_none(values) for values in ap_at_threshold.values()]
    results["map"] = None if per_threshold[0] is None else float(np.mean(per_threshold))
    return results


# Segmentation

def argmax_labels(logits: np.ndarray) -> np.ndarray:
    """Return the per-pixel arg-max channel of [C, H, W] logits, with ties going to the lower channel."""
    return np.argmax(logits, axis=0)


def resize_nearest(label_map: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resize a label map with nearest-neighbour sampling: source index floor(i * in / out)."""
    rows = (np.arange(height) * label_map.shape[0]) // height
    columns = (np.arange(width) * label_map.shape[1]) // width
    return label_map[rows[:, None], columns[None, :]]


class SegmentationConfusion:
    """Confusion matrix accumulated over a set: rows are true classes, columns predicted ones."""

    def __init__(self, class_count: int, ignore_label: int = 255):
        self.class_count = class_count
        self.ignore_label = ignore_label
        self.matrix = np.zeros((class_count, class_count), dtype=np.int64)

    def update(self, predicted: np.ndarray, target: np.ndarray) -> None:
        """Add one image. `target` contains channel indices or the ignore label."""
        if predicted.shape != target.shape:
            predicted = resize_nearest(predicted, target.shape[0], target.shape[1])
        counted = target != self.ignore_label
        truth = target[counted].astype(np.int64)
        guess = predicted[counted].astype(np.int64)
        if truth.size and (truth.min() < 0 or truth.max() >= self.class_count):
            raise ValueError(f"target label {int(truth.max())} is outside 0..{self.class_count - 1}")
        self.matrix += np.bincount(truth * self.class_count + guess,
                                   minlength=self.class_count ** 2).reshape(self.class_count, self.class_count)

    def metrics(self, labels: Sequence[str]) -> Dict[str, Optional[float]]:
        """Return miou, pixel_accuracy and iou/<label> for classes with TP + FP + FN > 0."""
        true_positive = np.diag(self.matrix).astype(np.float64)
        false_positive = self.matrix.sum(axis=0) - true_positive
        false_negative = self.matrix.sum(axis=1) - true_positive
        union = true_positive + false_positive + false_negative
        results: Dict[str, Optional[float]] = {}
        ious = []
        for index, name in enumerate(labels):
            if union[index] > 0:
                iou = float(true_positive[index] / union[index])
                results[f"iou/{name}"] = iou
                ious.append(iou)
        total = self.matrix.sum()
        results["miou"] = _mean_or_none(ious)
        results["pixel_accuracy"] = float(true_positive.sum() / total) if total > 0 else None
        return results


# Multi-label tags

def multilabel_metrics(logits: np.ndarray, targets: np.ndarray,
                       labels: Sequence[str]) -> Dict[str, Optional[float]]:
    """Return map, f1 (micro), macro_f1 and ap/<label> of [N, L] logits against [N, L] 0/1 targets."""
    logits = np.asarray(logits, dtype=np.float64)
    targets = np.asarray(targets).astype(bool)
    predicted = logits >= 0.0
    results: Dict[str, Optional[float]] = {}

    aps = []
    for index, name in enumerate(labels):
        if targets[:, index].any():
            ap = float(average_precision_score(targets[:, index], logits[:, index]))
            results[f"ap/{name}"] = ap
            aps.append(ap)
    results["map"] = _mean_or_none(aps)

    true_positive = np.count_nonzero(predicted & targets, axis=0)
    false_positive = np.count_nonzero(predicted & ~targets, axis=0)
    false_negative = np.count_nonzero(~predicted & targets, axis=0)
    micro_denominator = 2 * true_positive.sum() + false_positive.sum() + false_negative.sum()
    results["f1"] = float(2 * true_positive.sum() / micro_denominator) if micro_denominator > 0 else None
    per_label: List[float] = []
    for tp, fp, fn in zip(true_positive, false_positive, false_negative):
        if tp + fp + fn > 0:
            per_label.append(2.0 * tp / (2 * tp + fp + fn))
    results["macro_f1"] = _mean_or_none(per_label)
    return results

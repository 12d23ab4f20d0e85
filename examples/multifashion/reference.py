#!/usr/bin/python3
"""Record an archive's outputs on a few evaluation scenes, for the C++ tests to compare against.

The outputs come from the saved archive (`torch.jit.load`), run as `backbone` followed by each
task's head method, on inputs read from the scenes' PNG files with the preprocessing of
evaluate.py. Each float is a float32 result, written as the shortest decimal that parses back to
the same float64, so a reader that parses it as float32 gets the original value. Sums are computed
in float64.

Per scene and task kind the file records:
- detection: boxes [N, 4] (x1, y1, x2, y2 in input pixels), scores [N] and labels [N], in full;
- multilabel: logits [C] in full;
- segmentation: shape [C, H, W], channel_sums [C] (sum of each channel's logits),
  argmax_histogram [C] (pixel count per arg-max channel, ties to the lower channel), and samples,
  every SAMPLE_STRIDE-th element of the row-major flattened logits starting at element 0.
"""

import argparse
import json
import os
import sys
from typing import Dict, Sequence

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from evaluate import EvalSplit, load_archive, load_input, run_tasks  # noqa: E402
from metrics import argmax_labels  # noqa: E402

SAMPLE_STRIDE = 97
DEFAULT_SCENES = (0, 1, 2)


def float_list(values: np.ndarray) -> list:
    return [float(v) for v in np.asarray(values, dtype=np.float32).ravel()]


def describe_outputs(kind: str, outputs: Dict) -> Dict:
    """Return the JSON record of one task's outputs on one scene."""
    if kind == "detection":
        boxes = outputs["boxes"].numpy()
        return {"boxes": [float_list(row) for row in boxes], "scores": float_list(outputs["scores"].numpy()),
                "labels": [int(v) for v in outputs["labels"].numpy()]}
    if kind == "segmentation":
        logits = outputs["logits"].numpy()
        channels = logits.shape[0]
        histogram = np.bincount(argmax_labels(logits).ravel(), minlength=channels)
        return {
            "shape": list(logits.shape),
            "channel_sums": [float(v) for v in logits.astype(np.float64).sum(axis=(1, 2))],
            "argmax_histogram": [int(v) for v in histogram],
            "sample_stride": SAMPLE_STRIDE,
            "samples": float_list(logits.ravel()[::SAMPLE_STRIDE]),
        }
    return {key: float_list(value.numpy()) for key, value in outputs.items()}


def build_reference(archive_path: str, split: EvalSplit, scene_indices: Sequence[int]) -> Dict:
    """Run the archive on the chosen scenes and return the reference document."""
    module, manifest = load_archive(archive_path)
    kinds = {task["name"]: task["kind"] for task in manifest["tasks"]}
    scenes = []
    for index in scene_indices:
        image = split.images[index]
        x = load_input(split.path(image.file_name), manifest["input"]["mean"], manifest["input"]["std"])
        outputs = run_tasks(module, manifest, x)
        scenes.append({
            "index": index,
            "image_id": image.image_id,
            "file_name": image.file_name,
            "tasks": {name: describe_outputs(kinds[name], value) for name, value in outputs.items()},
        })
    return {
        "archive": os.path.basename(archive_path),
        "model": manifest["model"],
        "eval_split": {"seed": split.info.get("seed"), "count": len(split.images)},
        "preprocessing": "PNG decoded as RGB uint8, float32 / 255, (x - mean) / std per channel, "
                         "NCHW [1, 3, 128, 128]; mean and std from the manifest",
        "scenes": scenes,
    }


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description="Write the reference outputs of an archive on a few "
                                                 "evaluation scenes as JSON.")
    parser.add_argument("--model", required=True, help="path of the .pt archive")
    parser.add_argument("--data", required=True, help="evaluation split folder with annotations.json")
    parser.add_argument("--out", required=True, help="output JSON path")
    parser.add_argument("--scenes", type=int, nargs="+", default=list(DEFAULT_SCENES),
                        help="zero-based positions in the split's image list (default: 0 1 2)")
    arguments = parser.parse_args(argv)
    document = build_reference(arguments.model, EvalSplit(arguments.data), arguments.scenes)
    with open(arguments.out, "w", encoding="utf-8") as stream:
        json.dump(document, stream, indent=1)
        stream.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

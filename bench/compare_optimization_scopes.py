"""Time an archive's forward() against its backbone and heads called separately, in Python, under
three optimization scopes, to show why mtl optimizes every method:

- none: the frozen archive as saved (batch norm already folded by torch.jit.freeze);
- forward only: torch.jit.optimize_for_inference without other_methods, which converts forward's
  graph to oneDNN but leaves backbone and the heads as they were;
- every method: the same passes on forward, backbone and every head (what mtl does in C++).

    /usr/bin/python3 bench/compare_optimization_scopes.py build/bench/resnet18_fpn.pt --threads 2
"""

import argparse
import json
import statistics
import time
import zipfile

import torch


def manifest_of(path):
    with zipfile.ZipFile(path) as archive:
        name = next(n for n in archive.namelist() if n.endswith("extra/mtl/manifest.json"))
        return json.loads(archive.read(name))


def median_ms(function, repeat, warmup):
    for _ in range(warmup):
        function()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="mtl archive (.pt)")
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads (default: 2)")
    parser.add_argument("--repeat", type=int, default=20, help="measured runs per figure (default: 20)")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured runs first (default: 3)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    manifest = manifest_of(args.model)
    heads = [task["method"] for task in manifest["tasks"]]
    backbone = manifest["backbone"]["method"]
    spec = manifest["input"]
    x = torch.rand(1, spec["channels"], spec["height"], spec["width"])

    for scope in ("none", "forward only", "every method"):
        module = torch.jit.load(args.model)
        if scope == "forward only":
            torch._C._jit_pass_optimize_for_inference(module._c, [])
        elif scope == "every method":
            torch._C._jit_pass_optimize_for_inference(module._c, [backbone] + heads)

        def split():
            features = getattr(module, backbone)(x)
            for head in heads:
                getattr(module, head)(features)

        with torch.inference_mode():
            forward_ms = median_ms(lambda: module(x), args.repeat, args.warmup)
            split_ms = median_ms(split, args.repeat, args.warmup)
        print(f"{scope:>13}: forward {forward_ms:7.1f} ms, backbone + heads {split_ms:7.1f} ms, "
              f"ratio {split_ms / forward_ms:.3f}")


if __name__ == "__main__":
    main()

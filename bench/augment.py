"""Figures of the augmentation studio on PneumoniaMNIST (CPU).

1. Throughput: the classic-Keras preset through MedLens's tf.data pipeline against Keras's
   ImageDataGenerator with the same settings, on the same images, same process: the 4,708 training images at
   28x28, and at each of --sizes above 28 the first 1,024 of them enlarged (bilinear) to that size.
2. Preview: median time to regenerate a 16-image grid at 28x28 and at 224x224 (the real 28x28
   images enlarged to 224, since only the 28x28 files are available offline).
3. Data efficiency (unless --skip-efficiency): the chest-X-ray preset at 1/5/10/25/100 % of the
   labels, 3 seeds, with and without augmentation; runs are cached, so a rerun only prints.

    python bench/augment.py [--skip-efficiency] [--seeds 3] [--sizes 28 224]
"""

import argparse
import json
import os
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

import core  # noqa: F401
from core.augment import benchmark
from core.augment.efficiency import EfficiencyConfig, run_experiment
from core.augment.pipeline import PRESETS
from core.data import load
from core.data.dataset import Split

ENLARGED_IMAGES = 1024  # at 224 px, 1,024 images are 51 MB of uint8 and 205 MB as ImageDataGenerator's floats


def enlarged(images: np.ndarray, size: int) -> np.ndarray:
    import tensorflow as tf

    return tf.image.resize(images, (size, size), method="bilinear").numpy().round().astype(np.uint8)


def at_size(dataset, size: int):
    """The dataset itself at 28 px; above, its first ENLARGED_IMAGES images of each split enlarged to ``size``."""
    if size == dataset.image_shape[0]:
        return dataset
    splits = {
        name: Split(enlarged(dataset.images(name)[:ENLARGED_IMAGES], size), dataset.labels(name)[:ENLARGED_IMAGES])
        for name in dataset.splits
    }
    return replace(dataset, splits=splits)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-efficiency", action="store_true")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[28, 224])
    args = parser.parse_args()

    dataset = load("pneumoniamnist")
    images, labels = dataset.images("test")[:4], dataset.labels("test")[:4]
    large = enlarged(images, 224)
    throughput = {str(size): benchmark.throughput(at_size(dataset, size)) for size in args.sizes}
    report = {
        "bench": "augment",
        "throughput": throughput.get("28"),
        "throughput_by_size": throughput,
        "preview_seconds": {
            "28": round(benchmark.preview_seconds(images, labels, 2), 4),
            "224": round(benchmark.preview_seconds(large, labels, 2), 4),
        },
        "cpu_count": os.cpu_count(),
    }
    print(json.dumps(report), flush=True)
    if not args.skip_efficiency:
        progress = lambda fraction, message: print(f"[{fraction:4.0%}] {message}", file=sys.stderr, flush=True)  # noqa: E731
        rows = run_experiment(dataset, PRESETS["chest_xray"], EfficiencyConfig(seeds=args.seeds), on_progress=progress)
        report["efficiency"] = {"pipeline": "chest_xray", "seeds": args.seeds, "rows": rows}
        print(json.dumps(report))


if __name__ == "__main__":
    main()

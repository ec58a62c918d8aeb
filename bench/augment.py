"""Figures of the augmentation studio on PneumoniaMNIST (CPU).

1. Throughput: the classic-Keras preset through MedLens's tf.data pipeline against Keras's
   ImageDataGenerator with the same settings, on the same 4,708 training images, same process.
2. Preview: median time to regenerate a 16-image grid at 28x28 and at 224x224 (the real 28x28
   images enlarged to 224, since only the 28x28 files are available offline).
3. Data efficiency (unless --skip-efficiency): the chest-X-ray preset at 1/5/10/25/100 % of the
   labels, 3 seeds, with and without augmentation; runs are cached, so a rerun only prints.

    python bench/augment.py [--skip-efficiency] [--seeds 3]
"""

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

import core  # noqa: F401
from core.augment import benchmark
from core.augment.efficiency import EfficiencyConfig, run_experiment
from core.augment.pipeline import PRESETS
from core.data import load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-efficiency", action="store_true")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    import tensorflow as tf

    dataset = load("pneumoniamnist")
    images, labels = dataset.images("test")[:4], dataset.labels("test")[:4]
    large = tf.image.resize(images, (224, 224), method="bilinear").numpy().round().astype(np.uint8)
    report = {
        "bench": "augment",
        "throughput": benchmark.throughput(dataset),
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

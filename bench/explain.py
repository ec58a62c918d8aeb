"""Figures of the explanation studio on the default PneumoniaMNIST model, CPU.

Trains the default model (seed 0) unless --model names a stored one, then runs
`core.explain.benchmark` over 16 test images: median ms per image for every method, deletion
and insertion AUCs against the random-order baseline, and a repeated request from the cache.

    python bench/explain.py [--model ID] [--images 16]
"""

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import core  # noqa: F401
from core.data import load
from core.explain import benchmark
from core.explain.predictor import Predictor
from core.models import store
from core.models.train import TrainConfig
from core.models.workflow import train_and_store

TARGET_MS = {
    "gradcam": 50,
    "integrated_gradients": 300,
    "shap_gradient": 1000,
    "shap_partition": 3000,
    "lime": 2000,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model")
    parser.add_argument("--images", type=int, default=16)
    args = parser.parse_args()
    meta = store.read_meta(args.model) if args.model else train_and_store("pneumoniamnist", 28, TrainConfig()).meta
    report = benchmark.run(Predictor(store.load(meta.id)), load(meta.dataset, meta.size), images=args.images)
    report["targets_ms"] = TARGET_MS
    report["meets_speed_targets"] = {
        name: report["methods"].get(name, {}).get("ms_per_image", float("inf")) <= limit
        for name, limit in TARGET_MS.items()
    }
    report["cache_meets_target"] = report["cached_request_ms"] <= 20
    print(json.dumps({"bench": "explain", "model_id": meta.id, "cpu_count": os.cpu_count(), **report}))


if __name__ == "__main__":
    main()

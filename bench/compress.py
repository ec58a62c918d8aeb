"""Figures of the compression lab on the default PneumoniaMNIST model.

Trains the default model (`python -m core train` settings, seed 0) unless --model names a
stored one, then in one process: the int8 and best combined recipes against the float32
TFLite file (size, gzip size, accuracy drop), int8 against float32 single-image latency
measured side by side (interleaved), and the wall time of a 12-candidate search.

    python bench/compress.py [--model ID] [--budget 12]
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import core  # noqa: F401
from core.compress.measure import TFLiteRunner
from core.compress.recipe import BUILTIN
from core.compress.run import Compressor
from core.compress.search import SearchConfig, search
from core.data import load
from core.models import store
from core.models.train import TrainConfig
from core.models.workflow import train_and_store


def side_by_side_latency(float_file: Path, int8_file: Path, image, rounds: int = 20, runs: int = 50) -> dict:
    """Alternate the two interpreters so both see the same machine state; medians of per-round medians."""
    float_runner, int8_runner = TFLiteRunner(float_file.read_bytes(), 1), TFLiteRunner(int8_file.read_bytes(), 1)
    float_ms, int8_ms = [], []
    for _ in range(rounds):
        float_ms.append(float_runner.latency_ms(image, runs))
        int8_ms.append(int8_runner.latency_ms(image, runs))
    f, i = statistics.median(float_ms), statistics.median(int8_ms)
    return {"float32_ms": round(f, 4), "int8_ms": round(i, 4), "int8_speedup": round(f / i, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model")
    parser.add_argument("--budget", type=int, default=12)
    args = parser.parse_args()
    if args.model:
        meta = store.read_meta(args.model)
    else:
        meta = train_and_store("pneumoniamnist", 28, TrainConfig(seed=0)).meta
    compressor = Compressor(store.load(meta.id), load(meta.dataset, meta.size))
    started = time.perf_counter()
    found = search(compressor, SearchConfig(max_drop=0.02, target_ratio=10.0, budget=args.budget))
    search_seconds = time.perf_counter() - started
    int8 = compressor.run(BUILTIN["int8"])
    combined = [c for c in found.candidates if len(c.recipe.steps) > 1]
    best = min(
        (c for c in combined if c.accuracy_drop <= 0.02),
        key=lambda c: c.measurement.gzip_bytes,
        default=None,
    )
    baseline_file = next(compressor.baseline_folder().glob("model.tflite"))
    latency = side_by_side_latency(baseline_file, int8.artifact, compressor.dataset.images("test")[0])
    print(
        json.dumps(
            {
                "bench": "compress",
                "model_id": meta.id,
                "baseline": {
                    "bytes": int8.baseline.bytes,
                    "gzip_bytes": int8.baseline.gzip_bytes,
                    "test_accuracy": int8.baseline.test_accuracy,
                },
                "int8": {
                    "size_ratio": round(int8.size_ratio, 2),
                    "accuracy_drop_points": round(int8.accuracy_drop * 100, 2),
                },
                "best_combined": None
                if best is None
                else {
                    "recipe": best.recipe.name,
                    "gzip_ratio": round(best.gzip_ratio, 2),
                    "accuracy_drop_points": round(best.accuracy_drop * 100, 2),
                    "test_auc": round(best.measurement.test_auc, 4),
                },
                "latency": latency,
                "search": {
                    "budget": args.budget,
                    "seconds": round(search_seconds, 1),
                    "recommended": found.recommended.recipe.name if found.recommended else None,
                    "verdict": found.verdict,
                },
                "candidates": [
                    {
                        "recipe": c.recipe.name,
                        "size_ratio": round(c.size_ratio, 2),
                        "gzip_ratio": round(c.gzip_ratio, 2),
                        "accuracy": round(c.measurement.test_accuracy, 4),
                        "drop_points": round(c.accuracy_drop * 100, 2),
                        "auc": round(c.measurement.test_auc, 4),
                        "latency_ms": round(c.measurement.latency_ms, 4),
                    }
                    for c in found.candidates
                ],
                "cpu_count": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()

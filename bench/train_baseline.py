"""Figure: the default `python -m core train --dataset pneumoniamnist --json` against the MedMNIST v2 baseline.

Runs the exact CLI command (in a throw-away MEDLENS_HOME) once per seed and prints one JSON
line: per-seed test accuracy/AUC/seconds, and whether each meets ResNet-18 (28)'s published
0.854 accuracy / 0.944 AUC within the 300 s budget.

    python bench/train_baseline.py [--seeds 0,1,2]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_ACCURACY, TARGET_AUC, BUDGET_SECONDS = 0.854, 0.944, 300.0


def run(seed: int) -> dict:
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, MEDLENS_HOME=home)
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "core", "train", "--dataset", "pneumoniamnist", "--seed", str(seed), "--json"],
            cwd=ROOT, env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        wall = time.perf_counter() - started
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    return {
        "seed": seed,
        "test_accuracy": round(summary["test_accuracy"], 4),
        "test_auc": round(summary["test_auc"], 4),
        "epochs": summary["epochs"],
        "best_epoch": summary["best_epoch"],
        "train_seconds": summary["train_seconds"],
        "command_seconds": round(wall, 1),
        "meets_target": summary["test_accuracy"] >= TARGET_ACCURACY
        and summary["test_auc"] >= TARGET_AUC
        and wall < BUDGET_SECONDS,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0")
    seeds = [int(s) for s in parser.parse_args().seeds.split(",")]
    runs = [run(seed) for seed in seeds]
    for r in runs:
        print(json.dumps(r), file=sys.stderr)
    print(
        json.dumps(
            {
                "bench": "train_baseline",
                "target": {"test_accuracy": TARGET_ACCURACY, "test_auc": TARGET_AUC, "seconds": BUDGET_SECONDS},
                "runs": runs,
                "all_meet_target": all(r["meets_target"] for r in runs),
                "cpu_count": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()

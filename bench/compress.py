"""Figures of the compression lab on the default PneumoniaMNIST model, read as a clinician would.

For each seed: trains the default model (`python -m core train` settings) unless --models names stored ones,
then, in one process, measures the original float32 TFLite file, `int8`, `prune80-cluster16-int8` with plain
fine-tuning (labels only) and with knowledge distillation (the built-in), and the moonshot candidates (distilled,
≥ 30x): size ratio (gzip), accuracy, AUC, sensitivity at 95 % specificity with its CI, ECE, agreement with the
original and decision flips at each file's own operating point. Also int8 against float32 single-image latency
side by side (interleaved) and, with --search, the wall time of a 12-candidate search.

    python bench/compress.py [--seeds 0 1 2] [--models ID ...] [--search]
"""

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import core  # noqa: F401
from core.compress.figures import FIGURES
from core.compress.recipe import BUILTIN, Recipe, Step
from core.compress.run import Compressor
from core.compress.search import SearchConfig, search
from core.data import load
from core.models import store
from core.models.tflite import TFLiteRunner
from core.models.train import TrainConfig
from core.models.workflow import train_and_store

TARGETS = {"gzip_ratio": 12.0, "accuracy_drop_points": 2.0, "auc_drop": 0.01, "agreement": 0.95}
MOONSHOT = {"gzip_ratio": 30.0, "auc_drop": 0.01}


def plain(recipe: Recipe) -> Recipe:
    """The same recipe with today's fine-tuning: labels only, no distillation."""
    steps = tuple(Step(s.kind, {**s.params, "distill": 0.0}) if "distill" in s.params else s for s in recipe.steps)
    return replace(recipe, name=f"{recipe.name} (plain)", steps=steps)


def distilled(name: str, sparsity: float, clusters: int) -> Recipe:
    return Recipe(
        name,
        (
            Step("prune", {"sparsity": sparsity, "epochs": 6}),
            Step("cluster", {"clusters": clusters, "preserve_sparsity": True, "epochs": 6}),
            Step("export", {"mode": "int8"}),
        ),
    )


RECIPES = {
    "int8": BUILTIN["int8"],
    "prune80-cluster16-int8 plain": plain(BUILTIN["prune80-cluster16-int8"]),
    "prune80-cluster16-int8 distilled": BUILTIN["prune80-cluster16-int8"],
    "prune95-cluster8-int8 distilled": distilled("prune95-cluster8-int8", 0.95, 8),
    "prune95-cluster4-int8 distilled": distilled("prune95-cluster4-int8", 0.95, 4),
}


def row(result, baseline=None) -> dict:
    """One file's line of the table; ``result`` None is the original float32 TFLite file."""
    m = baseline if result is None else result.measurement
    sens = (m.clinical.get("sensitivity_at_specificity") or {}).get("0.95", {})
    flips = {"count": 0, "share": 0.0} if result is None else result.decision_flips()
    return {
        "gzip_ratio": 1.0 if result is None else round(result.gzip_ratio, 2),
        "accuracy": round(m.test_accuracy, 4),
        "accuracy_drop_points": 0.0 if result is None else round(result.accuracy_drop * 100, 2),
        "auc": round(m.test_auc, 4),
        "auc_drop": 0.0 if result is None else round(result.worsening("auc"), 4),
        "sens_at_95_spec": {k: round(sens[k], 4) for k in ("value", "ci_low", "ci_high") if k in sens},
        "ece": round(FIGURES["ece"].value(m), 4),
        "agreement": 1.0 if result is None else round(m.agreement, 4),
        "flips": flips["count"],
        "flip_share": round(flips["share"], 4),
    }


def meets(line: dict, targets: dict) -> bool:
    return (
        line["gzip_ratio"] >= targets["gzip_ratio"]
        and line["auc_drop"] <= targets["auc_drop"]
        and line["accuracy_drop_points"] <= targets.get("accuracy_drop_points", 100.0)
        and line["agreement"] >= targets.get("agreement", 0.0)
    )


def side_by_side_latency(float_file: Path, int8_file: Path, image, rounds: int = 20, runs: int = 50) -> dict:
    """Alternate the two interpreters so both see the same machine state; medians of per-round medians."""
    float_runner, int8_runner = TFLiteRunner(float_file.read_bytes(), 1), TFLiteRunner(int8_file.read_bytes(), 1)
    float_ms, int8_ms = [], []
    for _ in range(rounds):
        float_ms.append(float_runner.latency_ms(image, runs))
        int8_ms.append(int8_runner.latency_ms(image, runs))
    f, i = statistics.median(float_ms), statistics.median(int8_ms)
    return {"float32_ms": round(f, 4), "int8_ms": round(i, 4), "int8_speedup": round(f / i, 2)}


def one_seed(seed: int, model_id: str | None) -> dict:
    meta = store.read_meta(model_id) if model_id else train_and_store("pneumoniamnist", 28, TrainConfig(seed=seed)).meta
    compressor = Compressor(store.load(meta.id), load(meta.dataset, meta.size), seed=seed)
    table, seconds = {"original float32": row(None, compressor.baseline())}, {}
    results = {}
    for label, recipe in RECIPES.items():
        started = time.perf_counter()
        results[label] = compressor.run(recipe)
        seconds[label] = round(time.perf_counter() - started, 1)
        table[label] = row(results[label])
        print(json.dumps({"seed": seed, "recipe": label, **table[label]}), file=sys.stderr, flush=True)
    baseline_file = compressor.baseline_folder() / "model.tflite"
    latency = side_by_side_latency(baseline_file, results["int8"].artifact, compressor.dataset.images("test")[0])
    return {"seed": seed, "model_id": meta.id, "table": table, "seconds": seconds, "latency": latency}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--models", nargs="+", help="stored default models, one per seed, instead of training")
    parser.add_argument("--search", action="store_true", help="also time a 12-candidate search on the first seed")
    args = parser.parse_args()
    models = args.models or [None] * len(args.seeds)
    runs = [one_seed(seed, model_id) for seed, model_id in zip(args.seeds, models, strict=True)]
    headline = "prune80-cluster16-int8 distilled"
    verdict = {
        "headline_meets_targets_every_seed": all(meets(r["table"][headline], TARGETS) for r in runs),
        "plain_meets_targets_every_seed": all(meets(r["table"]["prune80-cluster16-int8 plain"], TARGETS) for r in runs),
        "moonshot": {
            label: all(meets(r["table"][label], MOONSHOT) for r in runs)
            for label in RECIPES
            if label.startswith("prune95")
        },
    }
    report = {"bench": "compress", "targets": TARGETS, "moonshot_targets": MOONSHOT, "runs": runs, **verdict}
    if args.search:
        compressor = Compressor(store.load(runs[0]["model_id"]), load("pneumoniamnist", 28), seed=args.seeds[0])
        started = time.perf_counter()
        found = search(compressor, SearchConfig(max_drop=0.02, target_ratio=10.0, max_auc_drop=0.01))
        report["search"] = {
            "seconds": round(time.perf_counter() - started, 1),
            "recommended": found.recommended.recipe.name if found.recommended else None,
            "verdict": found.verdict,
        }
    report["cpu_count"] = os.cpu_count()
    print(json.dumps(report))


if __name__ == "__main__":
    main()

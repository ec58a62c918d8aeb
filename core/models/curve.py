"""Label-efficiency curves: one score per (label fraction, seed, arm), each run stored as it finishes.

Shared by the augmentation experiment (arms: without / with the pipeline) and the transfer curve (arms:
scratch / a strategy). A stratified subset keeps each class's share (at least two images per class); val and
test are never subset. A run already on disk is read, not recomputed, so a cancelled curve resumes where it
stopped; rows give the mean and the spread (standard deviation) over seeds for each arm.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from core.compute.config import ComputeConfig
from core.compute.executor import Sweep, TrialContext
from core.compute.run import run_trials
from core.data.dataset import Dataset, Split
from core.errors import MedLensError
from core.storage import atomic_write

DEFAULT_FRACTIONS = (0.01, 0.05, 0.1, 0.25, 1.0)
METRICS = ("test_accuracy", "test_auc")


def stratified_subset(dataset: Dataset, fraction: float, seed: int) -> Dataset:
    """``fraction`` of each class of the training split (at least 2 per class); val and test untouched."""
    if fraction >= 1.0:
        return dataset
    labels = dataset.labels("train")
    rng = np.random.default_rng(seed)
    picks = []
    for c in range(dataset.num_classes):
        members = np.flatnonzero(labels == c)
        take = min(len(members), max(2, round(fraction * len(members))))
        picks.append(rng.choice(members, size=take, replace=False))
    chosen = np.sort(np.concatenate(picks))
    splits = dict(dataset.splits)
    splits["train"] = Split(np.asarray(dataset.images("train")[chosen]), labels[chosen])
    return replace(dataset, splits=splits)


@dataclass(frozen=True)
class CurvePlan:
    fractions: tuple[float, ...]
    seeds: int
    arms: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.fractions or any(not 0.0 < f <= 1.0 for f in self.fractions):
            raise MedLensError("Label fractions must lie in (0, 1], e.g. 0.01,0.05,0.1,0.25,1.")
        if not 1 <= self.seeds <= 10:
            raise MedLensError("Use between 1 and 10 seeds.")

    def runs(self) -> list[tuple[float, int, str]]:
        return [(f, s, arm) for f in self.fractions for s in range(self.seeds) for arm in self.arms]


RunOne = Callable[[tuple[float, int, str], object, TrialContext], dict]
"""A picklable trial ``((fraction, seed, arm), shared, context) -> record`` with at least ``train_images`` and
the ``METRICS``; ``shared`` (the target data, a source model) travels to workers once."""


def run_file(folder: Path, fraction: float, seed: int, arm: str) -> Path:
    return folder / f"f{fraction:g}-s{seed}-{arm}.json"


def run_curve(
    folder: Path,
    plan: CurvePlan,
    run_one: RunOne,
    shared: object = None,
    *,
    compute: ComputeConfig | None = None,
    on_progress: Callable[[float, str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> list[dict]:
    """Every run of ``plan``, read from ``folder`` or computed by ``run_one`` on the ``compute`` executor and
    written there by this process as each finishes (whichever executor ran it)."""
    runs = plan.runs()
    missing = [run for run in runs if not run_file(folder, *run).is_file()]

    def keep(index: int, record: dict) -> None:
        fraction, seed, arm = missing[index]
        atomic_write(
            run_file(folder, fraction, seed, arm), json.dumps({"fraction": fraction, "seed": seed, "arm": arm} | record)
        )

    labels = [f"{fraction:.0%} of labels, seed {seed}, {arm}" for fraction, seed, arm in missing]
    cancelled = "The experiment was cancelled; finished runs are kept and will not be recomputed."
    sweep = Sweep(run_one, missing, shared, labels, cancelled)
    if missing:
        run_trials(sweep, compute, on_result=keep, on_progress=on_progress, should_stop=should_stop)
    elif on_progress:
        on_progress(1.0, "done")
    return [json.loads(run_file(folder, *run).read_text()) for run in runs]


def stored_records(folder: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))] if folder.is_dir() else []


def summarise(records: list[dict], plan: CurvePlan, gain: tuple[str, str] | None = None) -> list[dict]:
    """Per fraction: training images, and mean, spread and count of each metric per arm; with ``gain`` =
    (arm, baseline) also ``accuracy_gain`` and ``auc_gain`` of the arm over the baseline."""
    rows = []
    for fraction in plan.fractions:
        row: dict = {"fraction": fraction}
        for arm in plan.arms:
            chosen = [r for r in records if r["fraction"] == fraction and r.get("arm") == arm]
            if not chosen:
                continue
            row["train_images"] = chosen[0]["train_images"]
            for metric in METRICS:
                values = np.array([r[metric] for r in chosen], dtype=float)
                row[f"{metric}_{arm}_mean"] = float(values.mean())
                row[f"{metric}_{arm}_std"] = float(values.std())
            row[f"runs_{arm}"] = len(chosen)
        if gain and all(f"runs_{arm}" in row for arm in gain):
            better, baseline = gain
            row["accuracy_gain"] = row[f"test_accuracy_{better}_mean"] - row[f"test_accuracy_{baseline}_mean"]
            row["auc_gain"] = row[f"test_auc_{better}_mean"] - row[f"test_auc_{baseline}_mean"]
        if len(row) > 1:
            rows.append(row)
    return rows

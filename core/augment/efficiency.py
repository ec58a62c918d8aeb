"""Data efficiency: how much does a pipeline add when only a fraction of the labels is used?

For each label fraction and seed, a stratified subset of the training split is drawn (at least
two images per class), and the same model is trained on it with and without the pipeline; test
accuracy and AUC are averaged over seeds. Every single run is stored on disk as it finishes, so
a cancelled experiment resumes where it stopped and a finished one is never recomputed.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from core import paths
from core.augment.pipeline import Pipeline
from core.data.dataset import Dataset, Split
from core.errors import Cancelled, MedLensError
from core.models.metrics import evaluate
from core.models.train import TrainConfig, train
from core.storage import atomic_write

DEFAULT_FRACTIONS = (0.01, 0.05, 0.1, 0.25, 1.0)
EXPERIMENT_VERSION = 3  # bump when training changes, so stored runs of the old code are not reused


@dataclass(frozen=True)
class EfficiencyConfig:
    fractions: tuple[float, ...] = DEFAULT_FRACTIONS
    seeds: int = 3
    arch: str = "small_cnn"
    epochs: int = 30

    def __post_init__(self) -> None:
        if not self.fractions or any(not 0.0 < f <= 1.0 for f in self.fractions):
            raise MedLensError("Label fractions must lie in (0, 1], e.g. 0.01,0.05,0.1,0.25,1.")
        if not 1 <= self.seeds <= 10:
            raise MedLensError("Use between 1 and 10 seeds.")


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
    splits["train"] = Split(dataset.images("train")[chosen], labels[chosen])
    return replace(dataset, splits=splits)


def experiment_folder(dataset: Dataset, pipeline: Pipeline, config: EfficiencyConfig) -> Path:
    key = json.dumps([EXPERIMENT_VERSION, dataset.name, dataset.source, pipeline.key(), config.arch, config.epochs])
    return paths.cache_dir() / "augment" / hashlib.sha256(key.encode()).hexdigest()[:16]


def _run_file(folder: Path, fraction: float, seed: int, augmented: bool) -> Path:
    return folder / f"f{fraction:g}-s{seed}-{'aug' if augmented else 'plain'}.json"


def run_one(
    dataset: Dataset,
    pipeline: Pipeline,
    config: EfficiencyConfig,
    fraction: float,
    seed: int,
    augmented: bool,
    should_stop: Callable[[], bool] | None = None,
) -> dict:
    folder = experiment_folder(dataset, pipeline, config)
    path = _run_file(folder, fraction, seed, augmented)
    if path.is_file():
        return json.loads(path.read_text())
    subset = stratified_subset(dataset, fraction, seed)
    result = train(
        subset,
        TrainConfig(arch=config.arch, epochs=config.epochs, seed=seed, jitter=False),
        should_stop=should_stop,
        augment=pipeline if augmented else None,
    )
    test = evaluate(result.model, dataset, "test")
    record = {
        "fraction": fraction,
        "seed": seed,
        "augmented": augmented,
        "train_images": len(subset.labels("train")),
        "test_accuracy": test.accuracy,
        "test_auc": test.auc,
        "epochs": result.epochs_run,
    }
    atomic_write(path, json.dumps(record))
    return record


def summarise(records: list[dict], fractions: tuple[float, ...]) -> list[dict]:
    rows = []
    for fraction in fractions:
        row = {"fraction": fraction}
        for augmented, tag in ((False, "without"), (True, "with")):
            chosen = [r for r in records if r["fraction"] == fraction and r["augmented"] == augmented]
            if not chosen:
                continue
            row["train_images"] = chosen[0]["train_images"]
            for metric in ("test_accuracy", "test_auc"):
                values = np.array([r[metric] for r in chosen], dtype=float)
                row[f"{metric}_{tag}_mean"] = float(values.mean())
                row[f"{metric}_{tag}_std"] = float(values.std())
            row[f"runs_{tag}"] = len(chosen)
        if "test_accuracy_with_mean" in row and "test_accuracy_without_mean" in row:
            row["accuracy_gain"] = row["test_accuracy_with_mean"] - row["test_accuracy_without_mean"]
            row["auc_gain"] = row["test_auc_with_mean"] - row["test_auc_without_mean"]
        rows.append(row)
    return rows


def run_experiment(
    dataset: Dataset,
    pipeline: Pipeline,
    config: EfficiencyConfig = EfficiencyConfig(),
    *,
    on_progress: Callable[[float, str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> list[dict]:
    """Rows per fraction with mean and std of test accuracy and AUC, with and without the pipeline."""
    plan = [(f, s, a) for f in config.fractions for s in range(config.seeds) for a in (False, True)]
    records = []
    for index, (fraction, seed, augmented) in enumerate(plan):
        if should_stop and should_stop():
            raise Cancelled("The experiment was cancelled; finished runs are kept and will not be recomputed.")
        if on_progress:
            label = "with" if augmented else "without"
            on_progress(index / len(plan), f"{fraction:.0%} of labels, seed {seed}, {label} augmentation")
        records.append(run_one(dataset, pipeline, config, fraction, seed, augmented, should_stop))
    if on_progress:
        on_progress(1.0, "done")
    return summarise(records, config.fractions)


def cached_rows(dataset: Dataset, pipeline: Pipeline, config: EfficiencyConfig) -> list[dict]:
    """What is already on disk for this experiment (possibly partial)."""
    folder = experiment_folder(dataset, pipeline, config)
    records = [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))] if folder.is_dir() else []
    return summarise(records, config.fractions) if records else []

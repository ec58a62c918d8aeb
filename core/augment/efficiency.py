"""Data efficiency: how much does a pipeline add when only a fraction of the labels is used?

For each label fraction and seed, a stratified subset of the training split is drawn (at least
two images per class), and the same model is trained on it with and without the pipeline; test
accuracy and AUC are averaged over seeds. Every single run is stored on disk as it finishes, so
a cancelled experiment resumes where it stopped and a finished one is never recomputed.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core import paths
from core.augment.pipeline import Pipeline
from core.compute.config import ComputeConfig
from core.compute.executor import TrialContext
from core.data.dataset import Dataset
from core.models.curve import DEFAULT_FRACTIONS, CurvePlan, run_curve, stored_records, stratified_subset, summarise
from core.models.metrics import evaluate
from core.models.train import TrainConfig, train

ARMS = ("without", "with")
EXPERIMENT_VERSION = 4  # bump when training changes, so stored runs of the old code are not reused


@dataclass(frozen=True)
class EfficiencyConfig:
    fractions: tuple[float, ...] = DEFAULT_FRACTIONS
    seeds: int = 3
    arch: str = "small_cnn"
    epochs: int = 30

    def __post_init__(self) -> None:
        self.plan()  # checks the fractions and seeds

    def plan(self) -> CurvePlan:
        return CurvePlan(self.fractions, self.seeds, ARMS)


def experiment_folder(dataset: Dataset, pipeline: Pipeline, config: EfficiencyConfig) -> Path:
    key = json.dumps([EXPERIMENT_VERSION, dataset.name, dataset.source, pipeline.key(), config.arch, config.epochs])
    return paths.cache_dir() / "augment" / hashlib.sha256(key.encode()).hexdigest()[:16]


def run_one(
    dataset: Dataset,
    pipeline: Pipeline,
    config: EfficiencyConfig,
    fraction: float,
    seed: int,
    arm: str,
    should_stop=None,
) -> dict:
    """One training on a stratified ``fraction`` of the labels, with the pipeline (arm "with") or without."""
    subset = stratified_subset(dataset, fraction, seed)
    result = train(
        subset,
        TrainConfig(arch=config.arch, epochs=config.epochs, seed=seed, jitter=False),
        should_stop=should_stop,
        augment=pipeline if arm == "with" else None,
    )
    test = evaluate(result.model, dataset, "test")
    return {
        "train_images": len(subset.labels("train")),
        "test_accuracy": test.accuracy,
        "test_auc": test.auc,
        "epochs": result.epochs_run,
    }


@dataclass(frozen=True)
class EfficiencyTrial:
    """One run of the experiment as a picklable trial: the dataset is the shared input, shipped once."""

    pipeline: Pipeline
    config: EfficiencyConfig

    def __call__(self, item: tuple[float, int, str], dataset: Dataset, context: TrialContext) -> dict:
        fraction, seed, arm = item
        return run_one(dataset, self.pipeline, self.config, fraction, seed, arm, context.should_stop)


def run_experiment(
    dataset: Dataset,
    pipeline: Pipeline,
    config: EfficiencyConfig = EfficiencyConfig(),
    *,
    compute: ComputeConfig | None = None,
    on_progress: Callable[[float, str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> list[dict]:
    """Rows per fraction with mean and std of test accuracy and AUC, with and without the pipeline."""
    folder = experiment_folder(dataset, pipeline, config)
    records = run_curve(
        folder,
        config.plan(),
        EfficiencyTrial(pipeline, config),
        dataset,
        compute=compute,
        on_progress=_worded(on_progress),
        should_stop=should_stop,
    )
    return summarise(records, config.plan(), gain=("with", "without"))


def _worded(on_progress):
    if on_progress is None:
        return None
    return lambda fraction, text: on_progress(
        fraction, text.replace(", with", ", with augmentation").replace(", without", ", without augmentation")
    )


def cached_rows(dataset: Dataset, pipeline: Pipeline, config: EfficiencyConfig) -> list[dict]:
    """What is already on disk for this experiment (possibly partial)."""
    records = stored_records(experiment_folder(dataset, pipeline, config))
    return summarise(records, config.plan(), gain=("with", "without")) if records else []

"""The label-efficiency curve of a transfer: test accuracy and AUC against the share of the target's labels, for
a strategy and for training from scratch, over several seeds (the curve machinery the augmentation experiment
uses). Runs are kept as records in the cache, not as models in the store: a curve is dozens of trainings."""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core import paths
from core.compute.config import ComputeConfig
from core.compute.executor import TrialContext
from core.compute.payload import ModelPayload
from core.data import load
from core.data.dataset import Dataset
from core.errors import MedLensError
from core.models import store
from core.models.curve import CurvePlan, run_curve, stored_records, summarise
from core.models.metrics import evaluate
from core.models.train import train
from core.transfer.run import TransferConfig, prepare_loaded
from core.transfer.strategies import STRATEGIES

DEFAULT_FRACTIONS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0)
CURVE_VERSION = 1  # bump when a run's training changes, so records of the old code are not reused


@dataclass(frozen=True)
class CurveConfig:
    source_id: str
    dataset: str
    size: int = 28
    strategy: str = "full_fine_tune"
    fractions: tuple[float, ...] = DEFAULT_FRACTIONS
    seeds: int = 3
    epochs: int = 30
    input_rule: str = "native"

    def __post_init__(self) -> None:
        if not STRATEGIES.get(self.strategy).uses_source:
            raise MedLensError("A curve compares a strategy that uses the source model against scratch.")
        self.plan()

    def plan(self) -> CurvePlan:
        return CurvePlan(self.fractions, self.seeds, ("scratch", self.strategy))


def folder(config: CurveConfig) -> Path:
    """One folder per (source model's content, target, size, strategy, epochs, input rule)."""
    meta = store.read_meta(config.source_id)
    key = [CURVE_VERSION, config.source_id, meta.created, config.dataset, config.size, config.strategy]
    key += [config.epochs, config.input_rule]
    return paths.cache_dir() / "transfer" / hashlib.sha256(json.dumps(key).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class CurveInputs:
    """What every run of a curve reads, shipped to workers once: the source model and the target data."""

    source: ModelPayload
    source_arch: str
    target: Dataset


@dataclass(frozen=True)
class CurveTrial:
    """One run of the curve (scratch or the strategy, one fraction, one seed) as a picklable trial."""

    config: CurveConfig

    def __call__(self, item: tuple[float, int, str], shared: CurveInputs, context: TrialContext) -> dict:
        fraction, seed, arm = item
        settings = TransferConfig(arm, fraction, seed, self.config.epochs, self.config.input_rule)
        source = shared.source.load() if STRATEGIES.get(arm).uses_source else None
        prepared = prepare_loaded(source, shared.source_arch, self.config.source_id, shared.target, settings)
        result = train(prepared.dataset, prepared.train_config, should_stop=context.should_stop, start=prepared.start)
        test = evaluate(result.model, prepared.dataset, "test")
        return {
            "train_images": prepared.record["train_images"],
            "test_accuracy": test.accuracy,
            "test_auc": test.auc,
            "epochs": result.epochs_run,
        }


def inputs(config: CurveConfig) -> CurveInputs:
    meta = store.read_meta(config.source_id)
    store.load(config.source_id)  # refuses a TFLite source in words before any work is shipped
    payload = ModelPayload.from_file(store.model_dir(config.source_id) / store.MODEL_FILE)
    return CurveInputs(payload, meta.arch, load(config.dataset, config.size))


def run(
    config: CurveConfig,
    *,
    compute: ComputeConfig | None = None,
    on_progress: Callable[[float, str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> list[dict]:
    """Rows per fraction: mean and spread of test accuracy and AUC for scratch and the strategy, and the gain."""
    records = run_curve(
        folder(config),
        config.plan(),
        CurveTrial(config),
        inputs(config),
        compute=compute,
        on_progress=on_progress,
        should_stop=should_stop,
    )
    return summarise(records, config.plan(), gain=(config.strategy, "scratch"))


def cached(config: CurveConfig) -> list[dict]:
    """What is already on disk for this curve (possibly partial)."""
    records = stored_records(folder(config))
    return summarise(records, config.plan(), gain=(config.strategy, "scratch")) if records else []

"""The label-efficiency curve of a transfer: test accuracy and AUC against the share of the target's labels, for
a strategy and for training from scratch, over several seeds (the curve machinery the augmentation experiment
uses). Runs are kept as records in the cache, not as models in the store: a curve is dozens of trainings."""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core import paths
from core.errors import MedLensError
from core.models import store
from core.models.curve import CurvePlan, run_curve, stored_records, summarise
from core.models.metrics import evaluate
from core.models.train import train
from core.transfer.run import TransferConfig, prepare
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


def run(
    config: CurveConfig,
    *,
    on_progress: Callable[[float, str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> list[dict]:
    """Rows per fraction: mean and spread of test accuracy and AUC for scratch and the strategy, and the gain."""

    def one(fraction: float, seed: int, arm: str) -> dict:
        settings = TransferConfig(arm, fraction, seed, config.epochs, config.input_rule)
        prepared = prepare(config.source_id, config.dataset, config.size, settings)
        result = train(prepared.dataset, prepared.train_config, should_stop=should_stop, start=prepared.start)
        test = evaluate(result.model, prepared.dataset, "test")
        return {
            "train_images": prepared.record["train_images"],
            "test_accuracy": test.accuracy,
            "test_auc": test.auc,
            "epochs": result.epochs_run,
        }

    records = run_curve(folder(config), config.plan(), one, on_progress=on_progress, should_stop=should_stop)
    return summarise(records, config.plan(), gain=(config.strategy, "scratch"))


def cached(config: CurveConfig) -> list[dict]:
    """What is already on disk for this curve (possibly partial)."""
    records = stored_records(folder(config))
    return summarise(records, config.plan(), gain=(config.strategy, "scratch")) if records else []

"""One transfer run: a stored source model, a target dataset, a strategy and a share of the target's labels,
trained, evaluated and stored like any model (with its parent named)."""

from dataclasses import asdict, dataclass

from core.data import load
from core.errors import MedLensError
from core.models import store
from core.models.architectures import ARCHITECTURES, DEFAULT_ARCH
from core.models.curve import stratified_subset
from core.models.train import ProgressFn, ShouldStop, TrainConfig
from core.models.workflow import TrainedModel, train_dataset_and_store
from core.transfer.adapt import INPUT_RULES
from core.transfer.strategies import STRATEGIES


@dataclass(frozen=True)
class TransferConfig:
    strategy: str = "full_fine_tune"
    fraction: float = 1.0  # of the target's training labels, stratified
    seed: int = 0
    epochs: int = 30
    input_rule: str = "native"
    learning_rate: float | None = None  # None: the strategy's own

    def __post_init__(self) -> None:
        STRATEGIES.get(self.strategy)
        if not 0.0 < self.fraction <= 1.0:
            raise MedLensError(f"The label fraction must lie in (0, 1]; got {self.fraction}.")
        if self.input_rule not in INPUT_RULES:
            raise MedLensError(f"Unknown input rule {self.input_rule!r}; choose {' or '.join(INPUT_RULES)}.")
        if self.epochs < 1:
            raise MedLensError("Train for at least one epoch.")

    def train_config(self) -> TrainConfig:
        rate = self.learning_rate or STRATEGIES.get(self.strategy).learning_rate
        return TrainConfig(epochs=self.epochs, seed=self.seed, learning_rate=rate)


def source_model(source_id: str):
    """The source's Keras model and metadata; a TFLite file cannot be trained further (the store says so)."""
    return store.load(source_id), store.read_meta(source_id)


@dataclass
class PreparedRun:
    dataset: object  # the target with ``fraction`` of its training labels
    start: object  # builds (model, fitted) after seeding
    train_config: TrainConfig
    record: dict  # what the run's metadata says about the transfer


def prepare(source_id: str | None, dataset_name: str, size: int, config: TransferConfig) -> PreparedRun:
    """The target subset and the model builder for one run (the scratch baseline needs no source but, given one,
    builds the same architecture)."""
    if STRATEGIES.get(config.strategy).uses_source and not source_id:
        raise MedLensError(f"The {STRATEGIES.get(config.strategy).title.lower()} strategy needs a source model.")
    source, meta = source_model(source_id) if source_id else (None, None)
    return prepare_loaded(source, meta.arch if meta else None, source_id, load(dataset_name, size), config)


def prepare_loaded(source, source_arch: str | None, source_id: str | None, target, config: TransferConfig):
    """``prepare`` on a source model and a target already in memory (a Ray worker gets both shipped)."""
    strategy = STRATEGIES.get(config.strategy)
    arch = source_arch if source_arch in ARCHITECTURES else DEFAULT_ARCH
    dataset = stratified_subset(target, config.fraction, config.seed)
    shape, classes = dataset.image_shape, dataset.num_classes

    def start():
        return strategy.prepare(source, shape, classes, config.input_rule, arch)

    record = asdict(config) | {
        "source": source_id if strategy.uses_source else None,
        "arch": arch,
        "train_images": len(dataset.labels("train")),
    }
    return PreparedRun(dataset, start, config.train_config(), record)


def transfer(
    source_id: str | None,
    dataset_name: str,
    size: int,
    config: TransferConfig = TransferConfig(),
    *,
    on_progress: ProgressFn | None = None,
    should_stop: ShouldStop | None = None,
) -> TrainedModel:
    """Train on ``config.fraction`` of ``dataset_name``'s labels from ``source_id`` by ``config.strategy``, test
    on the whole test split, and store the model with its parent."""
    run = prepare(source_id, dataset_name, size, config)
    return train_dataset_and_store(
        run.dataset,
        size,
        run.train_config,
        catalogue_name=dataset_name,
        on_progress=on_progress,
        should_stop=should_stop,
        start=run.start,
        extra={
            "arch": run.record["arch"],
            "parent": run.record["source"],
            "config": asdict(run.train_config) | {"transfer": run.record},
        },
    )


def summary(trained: TrainedModel) -> dict:
    """``train --json``'s fields plus the transfer's own."""
    record = trained.meta.config.get("transfer", {})
    return trained.summary() | {
        "strategy": record.get("strategy"),
        "fraction": record.get("fraction"),
        "source": record.get("source"),
        "parent": trained.meta.parent,
        "train_images": record.get("train_images"),
    }

"""Train, evaluate and store in one call: what the Train page and ``python -m core train`` run."""

from dataclasses import asdict, dataclass

from core.data import load
from core.data.dataset import Dataset
from core.models import store
from core.models.metrics import Evaluation, evaluate, headline
from core.models.train import ProgressFn, ShouldStop, TrainConfig, TrainResult, train


@dataclass
class TrainedModel:
    meta: store.ModelMeta
    test: Evaluation
    result: TrainResult

    def summary(self) -> dict:
        m = self.meta
        return {
            "model_id": m.id,
            "dataset": m.dataset,
            "size": m.size,
            "arch": m.arch,
            "seed": m.seed,
            "epochs": m.epochs,
            "best_epoch": self.result.best_epoch,
            "test_accuracy": self.test.accuracy,
            "test_auc": self.test.auc,
            "test_ece": self.test.ece,
            "val_accuracy": m.metrics.get("val_accuracy"),
            "val_auc": m.metrics.get("val_auc"),
            "params": m.params,
            "file_bytes": m.file_bytes,
            "train_seconds": round(m.train_seconds, 2),
        }


def train_dataset_and_store(
    dataset: Dataset,
    size: int,
    config: TrainConfig,
    *,
    catalogue_name: str,
    on_progress: ProgressFn | None = None,
    should_stop: ShouldStop | None = None,
    augment=None,
    start=None,
    extra: dict | None = None,
) -> TrainedModel:
    """Train (a fresh model, or the one ``start`` builds), evaluate on validation and test, and store it with
    ``extra`` metadata fields (a transfer's ``parent``, ``arch`` and ``config``) over the defaults."""
    result = train(dataset, config, on_progress=on_progress, should_stop=should_stop, augment=augment, start=start)
    val = evaluate(result.model, dataset, "val")
    test = evaluate(result.model, dataset, "test")
    meta = store.save(
        result.model,
        {
            "dataset": catalogue_name,
            "size": size,
            "arch": config.arch,
            "seed": config.seed,
            "epochs": result.epochs_run,
            "train_seconds": result.seconds,
            "metrics": headline(test, val) | {"best_epoch": result.best_epoch, "history": result.history},
            "config": asdict(config) | ({"augment": augment.to_dict()} if augment is not None else {}),
        }
        | (extra or {}),
    )
    return TrainedModel(meta, test, result)


def train_and_store(name: str, size: int = 28, config: TrainConfig = TrainConfig(), **kwargs) -> TrainedModel:
    return train_dataset_and_store(load(name, size), size, config, catalogue_name=name, **kwargs)

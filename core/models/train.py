"""Train a registered architecture on a ``Dataset`` with progress, cancel and a fixed seed.

Checkpoint choice follows validation loss (early stopping restores the best weights):
validation accuracy overstates test accuracy on PneumoniaMNIST, whose test split has
more normal images than train/val. Early stopping waits ``min_epochs`` first because
small networks can sit at the majority class for a few epochs before they learn.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.compute.device import training_speedups
from core.data.dataset import Dataset
from core.errors import Cancelled, MedLensError
from core.models.architectures import ARCHITECTURES, DEFAULT_ARCH, build
from core.models.jitter import Jitter
from core.models.precision import build_mixed, float32_twin

MIN_STEPS_PER_EPOCH = 20
"""Small training sets (e.g. 1 % of the labels) are repeated to this many batches per epoch, so
early stopping and the epoch budget mean the same amount of learning whatever the set's size."""


@dataclass(frozen=True)
class TrainConfig:
    arch: str = DEFAULT_ARCH
    epochs: int = 30
    batch_size: int = 64
    learning_rate: float = 1e-3
    seed: int = 0
    patience: int = 6
    min_epochs: int = 5
    class_weights: bool = True
    jitter: bool = True
    pretrained: bool = False  # ImageNet weights (architectures that have them; read locally, never downloaded)

    def __post_init__(self) -> None:
        if self.arch not in ARCHITECTURES:
            raise MedLensError(f"Unknown architecture {self.arch!r}; choose one of: {', '.join(ARCHITECTURES.names)}.")
        positive = {"epochs": self.epochs, "batch_size": self.batch_size, "learning_rate": self.learning_rate}
        for name, value in positive.items():
            if value <= 0:
                raise MedLensError(f"TrainConfig.{name} must be positive, got {value}.")
        if self.patience < 1 or self.min_epochs < 0:
            raise MedLensError("TrainConfig.patience must be >= 1 and min_epochs >= 0.")


@dataclass(frozen=True)
class TrainProgress:
    epoch: int  # 1-based, the epoch in progress or just finished
    epochs: int
    batch: int  # batches done in this epoch
    batches: int
    logs: dict[str, float]
    history: dict[str, list[float]]  # per finished epoch
    epoch_end: bool = False  # True once per epoch, when validation figures are in ``logs``

    @property
    def fraction(self) -> float:
        return min(1.0, ((self.epoch - 1) + self.batch / max(self.batches, 1)) / self.epochs)


@dataclass
class TrainResult:
    model: Any = field(repr=False)
    config: TrainConfig
    history: dict[str, list[float]]
    best_epoch: int
    epochs_run: int
    seconds: float


ProgressFn = Callable[[TrainProgress], None]
ShouldStop = Callable[[], bool]


def class_weights(labels: np.ndarray, num_classes: int) -> dict[int, float]:
    """Balanced weights n / (k * n_c); absent classes get weight 1."""
    counts = np.bincount(labels, minlength=num_classes)
    return {c: (len(labels) / (num_classes * n) if n else 1.0) for c, n in enumerate(counts)}


def train(
    dataset: Dataset,
    config: TrainConfig = TrainConfig(),
    *,
    on_progress: ProgressFn | None = None,
    should_stop: ShouldStop | None = None,
    augment=None,
    start: Callable[[], Any] | None = None,
) -> TrainResult:
    """Fit a fresh model, or the one ``start()`` builds after seeding (a transferred model; it may return
    ``(model, fitted)`` where ``fitted`` wraps the model with its own training step); raises ``Cancelled``
    if ``should_stop()`` turns true.

    ``augment`` (an augmentation ``Pipeline``) replaces the default jitter; a pipeline that
    mixes labels (mixup, cutmix) trains on soft one-hot labels. It runs in the process's seeded turn (it seeds
    TensorFlow's global generators), waiting for another job's training to finish first.
    """
    from core.runtime.seeding import seeded_turn

    with seeded_turn():
        return _train(dataset, config, on_progress, should_stop, augment, start)


def _train(dataset, config, on_progress, should_stop, augment, start) -> TrainResult:
    from tensorflow import keras

    seed_everything(config.seed)
    speedups = training_speedups(dataset.image_shape[0])
    if speedups.xla:  # some XLA kernels have no deterministic version (the GPU path never asked for one)
        from tensorflow.python.framework import config as tf_config  # the public API only has the enable half

        tf_config.disable_op_determinism()
    mixed = speedups.mixed_precision and start is None  # a transferred model keeps its source's float32 layers

    def fresh():
        return build(config.arch, dataset.image_shape, dataset.num_classes, config.pretrained)

    built = start() if start is not None else (build_mixed(fresh) if mixed else fresh())
    model, fitted = built if isinstance(built, tuple) else (built, built)
    soft = augment is not None and augment.mixes_labels
    fitted.compile(
        optimizer=keras.optimizers.Adam(config.learning_rate),
        loss="categorical_crossentropy" if soft else "sparse_categorical_crossentropy",
        metrics=["accuracy"],
        jit_compile=True if speedups.xla else None,  # None: what Keras does by default
    )
    if augment is not None:
        augment = augment.for_classes(dataset.num_classes) if soft else augment
    else:
        augment = Jitter() if config.jitter else None
    train_data = dataset.as_tf("train", config.batch_size, shuffle=True, seed=config.seed, augment=augment)
    val_data = dataset.as_tf("val", 256, one_hot=soft)
    batches = int(np.ceil(len(dataset.labels("train")) / config.batch_size))
    steps_per_epoch = None
    if batches < MIN_STEPS_PER_EPOCH:  # a few dozen labels: repeat them so an epoch still means some learning
        train_data, steps_per_epoch = train_data.repeat(), MIN_STEPS_PER_EPOCH
        batches = MIN_STEPS_PER_EPOCH
    watcher = _watcher(config.epochs, batches, on_progress, should_stop)
    stopper = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=config.patience, restore_best_weights=True, start_from_epoch=config.min_epochs
    )
    started = time.perf_counter()
    history = fitted.fit(
        train_data,
        validation_data=val_data,
        epochs=config.epochs,
        steps_per_epoch=steps_per_epoch,
        class_weight=class_weights(dataset.labels("train"), dataset.num_classes) if config.class_weights else None,
        callbacks=[watcher, stopper],
        verbose=0,
    )
    if watcher.cancelled:
        raise Cancelled("Training was cancelled; nothing was saved.")
    logs = {key: [float(v) for v in values] for key, values in history.history.items()}
    best = int(np.argmin(logs["val_loss"])) + 1 if logs.get("val_loss") else len(logs.get("loss", []))
    if mixed:
        model = float32_twin(model, fresh)
    return TrainResult(model, config, logs, best, len(logs.get("loss", [])), time.perf_counter() - started)


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow; on a CPU also make kernels deterministic.

    Deterministic kernels stay off on a GPU: some have no deterministic version there
    and would raise, and the GPU host is for speed.
    """
    import tensorflow as tf

    tf.keras.utils.set_random_seed(seed)
    if not tf.config.list_physical_devices("GPU"):
        tf.config.experimental.enable_op_determinism()


def _watcher(epochs: int, batches: int, on_progress: ProgressFn | None, should_stop: ShouldStop | None):
    """A Keras callback reporting progress and honouring cancel (built here so that
    importing this module does not import TensorFlow)."""
    from tensorflow import keras

    class Watcher(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.cancelled = False
            self.epoch = 0
            self.history: dict[str, list[float]] = {}

        def _check(self) -> None:
            if should_stop is not None and should_stop():
                self.cancelled = True
                self.model.stop_training = True

        def _report(self, batch: int, logs: dict | None, epoch_end: bool = False) -> None:
            if on_progress is not None:
                clean = {key: float(value) for key, value in (logs or {}).items()}
                on_progress(TrainProgress(self.epoch + 1, epochs, batch, batches, clean, dict(self.history), epoch_end))

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            self._check()
            if batch % 5 == 0:
                self._report(batch + 1, logs)

        def on_epoch_end(self, epoch, logs=None):
            for key, value in (logs or {}).items():
                self.history.setdefault(key, []).append(float(value))
            self._report(batches, logs, epoch_end=True)
            self._check()

    return Watcher()

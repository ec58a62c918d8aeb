"""Shared helpers for model steps: a faithful copy of a model, and a short fine-tune."""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from core.data.dataset import Dataset
from core.errors import Cancelled
from core.models.jitter import Jitter
from core.models.train import class_weights


@dataclass
class StepContext:
    """What every step may need besides the model: a seed, cancel, progress."""

    seed: int = 0
    should_stop: Callable[[], bool] = field(default=lambda: False)
    report: Callable[[str], None] = field(default=lambda message: None)


def clone(model):
    """An independent copy with the same weights (tfmot wraps layers in place)."""
    from tensorflow import keras

    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    return copy


def steps_per_epoch(dataset: Dataset, batch_size: int) -> int:
    return int(np.ceil(len(dataset.labels("train")) / batch_size))


def fine_tune(
    model,
    dataset: Dataset,
    epochs: int,
    learning_rate: float,
    context: StepContext,
    callbacks=(),
    batch_size: int = 64,
    select_from_epoch: int = 0,
):
    """Train ``model`` in place for a few epochs, as ``core.models.train`` does (jitter, class weights),
    then keep the weights of the epoch with the lowest validation loss.

    Epochs before ``select_from_epoch`` (0-based) are not eligible: a pruning schedule may not
    have reached its target sparsity yet.
    """
    from tensorflow import keras

    if epochs <= 0:
        return model
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )

    class StopAndKeepBest(keras.callbacks.Callback):
        best_loss, best_weights = float("inf"), None

        def on_train_batch_end(self, batch, logs=None):
            if context.should_stop():
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            loss = (logs or {}).get("val_loss", float("inf"))
            if epoch >= min(select_from_epoch, epochs - 1) and loss < self.best_loss:
                self.best_loss, self.best_weights = loss, self.model.get_weights()

    data = dataset.as_tf("train", batch_size, shuffle=True, seed=context.seed, augment=Jitter())
    weights = class_weights(dataset.labels("train"), dataset.num_classes)
    keeper = StopAndKeepBest()
    val = dataset.as_tf("val", 256)
    model.fit(data, validation_data=val, epochs=epochs, class_weight=weights, callbacks=[*callbacks, keeper], verbose=0)
    if context.should_stop():
        raise Cancelled("Compression was cancelled.")
    if keeper.best_weights is not None:
        model.set_weights(keeper.best_weights)
    return model

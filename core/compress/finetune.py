"""Shared helpers for model steps: a faithful copy of a model, and a short fine-tune.

A fine-tune learns from the labels alone, or also from the original model's answers (knowledge
distillation, Hinton et al., 2015): the compressed model is pulled towards the original's softened
probabilities, so it keeps the original's decisions, not only its accuracy.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.data.dataset import Dataset
from core.errors import Cancelled
from core.models.jitter import Jitter
from core.models.train import class_weights
from core.params import Param
from core.runtime.shared_model import shared

# The fine-tuning parameters every step that trains shares.
FINE_TUNING = (
    Param(
        "distill",
        "float",
        0.7,
        0.0,
        1.0,
        help="Weight of the original model's softened answers in the fine-tuning loss (knowledge "
        "distillation); the labels get the rest. 0 learns from the labels only, as plain fine-tuning does.",
    ),
    Param(
        "distill_temperature",
        "float",
        2.0,
        1.0,
        10.0,
        help="Softens both models' probabilities before they are compared: higher shows more of how "
        "unsure the original was.",
    ),
)


@dataclass
class StepContext:
    """What every step may need besides the model: a seed, cancel, progress, and the original model
    (the teacher a distilling fine-tune learns from)."""

    seed: int = 0
    should_stop: Callable[[], bool] = field(default=lambda: False)
    report: Callable[[str], None] = field(default=lambda message: None)
    teacher: Any = None


def clone(model):
    """An independent copy with the same weights (tfmot wraps layers in place)."""
    return shared(model).copy()


def wrap_large_layers(model, wrap, smallest: int):
    """A copy of ``model`` whose layers of at least ``smallest`` weights are wrapped by ``wrap``; smaller ones
    (the first convolution, the classifier head) stay whole: they hold a tiny share of the file but every
    image passes through them, so thinning them costs accuracy out of all proportion to the bytes saved."""

    def maybe_wrap(layer):
        weights = sum(int(np.prod(w.shape)) for w in layer.weights)
        return wrap(layer) if weights >= smallest and layer.trainable_weights else layer

    return shared(model).copy(clone_function=maybe_wrap)


SMALLEST_LAYER = Param(
    "smallest_layer",
    "int",
    1000,
    0,
    100_000,
    help="Layers with fewer weights than this are left whole (the first convolution and the classifier head "
    "usually): they are a sliver of the file, and every image passes through them.",
)


def steps_per_epoch(dataset: Dataset, batch_size: int) -> int:
    return int(np.ceil(len(dataset.labels("train")) / batch_size))


def distiller(student, teacher, weight: float, temperature: float):
    """A Keras model that trains ``student`` on ``(1 - weight)`` × cross-entropy with the labels plus ``weight``
    × T² · KL(teacher ‖ student) on probabilities softened by ``temperature`` (T² keeps the gradient scale
    independent of T). Validation scores the same loss, so the epoch kept is the one closest to both the
    labels and the original; it predicts as the student."""
    import tensorflow as tf
    from tensorflow import keras

    class Distiller(keras.Model):
        def __init__(self):
            super().__init__(name="distiller")
            self.student, self.teacher = student, teacher
            self.tracker = keras.metrics.Mean(name="loss")

        @property
        def metrics(self):
            return [self.tracker, *self.compiled_metrics.metrics]

        def call(self, inputs, training=None):
            return self.student(inputs, training=training)

        def _loss(self, x, y, predicted, sample_weight):
            labels_loss = self.compiled_loss(y, predicted, sample_weight, regularization_losses=self.student.losses)
            kl = keras.losses.kl_divergence(
                soften(self.teacher(x, training=False), temperature), soften(predicted, temperature)
            )
            return (1.0 - weight) * labels_loss + weight * temperature**2 * tf.reduce_mean(kl)

        def _logs(self, loss, y, predicted, sample_weight):
            self.tracker.update_state(loss)
            self.compiled_metrics.update_state(y, predicted, sample_weight)
            return {m.name: m.result() for m in self.metrics}

        def train_step(self, data):
            x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
            with tf.GradientTape() as tape:
                predicted = self.student(x, training=True)
                loss = self._loss(x, y, predicted, sample_weight)
            variables = self.student.trainable_variables
            self.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables, strict=True))
            return self._logs(loss, y, predicted, sample_weight)

        def test_step(self, data):
            x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
            predicted = self.student(x, training=False)
            return self._logs(self._loss(x, y, predicted, sample_weight), y, predicted, sample_weight)

    return Distiller()


def soften(probabilities, temperature: float):
    """softmax(log p / T): the same ranking, flatter for T > 1."""
    import tensorflow as tf

    return tf.nn.softmax(tf.math.log(tf.clip_by_value(probabilities, 1e-7, 1.0)) / temperature, axis=-1)


def fine_tune(
    model,
    dataset: Dataset,
    params: dict,
    context: StepContext,
    callbacks=(),
    batch_size: int = 64,
    select_from_epoch: int = 0,
):
    """Train ``model`` in place for ``params["epochs"]`` epochs as ``core.models.train`` does (jitter, class
    weights), distilling from ``context.teacher`` when ``params["distill"]`` > 0, then keep the weights of the
    epoch with the lowest validation loss (the loss it trains on).

    Epochs before ``select_from_epoch`` (0-based) are not eligible: a pruning schedule may not
    have reached its target sparsity yet.
    """
    from tensorflow import keras

    epochs = params["epochs"]
    if epochs <= 0:
        return model
    weight = params.get("distill", 0.0) if context.teacher is not None else 0.0
    trained = distiller(model, context.teacher, weight, params["distill_temperature"]) if weight > 0 else model
    trained.compile(
        optimizer=keras.optimizers.Adam(params["learning_rate"]),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )

    class StopAndKeepBest(keras.callbacks.Callback):
        best_loss, best_weights = float("inf"), None

        def on_train_batch_end(self, batch, logs=None):
            if context.should_stop():
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            loss = (logs or {}).get("val_loss", float("inf"))
            if epoch >= min(select_from_epoch, epochs - 1) and loss < self.best_loss:
                self.best_loss, self.best_weights = loss, model.get_weights()

    data = dataset.as_tf("train", batch_size, shuffle=True, seed=context.seed, augment=Jitter())
    weights = class_weights(dataset.labels("train"), dataset.num_classes)
    keeper = StopAndKeepBest()
    val = dataset.as_tf("val", 256)
    trained.fit(
        data, validation_data=val, epochs=epochs, class_weight=weights, callbacks=[*callbacks, keeper], verbose=0
    )
    if context.should_stop():
        raise Cancelled("Compression was cancelled.")
    if keeper.best_weights is not None:
        model.set_weights(keeper.best_weights)
    return model

"""The transfer strategies, registered by name: which layers learn, and how fast.

Each strategy returns the model to keep and the model to fit (a wrapper when the body and the head learn at
different rates). The plain-words notes are what the Transfer page shows a student.
"""

from collections.abc import Callable
from dataclasses import dataclass

from core.models.architectures import build
from core.registry import Registry
from core.transfer.adapt import Adapted, adapt


@dataclass(frozen=True)
class Strategy:
    name: str
    title: str
    note: str
    learning_rate: float
    prepare: Callable[
        ..., tuple[object, object]
    ]  # (source or None, shape, classes, input_rule, arch) -> (model, fitted)
    uses_source: bool = True


STRATEGIES: Registry[Strategy] = Registry("transfer strategy")
TOP_SHARE = 1 / 3
"""``fine_tune_top`` unfreezes the last third of the layers that hold weights (the most task-specific ones)."""
BODY_RATE = 0.1
"""``full_fine_tune`` moves the body ten times slower than the new head, so the head's first, large errors
do not wash out what the body learnt on the source."""


def _weighted(adapted: Adapted) -> list:
    return [layer for layer in adapted.model.layers if layer.weights and layer.name not in adapted.new_layers]


def _linear_probe(source, shape, classes, input_rule, arch):
    adapted = adapt(source, shape, classes, input_rule)
    for layer in _weighted(adapted):
        layer.trainable = False
    return adapted.model, adapted.model


def _fine_tune_top(source, shape, classes, input_rule, arch):
    adapted = adapt(source, shape, classes, input_rule)
    body = _weighted(adapted)
    for layer in body[: round(len(body) * (1 - TOP_SHARE))]:
        layer.trainable = False
    return adapted.model, adapted.model


def _full_fine_tune(source, shape, classes, input_rule, arch):
    adapted = adapt(source, shape, classes, input_rule)
    head = {w.ref() for name in adapted.new_layers for w in adapted.model.get_layer(name).trainable_weights}
    return adapted.model, two_rates(adapted.model, head, BODY_RATE)


def _scratch(source, shape, classes, input_rule, arch):
    model = build(arch, shape, classes)
    return model, model


def two_rates(model, fast: set, body_rate: float):
    """A Keras model that trains ``model`` with the compiled optimizer for the ``fast`` variables (refs) and a
    second Adam at ``body_rate`` × its learning rate for the rest."""
    import tensorflow as tf
    from tensorflow import keras

    class TwoRates(keras.Model):
        def __init__(self):
            super().__init__(name="two_rates")
            self.inner = model

        def call(self, inputs, training=None):
            return self.inner(inputs, training=training)

        def compile(self, optimizer, **kwargs):
            super().compile(optimizer=optimizer, **kwargs)
            rate = float(keras.backend.get_value(optimizer.learning_rate))
            self.body_optimizer = keras.optimizers.Adam(rate * body_rate)

        def train_step(self, data):
            x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
            with tf.GradientTape() as tape:
                predicted = self.inner(x, training=True)
                loss = self.compiled_loss(y, predicted, sample_weight, regularization_losses=self.inner.losses)
            variables = self.inner.trainable_variables
            gradients = tape.gradient(loss, variables)
            pairs = list(zip(gradients, variables, strict=True))
            self.optimizer.apply_gradients([(g, v) for g, v in pairs if v.ref() in fast])
            self.body_optimizer.apply_gradients([(g, v) for g, v in pairs if v.ref() not in fast])
            return self.compute_metrics(x, y, predicted, sample_weight)

    return TwoRates()


for _strategy in (
    Strategy(
        "linear_probe",
        "Linear probe",
        "Keeps everything the source model learnt frozen and trains only a new final layer on its features. "
        "Fast, hard to overfit: the best start when you have very few labels and the domains look alike.",
        1e-3,
        _linear_probe,
    ),
    Strategy(
        "fine_tune_top",
        "Fine-tune the top",
        "Trains the new final layer and the last third of the network; the early layers (edges, textures) stay "
        "as they were. A middle way when the target differs from the source in what the image shows.",
        3e-4,
        _fine_tune_top,
    ),
    Strategy(
        "full_fine_tune",
        "Full fine-tune",
        "Lets every layer learn, the body ten times more slowly than the new final layer, so it adapts without "
        "forgetting. Usually best with a few hundred labels or more.",
        1e-3,
        _full_fine_tune,
    ),
    Strategy(
        "scratch",
        "From scratch (baseline)",
        "Ignores the source model and trains the same kind of network from random weights. The yardstick: "
        "transfer is worth it only where it beats this.",
        1e-3,
        _scratch,
        uses_source=False,
    ),
):
    STRATEGIES.register(_strategy)

"""A Keras model that several threads use at once, owning the lock every use of its layers takes.

The interactive pool computes for several sessions in parallel threads, and a class uses one model. tf-keras is not
thread-safe when two threads run the same layers while one of them traces or builds a model over them: in a
30-student load test a SHAP call once received another thread's penultimate features as its input, and TFLite
exports of one model from several sessions deadlocked in TensorFlow's tracing. The rule used to be kept by six call
sites taking a lock by hand, and one forgot it (the faithfulness check's randomised copy). Now the lock is inside
this object: the forward pass, gradients, the models built over the layers, export, weights and copies are its
methods, and ``tests/test_layers.py`` fails when code elsewhere calls a model's layers, clones one or builds a model
over them. The lock is re-entrant (a method holding it may call another) and dies with the model. What it does not
do: make two models of one architecture share a lock (they need none), or stop TensorFlow spreading each call over
every core. A training loop on a private copy (``copy``) needs no lock and takes none.
"""

import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np

_SHARED: "weakref.WeakKeyDictionary[object, SharedModel]" = weakref.WeakKeyDictionary()
_GUARD = threading.Lock()


class SharedModel:
    """Every use of one Keras model's layers, under that model's lock. Get it with ``shared(model)``."""

    def __init__(self, model, lock: threading.RLock, *, owns: bool = False) -> None:
        # A stored model's entry holds it weakly (the registry keeps the entry only while the model lives); a model
        # built over another's layers (``over``) has no other owner, so its entry holds it.
        self._model = (lambda: model) if owns else weakref.ref(model)
        self.lock = lock

    @property
    def keras(self):
        """The Keras model, for reading its structure (layers, shapes, names) — never for calling it."""
        model = self._model()
        if model is None:
            raise ReferenceError("the shared model is gone")
        return model

    @contextmanager
    def _locked(self) -> Iterator[object]:
        with self.lock:
            yield self.keras

    def forward(self, inputs: np.ndarray, batch_size: int = 256, prepare: Callable = np.asarray) -> np.ndarray:
        """The outputs for ``prepare(batch)`` of each batch of ``inputs`` (a direct call per batch: Keras
        ``predict`` adds a tf.data round trip that costs more than the forward pass on small inputs)."""
        if len(inputs) == 0:
            return np.zeros((0, int(self.keras.output_shape[-1])), dtype=np.float32)
        with self._locked() as model:
            outputs = [
                np.asarray(model(prepare(inputs[start : start + batch_size]), training=False))
                for start in range(0, len(inputs), batch_size)
            ]
        return np.concatenate(outputs, axis=0)

    def input_gradients(self, inputs: np.ndarray, targets: np.ndarray, batch: int = 128) -> np.ndarray:
        """d p(target) / d input for each float32 NHWC input."""
        import tensorflow as tf

        grads = []
        for start in range(0, len(inputs), batch):
            x = tf.convert_to_tensor(inputs[start : start + batch])
            t = tf.convert_to_tensor(targets[start : start + batch])
            with self._locked() as model, tf.GradientTape() as tape:
                tape.watch(x)
                score = tf.gather(model(x, training=False), t, axis=1, batch_dims=1)
            grads.append(tape.gradient(score, x).numpy())
        return np.concatenate(grads)

    def layer_gradients(self, inputs: np.ndarray, targets: np.ndarray, layer_name: str):
        """(activations of ``layer_name``, d p(target) / d those activations) for float32 NHWC inputs."""
        import tensorflow as tf

        probe = self.over(lambda model: [model.get_layer(layer_name).output, model.output])
        x = tf.convert_to_tensor(inputs)
        with probe._locked() as built, tf.GradientTape() as tape:
            activations, probabilities = built(x, training=False)
            score = tf.gather(probabilities, tf.convert_to_tensor(targets), axis=1, batch_dims=1)
        return activations, tape.gradient(score, activations)

    def over(self, outputs: Callable[[object], object], name: str | None = None) -> "SharedModel":
        """A model from this model's inputs to ``outputs(model)`` (tensors of its own graph), built under this
        lock and sharing it from then on."""
        from tensorflow import keras

        with self._locked() as model:
            built = keras.Model(model.inputs, outputs(model), name=name)
        return SharedModel(built, self.lock, owns=True)

    def weights(self) -> list[np.ndarray]:
        with self._locked() as model:
            return model.get_weights()

    def layer_weights(self) -> dict[str, list[np.ndarray]]:
        """Each layer's weights by layer name (what a transfer copies into a new architecture)."""
        with self._locked() as model:
            return {layer.name: layer.get_weights() for layer in model.layers if layer.weights}

    def copy(self, redraw_seed: int | None = None, clone_function: Callable | None = None):
        """A private Keras copy nobody else holds (tfmot wraps layers in place; a teacher is traced into a
        student's graph): the same weights, or every weight re-drawn at its layer's spread with ``redraw_seed``.
        ``clone_function`` maps each layer of the copy (a tfmot wrapper, say)."""
        from tensorflow import keras

        with self._locked() as model:
            copy = keras.models.clone_model(model)
            weights = model.get_weights()
        if redraw_seed is not None:
            rng = np.random.default_rng(redraw_seed)
            weights = [rng.normal(0.0, max(float(np.std(w)), 1e-3), size=w.shape).astype(w.dtype) for w in weights]
        copy.set_weights(weights)
        return copy if clone_function is None else keras.models.clone_model(copy, clone_function=clone_function)

    def export(self, convert: Callable[[object], bytes]) -> bytes:
        """``convert(model)`` (a TFLite converter traces the layers) under the lock."""
        with self._locked() as model:
            return convert(model)


def _register(model, lock: threading.RLock) -> SharedModel:
    with _GUARD:
        found = _SHARED.get(model)
        if found is None:
            found = _SHARED[model] = SharedModel(model, lock)
        return found


def shared(model) -> SharedModel:
    """The one ``SharedModel`` of a Keras model (made on first use; a ``SharedModel`` is returned as it is)."""
    if isinstance(model, SharedModel):
        return model
    with _GUARD:
        found = _SHARED.get(model)
        if found is not None:
            return found
    return _register(model, threading.RLock())


def live_count() -> int:
    """How many models have a shared entry (a test checks an entry dies with its model)."""
    with _GUARD:
        return len(_SHARED)

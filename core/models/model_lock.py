"""One lock per Keras model: a model's layers must not be run from two threads at once.

The interactive pool (``core.compute.pool``) computes for several sessions in parallel threads, and a class uses one
model. tf-keras is not thread-safe when two threads run the same layers while one of them traces or builds a model
over them (Grad-CAM's probe, the domain guard's embedder): in a 30-student load test a SHAP call once received the
penultimate features of another thread's call as its input, and TFLite exports of one model from several sessions
deadlocked in TensorFlow's tracing. Every use of a model's layers — its forward pass, its gradients, the models
built over its layers, its export and its cloning — holds that model's lock. The lock is re-entrant (a method that holds
it may call the predictor) and dies with the model. TensorFlow still spreads each call over every core.
"""

import threading
import weakref

_LOCKS: "weakref.WeakKeyDictionary[object, threading.RLock]" = weakref.WeakKeyDictionary()
_GUARD = threading.Lock()


def lock_for(model) -> threading.RLock:
    """The lock of ``model`` (or of the model whose layers it was built over)."""
    with _GUARD:
        lock = _LOCKS.get(model)
        if lock is None:
            lock = _LOCKS[model] = threading.RLock()
        return lock


def model_over(base, outputs):
    """A Keras model from ``base``'s inputs to ``outputs`` (tensors of ``base``'s own graph), built under ``base``'s
    lock and sharing it from then on."""
    from tensorflow import keras

    with lock_for(base):
        built = keras.Model(base.inputs, outputs)
    share_lock(built, base)
    return built


def share_lock(derived, base) -> None:
    """``derived`` (a model built over ``base``'s layers) takes ``base``'s lock."""
    lock = lock_for(base)
    with _GUARD:
        _LOCKS[derived] = lock

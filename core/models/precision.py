"""Mixed-precision training with a plain float32 model at the end.

A model built under the ``mixed_float16`` policy computes in float16 and keeps float32 weights; a float32
cast after its output keeps the loss in float32 (Keras adds loss scaling when it compiles such a model). After
training its weights go into a float32 build of the same architecture, so what is stored, explained and
compressed is the plain model every other path expects (and the allow-list of uploads never sees a policy).
"""

import contextlib
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def policy(name: str) -> Iterator[None]:
    from tensorflow import keras

    before = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(name)
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(before)


def build_mixed(build: Callable[[], object]):
    """(model, fitted): ``model`` built in mixed precision, ``fitted`` the same layers with a float32 output."""
    from tensorflow import keras

    from core.runtime.shared_model import shared

    with policy("mixed_float16"):
        model = build()
    cast = keras.layers.Activation("linear", dtype="float32", name="float32_output")
    return model, shared(model).over(lambda built: cast(built.output), name=model.name).keras


def float32_twin(model, build: Callable[[], object]):
    """A float32 build of ``model``'s architecture carrying its trained weights."""
    with policy("float32"):
        twin = build()
    twin.set_weights(model.get_weights())
    return twin

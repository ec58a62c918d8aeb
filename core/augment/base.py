"""The op registry: each op has a plain-words description, parameter specs and a batch function.

An op's function takes float32 NHWC images in [0, 1], an int32[2] seed and its parameters, and
returns images of the same shape, drawing every random number statelessly from the seed so
that a pipeline runs inside tf.data (on a GPU too) and repeats exactly. Batch-level ops (mixup,
cutmix) also take and return one-hot labels.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.params import Param
from core.registry import Registry

KINDS = ("geometric", "intensity", "medical", "batch")


@dataclass(frozen=True)
class AugmentOp:
    name: str
    title: str
    kind: str
    description: str
    params: tuple[Param, ...]
    fn: Callable[..., Any]
    caution: str = ""  # when the op can change what the image means clinically
    identity: dict[str, Any] | None = None  # parameters at which the op leaves images unchanged
    matrix: Callable[..., Any] | None = None  # affine ops: (images, seed, params) -> (B, 3, 3) output-to-input map

    @property
    def mixes_labels(self) -> bool:
        return self.kind == "batch"


OPS: Registry[AugmentOp] = Registry("augmentation op")


register = OPS.register


def seeds(seed, count: int):
    """``count`` independent stateless seeds derived from one."""
    import tensorflow as tf

    return tf.random.experimental.stateless_split(seed, count)


def uniform(seed, batch, low: float, high: float):
    import tensorflow as tf

    return tf.random.stateless_uniform([batch], seed, low, high)


def batch_size(images):
    import tensorflow as tf

    return tf.shape(images)[0]


def per_image(values):
    """Shape (B,) -> (B, 1, 1, 1) so it broadcasts over NHWC."""
    import tensorflow as tf

    return tf.reshape(values, [-1, 1, 1, 1])


def gaussian_blur(images, sigma, radius: int | None = None, mode: str = "REFLECT"):
    """Separable Gaussian blur, the same sigma for the whole batch.

    ``sigma`` may be a float or a scalar tensor (a random draw); a tensor needs ``radius``, the
    kernel's half-width, since the kernel size must be known when the graph is built.
    """
    import tensorflow as tf

    radius = radius if radius is not None else max(1, int(3 * sigma + 0.5))
    x = tf.range(-radius, radius + 1, dtype=tf.float32)
    kernel = tf.exp(-(x**2) / (2.0 * tf.maximum(sigma, 1e-3) ** 2))
    kernel = kernel / tf.reduce_sum(kernel)
    channels = images.shape[-1] or tf.shape(images)[-1]
    padded = tf.pad(images, [[0, 0], [radius, radius], [radius, radius], [0, 0]], mode=mode)
    horizontal = tf.tile(tf.reshape(kernel, [1, -1, 1, 1]), [1, 1, channels, 1])
    vertical = tf.tile(tf.reshape(kernel, [-1, 1, 1, 1]), [1, 1, channels, 1])
    out = tf.nn.depthwise_conv2d(padded, horizontal, [1, 1, 1, 1], "VALID")
    return tf.nn.depthwise_conv2d(out, vertical, [1, 1, 1, 1], "VALID")

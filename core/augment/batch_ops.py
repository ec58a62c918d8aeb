"""Batch-level ops that mix two images and their labels: mixup (Zhang et al., ICLR 2018) and cutmix
(Yun et al., ICCV 2019). They take and return one-hot labels."""

from core.augment.base import AugmentOp, batch_size, per_image, register, seeds
from core.params import Param


def _beta(seed, batch, alpha: float):
    import tensorflow as tf

    s = seeds(seed, 2)
    a = tf.random.stateless_gamma([batch], s[0], alpha=alpha)
    b = tf.random.stateless_gamma([batch], s[1], alpha=alpha)
    return a / (a + b)


def _partner(seed, batch):
    import tensorflow as tf

    return tf.argsort(tf.random.stateless_uniform([batch], seed))


def mixup(images, labels, seed, p):
    import tensorflow as tf

    b = batch_size(images)
    s = seeds(seed, 2)
    lam = tf.maximum(_beta(s[0], b, p["alpha"]), 1.0 - _beta(s[0], b, p["alpha"]))  # the own image dominates
    order = _partner(s[1], b)
    mixed = per_image(lam) * images + per_image(1.0 - lam) * tf.gather(images, order)
    return mixed, lam[:, None] * labels + (1.0 - lam[:, None]) * tf.gather(labels, order)


def cutmix(images, labels, seed, p):
    import tensorflow as tf

    shape = tf.shape(images)
    b, height, width = shape[0], shape[1], shape[2]
    s = seeds(seed, 4)
    lam = _beta(s[0], b, p["alpha"])
    side = tf.sqrt(1.0 - lam)
    h = tf.cast(side * tf.cast(height, tf.float32), tf.int32)
    w = tf.cast(side * tf.cast(width, tf.float32), tf.int32)
    top = tf.cast(tf.random.stateless_uniform([b], s[1]) * tf.cast(height - h + 1, tf.float32), tf.int32)
    left = tf.cast(tf.random.stateless_uniform([b], s[2]) * tf.cast(width - w + 1, tf.float32), tf.int32)
    rows, cols = tf.range(height)[None, :, None], tf.range(width)[None, None, :]
    inside = (rows >= top[:, None, None]) & (rows < (top + h)[:, None, None])
    inside &= (cols >= left[:, None, None]) & (cols < (left + w)[:, None, None])
    order = _partner(s[3], b)
    mixed = tf.where(inside[..., None], tf.gather(images, order), images)
    kept = 1.0 - tf.cast(h * w, tf.float32) / tf.cast(height * width, tf.float32)  # the area actually pasted
    return mixed, kept[:, None] * labels + (1.0 - kept[:, None]) * tf.gather(labels, order)


CAUTION = "The mixed images are not real patients; the model learns soft labels between classes, not diagnoses."

register(
    AugmentOp(
        "mixup",
        "Mixup",
        "batch",
        "Blends pairs of images and their labels.",
        (Param("alpha", "float", 0.2, 0.05, 2.0, help="Beta(alpha, alpha): small keeps one image dominant."),),
        mixup,
        CAUTION,
    )
)
register(
    AugmentOp(
        "cutmix",
        "CutMix",
        "batch",
        "Pastes a patch of one image into another; labels mix by area.",
        (Param("alpha", "float", 1.0, 0.1, 2.0, help="Beta(alpha, alpha) for the patch area."),),
        cutmix,
        CAUTION,
    )
)

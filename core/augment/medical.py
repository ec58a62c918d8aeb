"""Acquisition artefacts: MRI bias field, motion ghosting, CT/X-ray window jitter, ultrasound speckle, erasing."""

from core.augment.base import AugmentOp, batch_size, per_image, register, seeds, uniform
from core.params import Param


def bias_field(images, seed, p):
    """A smooth multiplicative field, exp of a random quadratic in x and y (as MRI coils produce)."""
    import tensorflow as tf

    shape = tf.shape(images)
    b = shape[0]
    y = tf.linspace(-1.0, 1.0, shape[1])[None, :, None, None]
    x = tf.linspace(-1.0, 1.0, shape[2])[None, None, :, None]
    s = seeds(seed, 5)
    terms = [x, y, x * y, x**2, y**2]
    log_field = sum(per_image(uniform(s[i], b, -p["strength"], p["strength"])) * term for i, term in enumerate(terms))
    return images * tf.exp(log_field)


def ghosting(images, seed, p):
    """A faint copy of the image shifted along one axis, as patient motion leaves in MRI."""
    import tensorflow as tf

    s = seeds(seed, 2)
    size = images.shape[1] or 28
    shift = max(1, round(p["shift"] * size))
    axis = tf.random.stateless_uniform([], s[0], 0, 2, dtype=tf.int32)
    ghost = tf.cond(axis == 0, lambda: tf.roll(images, shift, axis=1), lambda: tf.roll(images, shift, axis=2))
    weight = per_image(uniform(s[1], batch_size(images), 0.0, p["intensity"]))
    return images * (1.0 - weight) + ghost * weight


def window_jitter(images, seed, p):
    """Re-window the image with a jittered level and width, as a different CT/X-ray display window would."""
    s = seeds(seed, 2)
    b = batch_size(images)
    level = per_image(0.5 + uniform(s[0], b, -p["level"], p["level"]))
    width = per_image(1.0 + uniform(s[1], b, -p["width"], p["width"]))
    return (images - level) / width + 0.5


def cutout(images, seed, p):
    """Erase a random rectangle (DeVries & Taylor, 2017), filled with the image mean."""
    import tensorflow as tf

    shape = tf.shape(images)
    b, height, width = shape[0], shape[1], shape[2]
    s = seeds(seed, 2)
    h = tf.cast(tf.round(p["size"] * tf.cast(height, tf.float32)), tf.int32)
    w = tf.cast(tf.round(p["size"] * tf.cast(width, tf.float32)), tf.int32)
    top = tf.cast(uniform(s[0], b, 0.0, 1.0) * tf.cast(height - h + 1, tf.float32), tf.int32)
    left = tf.cast(uniform(s[1], b, 0.0, 1.0) * tf.cast(width - w + 1, tf.float32), tf.int32)
    rows = tf.range(height)[None, :, None]
    cols = tf.range(width)[None, None, :]
    inside = (rows >= top[:, None, None]) & (rows < (top + h)[:, None, None])
    inside &= (cols >= left[:, None, None]) & (cols < (left + w)[:, None, None])
    mean = tf.reduce_mean(images, axis=[1, 2, 3], keepdims=True)
    return tf.where(inside[..., None], mean, images)


def speckle(images, seed, p):
    """Multiplicative grain, as coherent echoes leave in ultrasound: each pixel scaled by 1 + N(0, std)."""
    import tensorflow as tf

    grain = tf.random.stateless_normal(tf.shape(images), seed, stddev=p["std"])
    return images * (1.0 + grain)


def _medical(name, title, description, params, fn, identity, caution):
    register(AugmentOp(name, title, "medical", description, params, fn, caution, identity))


_medical(
    "bias_field",
    "MRI bias field",
    "Slowly varying brightness across the image, as MRI receiver coils cause.",
    (Param("strength", "float", 0.3, 0.0, 1.0, help="Largest log-brightness change at the edges."),),
    bias_field,
    {"strength": 0.0},
    "A strong field can darken a region enough to look like a lesion.",
)
_medical(
    "ghosting",
    "Motion ghosting",
    "Adds a faint shifted copy of the image, as patient motion does in MRI.",
    (
        Param("intensity", "float", 0.2, 0.0, 0.6, help="Largest weight of the ghost."),
        Param("shift", "float", 0.25, 0.05, 0.5, help="Ghost offset, as a share of the size."),
    ),
    ghosting,
    {"intensity": 0.0},
    "Ghosts can overlap anatomy and create false structures.",
)
_medical(
    "window_jitter",
    "Window jitter",
    "Changes the display window (level and width), as another CT/X-ray setting would.",
    (
        Param("level", "float", 0.1, 0.0, 0.4, help="Largest level shift."),
        Param("width", "float", 0.2, 0.0, 0.6, help="Largest relative width change."),
    ),
    window_jitter,
    {"level": 0.0, "width": 0.0},
    "A narrow window saturates tissue and can hide subtle opacities.",
)
_medical(
    "cutout",
    "Random erasing",
    "Blanks out a random rectangle, so the model cannot rely on one spot.",
    (Param("size", "float", 0.25, 0.05, 0.6, help="Side of the rectangle, as a share of the size."),),
    cutout,
    None,
    "The erased patch can hide the very finding that gives the image its label.",
)
_medical(
    "speckle",
    "Ultrasound speckle",
    "Multiplies each pixel by grainy noise, as ultrasound speckle does: bright tissue gets the most grain.",
    (Param("std", "float", 0.15, 0.0, 0.5, help="Spread of the multiplicative grain."),),
    speckle,
    {"std": 0.0},
    "Heavy speckle can hide a small lesion or mimic tissue texture.",
)

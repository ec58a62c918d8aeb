"""Intensity ops: brightness, contrast, gamma, noise, blur, sharpen, histogram equalisation."""

from core.augment.base import AugmentOp, batch_size, gaussian_blur, per_image, register, seeds, uniform
from core.params import Param

INTENSITY_CAUTION = (
    "Strong intensity changes can mimic or hide pathology: a darker lung field can pass for "
    "consolidation, a brighter one can wash it out."
)


def brightness(images, seed, p):
    return images + per_image(uniform(seed, batch_size(images), -p["delta"], p["delta"]))


def contrast(images, seed, p):
    import tensorflow as tf

    mean = tf.reduce_mean(images, axis=[1, 2, 3], keepdims=True)
    factor = per_image(uniform(seed, batch_size(images), 1.0 - p["factor"], 1.0 + p["factor"]))
    return (images - mean) * factor + mean


def gamma(images, seed, p):
    import tensorflow as tf

    exponent = tf.exp(per_image(uniform(seed, batch_size(images), -p["log_range"], p["log_range"])))
    return tf.pow(tf.clip_by_value(images, 1e-6, 1.0), exponent)


def noise(images, seed, p):
    import tensorflow as tf

    s = seeds(seed, 2)
    level = per_image(uniform(s[0], batch_size(images), 0.0, p["std"]))
    return images + level * tf.random.stateless_normal(tf.shape(images), s[1])


def _sigma(images, sigma: float) -> float:
    size = images.shape[1] or 28
    return min(sigma, (size - 1) / 3.5)  # the blur kernel must fit inside the image


def blur(images, seed, p):
    import tensorflow as tf

    # one sigma per batch keeps the convolution a single op; the probability mask varies per image
    sigma = tf.random.stateless_uniform([], seed, 0.1, max(p["sigma"], 0.1))
    radius = max(1, int(3 * _sigma(images, p["sigma"]) + 0.5))
    return gaussian_blur(images, sigma, radius, mode="SYMMETRIC")


def sharpen(images, seed, p):
    amount = per_image(uniform(seed, batch_size(images), 0.0, p["amount"]))
    return images + amount * (images - gaussian_blur(images, _sigma(images, 1.0)))


def equalize(images, seed, p):
    """Histogram equalisation by pixel rank (per image and channel), blended in by ``strength``."""
    import tensorflow as tf

    shape = tf.shape(images)
    flat = tf.reshape(tf.transpose(images, [0, 3, 1, 2]), [shape[0], shape[3], -1])
    ranks = tf.cast(tf.argsort(tf.argsort(flat, axis=-1, stable=True), axis=-1, stable=True), tf.float32)
    equalised = ranks / tf.cast(tf.maximum(tf.shape(flat)[-1] - 1, 1), tf.float32)
    equalised = tf.transpose(tf.reshape(equalised, [shape[0], shape[3], shape[1], shape[2]]), [0, 2, 3, 1])
    strength = per_image(uniform(seed, shape[0], 0.0, p["strength"]))
    return images + strength * (equalised - images)


def _intensity(name, title, description, params, fn, identity, caution=INTENSITY_CAUTION):
    register(AugmentOp(name, title, "intensity", description, params, fn, caution, identity))


_intensity(
    "brightness",
    "Brightness",
    "Adds a random offset to every pixel.",
    (Param("delta", "float", 0.1, 0.0, 0.5, help="Largest offset, as a share of the range."),),
    brightness,
    {"delta": 0.0},
)
_intensity(
    "contrast",
    "Contrast",
    "Stretches or squeezes intensities around the image mean.",
    (Param("factor", "float", 0.2, 0.0, 0.9, help="Largest change, e.g. 0.2 = 80-120 %."),),
    contrast,
    {"factor": 0.0},
)
_intensity(
    "gamma",
    "Gamma",
    "Bends the intensity curve: brightens or darkens mid-tones.",
    (Param("log_range", "float", 0.3, 0.0, 1.5, help="Largest |log gamma|."),),
    gamma,
    {"log_range": 0.0},
)
_intensity(
    "noise",
    "Gaussian noise",
    "Adds random grain, like a low-dose acquisition.",
    (Param("std", "float", 0.05, 0.0, 0.3, help="Largest noise level."),),
    noise,
    {"std": 0.0},
)
_intensity(
    "blur",
    "Gaussian blur",
    "Softens the image, like a slightly out-of-focus or low-resolution scan.",
    (Param("sigma", "float", 1.0, 0.0, 3.0, help="Largest blur radius, in pixels."),),
    blur,
    None,
)
_intensity(
    "sharpen",
    "Sharpen",
    "Emphasises edges (unsharp masking).",
    (Param("amount", "float", 0.5, 0.0, 2.0, help="Largest sharpening strength."),),
    sharpen,
    {"amount": 0.0},
)
_intensity(
    "equalize",
    "Histogram equalisation",
    "Spreads intensities evenly over the range (contrast enhancement).",
    (Param("strength", "float", 0.5, 0.0, 1.0, help="How much of the equalised image is blended in."),),
    equalize,
    {"strength": 0.0},
)

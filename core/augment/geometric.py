"""Geometric ops: rotation, flips, translation, shear, zoom, random resized crop, elastic deformation."""

import math

from core.augment.base import AugmentOp, batch_size, register, seeds, uniform
from core.models.jitter import bilinear, warp
from core.params import Param

FLIP_CAUTION = (
    "A mirrored chest X-ray puts the heart on the wrong side (dextrocardia); for chest images "
    "left and right carry meaning, so flips can teach the model anatomy that does not exist."
)


def _centre(images):
    import tensorflow as tf

    shape = tf.shape(images)
    return shape[0], (tf.cast(shape[2], tf.float32) - 1.0) / 2.0, (tf.cast(shape[1], tf.float32) - 1.0) / 2.0


def _stack(a0, a1, a2, b0, b1, b2):
    """(B, 3, 3) from six (B,) rows of an output-to-input affine map."""
    import tensorflow as tf

    zeros, ones = tf.zeros_like(a0), tf.ones_like(a0)
    return tf.reshape(tf.stack([a0, a1, a2, b0, b1, b2, zeros, zeros, ones], axis=1), [-1, 3, 3])


# Each map below is built with as few ops as possible: it runs per batch inside tf.data, where the
# count of small ops, not their arithmetic, sets the throughput. Random numbers come in as
# ``draws`` (rows of uniform values in [-1, 1], one row per image parameter), drawn outside the
# compiled composition in ``pipeline._affine_rows``: XLA's generator differs from the CPU kernel's.


def affine_draws(images, seed, rows: int):
    import tensorflow as tf

    return tf.random.stateless_uniform(tf.stack([max(rows, 1), tf.shape(images)[0]]), seed, -1.0, 1.0)


def rotate_matrix(images, draws, p):
    import tensorflow as tf

    _, cx, cy = _centre(images)
    angle = draws[0] * (p["degrees"] * math.pi / 180.0)
    cos, sin = tf.cos(angle), tf.sin(angle)
    return _stack(cos, sin, cx - cos * cx - sin * cy, -sin, cos, cy + sin * cx - cos * cy)


def translate_matrix(images, draws, p):
    import tensorflow as tf

    _, cx, cy = _centre(images)
    ones, zeros = tf.ones_like(draws[0]), tf.zeros_like(draws[0])
    return _stack(
        ones, zeros, -draws[0] * p["fraction"] * (2 * cx + 1), zeros, ones, -draws[1] * p["fraction"] * (2 * cy + 1)
    )


def shear_matrix(images, draws, p):
    import tensorflow as tf

    _, _, cy = _centre(images)
    tan = tf.tan(draws[0] * (p["degrees"] * math.pi / 180.0))
    ones, zeros = tf.ones_like(tan), tf.zeros_like(tan)
    return _stack(ones, tan, -tan * cy, zeros, ones, zeros)


def zoom_matrix(images, draws, p):
    import tensorflow as tf

    _, cx, cy = _centre(images)
    inverse = 1.0 / (1.0 + draws[0] * p["fraction"])
    zeros = tf.zeros_like(inverse)
    return _stack(inverse, zeros, cx - inverse * cx, zeros, inverse, cy - inverse * cy)


def rows_to_matrices(rows):
    import tensorflow as tf

    return tf.reshape(tf.concat([rows, tf.ones_like(rows[:, :1])], axis=1), [-1, 3, 3])


def matrices_to_rows(matrices):
    import tensorflow as tf

    flat = tf.reshape(matrices, [-1, 9])
    return flat[:, :8] / flat[:, 8:9]


def _flip_matrix(images, axis: int):
    """Mirror along x (axis 2) or y (axis 1) as one (1, 3, 3) output-to-input map, broadcast over the batch."""
    import tensorflow as tf

    size = tf.cast(tf.shape(images)[axis], tf.float32) - 1.0
    row = 0 if axis == 2 else 1
    mirror = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    mirror[row][row] = -1.0
    offset = [[0.0] * 3 for _ in range(3)]
    offset[row][2] = 1.0
    return tf.constant([mirror]) + size * tf.constant([offset])


def hflip_matrix(images, draws, p):
    return _flip_matrix(images, 2)


def vflip_matrix(images, draws, p):
    return _flip_matrix(images, 1)


DRAWS = {rotate_matrix: 1, translate_matrix: 2, shear_matrix: 1, zoom_matrix: 1, hflip_matrix: 0, vflip_matrix: 0}


def by_matrix(matrix_fn):
    """The op applied on its own: one warp with its map."""

    def apply(images, seed, p):
        draws = affine_draws(images, seed, DRAWS[matrix_fn])
        return warp(images, matrices_to_rows(matrix_fn(images, draws, p)))

    return apply


def resized_crop(images, seed, p):
    """Crop a random box holding ``min_area``..1 of the image (aspect 3/4..4/3) and resize it back."""
    import tensorflow as tf

    b = batch_size(images)
    s = seeds(seed, 4)
    area = uniform(s[0], b, p["min_area"], 1.0)
    aspect = tf.exp(uniform(s[1], b, math.log(3 / 4), math.log(4 / 3)))
    h = tf.minimum(tf.sqrt(area / aspect), 1.0)
    w = tf.minimum(tf.sqrt(area * aspect), 1.0)
    top = uniform(s[2], b, 0.0, 1.0) * (1.0 - h)
    left = uniform(s[3], b, 0.0, 1.0) * (1.0 - w)
    boxes = tf.stack([top, left, top + h, left + w], axis=1)
    return tf.image.crop_and_resize(images, boxes, tf.range(b), tf.shape(images)[1:3])


def elastic(images, seed, p):
    """Random displacement fields, smoothed by a Gaussian (Simard et al., ICDAR 2003), then resampled."""
    import tensorflow as tf

    from core.augment.base import gaussian_blur

    shape = tf.shape(images)
    b, height, width = shape[0], shape[1], shape[2]
    s = seeds(seed, 2)
    size = tf.cast(tf.minimum(height, width), tf.float32)
    sigma = p["smoothness"]
    field = tf.random.stateless_uniform(tf.stack([b, height, width, 2]), s[0], -1.0, 1.0)
    field = gaussian_blur(field, sigma)
    field = field / tf.maximum(tf.reduce_max(tf.abs(field)), 1e-6) * p["strength"] * size / 14.0
    rows = tf.cast(tf.range(height), tf.float32)[None, :, None] + field[..., 0]
    cols = tf.cast(tf.range(width), tf.float32)[None, None, :] + field[..., 1]
    return bilinear(images, rows, cols)


def _geo(name, title, description, params, fn, identity, caution="", matrix=None):
    fn = by_matrix(matrix) if matrix is not None else fn
    register(AugmentOp(name, title, "geometric", description, params, fn, caution, identity, matrix))


_geo(
    "rotate",
    "Rotation",
    "Turns the image by a random angle up to the limit, either way.",
    (Param("degrees", "float", 15.0, 0.0, 180.0, help="Largest angle, in degrees."),),
    None,
    {"degrees": 0.0},
    matrix=rotate_matrix,
)
_geo("hflip", "Horizontal flip", "Mirrors the image left to right.", (), None, None, FLIP_CAUTION, hflip_matrix)
_geo(
    "vflip",
    "Vertical flip",
    "Mirrors the image top to bottom.",
    (),
    None,
    None,
    "Upside-down anatomy never occurs in a correctly oriented scan; "
    "use only where orientation is arbitrary (cells, tissue).",
    vflip_matrix,
)
_geo(
    "translate",
    "Translation",
    "Shifts the image by up to a share of its width and height.",
    (Param("fraction", "float", 0.1, 0.0, 0.5, help="Largest shift, as a share of the size."),),
    None,
    {"fraction": 0.0},
    matrix=translate_matrix,
)
_geo(
    "shear",
    "Shear",
    "Slants the image by a random shear angle.",
    (Param("degrees", "float", 10.0, 0.0, 45.0, help="Largest shear angle, in degrees."),),
    None,
    {"degrees": 0.0},
    matrix=shear_matrix,
)
_geo(
    "zoom",
    "Zoom",
    "Zooms in or out by up to a share of the size.",
    (Param("fraction", "float", 0.1, 0.0, 0.5, help="Largest zoom, e.g. 0.1 = 90-110 %."),),
    None,
    {"fraction": 0.0},
    matrix=zoom_matrix,
)
_geo(
    "resized_crop",
    "Random resized crop",
    "Crops a random part of the image and scales it back to full size.",
    (Param("min_area", "float", 0.7, 0.1, 1.0, help="Smallest share of the image kept."),),
    resized_crop,
    None,
    "A tight crop can cut the finding out of the image while its label stays.",
)
_geo(
    "elastic",
    "Elastic deformation",
    "Bends the image with a smooth random warp, like soft tissue.",
    (
        Param("strength", "float", 1.0, 0.0, 5.0, help="How far pixels move."),
        Param("smoothness", "float", 3.0, 1.0, 10.0, help="How smooth the warp is, in pixels."),
    ),
    elastic,
    {"strength": 0.0},
)

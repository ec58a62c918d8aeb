"""Preview grids: source images against augmented draws, computed eagerly and fast enough to redraw live."""

from dataclasses import dataclass

import numpy as np

from core.augment.pipeline import Pipeline
from core.data.dataset import to_float


@dataclass(frozen=True)
class Preview:
    originals: np.ndarray  # uint8 (N, H, W, C)
    draws: np.ndarray  # uint8 (N, M, H, W, C)


def preview(
    pipeline: Pipeline, images: np.ndarray, labels: np.ndarray, num_classes: int, draws: int = 4, seed: int = 0
) -> Preview:
    """``draws`` augmented versions of each image, one batch through the pipeline."""
    import tensorflow as tf

    n = len(images)
    repeated = np.repeat(to_float(images), draws, axis=0)
    repeated_labels = np.repeat(labels, draws, axis=0)
    usable = pipeline.for_classes(num_classes) if pipeline.mixes_labels else pipeline
    out, _ = usable(tf.constant(repeated), tf.constant(repeated_labels), tf.constant([seed, 7919], dtype=tf.int32))
    augmented = np.clip(np.round(np.asarray(out) * 255.0), 0, 255).astype(np.uint8)
    return Preview(images, augmented.reshape(n, draws, *images.shape[1:]))


def grid(result: Preview, scale: int = 3, pad: int = 2) -> np.ndarray:
    """One row per source image: the original, a gap, then its draws; enlarged ``scale`` times."""
    from core.data.display import montage

    rows = []
    for original, draws in zip(result.originals, result.draws, strict=True):
        blank = np.full((1, *original.shape), 255, dtype=np.uint8)
        rows.append(montage(np.concatenate([original[None], blank, draws]), scale=scale, pad=pad))
    gap = np.full((pad * 2, rows[0].shape[1], 3), 255, dtype=np.uint8)
    out = [rows[0]]
    for row in rows[1:]:
        out += [gap, row]
    return np.concatenate(out, axis=0)


def grid_png(result: Preview, scale: int = 3) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(grid(result, scale)).save(buffer, format="PNG")
    return buffer.getvalue()

"""Images laid out for a person to look at: plain arrays in, an RGB uint8 array out (no figure library)."""

import numpy as np


def montage(images: np.ndarray, scale: int = 3, pad: int = 2) -> np.ndarray:
    """One row of images side by side, enlarged by ``scale`` (nearest neighbour keeps pixels honest)."""
    if len(images) == 0:
        return np.zeros((1, 1, 3), dtype=np.uint8)
    images = np.repeat(np.repeat(images, scale, axis=1), scale, axis=2)
    if images.shape[-1] == 1:
        images = np.repeat(images, 3, axis=-1)
    n, h, w, _ = images.shape
    row = np.full((h, n * (w + pad) - pad, 3), 255, dtype=np.uint8)
    for i, image in enumerate(images):
        row[:, i * (w + pad) : i * (w + pad) + w] = image
    return row

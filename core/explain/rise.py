"""RISE, randomized input sampling (Petsiuk, Das & Saenko, BMVC 2018): score the image through many random
smooth masks and average the masks weighted by the score each one kept.

Model-agnostic (it explains TFLite files too). Scores are centred on their mean over the masks, so a region
gets credit for raising the score above what a random half of the image gives, and a model that ignores its
input gets an all-zero map.
"""

import numpy as np

from core.explain.base import ExplainMethod, register
from core.params import Param

CHUNK = 100  # masked copies per forward pass: bounded memory at 224 px


def random_masks(count: int, cells: int, keep: float, height: int, width: int, seed: int) -> np.ndarray:
    """(count, H, W) float32 masks: a coarse random grid, bilinearly upsampled and randomly shifted."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    cell_h, cell_w = int(np.ceil(height / cells)), int(np.ceil(width / cells))
    grids = (rng.random((count, cells, cells)) < keep).astype(np.float32)
    big = ((cells + 1) * cell_w, (cells + 1) * cell_h)
    masks = np.empty((count, height, width), np.float32)
    for i, grid in enumerate(grids):
        up = np.asarray(Image.fromarray(grid, mode="F").resize(big, Image.Resampling.BILINEAR))
        top, left = rng.integers(0, cell_h), rng.integers(0, cell_w)
        masks[i] = up[top : top + height, left : left + width]
    return masks


def rise(predictor, inputs, targets, params, context):
    count, keep = params["masks"], params["keep"]
    height, width = inputs.shape[1:3]
    masks = random_masks(count, params["cells"], keep, height, width, context.seed)
    maps = []
    for image, target in zip(inputs, targets, strict=True):
        scores = np.concatenate(
            [
                predictor(image[np.newaxis] * masks[start : start + CHUNK, :, :, np.newaxis])[:, target]
                for start in range(0, count, CHUNK)
            ]
        )
        centred = scores - scores.mean()
        maps.append(np.tensordot(centred, masks, axes=1) / (count * keep))
    return np.stack(maps).astype(np.float32), {}


register(
    ExplainMethod(
        "rise",
        "RISE",
        (
            Param("masks", "int", 500, 20, 4000, help="Random masks to score; more gives a smoother, steadier map."),
            Param("cells", "int", 7, 2, 16, help="Grid of each mask, cells per side: fewer cells, larger blobs."),
            Param("keep", "float", 0.5, 0.1, 0.9, help="Share of each mask's cells left visible."),
        ),
        rise,
        needs_gradients=False,
        note=(
            "**RISE** shows the model the image through hundreds of random blotchy masks and credits each "
            "region by how much the score rose when it stayed visible. It works on any model, needs no "
            "gradients and gives smooth maps, but it is only as steady as its number of masks, and a large "
            "masked-out area is itself an unusual image for the model."
        ),
    )
)

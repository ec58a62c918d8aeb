"""Occlusion sensitivity (Zeiler & Fergus, ECCV 2014): grey out a window, see how much the score drops.

Model-agnostic, so it also explains TFLite files. All occluded copies of an image go to the
model in one batch.
"""

import numpy as np

from core.explain.base import ExplainMethod, register
from core.params import Param


def occlusion(predictor, inputs, targets, params, context):
    window, stride = params["window"], params["stride"]
    maps = []
    for image, target in zip(inputs, targets, strict=True):
        height, width = image.shape[:2]
        fill = float(image.mean()) if params["fill"] == "mean" else 0.0
        tops = list(range(0, max(height - window, 0) + 1, stride))
        lefts = list(range(0, max(width - window, 0) + 1, stride))
        if tops[-1] + window < height:
            tops.append(height - window)
        if lefts[-1] + window < width:
            lefts.append(width - window)
        boxes = [(top, left) for top in tops for left in lefts]
        copies = np.repeat(image[np.newaxis], len(boxes), axis=0)
        for copy, (top, left) in zip(copies, boxes, strict=True):
            copy[top : top + window, left : left + window] = fill
        reference = predictor(image[np.newaxis])[0, target]
        drops = reference - predictor(copies)[:, target]
        total = np.zeros((height, width), np.float64)
        counts = np.zeros((height, width), np.float64)
        for drop, (top, left) in zip(drops, boxes, strict=True):
            total[top : top + window, left : left + window] += drop
            counts[top : top + window, left : left + window] += 1
        maps.append(total / np.maximum(counts, 1))
    return np.stack(maps).astype(np.float32), {}


register(
    ExplainMethod(
        "occlusion",
        "Occlusion",
        (
            Param("window", "int", 6, 2, 64, help="Side of the square that is greyed out, in pixels."),
            Param("stride", "int", 2, 1, 32, help="Step between windows, in pixels."),
            Param("fill", "choice", "mean", choices=("mean", "black"), help="What the window is filled with."),
        ),
        occlusion,
        needs_gradients=False,
        batchable=True,
        note=(
            "**Occlusion** hides one patch at a time and records how much the model's confidence falls. "
            "Easy to trust and works on any model, but slow for big images, and the grey patch itself can "
            "look like a finding to the model."
        ),
    )
)

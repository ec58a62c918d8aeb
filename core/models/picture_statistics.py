"""What a picture looks like before any model reads it: the out-of-domain guard's training-independent signals.

An 8x8 thumbnail, the grey-level histogram, edge strength and contrast say a CT slice is not a chest X-ray
whatever a model learnt; the chroma of the upload says a photograph is not a grey image, a difference the model
never sees (conversion to its one channel throws the colour away).
"""

import numpy as np

from core.data.dataset import to_float

THUMBNAIL = 8
HISTOGRAM_BINS = 16


def input_statistics(images: np.ndarray) -> np.ndarray:
    """The training-independent description of uint8 NHWC pictures: thumbnail, histogram, edges, contrast."""
    from PIL import Image

    pixels = to_float(images)
    count, channels = len(images), images.shape[3]
    thumbs = np.empty((count, THUMBNAIL * THUMBNAIL * channels), dtype=np.float32)
    for index, image in enumerate(images):
        planes = [Image.fromarray(np.ascontiguousarray(image[..., c])) for c in range(channels)]
        small = [np.asarray(p.resize((THUMBNAIL, THUMBNAIL), Image.Resampling.BOX), np.float32) for p in planes]
        thumbs[index] = np.stack(small, axis=-1).ravel() / 255.0
    bins = np.minimum((pixels * HISTOGRAM_BINS).astype(np.int64), HISTOGRAM_BINS - 1)
    offsets = (np.arange(channels) * HISTOGRAM_BINS)[None, None, None, :] + bins
    flat = offsets.reshape(count, -1) + (np.arange(count) * HISTOGRAM_BINS * channels)[:, None]
    histogram = np.bincount(flat.ravel(), minlength=count * HISTOGRAM_BINS * channels).reshape(count, -1)
    histogram = np.sqrt(histogram / (images.shape[1] * images.shape[2]))
    edges = [np.abs(np.diff(pixels, axis=axis)).mean(axis=(1, 2)) for axis in (1, 2)]
    return np.concatenate([thumbs, histogram, *edges, pixels.std(axis=(1, 2))], axis=1).astype(np.float64)


def colourfulness(source: np.ndarray) -> float:
    """Mean chroma of a uint8 HWC picture: 0 for grey, about 0.1-0.4 for a skin or fundus photograph."""
    if source.ndim != 3 or source.shape[2] != 3:
        return 0.0
    values = source.astype(np.int16)
    return float((values.max(axis=2) - values.min(axis=2)).mean() / 255.0)

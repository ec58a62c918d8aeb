"""Turn an uploaded PNG/JPEG into an image the model can take (size and channels of its dataset)."""

import io

import numpy as np

from core.errors import MedLensError

MAX_PIXELS = 40_000_000


def image_from_bytes(data: bytes, shape: tuple[int, int, int]) -> np.ndarray:
    """uint8 (H, W, C) resized to ``shape``; refuses files that are not images or are absurdly large."""
    from PIL import Image

    height, width, channels = shape
    try:
        with Image.open(io.BytesIO(data)) as opened:
            if opened.format not in ("PNG", "JPEG"):
                raise MedLensError(f"This file is a {opened.format or 'unknown'} image; upload a PNG or JPEG.")
            if opened.width * opened.height > MAX_PIXELS:
                raise MedLensError(
                    f"This image has {opened.width}x{opened.height} pixels; the limit is {MAX_PIXELS:,}."
                )
            converted = opened.convert("L" if channels == 1 else "RGB").resize(
                (width, height), Image.Resampling.LANCZOS
            )
            pixels = np.asarray(converted, dtype=np.uint8)
    except MedLensError:
        raise
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise MedLensError(f"This file cannot be read as an image ({error}); upload a PNG or JPEG.") from error
    return pixels.reshape(height, width, channels)

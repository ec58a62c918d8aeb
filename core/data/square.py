"""How a non-square image becomes the square a model reads, and how a square becomes another size.

One rule per dataset, used everywhere its images meet a model (import, training view, prediction,
explanation, report), so a model never sees a picture shaped differently from the ones it learnt on.
A MedMNIST subset follows what MedMNIST did to its source pictures (``core.data.catalogue.PREPARATION``):
PneumoniaMNIST was centre-cropped, so an upload for its model is centre-cropped too. Stretching exists only
for the subsets MedMNIST made that way (DermaMNIST, the OrganMNISTs); an import is never offered it: it
distorts anatomy, and when classes differ in aspect ratio (as the Kermany chest X-rays do) the stretch itself
becomes a clue unrelated to disease.
"""

import numpy as np

from core.registry import Registry

SQUARING: Registry = Registry("squaring rule")
DEFAULT_SQUARING = "pad"


@SQUARING.add(
    "pad",
    "Letterbox: the whole image, centred, with black bars on the short side. Nothing is cut off; the bars "
    "show the original shape.",
)
def pad(pixels: np.ndarray) -> np.ndarray:
    height, width = pixels.shape[:2]
    side = max(height, width)
    if height == width:
        return pixels
    out = np.zeros((side, side, pixels.shape[2]), dtype=pixels.dtype)
    top, left = (side - height) // 2, (side - width) // 2
    out[top : top + height, left : left + width] = pixels
    return out


@SQUARING.add(
    "crop",
    "Centre crop: the largest centred square. No bars, so the original shape leaves no trace; the edges of "
    "the long side are cut off.",
)
def crop(pixels: np.ndarray) -> np.ndarray:
    height, width = pixels.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    return pixels[top : top + side, left : left + side]


@SQUARING.add(
    "stretch",
    "Stretch: the whole image resized to a square, aspect ratio not kept. Only for datasets that were made "
    "this way (DermaMNIST, the OrganMNISTs), so an upload looks like their training pictures.",
)
def stretch(pixels: np.ndarray) -> np.ndarray:
    from PIL import Image

    height, width = pixels.shape[:2]
    if height == width:
        return pixels
    side = max(height, width)
    source = Image.fromarray(pixels[..., 0] if pixels.shape[2] == 1 else pixels)
    resized = np.asarray(source.resize((side, side), Image.Resampling.LANCZOS), dtype=pixels.dtype)
    return resized.reshape(side, side, pixels.shape[2])


IMPORT_SQUARING = ("pad", "crop")
"""The rules an import may choose: stretching is kept for the MedMNIST subsets made that way."""


RULE_NAMES = {"pad": "letterbox", "crop": "centre crop", "stretch": "stretch"}


def rule_name(rule: str) -> str:
    return RULE_NAMES.get(rule, rule)


def rule_line(rule: str) -> str:
    """The line shown beside a prediction: which rule made the picture square, and that training used it too."""
    return f"A non-square picture is made square by {rule_name(rule)}, as this model's training images were."


def square(pixels: np.ndarray, rule: str = DEFAULT_SQUARING) -> np.ndarray:
    """uint8 (H, W, C) as a square by ``rule``."""
    return SQUARING.get(rule)(pixels)


def resize_square(pixels: np.ndarray, size: int, channels: int) -> np.ndarray:
    """A square uint8 (S, S, C) image at ``size`` x ``size`` with ``channels`` (gray <-> RGB), Lanczos."""
    from PIL import Image

    source = Image.fromarray(pixels[..., 0] if pixels.shape[2] == 1 else pixels)
    converted = source.convert("L" if channels == 1 else "RGB")
    if converted.size != (size, size):
        converted = converted.resize((size, size), Image.Resampling.LANCZOS)
    return np.asarray(converted, dtype=np.uint8).reshape(size, size, channels)


def resize_stack(images: np.ndarray, size: int) -> np.ndarray:
    """Square uint8 NHWC images at ``size``, one image at a time (a memory-mapped stack is read once, in order,
    and never held whole at its stored size)."""
    if images.shape[1] == size:
        return images
    out = np.empty((len(images), size, size, images.shape[3]), dtype=np.uint8)
    for index in range(len(images)):
        out[index] = resize_square(np.asarray(images[index]), size, images.shape[3])
    return out

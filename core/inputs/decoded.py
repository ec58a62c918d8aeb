"""What every image decoder returns, and the checks they share: decoded values plus a display window.

Its own module so the Pillow decoders (``images``) and the DICOM decoder (``dicom``) both build on it
without importing each other; ``DECODERS`` is the registry ``read_image`` dispatches on.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from core.errors import InputError
from core.inputs.limits import Limits, human_bytes
from core.registry import Registry


@dataclass(frozen=True)
class Window:
    center: float
    width: float

    @property
    def low(self) -> float:
        return self.center - self.width / 2

    @property
    def high(self) -> float:
        return self.center + self.width / 2

    @classmethod
    def spanning(cls, values: np.ndarray) -> "Window":
        """The window from the smallest to the largest value (a flat image gets width 1)."""
        low, high = float(np.min(values)), float(np.max(values))
        return cls((low + high) / 2, max(high - low, 1.0))


@dataclass(frozen=True, eq=False)
class DecodedImage:
    frames: np.ndarray  # float32 (F, H, W, C), C is 1 or 3
    format: str
    window: Window
    invert: bool = False  # DICOM MONOCHROME1: high values are dark
    summary: dict = field(default_factory=dict)  # technical facts only; never patient fields

    @property
    def frame_count(self) -> int:
        return self.frames.shape[0]

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(self.frames.shape[1:])  # type: ignore[return-value]


EIGHT_BIT = Window(127.5, 255.0)  # 0..255 shown as they are: nothing to window
INTERRUPTS = (KeyboardInterrupt, SystemExit, GeneratorExit)  # never turned into a refusal

Decoder = Callable[[bytes, str, Limits], DecodedImage]
DECODERS: Registry[Decoder] = Registry("image decoder")


def check_pixels(count: int, limits: Limits, what: str) -> None:
    if count > limits.max_pixels:
        raise InputError(f"{what} has {count:,} pixels; the limit is {limits.max_pixels:,}. Use a smaller image.")


def check_decoded_bytes(count: int, limits: Limits, what: str) -> None:
    """Refuse before decoding when the pixels (or one tile or strip of them) would take more than the budget."""
    if count > limits.max_decoded_bytes:
        raise InputError(
            f"{what} would take {human_bytes(count)} to decode; the limit is {human_bytes(limits.max_decoded_bytes)}."
        )

"""Decode a user's image file (PNG, JPEG, TIFF 8/16 bit, DICOM) into values plus a display window.

Every decoder returns a ``DecodedImage``: float32 frames in the file's own units (Hounsfield units
for CT), a default window, and a summary with technical facts only. ``render`` windows a frame to
uint8 for display; ``fit_to`` turns that into a model's input size and channels.
"""

import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from core.errors import InputError, MedLensError
from core.inputs.limits import LIMITS, Limits, human_bytes
from core.inputs.sniff import HEAD_BYTES, describe, sniff
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
_PIL_NAMES = {"png": "PNG", "jpeg": "JPEG", "tiff": "TIFF"}


def read_image(data: bytes, limits: Limits = LIMITS) -> DecodedImage:
    """Decode ``data`` by its content; refuses anything that is not a readable PNG, JPEG, TIFF or DICOM."""
    if not data:
        raise InputError("The file is empty; choose an image file (PNG, JPEG, TIFF or DICOM).")
    if len(data) > limits.max_file_bytes:
        raise InputError(f"The file has {human_bytes(len(data))}; the limit is {human_bytes(limits.max_file_bytes)}.")
    kind = sniff(data[:HEAD_BYTES])
    if kind not in DECODERS:
        raise InputError(
            f"This is {describe(kind)}, not an image MedLens reads; choose a PNG, JPEG, TIFF or DICOM file."
        )
    return DECODERS.get(kind)(data, kind, limits)


def check_pixels(count: int, limits: Limits, what: str) -> None:
    if count > limits.max_pixels:
        raise InputError(f"{what} has {count:,} pixels; the limit is {limits.max_pixels:,}. Use a smaller image.")


def _pil_decode(data: bytes, kind: str, limits: Limits) -> DecodedImage:
    from PIL import Image

    name = _PIL_NAMES[kind]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. corrupt EXIF: the pixels are what matter
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[name]) as opened:
                pages = int(getattr(opened, "n_frames", 1))
                if pages > limits.max_frames:
                    raise InputError(f"This {name} file has {pages} pages; the limit is {limits.max_frames}.")
                check_pixels(opened.width * opened.height * pages, limits, f"This {name} image")
                frames, window = _pil_frames(opened, pages, name)
    except MedLensError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise InputError(f"This {name} image declares more pixels than MedLens will decode ({error}).") from error
    except INTERRUPTS:
        raise
    except BaseException as error:  # a hostile file can make a decoder raise anything (Rust panics too)
        raise InputError(
            f"This {name} file is damaged or incomplete and cannot be decoded ({_short(error)})."
        ) from error
    height, width, channels = frames.shape[1:]
    summary = {"format": name, "height": height, "width": width, "channels": channels}
    if pages > 1:
        summary["pages"] = pages
    return DecodedImage(frames, kind, window, summary=summary)


def _pil_frames(opened, pages: int, name: str) -> tuple[np.ndarray, Window]:
    """Every page of a multi-page file (TIFF stacks, animated PNG) as frames of one size."""
    values = []
    for page in range(pages):
        opened.seek(page)
        opened.load()
        page_values, window = _pil_values(opened)
        if values and page_values.shape != values[0].shape:
            raise InputError(f"The pages of this {name} file differ in size or channels; save them as separate files.")
        values.append(page_values)
    frames = np.stack(values)
    return frames, window if window == EIGHT_BIT else Window.spanning(frames)


def _pil_values(opened) -> tuple[np.ndarray, Window]:
    """float32 (H, W, C) and a default window: 0-255 for 8-bit, the value range for 16-bit and float."""
    mode = opened.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        values = np.asarray(opened, dtype=np.float32)[..., np.newaxis]
        return values, Window.spanning(values)
    gray = mode in ("1", "L", "LA", "La") or (mode == "P" and _palette_is_gray(opened))
    converted = opened.convert("L" if gray else "RGB")
    values = np.asarray(converted, dtype=np.float32)
    if values.ndim == 2:
        values = values[..., np.newaxis]
    return values, EIGHT_BIT


def _palette_is_gray(opened) -> bool:
    rgb = np.asarray(opened.convert("RGB"))
    return bool((rgb[..., 0] == rgb[..., 1]).all() and (rgb[..., 1] == rgb[..., 2]).all())


def _short(error: Exception) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text[:160]


for _kind, _name in _PIL_NAMES.items():
    DECODERS.add(_kind, f"{_name} via Pillow")(_pil_decode)


def render(image: DecodedImage, frame: int = 0, window: Window | None = None) -> np.ndarray:
    """uint8 (H, W, C) of ``frame`` through ``window`` (the image's own by default), MONOCHROME1 inverted."""
    if not 0 <= frame < image.frame_count:
        raise InputError(f"Frame {frame} does not exist; this file has frames 0 to {image.frame_count - 1}.")
    window = window or image.window
    if window.width <= 0:
        raise InputError(f"A window width must be positive, not {window.width}.")
    scaled = np.clip((image.frames[frame] - window.low) / window.width, 0.0, 1.0)
    if image.invert:
        scaled = 1.0 - scaled
    return np.round(scaled * 255.0).astype(np.uint8)


def fit_to(pixels: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    """uint8 (H, W, C) resized and converted (gray <-> RGB) to a model's input ``shape``."""
    from PIL import Image

    height, width, channels = shape
    source = Image.fromarray(pixels[..., 0] if pixels.shape[2] == 1 else pixels)
    converted = source.convert("L" if channels == 1 else "RGB")
    if converted.size != (width, height):
        converted = converted.resize((width, height), Image.Resampling.LANCZOS)
    return np.asarray(converted, dtype=np.uint8).reshape(height, width, channels)


def model_input(data: bytes, shape: tuple[int, int, int], frame: int = 0, window: Window | None = None) -> np.ndarray:
    """A file's bytes straight to a model's uint8 input: decode, window, resize."""
    return fit_to(render(read_image(data), frame, window), shape)


import core.inputs.dicom  # noqa: E402, F401  (registers the DICOM decoder; it needs the names above)

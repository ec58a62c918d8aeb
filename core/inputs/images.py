"""Decode a user's image file (PNG, JPEG, TIFF 8/16 bit, DICOM) into values plus a display window.

Every decoder returns a ``DecodedImage``: float32 frames in the file's own units (Hounsfield units
for CT), a default window, and a summary with technical facts only. ``render`` windows a frame to
uint8 for display; ``fit_to`` turns that into a model's input size and channels.
"""

import io
import warnings

import numpy as np

from core.data.square import DEFAULT_SQUARING, resize_square, square
from core.errors import InputError, MedLensError
from core.inputs import dicom  # noqa: F401  (registers the DICOM decoder)
from core.inputs.decoded import (
    DECODERS,
    EIGHT_BIT,
    INTERRUPTS,
    DecodedImage,
    Window,
    check_decoded_bytes,
    check_pixels,
)
from core.inputs.limits import LIMITS, Limits, human_bytes
from core.inputs.sniff import HEAD_BYTES, describe, sniff

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


def _pil_decode(data: bytes, kind: str, limits: Limits) -> DecodedImage:
    from PIL import Image

    name = _PIL_NAMES[kind]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. corrupt EXIF: the pixels are what matter
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[name]) as opened:
                width, height = opened.size  # page 0 as declared, before any reduction
                pages = _count_pages(opened, name, limits)
                frames, window = _pil_frames(opened, pages, name, limits)
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
    channels = frames.shape[3]
    summary = {"format": name, "height": height, "width": width, "channels": channels}
    if frames.shape[1:3] != (height, width):
        summary["reduced to"] = f"{frames.shape[2]}x{frames.shape[1]}"
    if pages > 1:
        summary["pages"] = pages
    return DecodedImage(frames, kind, window, summary=summary)


_SAMPLE_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16L": 2, "I;16B": 2, "I;16N": 2}  # per band; others 4


def _count_pages(opened, name: str, limits: Limits) -> int:
    """Pages, each checked from its header before any is decoded; stops counting past the frame limit."""
    total_pixels = 0
    page = 0
    while True:
        try:
            opened.seek(page)
        except EOFError:
            return page
        if page >= limits.max_frames:
            raise InputError(f"This {name} file has more than {limits.max_frames} pages, the limit.")
        what = f"Page {page + 1} of this {name} file" if page else f"This {name} image"
        total_pixels += opened.size[0] * opened.size[1]
        check_pixels(total_pixels, limits, what if page == 0 else f"This {name} file's pages together")
        if opened.format == "JPEG":  # libjpeg decodes at 1/2, 1/4 or 1/8 scale: budget what it will decode
            opened.draft(opened.mode, _reduced_size(opened.size, limits.max_side))
        width, height = opened.size
        sample = _SAMPLE_BYTES.get(opened.mode, 4) * len(opened.getbands())
        check_decoded_bytes(width * height * sample, limits, what)
        for tile in _tiff_blocks(opened, width, height):
            check_decoded_bytes(tile * sample, limits, f"One tile or strip of {what[0].lower()}{what[1:]}")
        page += 1


def _tiff_blocks(opened, width: int, height: int) -> list[int]:
    """Pixels in one TIFF tile and one strip as the header declares them (libtiff allocates one whole)."""
    tags = getattr(opened, "tag_v2", None)
    if tags is None:
        return []
    blocks = []
    tile_width, tile_length = tags.get(322), tags.get(323)
    if tile_width or tile_length:
        blocks.append(int(tile_width or 0) * int(tile_length or 0))
    rows = tags.get(278)
    if rows:
        blocks.append(min(int(rows), height) * width)
    return blocks


def _pil_frames(opened, pages: int, name: str, limits: Limits) -> tuple[np.ndarray, Window]:
    """Every page of a multi-page file (TIFF stacks, animated PNG) as frames of one size, reduced to fit
    ``limits.max_side`` as they are decoded (JPEG at decode time), so a huge image never lives in float."""
    values = []
    for page in range(pages):
        opened.seek(page)
        page_values, window = _pil_values(opened, limits.max_side)
        if values and page_values.shape != values[0].shape:
            raise InputError(f"The pages of this {name} file differ in size or channels; save them as separate files.")
        values.append(page_values)
    frames = np.stack(values)
    if not np.isfinite(frames).all():
        raise InputError(f"This {name} file holds NaN or infinite pixel values; export it again with real numbers.")
    return frames, window if window == EIGHT_BIT else Window.spanning(frames)


def _reduced_size(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    scale = max_side / max(size)
    return size if scale >= 1 else (max(1, round(size[0] * scale)), max(1, round(size[1] * scale)))


def _pil_values(opened, max_side: int) -> tuple[np.ndarray, Window]:
    """float32 (H, W, C) and a default window: 0-255 for 8-bit, the value range for 16-bit and float."""
    from PIL import Image

    target = _reduced_size(opened.size, max_side)  # a JPEG's size is already its draft scale (_count_pages)
    opened.load()
    mode = opened.mode
    high = mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F")
    if high:
        image = opened.convert("F") if mode != "F" else opened
    else:
        gray = mode in ("1", "L", "LA", "La") or (mode == "P" and _palette_is_gray(opened))
        image = opened.convert("L" if gray else "RGB")
    if image.size != target:
        image = image.resize(target, Image.Resampling.BOX)
    values = np.asarray(image, dtype=np.float32)
    if values.ndim == 2:
        values = values[..., np.newaxis]
    return values, (Window.spanning(values) if high and np.isfinite(values).all() else EIGHT_BIT)


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


def fit_to(pixels: np.ndarray, shape: tuple[int, int, int], squaring: str = DEFAULT_SQUARING) -> np.ndarray:
    """uint8 (H, W, C) made square by ``squaring`` (the dataset's rule), then resized and converted
    (gray <-> RGB) to a model's input ``shape``."""
    height, _, channels = shape
    return resize_square(square(pixels, squaring), height, channels)


def model_input(
    data: bytes,
    shape: tuple[int, int, int],
    frame: int = 0,
    window: Window | None = None,
    squaring: str = DEFAULT_SQUARING,
) -> np.ndarray:
    """A file's bytes straight to a model's uint8 input: decode, window, square, resize."""
    return fit_to(render(read_image(data), frame, window), shape, squaring)

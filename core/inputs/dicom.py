"""DICOM images: read without ``force``, modality LUT (rescale) applied, window from the file or a preset.

Registered as the ``dicom`` image decoder. Nothing identifying leaves this module: the summary is
an allow-list of technical attributes and decoder errors are scrubbed of the file's patient values.
pydicom's own logger is silenced because its warnings can quote element values.
"""

import io
import logging
import warnings

import numpy as np

from core.errors import InputError, MedLensError
from core.inputs.decoded import DECODERS, INTERRUPTS, DecodedImage, Window, check_decoded_bytes, check_pixels
from core.inputs.deid import scrubber, technical_summary
from core.inputs.dicom_costs import check_decoded, check_inflation, check_stream
from core.inputs.limits import Limits
from core.registry import Registry

PIXEL_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")
MAX_NESTING = 32

WINDOW_PRESETS: Registry[Window] = Registry("window preset")
WINDOW_PRESETS.add("lung", "Lung: air-filled tissue, W 1500 / L -600")(Window(-600, 1500))
WINDOW_PRESETS.add("mediastinum", "Mediastinum: heart and vessels, W 350 / L 50")(Window(50, 350))
WINDOW_PRESETS.add("bone", "Bone: cortex and marrow, W 1800 / L 400")(Window(400, 1800))
WINDOW_PRESETS.add("brain", "Brain: grey and white matter, W 80 / L 40")(Window(40, 80))
WINDOW_PRESETS.add("soft tissue", "Soft tissue: abdomen and muscle, W 400 / L 50")(Window(50, 400))


@DECODERS.add("dicom", "DICOM via pydicom (JPEG, JPEG 2000, JPEG-LS and RLE through pylibjpeg)")
def decode_dicom(data: bytes, kind: str, limits: Limits) -> DecodedImage:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom's warnings can quote element values
        return _decode(data, limits)


def _decode(data: bytes, limits: Limits) -> DecodedImage:
    import pydicom

    logging.getLogger("pydicom").setLevel(logging.CRITICAL + 1)  # after import: pydicom sets its own level
    check_inflation(data, limits)
    try:
        dataset = pydicom.dcmread(io.BytesIO(data), force=False)
    except Exception as error:  # any parse failure of a hostile header; its text may quote values
        raise InputError(
            f"This DICOM file cannot be parsed: its header is damaged or incomplete ({type(error).__name__})."
        ) from error
    _check_nesting(dataset)
    scrub = scrubber(dataset)  # gathers the file's values only if a decoder error needs scrubbing
    try:
        return _image(dataset, limits)
    except MedLensError:
        raise
    except INTERRUPTS:
        raise
    except BaseException as error:  # a decoder's own failure; Rust decoders panic with a BaseException
        detail = scrub(str(error).splitlines()[0][:160] if str(error) else type(error).__name__)
        raise InputError(f"The pixel data of this DICOM file cannot be decoded ({detail}).") from None


def _check_nesting(dataset, limit: int = MAX_NESTING) -> None:
    """Refuse sequences nested deeper than any real image file has (a stack-exhaustion trap otherwise)."""
    stack = [(dataset, 0)]
    try:
        while stack:
            current, depth = stack.pop()
            if depth > limit:
                raise InputError(
                    f"This DICOM file nests sequences more than {limit} levels deep, which no image file needs; "
                    "refusing it."
                )
            for element in current:
                if element.VR == "SQ":
                    stack.extend((item, depth + 1) for item in element.value)
    except MedLensError:
        raise
    except Exception as error:  # parsing a damaged nested item
        raise InputError(
            f"This DICOM file's nested data is damaged and cannot be parsed ({type(error).__name__})."
        ) from error


def _image(dataset, limits: Limits) -> DecodedImage:
    if not any(keyword in dataset for keyword in PIXEL_KEYWORDS):
        raise InputError(
            "This DICOM file has no pixel data (it may be a report, a plan or a structured document); "
            "choose a file from an image series."
        )
    rows, columns = int(dataset.get("Rows", 0) or 0), int(dataset.get("Columns", 0) or 0)
    frames = int(dataset.get("NumberOfFrames", 1) or 1)
    samples = int(dataset.get("SamplesPerPixel", 1) or 1)
    if rows <= 0 or columns <= 0:
        raise InputError("This DICOM file does not say how many rows and columns its image has.")
    if frames > limits.max_frames:
        raise InputError(f"This DICOM file has {frames} frames; the limit is {limits.max_frames}.")
    check_pixels(rows * columns * frames * samples, limits, "This DICOM file")
    check_decoded_bytes(rows * columns * frames * samples * 4, limits, "This DICOM file")  # as float32 values
    check_stream(dataset, rows, columns, frames, samples, limits)
    syntax = dataset.file_meta.get("TransferSyntaxUID")
    try:
        dataset.pixel_array_options(allow_excess_frames=False)  # the declared frames, never what the stream adds
        pixels = dataset.pixel_array
    except (NotImplementedError, RuntimeError) as error:
        if syntax is not None and syntax.is_compressed:
            raise InputError(
                f"This DICOM file is compressed as {_syntax_name(syntax)}, which no installed decoder can read "
                "(MedLens ships decoders for JPEG, JPEG-LS, JPEG 2000 and RLE); export it uncompressed."
            ) from error
        raise
    check_decoded(pixels.shape, rows, columns, frames, samples)
    values, photometric = _values(dataset, pixels)
    if frames == 1:
        values = values[np.newaxis]
    if values.ndim == 3:
        values = values[..., np.newaxis]
    window = _file_window(dataset) if values.shape[-1] == 1 else None
    summary = technical_summary(dataset)
    summary["TransferSyntax"] = _syntax_name(syntax)
    summary["window from file"] = window is not None
    return DecodedImage(
        values.astype(np.float32),
        "dicom",
        window or Window.spanning(values),
        invert=photometric == "MONOCHROME1",
        summary=summary,
    )


def _values(dataset, pixels: np.ndarray) -> tuple[np.ndarray, str]:
    """Modality values (e.g. Hounsfield units) for grayscale, 0-255 RGB for colour."""
    from pydicom.pixels import apply_color_lut, apply_modality_lut

    photometric = str(dataset.get("PhotometricInterpretation", "MONOCHROME2")).strip()
    if photometric == "PALETTE COLOR":
        rgb = apply_color_lut(pixels, dataset).astype(np.float32)
        return rgb * (255.0 / max(float(rgb.max()), 1.0)), photometric
    if photometric.startswith("MONOCHROME"):
        if "ModalityLUTSequence" in dataset:
            return np.asarray(apply_modality_lut(pixels, dataset), dtype=np.float32), photometric
        slope, intercept = _rescale(dataset)
        values = pixels.astype(np.float32)  # in float32 throughout: pydicom's own LUT goes through float64
        if slope != 1.0:
            values *= np.float32(slope)
        if intercept != 0.0:
            values += np.float32(intercept)
        return values, photometric
    bits = int(dataset.get("BitsStored", 8) or 8)
    return pixels.astype(np.float32) * (255.0 / (2**bits - 1)), photometric


def _syntax_name(syntax) -> str:
    """The standard name of a transfer syntax; 'unknown' for a UID the standard does not list (it is file text)."""
    from pydicom.uid import UID_dictionary

    return UID_dictionary[syntax][0] if syntax is not None and syntax in UID_dictionary else "unknown"


def _rescale(dataset) -> tuple[float, float]:
    """RescaleSlope and RescaleIntercept; refuses values that would turn every pixel into NaN or infinity."""
    try:
        slope, intercept = (
            float(value) if (value := dataset.get(keyword)) not in (None, "") else default
            for keyword, default in (("RescaleSlope", 1.0), ("RescaleIntercept", 0.0))
        )
    except (TypeError, ValueError) as error:
        raise InputError("This DICOM file's rescale slope or intercept is not a number; refusing it.") from error
    if not (np.isfinite(slope) and np.isfinite(intercept)) or slope == 0 or abs(slope) > 1e6 or abs(intercept) > 1e9:
        raise InputError(
            "This DICOM file's rescale slope or intercept is not a usable number (infinite, NaN, zero or absurd); "
            "its pixels cannot be turned into values."
        )
    return slope, intercept


def _file_window(dataset) -> Window | None:
    """The first window centre/width pair the file carries, when it is usable."""
    center, width = dataset.get("WindowCenter"), dataset.get("WindowWidth")
    if center is None or width is None:
        return None
    try:
        center = float(center[0] if not isinstance(center, int | float) else center)
        width = float(width[0] if not isinstance(width, int | float) else width)
    except (TypeError, ValueError, IndexError):
        return None
    return Window(center, width) if width > 0 and np.isfinite(center) and np.isfinite(width) else None

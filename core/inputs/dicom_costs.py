"""What a DICOM file costs to decode, bounded before any codec runs.

The header's rows, columns and frames were checked against the caps, but a codec decodes what its stream says: a
0.26 MB deflated file inflated to 840 MB, a JPEG codestream of 16384² inside a file declaring 64x64 cost 1.37 GB,
and a file declaring 2 frames whose stream held 200 was decoded with all 200. So: a deflated dataset is inflated
here first, under a byte limit; an encapsulated stream's frames are counted against the declared number and the
cap, and each frame's own codestream header (JPEG, JPEG-LS, JPEG 2000) must declare the dataset's rows, columns
and samples; native pixel data may pad but not hold another whole frame; only the declared frames are decoded
(``allow_excess_frames=False``); and after decoding the array must have exactly the declared shape.
"""

import struct
import zlib

from core.errors import InputError
from core.inputs.limits import Limits

DEFLATED = "1.2.840.10008.1.2.1.99"
LONG_VRS = {b"OB", b"OW", b"OF", b"OD", b"OL", b"OV", b"SQ", b"UC", b"UR", b"UT", b"UN"}
JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF, 0xF7}  # F7: JPEG-LS


def _meta_end_and_syntax(data: bytes) -> tuple[int, str | None]:
    """Where the file meta group ends, and its transfer syntax (explicit VR little endian by the standard)."""
    if len(data) < 132 or data[128:132] != b"DICM":
        return 0, None
    offset, syntax = 132, None
    while offset + 8 <= len(data) and data[offset : offset + 2] == b"\x02\x00":
        element = struct.unpack_from("<H", data, offset + 2)[0]
        vr = data[offset + 4 : offset + 6]
        if vr in LONG_VRS:
            length, start = struct.unpack_from("<I", data, offset + 8)[0], offset + 12
        else:
            length, start = struct.unpack_from("<H", data, offset + 6)[0], offset + 8
        if element == 0x0010:
            syntax = data[start : start + length].rstrip(b"\x00 ").decode("ascii", "replace")
        offset = start + length
    return offset, syntax


def check_inflation(data: bytes, limits: Limits) -> None:
    """A deflated dataset is inflated here first, under the decoded-byte budget, before pydicom inflates it."""
    end, syntax = _meta_end_and_syntax(data)
    if syntax != DEFLATED:
        return
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        inflater.decompress(data[end:], limits.max_decoded_bytes)
    except zlib.error as error:
        raise InputError("This DICOM file is deflated, but its deflated data is damaged.") from error
    if inflater.unconsumed_tail:
        raise InputError(
            f"This deflated DICOM file inflates to more than {limits.max_decoded_bytes // 2**20} MB; refusing it."
        )


def check_stream(dataset, rows: int, columns: int, frames: int, samples: int, limits: Limits) -> None:
    """The pixel data's own claims, before decoding: frame count and codestream dimensions, or native length."""
    syntax = dataset.file_meta.get("TransferSyntaxUID")
    if "PixelData" not in dataset:
        return
    if syntax is not None and syntax.is_encapsulated:
        _check_frames(dataset.PixelData, rows, columns, frames, samples, limits)
        return
    bits = int(dataset.get("BitsAllocated", 8) or 8)
    frame_bytes = rows * columns * samples * max(1, bits // 8) if bits >= 8 else -(-rows * columns // 8)
    held = len(dataset.PixelData)
    if held >= (frames + 1) * frame_bytes:  # padding is allowed (pydicom's own test files pad); a hidden frame not
        raise InputError(
            f"This DICOM file holds {held:,} bytes of pixel data, more than its {frames} declared frame(s) of "
            f"{frame_bytes:,} bytes; refusing it."
        )


def _check_frames(pixel_data: bytes, rows: int, columns: int, frames: int, samples: int, limits: Limits) -> None:
    from pydicom.encaps import generate_fragments

    try:
        fragments = list(generate_fragments(pixel_data))
    except Exception as error:  # a damaged item structure
        raise InputError("This DICOM file's compressed pixel data is damaged (its items do not parse).") from error
    starts = [fragment for fragment in fragments if _dimensions(fragment) is not None]
    if len(starts) > frames or len(fragments) > max(frames, 1) * limits.max_frames:
        raise InputError(
            f"This DICOM file declares {frames} frame(s) but its compressed stream holds {len(starts)}; refusing it."
        )
    for fragment in starts:
        found = _dimensions(fragment)
        if found != (rows, columns, samples):
            raise InputError(
                f"This DICOM file declares {rows}x{columns} with {samples} sample(s) per pixel, but a frame's "
                f"compressed stream says {found[0]}x{found[1]} with {found[2]}; refusing it."
            )


def _dimensions(stream: bytes) -> tuple[int, int, int] | None:
    """(rows, columns, components) from the start of a JPEG, JPEG-LS or JPEG 2000 codestream, or None when the
    fragment does not start one (a continuation fragment, or RLE, whose size is the dataset's own)."""
    if stream[:2] == b"\xff\xd8":
        offset = 2
        while offset + 4 <= len(stream):
            if stream[offset] != 0xFF:
                return None
            marker = stream[offset + 1]
            if marker == 0xFF:  # fill byte
                offset += 1
                continue
            length = struct.unpack_from(">H", stream, offset + 2)[0]
            if marker in JPEG_SOF and offset + 10 <= len(stream):
                height, width = struct.unpack_from(">HH", stream, offset + 5)
                return height, width, stream[offset + 9]
            offset += 2 + length
        return None
    start = stream.find(b"\xff\x4f\xff\x51", 0, 256)  # a JPEG 2000 codestream (raw, or inside a JP2 box)
    if start >= 0 and start + 42 <= len(stream):
        xsiz, ysiz, xosiz, yosiz = struct.unpack_from(">IIII", stream, start + 8)
        components = struct.unpack_from(">H", stream, start + 40)[0]
        return ysiz - yosiz, xsiz - xosiz, components
    return None


def check_decoded(shape: tuple[int, ...], rows: int, columns: int, frames: int, samples: int) -> None:
    """After decoding, exactly the declared shape (pydicom drops a single frame's and a single sample's axis)."""
    expected = (*((frames,) if frames > 1 else ()), rows, columns, *((samples,) if samples > 1 else ()))
    if tuple(shape) != expected:
        raise InputError(f"This DICOM file's pixels decode to {tuple(shape)} but it declares {expected}; refusing it.")

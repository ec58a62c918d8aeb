"""DICOM costs bounded before a codec runs: deflate bombs, streams with more frames or larger images than the
header declares, native pixel data hiding another frame (small generated files; the rule, not the gigabytes)."""

import io

import numpy as np
import pytest
from PIL import Image

from core.errors import InputError
from core.inputs.images import read_image
from core.inputs.limits import Limits
from tests.inputs.files import pydicom_file


def _jpeg(side: int, seed: int = 0) -> bytes:
    buffer = io.BytesIO()
    pixels = np.random.default_rng(seed).integers(0, 255, (side, side), dtype=np.uint8)
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def _encapsulated(declared_side: int, declared_frames: int, streams: list[bytes]) -> bytes:
    import pydicom
    from pydicom.encaps import encapsulate
    from pydicom.uid import JPEGBaseline8Bit

    dataset = pydicom.dcmread(pydicom_file("CT_small.dcm"))
    dataset.Rows = dataset.Columns = declared_side
    dataset.BitsAllocated, dataset.BitsStored, dataset.HighBit, dataset.PixelRepresentation = 8, 8, 7, 0
    dataset.SamplesPerPixel, dataset.PhotometricInterpretation = 1, "MONOCHROME2"
    dataset.NumberOfFrames = declared_frames
    dataset.PixelData = encapsulate(streams)
    dataset["PixelData"].VR = "OB"
    dataset.file_meta.TransferSyntaxUID = JPEGBaseline8Bit
    buffer = io.BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def test_a_jpeg_stream_that_matches_its_header_decodes():
    decoded = read_image(_encapsulated(16, 2, [_jpeg(16, 1), _jpeg(16, 2)]))
    assert decoded.frame_count == 2 and decoded.shape[:2] == (16, 16)


def test_more_frames_in_the_stream_than_the_header_declares_are_refused():
    with pytest.raises(InputError, match="declares 2 frame\\(s\\) but its compressed stream holds 5"):
        read_image(_encapsulated(16, 2, [_jpeg(16, seed) for seed in range(5)]))


def test_a_codestream_larger_than_the_header_declares_is_refused_before_decoding():
    with pytest.raises(InputError, match=r"declares 16x16 .* but a frame's compressed stream says 64x64"):
        read_image(_encapsulated(16, 1, [_jpeg(64)]))


def test_native_pixel_data_hiding_another_frame_is_refused_and_padding_is_not():
    import pydicom

    dataset = pydicom.dcmread(pydicom_file("CT_small.dcm"))
    frame = bytes(dataset.PixelData)
    for extra, refused in ((b"\x00" * 128, False), (frame, True)):
        dataset.PixelData = frame + extra
        buffer = io.BytesIO()
        dataset.save_as(buffer)
        if refused:
            with pytest.raises(InputError, match="more than its 1 declared frame"):
                read_image(buffer.getvalue())
        else:
            assert read_image(buffer.getvalue()).shape[:2] == (128, 128)


def test_a_deflated_file_is_inflated_under_the_byte_budget_first():
    import pydicom
    from pydicom.uid import DeflatedExplicitVRLittleEndian

    dataset = pydicom.dcmread(pydicom_file("CT_small.dcm"))
    dataset.Rows = dataset.Columns = 1024
    dataset.PixelData = bytes(1024 * 1024 * 2)  # 2 MB of zeros: deflates to a few kB
    dataset.file_meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian
    buffer = io.BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    data = buffer.getvalue()
    assert len(data) < 100_000
    with pytest.raises(InputError, match="inflates to more than 1 MB"):
        read_image(data, Limits(max_decoded_bytes=2**20))
    assert read_image(data).shape[:2] == (1024, 1024)  # within the real budget it decodes

"""Image and DICOM decoding: values, windows, frames, photometric handling, model input."""

import numpy as np
import pytest

from core.errors import InputError
from core.inputs.decoded import Window
from core.inputs.dicom import WINDOW_PRESETS
from core.inputs.images import fit_to, model_input, read_image, render
from core.inputs.sniff import sniff
from tests.inputs import files


@pytest.mark.parametrize(
    ("fmt", "kind"), [("PNG", "png"), ("JPEG", "jpeg"), ("TIFF", "tiff"), ("GIF", None), ("BMP", None)]
)
def test_formats_are_told_apart_by_content(fmt, kind):
    assert sniff(files.image_bytes(fmt)[:132]) == kind


def test_dicom_is_recognised_even_when_its_preamble_looks_like_tiff():
    data = files.pydicom_file("CT_small.dcm").read_bytes()
    assert data[:4] == b"II*\x00" and sniff(data[:132]) == "dicom"


def test_eight_bit_gray_png_renders_unchanged():
    array = np.arange(48 * 64, dtype=np.uint32).reshape(48, 64).astype(np.uint8)
    decoded = read_image(files.image_bytes("PNG", array))
    assert decoded.shape == (48, 64, 1) and decoded.window == Window(127.5, 255.0)
    np.testing.assert_array_equal(render(decoded)[..., 0], array)


def test_rgb_jpeg_keeps_three_channels_and_fits_a_gray_model():
    rgb = np.random.default_rng(0).integers(0, 256, (40, 30, 3), dtype=np.uint8)
    decoded = read_image(files.image_bytes("JPEG", rgb))
    assert decoded.shape == (40, 30, 3)
    assert fit_to(render(decoded), (28, 28, 1)).shape == (28, 28, 1)
    assert model_input(files.image_bytes("PNG"), (28, 28, 3)).shape == (28, 28, 3)


@pytest.mark.parametrize("fmt", ["PNG", "TIFF"])
def test_sixteen_bit_images_keep_their_values_and_window_their_range(fmt):
    array = np.linspace(1000, 60000, 32 * 32).reshape(32, 32).astype(np.uint16)
    decoded = read_image(files.image_bytes(fmt, array))
    assert decoded.frames.max() == 60000 and decoded.frames.min() == 1000
    assert decoded.window.low == 1000 and decoded.window.high == 60000
    shown = render(decoded)[..., 0]
    assert shown.min() == 0 and shown.max() == 255


def test_ct_values_are_hounsfield_units_and_presets_change_the_view():
    import pydicom

    source = pydicom.dcmread(files.pydicom_file("CT_small.dcm"))
    decoded = read_image(files.pydicom_file("CT_small.dcm").read_bytes())
    expected = source.pixel_array * float(source.RescaleSlope) + float(source.RescaleIntercept)
    np.testing.assert_allclose(decoded.frames[0, ..., 0], expected)
    assert decoded.summary["Modality"] == "CT" and decoded.summary["window from file"] is False
    lung, bone = render(decoded, window=WINDOW_PRESETS.get("lung")), render(decoded, window=WINDOW_PRESETS.get("bone"))
    assert not np.array_equal(lung, bone)


def test_the_files_own_window_is_used_when_present():
    decoded = read_image(files.pydicom_file("MR_small.dcm").read_bytes())
    assert decoded.window == Window(600.0, 1600.0) and decoded.summary["window from file"] is True


def test_monochrome1_is_inverted():
    plain = read_image(files.dicom_bytes(source="MR_small.dcm"))
    inverted = read_image(
        files.dicom_bytes(lambda d: setattr(d, "PhotometricInterpretation", "MONOCHROME1"), "MR_small.dcm")
    )
    difference = render(inverted).astype(int) - (255 - render(plain).astype(int))
    assert np.abs(difference).max() <= 1  # rounding of x.5 only


@pytest.mark.parametrize("name", ["MR_small_jp2klossless.dcm", "MR_small_RLE.dcm", "MR_small_jpeg_ls_lossless.dcm"])
def test_compressed_transfer_syntaxes_decode_to_the_same_pixels(name):
    plain = read_image(files.pydicom_file("MR_small.dcm").read_bytes())
    compressed = read_image(files.pydicom_file(name).read_bytes())
    np.testing.assert_array_equal(compressed.frames, plain.frames)


def test_multi_frame_dicom_offers_every_frame():
    decoded = read_image(files.pydicom_file("SC_rgb_rle_2frame.dcm").read_bytes())
    assert decoded.frame_count == 2 and decoded.shape == (100, 100, 3)
    assert render(decoded, frame=1).shape == (100, 100, 3)
    with pytest.raises(InputError, match="frames 0 to 1"):
        render(decoded, frame=2)


def test_a_window_must_have_a_positive_width():
    decoded = read_image(files.image_bytes("PNG"))
    with pytest.raises(InputError, match="positive"):
        render(decoded, window=Window(10, 0))


def test_summaries_hold_technical_facts_only():
    from core.inputs.deid import TECHNICAL

    decoded = read_image(files.pydicom_file("CT_small.dcm").read_bytes())
    assert set(decoded.summary) <= set(TECHNICAL) | {"TransferSyntax", "window from file"}


def test_a_multi_page_tiff_is_a_stack_of_frames():
    import io

    from PIL import Image

    pages = [Image.fromarray(np.full((12, 10), value, dtype=np.uint16)) for value in (100, 2000, 40000)]
    buffer = io.BytesIO()
    pages[0].save(buffer, format="TIFF", save_all=True, append_images=pages[1:])
    decoded = read_image(buffer.getvalue())
    assert decoded.frame_count == 3 and decoded.summary["pages"] == 3
    assert decoded.window.low == 100 and decoded.window.high == 40000
    assert render(decoded, frame=2).min() == 255 and render(decoded, frame=0).max() == 0

"""The squaring rules: one per dataset, the same at import and at prediction."""

import numpy as np
import pytest

from core.data.square import resize_stack, square
from core.errors import MedLensError
from core.inputs.images import fit_to


def _tall(height=6, width=4):
    return np.arange(1, height * width + 1, dtype=np.uint8).reshape(height, width, 1)


def test_pad_centres_the_whole_image_between_black_bars():
    out = square(_tall(), "pad")
    assert out.shape == (6, 6, 1)
    np.testing.assert_array_equal(out[:, 1:5], _tall())
    assert not out[:, 0].any() and not out[:, 5].any()


def test_crop_keeps_the_centred_square_and_leaves_no_trace_of_the_shape():
    out = square(_tall(), "crop")
    np.testing.assert_array_equal(out, _tall()[1:5])
    wide = square(np.full((4, 9, 3), 200, np.uint8), "crop")
    assert wide.shape == (4, 4, 3) and (wide == 200).all()


def test_fit_to_applies_the_rule_before_resizing():
    tall = np.full((40, 20, 1), 255, np.uint8)
    padded, cropped = fit_to(tall, (10, 10, 1), "pad"), fit_to(tall, (10, 10, 1), "crop")
    assert padded[:, 0].max() < 40 and padded[:, 5].min() > 240  # black bars at the sides
    assert cropped.min() == 255
    assert fit_to(tall, (10, 10, 3), "crop").shape == (10, 10, 3)
    with pytest.raises(MedLensError, match="squaring rule"):
        fit_to(tall, (10, 10, 1), "stretch")


def test_resize_stack_returns_the_same_stack_at_its_own_size():
    stack = np.zeros((3, 16, 16, 1), np.uint8)
    assert resize_stack(stack, 16) is stack
    assert resize_stack(stack, 8).shape == (3, 8, 8, 1)

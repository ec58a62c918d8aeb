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
        fit_to(tall, (10, 10, 1), "squash")


def test_stretch_keeps_everything_and_is_only_for_the_subsets_made_that_way():
    from core.data.catalogue import CATALOGUE
    from core.data.square import IMPORT_SQUARING

    ramp = np.tile(np.arange(0, 200, 10, dtype=np.uint8)[None, :, None], (10, 1, 1))  # 10 x 20, left to right
    out = square(ramp, "stretch")
    assert out.shape == (20, 20, 1) and out[:, 0].max() < 20 and out[:, -1].min() > 170  # both ends kept
    assert "stretch" not in IMPORT_SQUARING
    assert {n for n, i in CATALOGUE.items() if i.squaring == "stretch"} == {
        "dermamnist",
        "organamnist",
        "organcmnist",
        "organsmnist",
    }


def test_each_medmnist_subset_is_squared_as_medmnist_made_it(pneumonia):
    from core.data.catalogue import CATALOGUE

    centre_cropped = {"pneumoniamnist", "octmnist", "retinamnist", "bloodmnist"}
    assert {n for n, i in CATALOGUE.items() if i.squaring == "crop"} == centre_cropped
    assert all("centre-cropped" in CATALOGUE[n].preparation for n in centre_cropped)
    assert pneumonia.squaring == "crop"


def test_resize_stack_returns_the_same_stack_at_its_own_size():
    stack = np.zeros((3, 16, 16, 1), np.uint8)
    assert resize_stack(stack, 16) is stack
    assert resize_stack(stack, 8).shape == (3, 8, 8, 1)

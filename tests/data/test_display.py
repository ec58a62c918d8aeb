"""Image layouts for people: rows of enlarged images."""

import numpy as np

from core.data.display import montage


def test_montage_enlarges_and_lays_out_a_row():
    images = np.zeros((3, 28, 28, 1), dtype=np.uint8)
    row = montage(images, scale=2, pad=2)
    assert row.shape == (56, 3 * 56 + 2 * 2, 3) and row.dtype == np.uint8

"""Image layouts for people: rows of enlarged images."""

import numpy as np

from core.data.display import montage, preview_indices, sample_indices


def test_montage_enlarges_and_lays_out_a_row():
    images = np.zeros((3, 28, 28, 1), dtype=np.uint8)
    row = montage(images, scale=2, pad=2)
    assert row.shape == (56, 3 * 56 + 2 * 2, 3) and row.dtype == np.uint8


def test_sample_indices_are_per_class_and_seeded(breast):
    labels = breast.labels("train")
    picks = sample_indices(labels, 5, seed=3, num_classes=2)
    assert [len(p) for p in picks] == [5, 5]
    assert all((labels[p] == c).all() for c, p in enumerate(picks))
    again = sample_indices(labels, 5, seed=3, num_classes=2)
    assert all(np.array_equal(a, b) for a, b in zip(picks, again, strict=True))


def test_preview_uses_valid_typed_indices_or_says_why_not():
    labels = np.array([0, 1, 0, 1, 0, 1])
    picks, note = preview_indices(labels, 1, 0, 2, "5, 0, 99")
    assert picks.tolist() == [5, 0] and note is None
    picks, note = preview_indices(labels, 1, 0, 2, "x, -3")
    assert len(picks) == 2 and "between 0 and 5" in note
    assert preview_indices(labels, 2, 0, 2)[0].tolist() == preview_indices(labels, 2, 0, 2)[0].tolist()

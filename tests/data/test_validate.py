"""Local .npz files are checked against the official release before use."""

import numpy as np
import pytest

from core.data.catalogue import info
from core.data.validate import read_medmnist_npz
from core.errors import DatasetError

BREAST = info("breastmnist")


def official_like(**overrides):
    arrays = {}
    for split, n in BREAST.split_sizes.items():
        arrays[f"{split}_images"] = np.zeros((n, 28, 28), dtype=np.uint8)
        arrays[f"{split}_labels"] = (np.arange(n) % 2).astype(np.uint8).reshape(-1, 1)
    arrays.update(overrides)
    return {k: v for k, v in arrays.items() if v is not None}


def write(tmp_path, arrays, name="breastmnist.npz"):
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


def test_a_well_formed_file_loads_as_nhwc(tmp_path):
    splits = read_medmnist_npz(write(tmp_path, official_like()), BREAST, 28)
    assert splits["train"][0].shape == (546, 28, 28, 1)
    assert splits["test"][1].dtype == np.int64 and splits["test"][1].shape == (156,)


def test_missing_keys_are_named(tmp_path):
    path = write(tmp_path, official_like(val_labels=None, test_images=None))
    with pytest.raises(DatasetError, match="lacks val_labels, test_images"):
        read_medmnist_npz(path, BREAST, 28)


def test_wrong_dtype_is_refused(tmp_path):
    path = write(tmp_path, official_like(train_images=np.zeros((546, 28, 28), dtype=np.float32)))
    with pytest.raises(DatasetError, match="train_images are float32, expected uint8"):
        read_medmnist_npz(path, BREAST, 28)


def test_wrong_image_shape_is_refused(tmp_path):
    path = write(tmp_path, official_like(train_images=np.zeros((546, 32, 32), dtype=np.uint8)))
    with pytest.raises(DatasetError, match=r"shape \(32, 32\), expected \(28, 28\)"):
        read_medmnist_npz(path, BREAST, 28)


def test_wrong_split_size_is_refused(tmp_path):
    path = write(
        tmp_path,
        official_like(
            train_images=np.zeros((500, 28, 28), dtype=np.uint8), train_labels=np.zeros((500, 1), dtype=np.uint8)
        ),
    )
    with pytest.raises(DatasetError, match="has 500 train images and 500 labels; the official BreastMNIST has 546"):
        read_medmnist_npz(path, BREAST, 28)


def test_labels_outside_the_classes_are_refused(tmp_path):
    path = write(tmp_path, official_like(test_labels=np.full((156, 1), 7, dtype=np.uint8)))
    with pytest.raises(DatasetError, match="outside the 2 classes"):
        read_medmnist_npz(path, BREAST, 28)


def test_pickled_objects_are_never_loaded(tmp_path):
    path = write(tmp_path, official_like(train_labels=np.array([{"evil": 1}] * 546, dtype=object).reshape(-1, 1)))
    with pytest.raises(DatasetError, match="cannot be read"):
        read_medmnist_npz(path, BREAST, 28)


def test_corrupt_file_is_a_clear_error(tmp_path):
    path = tmp_path / "breastmnist.npz"
    path.write_bytes(b"PK\x03\x04 this is not really a zip archive")
    with pytest.raises(DatasetError, match=r"cannot be read as an \.npz file"):
        read_medmnist_npz(path, BREAST, 28)

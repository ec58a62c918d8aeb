"""Check that an ``.npz`` file really is the MedMNIST subset it claims to be."""

import zipfile
from pathlib import Path

import numpy as np

from core.data.catalogue import SPLITS, DatasetInfo
from core.errors import DatasetError

KEYS = tuple(f"{split}_{part}" for split in SPLITS for part in ("images", "labels"))


def read_medmnist_npz(path: Path, info: DatasetInfo, size: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Load and check ``path``; returns ``{split: (images NHWC uint8, labels (N,) int64)}``.

    Refuses pickled objects, missing keys, wrong dtypes, wrong image shapes and split
    sizes that differ from the official release, naming what is off.
    """
    name = path.name
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [key for key in KEYS if key not in archive.files]
            if missing:
                raise DatasetError(
                    f"{name} is not a MedMNIST file: it lacks {', '.join(missing)}. "
                    "Delete it and let MedLens download the official one."
                )
            arrays = {key: archive[key] for key in KEYS}
    except DatasetError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise DatasetError(
            f"{name} cannot be read as an .npz file ({error}); delete it and download it again."
        ) from error

    expected_shape = (size, size) if info.channels == 1 else (size, size, 3)
    splits = {}
    for split in SPLITS:
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        if images.dtype != np.uint8:
            raise DatasetError(f"{name}: {split}_images are {images.dtype}, expected uint8 as in the official file.")
        if images.shape[1:] != expected_shape:
            raise DatasetError(
                f"{name}: {split}_images have shape {images.shape[1:]}, expected {expected_shape} "
                f"for {info.title} at {size}x{size}."
            )
        official = info.split_sizes[split]
        if len(images) != official or len(labels) != official:
            raise DatasetError(
                f"{name} has {len(images)} {split} images and {len(labels)} labels; the official "
                f"{info.title} has {official}. Re-download it."
            )
        if labels.ndim != 2 or labels.shape[1] != 1 or not np.issubdtype(labels.dtype, np.integer):
            raise DatasetError(
                f"{name}: {split}_labels have shape {labels.shape} and dtype {labels.dtype}; expected (N, 1) integers."
            )
        flat = labels.reshape(-1).astype(np.int64)
        if flat.size and (flat.min() < 0 or flat.max() >= info.num_classes):
            raise DatasetError(f"{name}: {split}_labels fall outside the {info.num_classes} classes of {info.title}.")
        if images.ndim == 3:
            images = images[..., np.newaxis]
        splits[split] = (images, flat)
    return splits

"""A MedMNIST-layout ``.npz`` as a dataset, under the same rules as class folders: headers checked before numpy
allocates (no objects, nothing larger than the member or the budget), then class count, names, image cap and size."""

import io

import numpy as np

from core.data.catalogue import SPLITS
from core.data.dataset import Dataset, Split
from core.errors import InputError, MedLensError
from core.inputs.archive import SafeZip
from core.inputs.import_types import ImportReport, ImportSettings, user_dataset
from core.inputs.limits import Limits, human_bytes
from core.text import check_names

_SIDE_ARRAY_BYTES = {"class_names.npy": 2**20}  # other non-image members (labels) get 8 bytes per allowed image


def check_npy_headers(archive: SafeZip, limits: Limits) -> None:
    """Refuse object arrays, arrays that declare more data than their member holds, and more image bytes than
    the import budget, before numpy allocates."""
    pixels = 0
    for member in archive:
        try:
            with archive.open(member) as handle:
                version = np.lib.format.read_magic(handle)
                reader = (
                    np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
                )
                shape, _, dtype = reader(handle)
        except Exception as error:  # a forged header can make numpy's parser raise anything
            raise InputError(f"{member.path} in the .npz is not a valid array ({type(error).__name__}).") from error
        if dtype.hasobject:
            raise InputError(f"{member.path} holds Python objects, which MedLens never unpickles; save plain arrays.")
        declared = int(np.prod(shape, dtype=np.float64)) * dtype.itemsize
        if declared > member.size:
            raise InputError(f"{member.path} declares more data than the file holds; the .npz is damaged.")
        if member.path.endswith("_images.npy"):
            pixels += declared
        elif declared > _SIDE_ARRAY_BYTES.get(member.path, limits.max_images * 8):
            raise InputError(f"{member.path} declares {human_bytes(declared)}, far more than it needs; refusing it.")
    if pixels > limits.max_import_bytes:
        raise InputError(
            f"This .npz holds {human_bytes(pixels)} of images; the limit is {human_bytes(limits.max_import_bytes)}."
        )


def _check_npz_images(images_all: list[np.ndarray], limits: Limits) -> None:
    """The folder rules for arrays: the image cap, the 8-512 px size range, one size for all splits."""
    total = sum(len(images) for images in images_all)
    if total > limits.max_images:
        raise InputError(f"This .npz holds {total:,} images; the limit is {limits.max_images:,}.")
    shapes = {images.shape[1:3] for images in images_all}
    if len(shapes) != 1:
        raise InputError(f"The splits have different image sizes {sorted(shapes)}; they must share one.")
    height, width = shapes.pop()
    if height != width or not 8 <= height <= 512:
        raise InputError(f"The images are {height}x{width}; MedLens imports square images of 8 to 512 pixels.")


def _npz_class_names(names: np.ndarray | None, num_classes: int, limits: Limits) -> tuple[str, ...]:
    """``class_names`` as checked display names, one per class; ``class 0``, ``class 1`` … when absent."""
    if names is None:
        return tuple(f"class {i}" for i in range(max(num_classes, 2)))
    if names.ndim != 1 or names.dtype.kind not in "U":
        raise InputError(f"class_names is {names.dtype} {names.shape}; expected a 1-D list of text, one per class.")
    if len(names) < max(num_classes, 2):
        raise InputError(f"The labels name {num_classes} classes but class_names lists {len(names)}.")
    if len(names) > num_classes and num_classes >= 2:
        raise InputError(f"class_names lists {len(names)} names but the labels use {num_classes} classes.")
    return check_names([str(n) for n in names], "class name", limits.max_classes)


def from_npz(data: bytes, config: ImportSettings) -> tuple[Dataset, ImportReport]:
    """A MedMNIST-layout ``.npz`` (``train_images``, ``train_labels``, … ; optional ``class_names``)."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            files = set(archive.files)
            keys = [f"{s}_{p}" for s in SPLITS for p in ("images", "labels")]
            missing = [key for key in keys if key not in files]
            if missing:
                raise InputError(f"This .npz lacks {', '.join(missing)}; MedLens reads the MedMNIST layout.")
            arrays = {key: archive[key] for key in keys}
            names = archive["class_names"] if "class_names" in files else None
    except MedLensError:
        raise
    except ValueError as error:
        reason = "it holds Python objects, which MedLens never unpickles" if "pickle" in str(error) else str(error)
        raise InputError(f"This .npz cannot be loaded: {reason}.") from error
    except Exception as error:  # a damaged member can make numpy's reader raise anything
        raise InputError(f"This .npz is damaged ({type(error).__name__}: {error}).") from error
    labels_all = [arrays[f"{s}_labels"] for s in SPLITS]
    images_all = [arrays[f"{s}_images"] for s in SPLITS]
    for split, images, labels in zip(SPLITS, images_all, labels_all, strict=True):
        if (
            images.dtype != np.uint8
            or images.ndim not in (3, 4)
            or (images.ndim == 4 and images.shape[3] not in (1, 3))
        ):
            raise InputError(
                f"{split}_images are {images.dtype} {images.shape}; expected uint8 (N, H, W) or (N, H, W, 3)."
            )
        if not np.issubdtype(labels.dtype, np.integer) or labels.reshape(len(labels), -1).shape[1] != 1:
            raise InputError(f"{split}_labels are {labels.dtype} {labels.shape}; expected integers, one per image.")
        if len(images) != len(labels) or len(images) == 0:
            raise InputError(
                f"{split} has {len(images)} images and {len(labels)} labels; they must match, and not be 0."
            )
    flat = [labels.reshape(-1).astype(np.int64) for labels in labels_all]
    _check_npz_images(images_all, config.limits)
    if min(f.min() for f in flat) < 0:
        raise InputError("Labels must be class indices 0, 1, 2, …; found a negative label.")
    num_classes = int(max(f.max() for f in flat)) + 1
    if num_classes > config.limits.max_classes:
        raise InputError(f"The labels name {num_classes:,} classes; the limit is {config.limits.max_classes:,}.")
    class_names = _npz_class_names(names, num_classes, config.limits)
    splits = {
        s: Split(images if images.ndim == 4 else images[..., np.newaxis], f)
        for s, images, f in zip(SPLITS, images_all, flat, strict=True)
    }
    dataset = user_dataset(config.name, class_names, splits)
    height, width, depth = dataset.image_shape
    report = ImportReport(
        source_kind="MedMNIST-layout .npz",
        class_names=class_names,
        counts={s: dataset.class_counts(s).tolist() for s in SPLITS},
        sizes={f"{height}x{width}": sum(len(f) for f in flat)},
        channels={"gray" if depth == 1 else "colour": sum(len(f) for f in flat)},
        formats={"npz": 1},
        refused=[],
        splits_given=True,
        shape=dataset.image_shape,
        seed=config.seed,
        notes=["Images are kept at the size they have in the file."],
    )
    return dataset, report

"""A user's labelled images as a ``Dataset``: class folders (a folder or a zip) or a MedMNIST-layout ``.npz``.

Layouts: ``root/<class>/<files>`` (split here, stratified, with a seed) or
``root/<train|val|test>/<class>/<files>`` (splits kept). One top folder wrapping everything (as
zips made by a file manager have) is looked through. Every image goes through ``read_image``; a
file that cannot be read is listed in the report with its reason instead of stopping the import.
"""

import io
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.data.catalogue import SPLITS
from core.data.dataset import Dataset, Split
from core.data.imported import check_name
from core.errors import Cancelled, InputError, MedLensError
from core.inputs.archive import SafeZip, UnsafeArchive, safe_parts
from core.inputs.images import fit_to, read_image, render
from core.inputs.limits import LIMITS, Limits, human_bytes
from core.inputs.sniff import HEAD_BYTES, sniff

SPLIT_FOLDERS = {
    "train": "train",
    "training": "train",
    "val": "val",
    "valid": "val",
    "validation": "val",
    "test": "test",
}
IGNORED = re.compile(r"^(\..*|__MACOSX|Thumbs\.db|desktop\.ini)$", re.IGNORECASE)
FRACTIONS = {"train": 0.7, "val": 0.1, "test": 0.2}
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportReport:
    """What the import found, for a person to check before using the data."""

    source_kind: str
    class_names: tuple[str, ...]
    counts: dict[str, list[int]]  # split -> images per class
    sizes: dict[str, int]  # "HxW" -> images, as found in the files
    channels: dict[str, int]  # "gray"/"colour" -> images
    formats: dict[str, int]
    refused: list[tuple[str, str]]  # (path inside the source, reason)
    splits_given: bool
    shape: tuple[int, int, int]
    seed: int
    notes: list[str] = field(default_factory=list)

    @property
    def images(self) -> int:
        return sum(sum(counts) for counts in self.counts.values())

    def lines(self) -> list[str]:
        """The report as plain sentences (the CLI prints them; the page shows them as tables)."""
        total = np.sum([self.counts[s] for s in SPLITS], axis=0)
        balance = ", ".join(f"{name} {int(n)}" for name, n in zip(self.class_names, total, strict=True))
        how = "kept from the folders" if self.splits_given else f"made here, stratified, seed {self.seed}"
        lines = [
            f"{self.images} images in {len(self.class_names)} classes ({balance}).",
            "Splits " + how + ": " + ", ".join(f"{s} {sum(self.counts[s])}" for s in SPLITS) + ".",
            "Sizes found: " + ", ".join(f"{size} ×{n}" for size, n in self.sizes.items()) + f"; all resized to "
            f"{self.shape[0]}x{self.shape[1]}.",
            "Channels found: "
            + ", ".join(f"{kind} ×{n}" for kind, n in self.channels.items())
            + f"; stored as {'gray' if self.shape[2] == 1 else 'RGB'}.",
        ]
        if self.refused:
            lines.append(f"{len(self.refused)} files skipped (see the list).")
        return lines + self.notes


@dataclass(frozen=True)
class ImportSettings:
    """How to read a source: the dataset's name, image size, split seed, channels, caps, progress, cancel."""

    name: str
    size: int = 28
    seed: int = 0
    channels: int | None = None  # None: RGB if any file is colour
    limits: Limits = LIMITS
    progress: Progress | None = None
    should_stop: Callable[[], bool] | None = None

    def __post_init__(self) -> None:
        check_name(self.name)
        if not 8 <= self.size <= 512:
            raise InputError(f"An image size of {self.size} is not supported; choose 8 to 512 pixels.")


@dataclass(frozen=True)
class _File:
    parts: tuple[str, ...]
    read: Callable[[], bytes]


def import_dataset(source: Path | bytes, name: str, **settings) -> tuple[Dataset, ImportReport]:
    """Read ``source`` (a folder, a zip or an ``.npz``, as a path or bytes) into a Dataset named ``name``.

    ``settings`` are the other fields of ``ImportSettings``.
    """
    config = ImportSettings(name, **settings)
    if isinstance(source, Path) and source.is_dir():
        return _from_files(_folder_files(source, config.limits), "class folders (folder)", config)
    data = _read_bytes(source, config.limits) if isinstance(source, Path) else source
    kind = sniff(data[:HEAD_BYTES])
    if kind != "zip":
        raise InputError(
            "Import a folder of class folders, a .zip of them, or a MedMNIST-layout .npz; this is neither."
        )
    with SafeZip(data, config.limits) as archive:
        if archive.members and all(m.path.endswith(".npy") for m in archive.members):
            _check_npy_headers(archive)
            return _from_npz(data, config)
        files = [_File(m.parts, (lambda m=m: archive.read(m))) for m in archive.members]
        return _from_files(iter(files), "class folders (zip)", config)


def import_uploaded_folder(uploads: list[tuple[str, bytes]], name: str, **settings) -> tuple[Dataset, ImportReport]:
    """A folder a browser uploaded: (relative path, bytes) per file, checked like zip entries."""
    config = ImportSettings(name, **settings)
    limits = config.limits
    if len(uploads) > limits.max_archive_members:
        raise UnsafeArchive(f"The folder holds {len(uploads):,} files; the limit is {limits.max_archive_members:,}.")
    total = sum(len(data) for _, data in uploads)
    if total > limits.max_archive_bytes:
        raise UnsafeArchive(
            f"The folder holds {human_bytes(total)}; the limit is {human_bytes(limits.max_archive_bytes)}."
        )
    entries = [_File(safe_parts(path), (lambda data=data: data)) for path, data in uploads]
    return _from_files(iter(entries), "class folders (folder upload)", config)


def _read_bytes(path: Path, limits: Limits) -> bytes:
    try:
        if path.stat().st_size > limits.max_archive_bytes:
            raise InputError(f"{path.name} is larger than {human_bytes(limits.max_archive_bytes)}.")
        return path.read_bytes()
    except OSError as error:
        raise InputError(f"{path} cannot be read ({error.strerror or error}).") from error


def _folder_files(root: Path, limits: Limits) -> Iterator[_File]:
    """Regular files under ``root``; symbolic links are not followed (they could point anywhere)."""
    count = 0
    for folder, folders, files in os.walk(root, followlinks=False):
        folders[:] = sorted(f for f in folders if not IGNORED.match(f))
        for file_name in sorted(files):
            path = Path(folder) / file_name
            if IGNORED.match(file_name) or path.is_symlink() or not path.is_file():
                continue
            count += 1
            if count > limits.max_archive_members:
                raise InputError(f"The folder holds more than {limits.max_archive_members:,} files; the limit.")
            yield _File(path.relative_to(root).parts, (lambda path=path: _read_file(path, limits)))


def _read_file(path: Path, limits: Limits) -> bytes:
    if path.stat().st_size > limits.max_file_bytes:
        raise InputError(f"larger than {human_bytes(limits.max_file_bytes)}")
    return path.read_bytes()


def _from_files(files: Iterator[_File], source_kind: str, config: ImportSettings) -> tuple[Dataset, ImportReport]:
    limits = config.limits
    entries = [f for f in files if not any(IGNORED.match(part) for part in f.parts)]
    wrapped = entries and len({f.parts[0] for f in entries}) == 1 and any(len(f.parts) > 2 for f in entries)
    if wrapped and entries[0].parts[0].lower() not in SPLIT_FOLDERS:
        entries = [_File(f.parts[1:], f.read) for f in entries]  # one wrapping folder
    splits_given = bool(entries) and all(f.parts[0].lower() in SPLIT_FOLDERS and len(f.parts) >= 3 for f in entries)
    refused: list[tuple[str, str]] = []
    labelled = []
    for entry in entries:
        parts = entry.parts[1:] if splits_given else entry.parts
        if len(parts) < 2:
            refused.append(("/".join(entry.parts), "not inside a class folder"))
            continue
        split = SPLIT_FOLDERS[entry.parts[0].lower()] if splits_given else None
        labelled.append((entry, split, parts[0]))
    if len(labelled) > limits.max_images:
        raise InputError(f"The source holds {len(labelled):,} images; the limit is {limits.max_images:,}.")
    class_names = tuple(sorted({label for _, _, label in labelled}, key=str.lower))
    if len(class_names) < 2:
        raise InputError(
            "A dataset needs at least two class folders (root/<class>/<images>); found "
            f"{len(class_names)}. Put each class's images in a folder named after the class."
        )
    images, labels, split_of = [], [], []
    sizes, kinds, formats = Counter(), Counter(), Counter()
    shape_rgb = (config.size, config.size, 3)
    for done, (entry, split, label) in enumerate(labelled, start=1):
        if config.should_stop is not None and config.should_stop():
            raise Cancelled("Import cancelled; nothing was saved.")
        try:
            decoded = read_image(entry.read(), limits)
            pixels = render(decoded)
        except UnsafeArchive:
            raise
        except MedLensError as error:
            refused.append(("/".join(entry.parts), str(error)))
            continue
        except OSError as error:
            refused.append(("/".join(entry.parts), error.strerror or str(error)))
            continue
        height, width, depth = decoded.shape
        sizes[f"{height}x{width}"] += 1
        kinds["gray" if depth == 1 else "colour"] += 1
        formats[decoded.format] += 1
        images.append(fit_to(pixels, shape_rgb))
        labels.append(class_names.index(label))
        split_of.append(split)
        if config.progress is not None:
            config.progress(done, len(labelled))
    if not images:
        raise InputError("None of the files could be read as an image; see the reasons listed for each.")
    stack = np.stack(images)
    colour = config.channels == 3 or (config.channels is None and kinds["colour"] > 0)
    stack = stack if colour else _to_gray(stack)
    label_array = np.asarray(labels, dtype=np.int64)
    assignment = np.asarray(split_of) if splits_given else _stratified(label_array, config.seed)
    dataset, counts = _assemble(config.name, class_names, stack, label_array, assignment)
    report = ImportReport(
        source_kind=source_kind,
        class_names=class_names,
        counts=counts,
        sizes=dict(sizes.most_common()),
        channels=dict(kinds),
        formats=dict(formats),
        refused=refused,
        splits_given=splits_given,
        shape=dataset.image_shape,
        seed=config.seed,
    )
    return dataset, report


def _to_gray(rgb: np.ndarray) -> np.ndarray:
    """ITU-R 601 luma, as Pillow's convert('L') computes it."""
    weights = np.array([299, 587, 114], dtype=np.uint32)
    return ((rgb.astype(np.uint32) @ weights + 500) // 1000).astype(np.uint8)[..., np.newaxis]


def _stratified(labels: np.ndarray, seed: int) -> np.ndarray:
    """train/val/test per image: each class shuffled with ``seed`` and cut 70/10/20 (at least one each)."""
    rng = np.random.default_rng(seed)
    assignment = np.empty(len(labels), dtype=object)
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        if len(members) < 3:
            raise InputError(
                f"A class has only {len(members)} images; each needs at least 3 so train, validation and "
                "test each get one."
            )
        n_test = max(1, round(len(members) * FRACTIONS["test"]))
        n_val = max(1, round(len(members) * FRACTIONS["val"]))
        assignment[members[:n_test]] = "test"
        assignment[members[n_test : n_test + n_val]] = "val"
        assignment[members[n_test + n_val :]] = "train"
    return assignment


def _assemble(name, class_names, images, labels, assignment) -> tuple[Dataset, dict[str, list[int]]]:
    splits, counts = {}, {}
    for split in SPLITS:
        chosen = np.flatnonzero(assignment == split)
        if len(chosen) == 0:
            raise InputError(f"The {split} split is empty; give each split folder images of every class.")
        splits[split] = Split(np.ascontiguousarray(images[chosen]), labels[chosen])
        counts[split] = np.bincount(labels[chosen], minlength=len(class_names)).tolist()
    return _dataset(name, class_names, splits), counts


def _dataset(name: str, class_names: tuple[str, ...], splits: dict[str, Split]) -> Dataset:
    return Dataset(
        name=name,
        title=name,
        task="binary" if len(class_names) == 2 else "multiclass",
        class_names=class_names,
        splits=splits,
        source="user import",
        modality="user images",
    )


def _check_npy_headers(archive: SafeZip) -> None:
    """Refuse object arrays and arrays that declare more data than their member holds, before numpy allocates."""
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
        if int(np.prod(shape, dtype=np.float64)) * dtype.itemsize > member.size:
            raise InputError(f"{member.path} declares more data than the file holds; the .npz is damaged.")


def _from_npz(data: bytes, config: ImportSettings) -> tuple[Dataset, ImportReport]:
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
    if min(f.min() for f in flat) < 0:
        raise InputError("Labels must be class indices 0, 1, 2, …; found a negative label.")
    num_classes = int(max(f.max() for f in flat)) + 1
    class_names = tuple(str(n) for n in names) if names is not None else tuple(f"class {i}" for i in range(num_classes))
    if len(class_names) < max(num_classes, 2):
        raise InputError(f"The labels name {num_classes} classes but class_names lists {len(class_names)}.")
    shapes = {images.shape[1:3] for images in images_all}
    if len(shapes) != 1:
        raise InputError(f"The splits have different image sizes {sorted(shapes)}; they must share one.")
    splits = {
        s: Split(images if images.ndim == 4 else images[..., np.newaxis], f)
        for s, images, f in zip(SPLITS, images_all, flat, strict=True)
    }
    dataset = _dataset(config.name, class_names, splits)
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

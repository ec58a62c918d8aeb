"""A user's labelled images as a ``Dataset``: class folders (a folder or a zip) or a MedMNIST-layout ``.npz``.

Layouts: ``root/<class>/<files>`` (split here, stratified, with a seed) or
``root/<train|val|test>/<class>/<files>`` (splits kept). One top folder wrapping everything (as
zips made by a file manager have) is looked through. Every image goes through ``read_image``; a
file that cannot be read is listed in the report with its reason instead of stopping the import.
"""

import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.data.catalogue import SPLITS
from core.data.dataset import Dataset, Split
from core.data.square import resize_square, square
from core.errors import Cancelled, InputError, MedLensError
from core.inputs.archive import SafeZip, UnsafeArchive, check_unique, safe_parts
from core.inputs.images import read_image, render
from core.inputs.import_types import ImportReport, ImportSettings, user_dataset
from core.inputs.limits import LIMITS, Limits, human_bytes
from core.inputs.npz_import import check_npy_headers, from_npz
from core.inputs.sniff import HEAD_BYTES, sniff
from core.text import check_names

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
            check_npy_headers(archive, config.limits)
            return from_npz(data, config)
        files = [_File(m.parts, (lambda m=m: archive.read(m))) for m in archive.members]
        return _from_files(iter(files), "class folders (zip)", config)


def import_uploaded_folder(uploads: list[tuple[str, bytes]], name: str, **settings) -> tuple[Dataset, ImportReport]:
    """A folder a browser uploaded: (relative path, bytes) per file, checked like zip entries."""
    config = ImportSettings(name, **settings)
    check_folder_upload(len(uploads), sum(len(data) for _, data in uploads), config.limits)
    check_unique([path for path, _ in uploads])
    entries = [_File(safe_parts(path), (lambda data=data: data)) for path, data in uploads]
    return _from_files(iter(entries), "class folders (folder upload)", config)


def check_folder_upload(files: int, total_bytes: int, limits: Limits = LIMITS) -> None:
    """The caps of a browser folder upload, checked by the page from the sizes before any file is read."""
    if files > limits.max_folder_files:
        raise UnsafeArchive(f"The folder holds {files:,} files; the limit is {limits.max_folder_files:,}.")
    if total_bytes > limits.max_folder_bytes:
        raise UnsafeArchive(
            f"The folder holds {human_bytes(total_bytes)}; the limit is {human_bytes(limits.max_folder_bytes)}."
        )


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
    class_names = check_names(
        sorted({label for _, _, label in labelled}, key=str.lower), "class name", limits.max_classes
    )
    if len(class_names) < 2:
        raise InputError(
            "A dataset needs at least two class folders (root/<class>/<images>); found "
            f"{len(class_names)}. Put each class's images in a folder named after the class."
        )
    index = {label: i for i, label in enumerate(class_names)}
    stack = _ImageStack(len(labelled), config)
    labels, split_of = [], []
    sizes, kinds, formats = Counter(), Counter(), Counter()
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
        stack.add(pixels)
        labels.append(index[label])
        split_of.append(split)
        if config.progress is not None:
            config.progress(done, len(labelled))
    if not labels:
        raise InputError("None of the files could be read as an image; see the reasons listed for each.")
    stack = stack.images()
    label_array = np.asarray(labels, dtype=np.int64)
    assignment = np.asarray(split_of) if splits_given else _stratified(label_array, config.seed)
    dataset, counts = _assemble(config, class_names, stack, label_array, assignment)
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
        squaring=config.squaring,
    )
    return dataset, report


class _ImageStack:
    """Images squared by the import's rule and converted to its channels as they arrive, within
    ``limits.max_import_bytes``: gray until the first colour image when channels are automatic. At a fixed size
    each goes straight into one array; at native size each keeps its own side (up to the cap) until the end,
    when all are brought to the largest side found."""

    def __init__(self, count: int, config: ImportSettings) -> None:
        self.config, self.count, self.kept = config, count, 0
        self.channels = 3 if config.channels == 3 else 1
        self.native: list[np.ndarray] = []
        self.used = 0
        if config.size is not None:
            self.array = self._allocate(config.size, self.channels, count)

    def _allocate(self, size: int, channels: int, count: int) -> np.ndarray:
        needed = count * size * size * channels
        budget = self.config.limits.max_import_bytes
        if needed > budget:
            raise InputError(
                f"{count:,} images at {size}x{size} would take {human_bytes(needed)}; the limit is "
                f"{human_bytes(budget)}. Import at a smaller size or fewer images."
            )
        return np.empty((count, size, size, channels), dtype=np.uint8)

    def add(self, pixels: np.ndarray) -> None:
        squared = square(pixels, self.config.squaring)
        if squared.shape[2] == 3 and self.config.channels is None and self.channels == 1:
            self.channels = 3
            if self.config.size is not None:
                colour = self._allocate(self.config.size, 3, self.count)
                colour[: self.kept] = self.array[: self.kept]  # broadcasts gray into all three channels
                self.array = colour
            else:
                self.native = [np.repeat(image, 3, axis=2) for image in self.native]
                self.used *= 3
        if self.config.size is not None:
            self.array[self.kept] = resize_square(squared, self.config.size, self.channels)
        else:
            side = min(squared.shape[0], self.config.limits.max_native_side)
            self.native.append(resize_square(squared, side, self.channels))
            self.used += side * side * self.channels
            if self.used > self.config.limits.max_import_bytes:
                self._allocate(side, self.channels, self.count)  # raises with the sizes in words
        self.kept += 1

    def images(self) -> np.ndarray:
        if self.config.size is not None:
            return self.array[: self.kept]
        side = max(image.shape[0] for image in self.native)
        stack = self._allocate(side, self.channels, self.kept)
        for index, image in enumerate(self.native):
            stack[index] = resize_square(image, side, self.channels)
        self.native = []
        return stack


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


def _assemble(config, class_names, images, labels, assignment) -> tuple[Dataset, dict[str, list[int]]]:
    splits, counts = {}, {}
    for split in SPLITS:
        chosen = np.flatnonzero(assignment == split)
        if len(chosen) == 0:
            raise InputError(f"The {split} split is empty; give each split folder images of every class.")
        splits[split] = Split(np.ascontiguousarray(images[chosen]), labels[chosen])
        counts[split] = np.bincount(labels[chosen], minlength=len(class_names)).tolist()
    return user_dataset(config.name, class_names, splits, config.squaring), counts

"""Datasets users imported: ``MEDLENS_HOME/datasets/imported/<name>/`` with ``data.npz`` and ``meta.json``.

Written only by an explicit save (``import-dataset`` or the page's Save button), through
``core.storage``: built in a hidden staging folder and published under a lock, so two saves of one
name leave one dataset and one clear error. Holds pixels, labels and class names, never the
original file names (they can carry patient names). An entry whose metadata cannot be read or
breaks the naming rules is skipped by listings with a logged warning, never shown.
"""

import json
import logging
import re
import shutil
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from core import paths
from core.data.catalogue import CATALOGUE, SPLITS
from core.data.dataset import Dataset, Split
from core.data.square import DEFAULT_SQUARING
from core.errors import DatasetError, MedLensError
from core.storage import publish, staging_folder
from core.text import check_names, one_line

DATA_FILE, META_FILE = "data.npz", "meta.json"  # data.npz: imports saved before the per-split arrays
ARRAY_FILE = "{split}_{part}.npy"  # uncompressed, so a large dataset is memory-mapped instead of read whole
MAX_META_BYTES = 1 * 2**20
LOG = logging.getLogger(__name__)
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


@dataclass(frozen=True)
class ImportedMeta:
    name: str
    title: str
    task: str
    class_names: tuple[str, ...]
    size: int
    channels: int
    source_kind: str
    seed: int
    created: str
    counts: dict[str, list[int]] = field(default_factory=dict)
    squaring: str = DEFAULT_SQUARING


def check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise DatasetError(
            f"{name!r} cannot name a dataset: use 1-40 lower-case letters, digits, '-' or '_', "
            "starting with a letter or digit."
        )
    if name in CATALOGUE:
        raise DatasetError(f"{name!r} is a MedMNIST dataset; choose another name for your import.")
    return name


def folder(name: str) -> Path:
    return paths.imported_datasets_dir() / check_name(name)


def exists(name: str) -> bool:
    return isinstance(name, str) and NAME.fullmatch(name) is not None and (folder(name) / META_FILE).is_file()


def save(dataset: Dataset, source_kind: str, seed: int, replace: bool = False) -> ImportedMeta:
    """Store ``dataset`` under its name; refuses to overwrite unless ``replace``."""
    final = folder(dataset.name)
    if final.exists() and not replace:
        raise DatasetError(f"A dataset named {dataset.name!r} already exists; choose another name or replace it.")
    check_names(dataset.class_names, "class name", 1000)
    height, _, channels = dataset.image_shape
    meta = ImportedMeta(
        name=dataset.name,
        title=dataset.title,
        task=dataset.task,
        class_names=dataset.class_names,
        size=height,
        channels=channels,
        source_kind=source_kind,
        seed=seed,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        counts={split: dataset.class_counts(split).tolist() for split in SPLITS},
        squaring=dataset.squaring,
    )
    staging = staging_folder(final.parent, dataset.name)
    try:
        for split in SPLITS:
            for part in ("images", "labels"):
                np.save(staging / ARRAY_FILE.format(split=split, part=part), getattr(dataset, part)(split))
        (staging / META_FILE).write_text(json.dumps(asdict(meta), indent=2), encoding="utf-8")
        publish(staging, final, replace)
    except FileExistsError as error:
        raise DatasetError(
            f"A dataset named {dataset.name!r} was saved by someone else a moment ago; choose another name."
        ) from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return meta


def read_meta(name: str) -> ImportedMeta:
    path = folder(name) / META_FILE
    try:
        if path.stat().st_size > MAX_META_BYTES:
            raise ValueError("its metadata is implausibly large")
        raw = json.loads(path.read_text(encoding="utf-8"))
        meta = ImportedMeta(**{**raw, "class_names": check_names(raw["class_names"], "class name", 1000)})
    except FileNotFoundError as error:
        raise DatasetError(f"There is no imported dataset named {name!r}.") from error
    except (OSError, ValueError, TypeError, KeyError, AttributeError, MedLensError) as error:
        raise DatasetError(f"The imported dataset {name!r} is damaged ({one_line(error)}); import it again.") from error
    if meta.name != name:
        raise DatasetError(
            f"The imported dataset {name!r} is damaged (it names itself {meta.name!r}); import it again."
        )
    return meta


def list_imported() -> list[ImportedMeta]:
    root = paths.imported_datasets_dir()
    if not root.is_dir():
        return []
    found = []
    for entry in sorted(root.iterdir()):
        if not exists(entry.name):
            continue
        try:
            found.append(read_meta(entry.name))
        except DatasetError as error:
            LOG.warning("skipping an imported dataset: %s", error)
    return found


def load(name: str) -> Dataset:
    meta = read_meta(name)
    try:
        splits = _read_splits(folder(name))
    except (OSError, ValueError, KeyError) as error:
        raise DatasetError(f"The imported dataset {name!r} is damaged ({error}); import it again.") from error
    return Dataset(
        name=meta.name,
        title=meta.title,
        task=meta.task,
        class_names=meta.class_names,
        splits=splits,
        source=f"imported ({meta.source_kind})",
        modality="user images",
        squaring=meta.squaring,
    )


def _read_splits(where: Path) -> dict[str, Split]:
    """Images memory-mapped (read from disk as batches need them), labels in memory."""
    if (where / DATA_FILE).is_file():
        with np.load(where / DATA_FILE, allow_pickle=False) as archive:
            return {s: Split(archive[f"{s}_images"], archive[f"{s}_labels"].astype(np.int64)) for s in SPLITS}
    splits = {}
    for split in SPLITS:
        images = np.load(where / ARRAY_FILE.format(split=split, part="images"), mmap_mode="r", allow_pickle=False)
        labels = np.load(where / ARRAY_FILE.format(split=split, part="labels"), allow_pickle=False)
        splits[split] = Split(images, labels.astype(np.int64))
    return splits


def data_present(name: str) -> bool:
    """Whether the dataset's pixels are on disk (either layout)."""
    where = folder(name)
    return (where / DATA_FILE).is_file() or (where / ARRAY_FILE.format(split="test", part="images")).is_file()

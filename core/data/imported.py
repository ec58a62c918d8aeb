"""Datasets users imported: ``MEDLENS_HOME/datasets/imported/<name>/`` with ``data.npz`` and ``meta.json``.

Written only by an explicit save (``import-dataset`` or the page's Save button), atomically: a
hidden staging folder renamed into place. Holds pixels, labels and class names, never the
original file names (they can carry patient names).
"""

import json
import os
import re
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from core import paths
from core.data.catalogue import CATALOGUE, SPLITS
from core.data.dataset import Dataset, Split
from core.errors import DatasetError

DATA_FILE, META_FILE = "data.npz", "meta.json"
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


def check_name(name: str) -> str:
    if not NAME.match(name or ""):
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
    return NAME.match(name or "") is not None and (paths.imported_datasets_dir() / name / META_FILE).is_file()


def save(dataset: Dataset, source_kind: str, seed: int, replace: bool = False) -> ImportedMeta:
    """Store ``dataset`` under its name; refuses to overwrite unless ``replace``."""
    final = folder(dataset.name)
    if final.exists() and not replace:
        raise DatasetError(f"A dataset named {dataset.name!r} already exists; choose another name or replace it.")
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
    )
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dataset.name}.", dir=final.parent))
    try:
        arrays = {f"{s}_{part}": getattr(dataset, part)(s) for s in SPLITS for part in ("images", "labels")}
        np.savez_compressed(staging / DATA_FILE, **arrays)
        (staging / META_FILE).write_text(json.dumps(asdict(meta), indent=2), encoding="utf-8")
        if final.exists():
            shutil.rmtree(final)
        os.replace(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return meta


def read_meta(name: str) -> ImportedMeta:
    path = folder(name) / META_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return ImportedMeta(**{**raw, "class_names": tuple(raw["class_names"])})
    except FileNotFoundError as error:
        raise DatasetError(f"There is no imported dataset named {name!r}.") from error
    except (OSError, ValueError, TypeError, KeyError) as error:
        raise DatasetError(f"The imported dataset {name!r} is damaged ({error}); import it again.") from error


def list_imported() -> list[ImportedMeta]:
    root = paths.imported_datasets_dir()
    if not root.is_dir():
        return []
    return [read_meta(entry.name) for entry in sorted(root.iterdir()) if exists(entry.name)]


def load(name: str) -> Dataset:
    meta = read_meta(name)
    try:
        with np.load(folder(name) / DATA_FILE, allow_pickle=False) as archive:
            splits = {s: Split(archive[f"{s}_images"], archive[f"{s}_labels"].astype(np.int64)) for s in SPLITS}
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
    )

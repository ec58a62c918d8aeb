"""``load(name, size)``: find a MedMNIST file locally or download it, check it, wrap it.

Search order: ``MEDLENS_DATA_DIR`` (read-only, e.g. a shared folder), then the cache
under ``MEDLENS_HOME/datasets``, then the official Zenodo address (into the cache).
"""

from pathlib import Path

import numpy as np

from core import paths
from core.data import imported
from core.data.catalogue import CATALOGUE, DEFAULT_DATASET, MEDMNIST_CITATION, DatasetInfo, supported_info
from core.data.dataset import Dataset, Split
from core.data.download import Progress, download, md5_of
from core.data.validate import read_medmnist_npz
from core.errors import DatasetError

TRAINING_SIZES = (28, 64, 128, 224)
"""The sizes an import stored larger can be trained at, besides its own."""


def candidate_paths(file_name: str) -> list[Path]:
    folders = [folder for folder in (paths.data_dir(), paths.dataset_cache_dir()) if folder is not None]
    return [folder / file_name for folder in folders]


def _is_import(name: str) -> bool:
    return name not in CATALOGUE and imported.exists(name)


def find_local(name: str, size: int = 28) -> Path | None:
    """The first local copy of the official file (or of an imported dataset's data), or None."""
    if _is_import(name):
        where = imported.folder(name)
        return where if size in sizes(name) and imported.data_present(name) else None
    file_name = supported_info(name).official_file(size).file_name
    return next((path for path in candidate_paths(file_name) if path.is_file()), None)


def load(
    name: str = DEFAULT_DATASET, size: int = 28, *, download_missing: bool = True, progress: Progress | None = None
) -> Dataset:
    """The MedMNIST subset ``name`` at ``size``x``size``, checked against the official release.

    A local file whose bytes differ from the official MD5 but whose contents pass every
    check (keys, dtype, shapes, split sizes) is used, with a warning on the Dataset.
    """
    if _is_import(name):
        return _load_imported(name, size)
    info = supported_info(name)
    official = info.official_file(size)
    path = find_local(name, size)
    if path is None:
        target = paths.dataset_cache_dir() / official.file_name
        if not download_missing:
            raise DatasetError(_missing_message(official.file_name, target))
        try:
            path = download(official.url, target, official.md5, progress)
        except DatasetError as error:
            raise DatasetError(f"{error} {_missing_message(official.file_name, target)}") from error
    arrays = read_medmnist_npz(path, info, size)
    warnings = []
    if md5_of(path) != official.md5:
        warnings.append(
            f"{path.name} differs byte-for-byte from the official release (MD5 mismatch) but its "
            "keys, shapes and split sizes match; it is used as it is."
        )
    return _wrap(info, size, arrays, path, tuple(warnings))


def _load_imported(name: str, size: int) -> Dataset:
    """An import at its stored size, or a smaller training size made from it (the same squaring rule)."""
    stored = imported.read_meta(name).size
    if not 8 <= size <= stored:
        raise DatasetError(
            f"The imported dataset {name!r} is stored at {stored}x{stored}; pick one of "
            f"{', '.join(map(str, sizes(name)))} (enlarging adds no detail)."
        )
    return imported.load(name).at_size(size)


def stored_image(name: str, split: str, index: int) -> np.ndarray | None:
    """Image ``index`` of ``split`` at the size an import keeps it (up to 512 px), the backdrop an explanation of
    a smaller training size is drawn over; None for a MedMNIST subset (its file holds only the size it is)."""
    if not _is_import(name):
        return None
    return np.asarray(imported.load(name).images(split)[index])


def title(name: str) -> str:
    """A dataset's display name, for MedMNIST subsets and imports alike."""
    if _is_import(name):
        return f"{name} (imported)"
    return CATALOGUE[name].title if name in CATALOGUE else name


def sizes(name: str) -> tuple[int, ...]:
    """The image sizes a dataset comes in."""
    if _is_import(name):
        stored = imported.read_meta(name).size
        return (*(s for s in TRAINING_SIZES if s < stored), stored)
    return tuple(supported_info(name).md5s)


def choices() -> list[str]:
    """Every dataset a session can pick: the supported MedMNIST subsets, then imports."""
    return [name for name, info in CATALOGUE.items() if info.supported] + [m.name for m in imported.list_imported()]


def _missing_message(file_name: str, target: Path) -> str:
    where = paths.data_dir()
    place = f"{where} (MEDLENS_DATA_DIR) or {target.parent}" if where else str(target.parent)
    return f"{file_name} is not available offline: put the official file in {place}."


def _where(path: Path) -> str:
    """The file's name and which folder holds it, never the server's full path (pages show this)."""
    data_dir = paths.data_dir()
    if data_dir is not None and path.parent.resolve() == data_dir.resolve():
        return f"{path.name} in the data folder (MEDLENS_DATA_DIR)"
    return f"{path.name} in the MedLens dataset cache"


def _wrap(info: DatasetInfo, size: int, arrays, path: Path, warnings: tuple[str, ...]) -> Dataset:
    return Dataset(
        name=info.name if size == 28 else f"{info.name}_{size}",
        title=info.title if size == 28 else f"{info.title} {size}x{size}",
        task=info.task,
        class_names=info.class_names,
        splits={split: Split(images, labels) for split, (images, labels) in arrays.items()},
        source=_where(path),
        modality=info.modality,
        license=info.license,
        citation=f"{info.source_citation} {MEDMNIST_CITATION}",
        warnings=warnings,
        squaring=info.squaring,
    )

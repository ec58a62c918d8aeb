"""Where MedLens keeps its files.

``MEDLENS_HOME`` (default ``~/.medlens``) holds models, runs and caches;
``MEDLENS_DATA_DIR`` is an optional read-only folder searched first for dataset files.
Both are read on every call so tests and the app can redirect them at run time.
"""

import os
from pathlib import Path


def medlens_home() -> Path:
    return Path(os.environ.get("MEDLENS_HOME", Path.home() / ".medlens")).expanduser()


def data_dir() -> Path | None:
    value = os.environ.get("MEDLENS_DATA_DIR")
    return Path(value).expanduser() if value else None


def dataset_cache_dir() -> Path:
    return medlens_home() / "datasets"


def models_dir() -> Path:
    return medlens_home() / "models"


def cache_dir() -> Path:
    return medlens_home() / "cache"


def imported_datasets_dir() -> Path:
    return dataset_cache_dir() / "imported"

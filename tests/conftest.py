"""Shared fixtures: real MedMNIST slices from ../shared/data, tiny synthetic sets, an isolated MEDLENS_HOME."""

import os
from pathlib import Path

import numpy as np
import pytest

import core  # noqa: F401  (TF_USE_LEGACY_KERAS before TensorFlow)

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("MEDLENS_DATA_DIR", str(ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session", autouse=True)
def deterministic_kernels() -> None:
    """Deterministic TensorFlow kernels for the whole session, as training turns them on for a CPU: a test's
    figures never depend on whether a training test happened to run before it (``make quick`` skips those)."""
    import tensorflow as tf

    if not tf.config.list_physical_devices("GPU"):
        tf.config.experimental.enable_op_determinism()


@pytest.fixture(autouse=True)
def medlens_home(tmp_path, monkeypatch) -> Path:
    """Each test gets its own empty MEDLENS_HOME, so no test sees another's models (the shipped demo models
    too stay out unless a test asks for them)."""
    home = tmp_path / "medlens_home"
    monkeypatch.setenv("MEDLENS_HOME", str(home))
    monkeypatch.setenv("MEDLENS_DEMO_MODELS", "off")
    monkeypatch.setenv("MEDLENS_TMP", str(tmp_path / "session_tmp"))
    return home


@pytest.fixture(scope="session")
def data_dir() -> Path:
    path = Path(os.environ["MEDLENS_DATA_DIR"])
    if not (path / "pneumoniamnist.npz").is_file():
        pytest.fail(f"MedMNIST files not found in {path}; set MEDLENS_DATA_DIR (see README).")
    return path


@pytest.fixture(scope="session")
def pneumonia(data_dir):
    from core.data import load

    return load("pneumoniamnist")


@pytest.fixture(scope="session")
def breast(data_dir):
    from core.data import load

    return load("breastmnist")


@pytest.fixture(scope="session")
def retina(data_dir):
    from core.data import load

    return load("retinamnist")


def make_dataset(n: int = 24, size: int = 28, channels: int = 1, classes: int = 2, seed: int = 0, task: str = ""):
    """A synthetic Dataset for shape and edge-case tests only (never for a reported figure)."""
    from core.data.dataset import Dataset, Split

    rng = np.random.default_rng(seed)
    splits = {}
    for split in ("train", "val", "test"):
        labels = np.arange(n) % classes
        images = rng.integers(0, 256, size=(n, size, size, channels), dtype=np.uint8)
        images[labels == 0] //= 4  # a learnable difference between classes
        splits[split] = Split(images, labels.astype(np.int64))
    return Dataset(
        name="synthetic",
        title="Synthetic",
        task=task or ("binary" if classes == 2 else "multiclass"),
        class_names=tuple(f"class{c}" for c in range(classes)),
        splits=splits,
    )


def subset(dataset, n: int):
    """The first ``n`` images of each split of a real dataset, for fast tests."""
    from dataclasses import replace

    from core.data.dataset import Split

    splits = {name: Split(s.images[:n], s.labels[:n]) for name, s in dataset.splits.items()}
    return replace(dataset, splits=splits)


def store_untrained(dataset: str, shape=(28, 28, 1), classes: int = 2, seed: int = 0):
    """An untrained small CNN put in the model store: pages and CLI paths run fast on it, with real images."""
    from tensorflow import keras

    from core.models import store
    from core.models.architectures import build

    keras.utils.set_random_seed(seed)
    meta = {"dataset": dataset, "size": shape[0], "arch": "small_cnn", "seed": seed, "epochs": 0, "train_seconds": 0.0}
    return store.save(build("small_cnn", shape, classes), meta)

"""load(): local search order, official checks, clear errors offline."""

import shutil
import urllib.error

import numpy as np
import pytest

from core.data import load
from core.data import loader as loader_module
from core.errors import DatasetError


def test_pneumonia_loads_with_official_split_sizes_and_a_visible_md5_warning(pneumonia):
    assert pneumonia.image_shape == (28, 28, 1)
    assert [len(pneumonia.labels(s)) for s in ("train", "val", "test")] == [4708, 524, 624]
    assert pneumonia.class_counts("test").tolist() == [234, 390]
    assert pneumonia.class_names == ("normal", "pneumonia")
    assert any("MD5 mismatch" in w for w in pneumonia.warnings)


def test_byte_identical_copy_has_no_warning(breast, retina):
    assert breast.warnings == () and retina.warnings == ()
    assert retina.image_shape == (28, 28, 3) and retina.num_classes == 5


def test_cache_under_medlens_home_is_searched_after_data_dir(data_dir, medlens_home, monkeypatch, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("MEDLENS_DATA_DIR", str(empty))
    cache = medlens_home / "datasets"
    cache.mkdir(parents=True)
    shutil.copy(data_dir / "breastmnist.npz", cache / "breastmnist.npz")
    assert load("breastmnist").source == "breastmnist.npz in the MedLens dataset cache"


def test_missing_file_offline_names_the_file_and_where_to_put_it(monkeypatch, tmp_path):
    monkeypatch.setenv("MEDLENS_DATA_DIR", str(tmp_path))

    def offline(*args, **kwargs):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr("urllib.request.urlopen", offline)
    with pytest.raises(DatasetError, match=r"bloodmnist\.npz is not available offline: put the official file in"):
        load("bloodmnist")
    with pytest.raises(DatasetError, match=str(tmp_path)):
        load("bloodmnist", download_missing=False)


def test_a_local_file_that_fails_the_checks_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("MEDLENS_DATA_DIR", str(tmp_path))
    np.savez(tmp_path / "breastmnist.npz", images=np.zeros((3, 28, 28), dtype=np.uint8))
    with pytest.raises(DatasetError, match="not a MedMNIST file"):
        load("breastmnist")


def test_download_is_used_when_nothing_is_local(monkeypatch, tmp_path, data_dir, medlens_home):
    monkeypatch.setenv("MEDLENS_DATA_DIR", str(tmp_path))
    fetched = []

    def fake_download(url, destination, md5, progress=None):
        fetched.append((url, md5))
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(data_dir / "breastmnist.npz", destination)
        return destination

    monkeypatch.setattr(loader_module, "download", fake_download)
    dataset = load("breastmnist")
    assert fetched == [
        ("https://zenodo.org/records/10519652/files/breastmnist.npz?download=1", "750601b1f35ba3300ea97c75c52ff8f6")
    ]
    assert dataset.source == "breastmnist.npz in the MedLens dataset cache" and "/" not in dataset.source


def test_unknown_and_multilabel_names_are_refused():
    with pytest.raises(DatasetError, match="Unknown dataset"):
        load("notamnist")
    with pytest.raises(DatasetError, match="multi-label"):
        load("chestmnist")

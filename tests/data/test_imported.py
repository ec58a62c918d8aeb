"""Imported datasets in the store: save, list, load by name like MedMNIST, refuse clashes."""

import numpy as np
import pytest

from core.data import imported, load
from core.data.loader import choices, sizes, title
from core.errors import DatasetError
from core.inputs.dataset_import import import_dataset
from tests.inputs import files


def test_an_import_is_saved_listed_and_loaded_by_name(medlens_home):
    dataset, report = import_dataset(files.class_zip(per_class=5), "mine", size=16)
    meta = imported.save(dataset, report.source_kind, report.seed)
    assert meta.size == 16 and meta.counts == report.counts
    assert "mine" in choices() and sizes("mine") == (16,) and title("mine") == "mine (imported)"
    again = load("mine", 16)
    np.testing.assert_array_equal(again.images("train"), dataset.images("train"))
    with pytest.raises(DatasetError, match="16x16"):
        load("mine", 28)
    stored = b"".join(p.read_bytes() for p in medlens_home.rglob("*") if p.is_file())
    assert b"0.png" not in stored  # no original file names kept


def test_an_existing_name_is_not_overwritten_unless_asked():
    dataset, report = import_dataset(files.class_zip(), "mine")
    imported.save(dataset, report.source_kind, 0)
    with pytest.raises(DatasetError, match="already exists"):
        imported.save(dataset, report.source_kind, 0)
    imported.save(dataset, report.source_kind, 0, replace=True)
    assert [m.name for m in imported.list_imported()] == ["mine"]

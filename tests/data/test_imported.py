"""Imported datasets in the store: save, list, load by name like MedMNIST, refuse clashes."""

import numpy as np
import pytest

from core.data import imported, load
from core.data.loader import choices, sizes, stored_image, title
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


def _save_in_child(name: str, home: str, barrier_file: str) -> str:
    """Run in another process: wait for the start signal, then save a dataset named ``name``."""
    import os
    import time

    os.environ["MEDLENS_HOME"] = home
    from core.data import imported
    from core.errors import DatasetError
    from core.inputs.dataset_import import import_dataset
    from tests.inputs import files

    dataset, report = import_dataset(files.class_zip(per_class=5), name, size=16)
    while not os.path.exists(barrier_file):
        time.sleep(0.005)
    try:
        imported.save(dataset, report.source_kind, 0)
        return "saved"
    except DatasetError as error:
        return str(error)


def test_two_concurrent_saves_of_one_name_leave_one_dataset_and_one_clear_error(medlens_home, tmp_path):
    import multiprocessing

    barrier = tmp_path / "go"
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        pending = [pool.apply_async(_save_in_child, ("race", str(medlens_home), str(barrier))) for _ in range(2)]
        barrier.touch()
        outcomes = sorted(p.get(timeout=120) for p in pending)
    assert outcomes[1] == "saved" and ("already exists" in outcomes[0] or "a moment ago" in outcomes[0]), outcomes
    assert [m.name for m in imported.list_imported()] == ["race"]
    assert load("race", 16).num_classes == 2
    root = medlens_home / "datasets" / "imported"
    assert sorted(p.name for p in root.iterdir()) == ["race"]  # no staging folder left


def test_a_replace_is_never_seen_as_a_missing_dataset(medlens_home):
    import threading

    dataset, report = import_dataset(files.class_zip(per_class=5), "steady", size=16)
    imported.save(dataset, report.source_kind, 0)
    missing, stop = [], threading.Event()

    def poll() -> None:
        while not stop.is_set():
            if not imported.exists("steady"):
                missing.append(1)

    reader = threading.Thread(target=poll)
    reader.start()
    for _ in range(5):
        imported.save(dataset, report.source_kind, 0, replace=True)
    stop.set()
    reader.join()
    assert not missing


def test_leftovers_of_a_killed_save_are_swept_and_names_match_whole(medlens_home):
    import os

    from core.storage import sweep

    root = medlens_home / "datasets" / "imported"
    leftover = root / ".mine.abc123"
    leftover.mkdir(parents=True)
    (leftover / "data.npz").write_bytes(b"half")
    os.utime(leftover, (0, 0))
    assert sweep(root) == 1 and not leftover.exists()
    with pytest.raises(DatasetError, match="cannot name a dataset"):
        imported.check_name("mine\n")


def test_an_unreadable_or_hostile_entry_is_skipped_and_the_rest_still_list(medlens_home, caplog):
    import json

    dataset, report = import_dataset(files.class_zip(per_class=5), "good", size=16)
    imported.save(dataset, report.source_kind, 0)
    imported.save(import_dataset(files.class_zip(per_class=5), "bad", size=16)[0], report.source_kind, 0)
    meta = medlens_home / "datasets" / "imported" / "bad" / "meta.json"
    raw = json.loads(meta.read_text())
    meta.write_text(json.dumps(raw | {"class_names": ["![x](https:evil.example)", "b"]}))
    assert [m.name for m in imported.list_imported()] == ["good"]
    assert "skipping an imported dataset" in caplog.text
    meta.write_text("{not json")
    assert [m.name for m in imported.list_imported()] == ["good"]


def test_a_native_import_keeps_its_resolution_and_trains_at_any_smaller_size(medlens_home):
    rng = np.random.default_rng(0)
    members = {}
    for label, (height, width) in (("wide", (40, 64)), ("tall", (64, 48))):
        for i in range(4):
            members[f"{label}/{i}.png"] = files.image_bytes("PNG", rng.integers(0, 255, (height, width), np.uint8))
    dataset, report = import_dataset(files.zip_bytes(members), "native", size=None, squaring="crop")
    assert dataset.image_shape == (48, 48, 1) and report.squaring == "crop"
    assert "made square (crop)" in " ".join(report.lines())
    meta = imported.save(dataset, report.source_kind, report.seed)
    assert meta.size == 48 and meta.squaring == "crop"
    assert sizes("native") == (28, 48)
    stored = load("native", 48)
    assert isinstance(stored.images("train"), np.memmap) and stored.squaring == "crop"
    assert load("native", 28).image_shape == (28, 28, 1)
    # an explanation at 28 px is drawn over the image as stored: the same picture, at 48 px
    small = load("native", 28)
    original = stored_image("native", "test", 1)
    assert original.shape == (48, 48, 1)
    np.testing.assert_array_equal(original, stored.images("test")[1])
    assert small.images("test")[1].shape == (28, 28, 1)


def test_a_medmnist_subset_has_no_larger_stored_image(medlens_home):
    assert stored_image("pneumoniamnist", "test", 0) is None

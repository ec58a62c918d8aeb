"""Safe zips and dataset import: layouts, splits, channels, npz, reports, cancel."""

import numpy as np
import pytest

from core.errors import Cancelled, InputError, MedLensError
from core.inputs.archive import SafeZip
from core.inputs.dataset_import import import_dataset
from tests.inputs import files


def test_safe_zip_lists_files_not_folders_and_reads_them():
    data = files.zip_bytes({"a/": b"", "a/x.png": b"123", "b/y.png": b"45"})
    with SafeZip(data) as archive:
        assert [m.path for m in archive] == ["a/x.png", "b/y.png"]
        assert archive.read(archive.members[0]) == b"123"


def test_class_folders_in_a_wrapping_folder_are_split_stratified_with_a_seed():
    members = {"cases/README.txt": b"notes"}
    rng = np.random.default_rng(0)
    for label, count in (("normal", 10), ("tumour", 20)):
        for i in range(count):
            members[f"cases/{label}/{i}.png"] = files.image_bytes("PNG", rng.integers(0, 256, (20, 24), dtype=np.uint8))
    data = files.zip_bytes(members)
    dataset, report = import_dataset(data, "mine", size=16, seed=3)
    assert dataset.class_names == ("normal", "tumour") and dataset.image_shape == (16, 16, 1)
    assert report.counts == {"train": [7, 14], "val": [1, 2], "test": [2, 4]}
    assert report.sizes == {"20x24": 30} and report.channels == {"gray": 30}
    assert report.refused == [("README.txt", "not inside a class folder")]
    again, _ = import_dataset(data, "mine", size=16, seed=3)
    other, _ = import_dataset(data, "mine", size=16, seed=4)
    np.testing.assert_array_equal(again.images("test"), dataset.images("test"))
    assert not np.array_equal(other.images("test"), dataset.images("test"))


def test_split_folders_are_kept_and_colour_wins_in_auto_mode():
    rng = np.random.default_rng(1)
    members = {}
    for split in ("train", "val", "test"):
        for label in ("a", "b"):
            members[f"{split}/{label}/g.png"] = files.image_bytes("PNG", rng.integers(0, 256, (8, 8), dtype=np.uint8))
            members[f"{split}/{label}/c.jpg"] = files.image_bytes(
                "JPEG", rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
            )
    dataset, report = import_dataset(files.zip_bytes(members), "split", size=8)
    assert report.splits_given and report.counts == {s: [2, 2] for s in ("train", "val", "test")}
    assert dataset.channels == 3 and report.channels == {"gray": 6, "colour": 6}
    gray, _ = import_dataset(files.zip_bytes(members), "split", size=8, channels=1)
    assert gray.channels == 1


def test_dicom_files_import_and_unreadable_files_are_listed_not_fatal(tmp_path):
    ct = files.pydicom_file("CT_small.dcm").read_bytes()
    mr = files.pydicom_file("MR_small.dcm").read_bytes()
    for label, data in (("ct", ct), ("mr", mr)):
        (tmp_path / label).mkdir()
        for i in range(3):
            (tmp_path / label / f"{i}.dcm").write_bytes(data)
    (tmp_path / "ct" / "broken.dcm").write_bytes(ct[:200])
    dataset, report = import_dataset(tmp_path, "scans", size=32)
    assert report.formats == {"dicom": 6} and report.sizes == {"128x128": 3, "64x64": 3}
    assert [path for path, _ in report.refused] == ["ct/broken.dcm"]
    assert dataset.image_shape == (32, 32, 1)


def test_medmnist_layout_npz_imports_with_its_class_names():
    arrays = files.medmnist_layout(n=6, size=8, classes=3, class_names=np.array(["x", "y", "z"]))
    dataset, report = import_dataset(files.npz_bytes(**arrays), "npz")
    assert dataset.class_names == ("x", "y", "z") and dataset.task == "multiclass"
    assert dataset.image_shape == (8, 8, 1) and report.source_kind == "MedMNIST-layout .npz"


def test_import_reports_progress_and_can_be_cancelled():
    data = files.class_zip(per_class=5)
    seen = []
    import_dataset(data, "p", progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (10, 10)
    with pytest.raises(Cancelled):
        import_dataset(data, "p", should_stop=lambda: True)


@pytest.mark.parametrize("name", ["", "../up", "Has Capitals", "pneumoniamnist"])
def test_bad_dataset_names_are_refused(name):
    with pytest.raises(MedLensError, match=r"name|MedMNIST"):
        import_dataset(files.class_zip(), name)


def test_an_unknown_size_is_refused():
    with pytest.raises(InputError, match="size"):
        import_dataset(files.class_zip(), "x", size=4)


def test_an_import_converts_as_it_goes_within_its_byte_budget():
    import tracemalloc

    from core.inputs.limits import Limits

    rng = np.random.default_rng(0)
    members = {
        f"{'ab'[i % 2]}/{i}.png": files.image_bytes("PNG", rng.integers(0, 256, (8, 8), dtype=np.uint8))
        for i in range(400)
    }
    source = files.zip_bytes(members)
    tracemalloc.start()
    dataset, _ = import_dataset(source, "tiny", size=224)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    stored = sum(dataset.images(s).nbytes for s in ("train", "val", "test"))
    assert stored == 400 * 224 * 224  # gray: one channel, uint8
    assert peak < 3 * stored + 16 * 2**20, peak  # the old path held RGB copies and a uint32 luma of them all
    with pytest.raises(InputError, match="would take"):
        import_dataset(source, "tiny", size=224, limits=Limits(max_import_bytes=stored - 1))


def test_a_folder_upload_is_capped_in_files_and_bytes_before_reading():
    from core.inputs.dataset_import import check_folder_upload
    from core.inputs.limits import Limits

    limits = Limits(max_folder_files=3, max_folder_bytes=100)
    check_folder_upload(3, 100, limits)
    with pytest.raises(InputError, match="4 files"):
        check_folder_upload(4, 10, limits)
    with pytest.raises(InputError, match="limit is 100 bytes"):
        check_folder_upload(2, 101, limits)

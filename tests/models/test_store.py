"""The model store: atomic saves, safe loading, clear refusals."""

import json
import zipfile

import pytest
from tensorflow import keras

from core.errors import ModelError
from core.models import store
from core.models.architectures import build
from core.models.predict import check_compatible
from tests.conftest import make_dataset

META = {"dataset": "breastmnist", "size": 28, "arch": "small_cnn", "seed": 0, "epochs": 1, "train_seconds": 1.5}


@pytest.fixture
def saved():
    return store.save(build("small_cnn", (28, 28, 1), 2), dict(META, metrics={"test_accuracy": 0.8}))


def test_save_list_load_rename_delete(saved, medlens_home):
    folder = medlens_home / "models" / saved.id
    assert sorted(p.name for p in folder.iterdir()) == ["meta.json", "model.keras"]
    meta = json.loads((folder / "meta.json").read_text())
    assert meta["params"] == saved.params > 0 and meta["file_bytes"] == (folder / "model.keras").stat().st_size
    assert {"dataset", "size", "arch", "seed", "epochs", "metrics", "train_seconds", "created"} <= set(meta)
    assert [m.id for m in store.list_models()] == [saved.id]
    assert store.list_models("pneumoniamnist") == []
    model = store.load(saved.id)
    assert model.output_shape == (None, 2)
    assert store.rename(saved.id, "  baseline  ").name == "baseline"
    assert store.read_meta(saved.id).name == "baseline"
    store.delete(saved.id)
    assert store.list_models() == [] and not folder.exists()
    assert [p.name for p in (medlens_home / "models").iterdir()] == []


def test_a_failed_save_leaves_nothing_behind(medlens_home):
    class Broken:
        def save(self, path, **kwargs):
            path.write_bytes(b"half")
            raise OSError("disk full")

        def count_params(self):
            return 1

    with pytest.raises(OSError, match="disk full"):
        store.save(Broken(), META)
    assert list((medlens_home / "models").iterdir()) == []


def test_unknown_and_malformed_ids_are_refused():
    with pytest.raises(ModelError, match="No model 'nope'"):
        store.load("nope")
    with pytest.raises(ModelError, match="not a valid model id"):
        store.read_meta("../../etc")


def test_empty_names_are_refused(saved):
    with pytest.raises(ModelError, match="empty"):
        store.rename(saved.id, "   ")


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("![scan](https:attacker.example) **Model recalled**", "formatting or links"),
        ("line one\nline two", "line-break"),
        ("x" * 121, "limit is 120"),
        ("right\u202eto-left", "invisible"),
    ],
)
def test_model_names_follow_the_one_naming_rule(saved, name, reason):
    with pytest.raises(ModelError, match=reason):
        store.rename(saved.id, name)


def test_model_names_are_unique_ignoring_case_and_ids_match_whole(saved):
    other = store.save(build("small_cnn", (28, 28, 1), 2), {**META, "name": "Baseline"})
    with pytest.raises(ModelError, match="already named"):
        store.rename(saved.id, "baseline")
    assert store.rename(other.id, "BASELINE").name == "BASELINE"  # its own name, in another case
    with pytest.raises(ModelError, match="not a valid model id"):
        store.read_meta(saved.id + "\n")


def test_an_unreadable_entry_is_skipped_with_a_warning(saved, caplog):
    (saved.path / "meta.json").write_text("{broken")
    assert store.list_models() == []
    assert "skipping a stored model" in caplog.text


def test_corrupt_keras_file_is_a_clear_error(saved):
    (saved.path / "model.keras").write_bytes(b"not a zip at all")
    with pytest.raises(ModelError, match=r"not a valid \.keras file"):
        store.load(saved.id)


def test_damaged_archive_is_a_clear_error(tmp_path):
    path = tmp_path / "damaged.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", "{ this is not json")
    with pytest.raises(ModelError, match="could not be loaded safely"):
        store.load_keras_file(path)


def test_h5_and_other_formats_are_refused(tmp_path):
    path = tmp_path / "model.h5"
    path.write_bytes(b"\x89HDF")
    with pytest.raises(ModelError, match=r"only \.keras"):
        store.load_keras_file(path)


def test_lambda_layers_are_refused_by_safe_mode(tmp_path):
    inputs = keras.Input((28, 28, 1))
    outputs = keras.layers.Dense(2)(keras.layers.Flatten()(keras.layers.Lambda(lambda x: x * 2)(inputs)))
    path = tmp_path / "lambda.keras"
    keras.Model(inputs, outputs).save(path)
    with pytest.raises(ModelError, match="could not be loaded safely"):
        store.load_keras_file(path)


def test_a_model_for_the_wrong_input_shape_or_classes_is_refused():
    dataset = make_dataset(size=28, channels=1, classes=2)
    check_compatible(build("small_cnn", (28, 28, 1), 2), dataset)
    with pytest.raises(ModelError, match=r"expects images of shape \(28, 28, 3\)"):
        check_compatible(build("small_cnn", (28, 28, 3), 2), dataset)
    with pytest.raises(ModelError, match="predicts 5 classes"):
        check_compatible(build("small_cnn", (28, 28, 1), 5), dataset)


def test_saves_from_a_worker_thread_stay_keras_zip_files(medlens_home):
    """tf-keras's thread-local format flag once turned the second save in a thread into HDF5."""
    import threading

    results = []

    def work():
        for seed in range(2):
            meta = store.save(build("small_cnn", (28, 28, 1), 2), dict(META, seed=seed))
            results.append(zipfile.is_zipfile(meta.path / "model.keras"))
            store.load(meta.id)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(120)
    assert results == [True, True]

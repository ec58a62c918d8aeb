"""Importing a user's .keras model into the store."""

import pytest

from core.errors import InputError
from core.models import store
from core.models.importing import import_model


def saved(tmp_path, shape=(28, 28, 1), classes=2):
    from core.models.architectures import build

    path = tmp_path / "mine.keras"
    store.save_keras(build("small_cnn", shape, classes), path)
    return path


@pytest.mark.slow
def test_a_checked_model_is_evaluated_and_stored(tmp_path, pneumonia):
    meta = import_model(saved(tmp_path), "pneumoniamnist", 28, "my cnn")
    assert meta.arch == "imported" and meta.name == "my cnn" and meta.dataset == "pneumoniamnist"
    assert 0 <= meta.metrics["test_accuracy"] <= 1
    assert store.load(meta.id).input_shape == (None, 28, 28, 1)


def test_a_model_that_does_not_fit_the_dataset_is_refused_and_not_stored(tmp_path, pneumonia):
    with pytest.raises(InputError, match="3 classes"):
        import_model(saved(tmp_path, classes=3), "pneumoniamnist", 28)
    assert store.list_models() == []

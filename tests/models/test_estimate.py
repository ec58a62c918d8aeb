"""Estimates come from the seconds per epoch measured on this machine, never from a guess."""

from core.models import estimate, store
from core.models.architectures import build


def _stored(seconds: float, epochs: int, dataset: str = "breastmnist"):
    meta = {"dataset": dataset, "size": 28, "arch": "small_cnn", "seed": 0, "epochs": epochs, "train_seconds": seconds}
    return store.save(build("small_cnn", (28, 28, 1), 2), meta)


def test_the_unit_is_the_median_seconds_per_epoch_of_this_datasets_models():
    assert estimate.seconds_per_epoch("breastmnist", 28) is None
    _stored(30.0, 10), _stored(50.0, 10), _stored(100.0, 10), _stored(9.0, 1, "pneumoniamnist")
    assert estimate.seconds_per_epoch("breastmnist", 28) == 5.0
    assert estimate.seconds_per_epoch("breastmnist", 64) is None


def test_a_job_scales_with_its_epochs_and_its_share_of_labels():
    full = estimate.training_seconds(2.0, 30, 1.0)
    assert full == 60.0 + estimate.OVERHEAD_SECONDS
    assert estimate.training_seconds(2.0, 30, 0.1) < full
    assert estimate.training_seconds(2.0, 30, 0.001, train_images=546) > estimate.training_seconds(2.0, 30, 0.001)


def test_words_read_as_a_person_says_them():
    assert estimate.words(None).startswith("no estimate yet")
    assert estimate.words(12) == "about 10 s" and estimate.words(600) == "about 10 min"
    assert estimate.words(3 * 3600) == "about 3.0 h"

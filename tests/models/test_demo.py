"""The shipped demo models: real models of the project's own training, copied into a store once."""

import pytest

from core.data import load
from core.models import demo, store
from core.models.metrics import evaluate


def test_the_demo_models_are_copied_once_and_a_deleted_one_stays_deleted(monkeypatch):
    monkeypatch.setenv("MEDLENS_DEMO_MODELS", "on")
    copied = demo.copy_into_store()
    assert copied == [demo.demo_id(name) for name in sorted(demo.DATASETS)]
    assert {m.id for m in store.list_models()} == set(copied)
    store.delete(demo.demo_id("breastmnist"))
    assert demo.copy_into_store() == []
    assert demo.demo_id("breastmnist") not in {m.id for m in store.list_models()}


def test_a_server_may_keep_them_out(monkeypatch):
    monkeypatch.setenv("MEDLENS_DEMO_MODELS", "off")
    assert demo.copy_into_store() == [] and store.list_models() == []


@pytest.mark.slow
def test_a_demo_model_scores_what_its_card_says_and_carries_its_domain_reference(monkeypatch, data_dir):
    monkeypatch.setenv("MEDLENS_DEMO_MODELS", "on")
    demo.copy_into_store()
    meta = store.read_meta(demo.demo_id("pneumoniamnist"))
    test = evaluate(store.load(meta.id), load("pneumoniamnist"), "test")
    assert test.accuracy == pytest.approx(meta.metrics["test_accuracy"], abs=1e-9)
    assert test.auc >= 0.9 and (meta.path / "domain.npz").is_file()

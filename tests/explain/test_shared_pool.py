"""Explanations through the server's shared pool: concurrent requests of a batchable method share one
computation and each gets the very map it would have got alone; other sessions' requests never change it."""

import threading

import numpy as np
import pytest

from core.compute import pool as pool_module
from core.compute.pool import InteractivePool
from core.explain import service
from core.explain.base import METHODS


@pytest.fixture
def one_slot(monkeypatch):
    fresh = InteractivePool(slots=1)
    monkeypatch.setattr(pool_module, "_shared", fresh)
    service.clear_memory()
    return fresh


def test_which_methods_batch():
    assert METHODS.get("gradcam").batches({"layer": "auto"})
    assert METHODS.get("saliency").batches({"samples": 1, "noise": 0.1})
    assert not METHODS.get("saliency").batches({"samples": 8, "noise": 0.1})  # SmoothGrad's noise is per batch
    assert not METHODS.get("lime").batches(METHODS.get("lime").validate(None))
    assert not METHODS.get("shap_partition").batches(METHODS.get("shap_partition").validate(None))


@pytest.mark.parametrize("method", ["gradcam", "integrated_gradients", "saliency", "occlusion"])
def test_concurrent_requests_get_the_maps_they_would_get_alone(method, predictor, breast, one_slot):
    images = breast.images("test")[:5]
    alone = [service.explain(predictor, images[i : i + 1], method, use_cache=False).maps[0] for i in range(5)]
    before = one_slot.batches_run
    release, answers = threading.Event(), [None] * 5

    def blocker(items):  # holds the one slot so the five requests below queue up together
        release.wait(10)
        return items

    holder = threading.Thread(target=one_slot.run, args=(None, 0, blocker))
    holder.start()

    def ask(i):
        answers[i] = service.explain(predictor, images[i : i + 1], method, use_cache=False).maps[0]

    askers = [threading.Thread(target=ask, args=(i,)) for i in range(5)]
    for thread in askers:
        thread.start()
    while one_slot.waiting < 5:
        threading.Event().wait(0.02)
    release.set()
    for thread in [holder, *askers]:
        thread.join(60)
    assert one_slot.batches_run - before == 2  # the blocker, then the five together
    for mine, single in zip(answers, alone, strict=True):
        np.testing.assert_allclose(mine, single, rtol=1e-5, atol=1e-6)

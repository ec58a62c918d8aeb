"""One SharedModel per Keras model, owning the lock its sub-models share, and calls from many threads at once."""

import gc
import threading

import numpy as np

from core.runtime.shared_model import live_count, shared


def test_a_model_has_one_shared_entry_whose_lock_its_sub_models_share():
    from core.models.architectures import build
    from core.models.domain import stage_embedder

    model, other = build("small_cnn", (28, 28, 1), 2), build("small_cnn", (28, 28, 1), 2)
    assert shared(model) is shared(model) and shared(model) is not shared(other)
    assert shared(shared(model)) is shared(model)
    assert stage_embedder(model).lock is shared(model).lock
    derived = shared(model).over(lambda m: m.layers[-2].output)
    assert derived.lock is shared(model).lock and derived.forward(np.zeros((2, 28, 28, 1), np.float32)).shape[0] == 2
    with shared(model).lock, derived.lock:  # re-entrant: a method holding it may call another
        pass
    count = live_count()
    del other
    gc.collect()
    assert live_count() < count  # an entry dies with its model


def test_a_copy_is_private_and_a_redrawn_copy_differs():
    from core.models.architectures import build

    model = build("small_cnn", (28, 28, 1), 2)
    copy, redrawn = shared(model).copy(), shared(model).copy(redraw_seed=3)
    assert copy is not model and shared(copy).lock is not shared(model).lock
    for a, b in zip(copy.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert any(not np.allclose(a, b) for a, b in zip(redrawn.get_weights(), model.get_weights(), strict=True))


def test_predictions_and_grad_cam_from_many_threads_at_once_match_one_thread():
    from core.explain.gradients import gradcam
    from core.explain.predictor import Predictor
    from core.models.architectures import build

    model = build("small_cnn", (28, 28, 1), 2)
    predictor = Predictor(model)
    rng = np.random.default_rng(0)
    batches = [rng.random((size, 28, 28, 1), dtype=np.float32) for size in (1, 3, 7, 100)]
    expected = [predictor(b) for b in batches]
    cams, _ = gradcam(predictor, batches[1], np.zeros(3, int), {"layer": "auto"}, None)
    failures = []

    def hammer(worker: int) -> None:
        try:
            for round_ in range(6):
                index = (worker + round_) % len(batches)
                np.testing.assert_allclose(predictor(batches[index]), expected[index], rtol=1e-5, atol=1e-6)
                if worker % 2:
                    again, _ = gradcam(predictor, batches[1], np.zeros(3, int), {"layer": "auto"}, None)
                    np.testing.assert_allclose(again, cams, rtol=1e-4, atol=1e-5)
                else:
                    shared(model).copy(redraw_seed=worker)  # a copy beside the calls (once made without the lock)
        except Exception as error:  # collected: an assertion in a thread would not fail the test
            failures.append(repr(error))

    threads = [threading.Thread(target=hammer, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures

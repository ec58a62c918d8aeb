"""One lock per Keras model, shared by the models built over its layers, and calls from many threads at once."""

import gc
import threading

import numpy as np

from core.models.model_lock import _LOCKS, lock_for, share_lock


def test_a_model_has_one_reentrant_lock_that_models_built_over_it_share():
    from tensorflow import keras

    from core.models.architectures import build
    from core.models.domain import stage_embedder

    model, other = build("small_cnn", (28, 28, 1), 2), build("small_cnn", (28, 28, 1), 2)
    assert lock_for(model) is lock_for(model) and lock_for(model) is not lock_for(other)
    assert lock_for(stage_embedder(model)) is lock_for(model)
    derived = keras.Model(model.inputs, model.layers[-2].output)
    share_lock(derived, model)
    with lock_for(model), lock_for(derived):  # re-entrant: a method holding it may call the predictor
        pass
    count = len(_LOCKS)
    del derived, other
    gc.collect()
    assert len(_LOCKS) < count  # a lock dies with its model


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
        except Exception as error:  # collected: an assertion in a thread would not fail the test
            failures.append(repr(error))

    threads = [threading.Thread(target=hammer, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures

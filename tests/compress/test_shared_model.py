"""One model object shared by a class: compressions and the pages' forward passes use it from several threads."""

import threading
import time

import numpy as np

from core.compress.quantize import to_tflite
from core.compress.run import Compressor
from core.models.predict import predict_proba


def test_exports_and_forward_passes_of_one_model_from_many_threads_all_finish(tiny_model):
    """Four sessions exporting the model while two predict with it: without the model's lock around the
    converter, its SavedModel tracing of the shared layers deadlocked (seen in a 30-student load test)."""
    images = np.random.default_rng(0).random((32, 28, 28, 1), dtype=np.float32)
    expected = predict_proba(tiny_model, images)
    files, errors, agreed = [], [], []

    def export():
        try:
            files.append(to_tflite(tiny_model, "float32"))
        except Exception as error:  # reported below
            errors.append(repr(error))

    def forward():
        try:
            agreed.extend(np.allclose(predict_proba(tiny_model, images), expected, atol=1e-6) for _ in range(5))
        except Exception as error:
            errors.append(repr(error))

    threads = [threading.Thread(target=job, daemon=True) for job in [export] * 4 + [forward] * 2]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 120
    for thread in threads:
        thread.join(max(0.1, deadline - time.monotonic()))
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    assert errors == [] and len(files) == 4 and len(set(files)) == 1 and all(agreed) and len(agreed) == 10


def test_a_compressor_distils_from_a_private_copy_of_the_model(tiny_model, small_breast):
    compressor = Compressor(tiny_model, small_breast)
    teacher = compressor.teacher
    assert teacher is not tiny_model and compressor.teacher is teacher
    for mine, theirs in zip(teacher.get_weights(), tiny_model.get_weights(), strict=True):
        np.testing.assert_array_equal(mine, theirs)

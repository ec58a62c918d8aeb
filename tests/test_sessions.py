"""Two browser sessions' work at once: seeded jobs cannot change each other's results, and an upload's
scope travels with its session's jobs and nowhere else."""

import numpy as np
import pytest

from core import jobs
from core.models.train import TrainConfig, train
from tests.conftest import subset


def _train(job, dataset, seed):
    return train(dataset, TrainConfig(epochs=1, batch_size=32, seed=seed)).model.get_weights()


@pytest.mark.slow
def test_two_sessions_training_at_once_get_the_results_each_would_get_alone(breast):
    small = subset(breast, 96)
    alone = [_train(None, small, seed) for seed in (3, 4)]
    together = [jobs.submit(_train, small, seed) for seed in (3, 4)]  # each training takes the seeded turn itself
    for job, expected in zip(together, alone, strict=True):
        assert job.wait(300).status == jobs.DONE, job.error
        for got, want in zip(job.result, expected, strict=True):
            np.testing.assert_array_equal(got, want)


def test_a_job_waiting_for_the_seeded_turn_shows_its_place_and_can_be_cancelled():
    import threading

    from core.runtime.seeding import seeded_turn

    release, ran = threading.Event(), []

    def holds(job):
        with seeded_turn(), seeded_turn():  # re-entrant: a compression that trains holds one turn
            release.wait(30)

    def seeds(job):
        with seeded_turn():
            ran.append(job)

    first = jobs.submit(holds)
    for _ in range(100):
        if first.status == jobs.RUNNING:
            break
        threading.Event().wait(0.02)
    second = jobs.submit(seeds)
    for _ in range(100):
        if "place 2" in second.message:
            break
        threading.Event().wait(0.02)
    assert "place 2" in second.message and not ran
    second.cancel()
    release.set()
    assert first.wait(10).status == jobs.DONE and second.wait(10).status == jobs.CANCELLED and not ran
    third = jobs.submit(seeds)  # the turn was given back, by the holder and by the one that gave up
    assert third.wait(10).status == jobs.DONE and ran == [third]


def test_an_upload_scope_goes_with_its_own_sessions_jobs_only():
    from core.explain import service

    def seen(job):
        return service._scope.get()

    with service.scoped("session-a"):
        a = jobs.submit(seen)
    with service.scoped("session-b"):
        b = jobs.submit(seen)
    plain = jobs.submit(seen)
    assert (a.wait(10).result, b.wait(10).result, plain.wait(10).result) == ("session-a", "session-b", None)


def test_explanations_of_two_sessions_uploads_never_meet_in_the_cache(tmp_path):
    from core.explain import service
    from core.explain.predictor import Predictor
    from core.models.architectures import build

    predictor = Predictor(build("small_cnn", (28, 28, 1), 2), name="m")
    image = np.random.default_rng(0).integers(0, 256, (1, 28, 28, 1), dtype=np.uint8)

    def run(job):
        return service.explain(predictor, image, "saliency")

    with service.scoped("session-a"):
        first = jobs.submit(run).wait(60)
    with service.scoped("session-b"):
        second = jobs.submit(run).wait(60)
    assert first.result is not second.result  # computed for each scope, never served from the other
    key_a = service.cache_key(predictor, image, "saliency", {}, first.result.targets, 0, "session-a")
    key_b = service.cache_key(predictor, image, "saliency", {}, first.result.targets, 0, "session-b")
    assert key_a != key_b

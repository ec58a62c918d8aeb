"""Knowledge distillation in the fine-tune: softened targets by hand, and a loss that really follows the
teacher (labels ignored at full weight, used at zero)."""

from dataclasses import replace

import numpy as np
import pytest

from core.compress.finetune import StepContext, clone, fine_tune, soften
from core.compress.recipe import Step
from core.data.dataset import Split


def test_softening_keeps_the_ranking_and_flattens_by_the_temperature():
    p = np.array([[0.8, 0.2], [0.5, 0.5]], np.float32)
    np.testing.assert_allclose(soften(p, 1.0), p, atol=1e-6)
    # T = 2: p ** (1/2) normalised -> sqrt(.8) / (sqrt(.8) + sqrt(.2)) = 2 / 3
    np.testing.assert_allclose(soften(p, 2.0), [[2 / 3, 1 / 3], [0.5, 0.5]], atol=1e-6)


def _with_shuffled_labels(dataset, seed: int = 1):
    """The same images with each split's labels permuted: class counts (and so class weights) unchanged."""
    rng = np.random.default_rng(seed)
    return replace(dataset, splits={n: Split(s.images, rng.permutation(s.labels)) for n, s in dataset.splits.items()})


def _tuned(model, dataset, teacher, distill: float):
    params = Step("cluster", {"epochs": 2, "learning_rate": 1e-3, "distill": distill}).params
    return fine_tune(clone(model), dataset, params, StepContext(seed=0, teacher=teacher))


@pytest.mark.slow
def test_at_full_weight_only_the_teacher_teaches_and_at_zero_the_labels_do(tiny_model, trained_model, small_breast):
    shuffled = _with_shuffled_labels(small_breast)
    full = [_tuned(tiny_model, data, trained_model, 1.0) for data in (small_breast, shuffled)]
    for a, b in zip(full[0].get_weights(), full[1].get_weights(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)  # wrong labels change nothing: the loss is the teacher's
    plain = [_tuned(tiny_model, data, trained_model, 0.0) for data in (small_breast, shuffled)]
    assert any(not np.allclose(a, b) for a, b in zip(plain[0].get_weights(), plain[1].get_weights(), strict=True))


@pytest.mark.slow
def test_distilling_pulls_the_student_towards_the_teacher(tiny_model, trained_model, small_breast):
    """An untrained student fine-tuned from the teacher's answers ends closer to them than one taught by labels."""
    from core.models.predict import predict_proba

    images = small_breast.images("test")
    teacher = predict_proba(trained_model, images)
    gaps = {
        distill: np.abs(
            predict_proba(_tuned(tiny_model, small_breast, trained_model, distill), images) - teacher
        ).mean()
        for distill in (0.0, 1.0)
    }
    assert gaps[1.0] < gaps[0.0]


def test_without_a_teacher_a_distilling_step_learns_from_the_labels(tiny_model, small_breast):
    """Steps run outside a Compressor (no original model to learn from) fall back to the labels."""
    params = Step("cluster", {"epochs": 1, "distill": 0.8}).params
    tuned = fine_tune(clone(tiny_model), small_breast, params, StepContext(seed=0))
    assert np.asarray(tuned(np.zeros((1, 28, 28, 1), np.float32))).shape == (1, 2)

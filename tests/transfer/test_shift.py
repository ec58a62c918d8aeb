"""Domain-shift figures on constructed embeddings where the answer is known, and on real images."""

import numpy as np
import pytest

from core.transfer import shift


def _gaussians(offset: float, n: int = 150, dims: int = 8, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, dims)), rng.normal(size=(n, dims)) + offset


def test_one_distribution_reads_as_no_shift_and_a_moved_one_as_a_shift():
    same = shift.compare(*_gaussians(0.0))
    moved = shift.compare(*_gaussians(1.0))
    assert same.mmd_p > 0.05 and same.c2st_auc < 0.65 and same.frechet < 0.5
    assert moved.mmd_p < 0.01 and moved.c2st_auc > 0.9 and moved.mmd > same.mmd
    assert moved.c2st_ci[0] <= moved.c2st_auc <= moved.c2st_ci[1]


def test_the_frechet_distance_of_two_gaussians_matches_the_formula():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(20000, 2))
    b = rng.normal(size=(20000, 2)) * 2 + 3  # mean gap 9+9, covariance I vs 4I: trace 2+8-2*2*2 = 2
    assert shift.frechet(a, b) == pytest.approx(20.0, rel=0.03)


def test_the_permutation_p_value_is_about_uniform_under_no_shift():
    p_values = [shift.mmd_test(*_gaussians(0.0, n=40, seed=s), permutations=200, seed=s)[1] for s in range(40)]
    assert 0.02 <= np.mean(np.array(p_values) < 0.1) <= 0.25


def test_images_are_brought_to_the_model_input():
    images = np.random.default_rng(0).integers(0, 255, (3, 64, 64, 3), dtype=np.uint8)
    assert shift.as_model_input(images, (28, 28, 1)).shape == (3, 28, 28, 1)
    assert shift.as_model_input(images[..., :1], (32, 32, 3)).shape == (3, 32, 32, 3)


@pytest.mark.slow
def test_two_real_domains_are_told_apart_and_halves_of_one_are_not(pneumonia, breast):
    from core.models.architectures import build

    model = build("small_cnn", (28, 28, 1), 2)  # untrained features already separate these two domains
    report = shift.measure(model, shift.sample(pneumonia, "train", 300, 0), shift.sample(breast, "train", 300, 0))
    assert report.pair.c2st_auc >= 0.95 and report.pair.mmd_p < 0.05
    assert report.halves.c2st_auc < report.pair.c2st_auc and report.halves.mmd < report.pair.mmd
    assert report.source_map.shape == (300, 2) and report.target_map.shape == (300, 2)

"""Every registered op, driven from one table of minimal settings (a test fails if an op has no row)."""

import numpy as np
import pytest
import tensorflow as tf

from core.augment.base import OPS
from core.augment.pipeline import OpStep, Pipeline

STRONG = {
    "rotate": {"degrees": 30.0},
    "hflip": {},
    "vflip": {},
    "translate": {"fraction": 0.2},
    "shear": {"degrees": 20.0},
    "zoom": {"fraction": 0.3},
    "resized_crop": {"min_area": 0.5},
    "elastic": {"strength": 2.0},
    "brightness": {"delta": 0.3},
    "contrast": {"factor": 0.5},
    "gamma": {"log_range": 0.8},
    "noise": {"std": 0.2},
    "blur": {"sigma": 2.0},
    "sharpen": {"amount": 1.5},
    "equalize": {"strength": 1.0},
    "bias_field": {"strength": 0.6},
    "ghosting": {"intensity": 0.4},
    "window_jitter": {"level": 0.2, "width": 0.4},
    "cutout": {"size": 0.3},
    "speckle": {"std": 0.3},
    "mixup": {"alpha": 0.4},
    "cutmix": {"alpha": 1.0},
}


def batch(channels: int, size: int = 28, n: int = 6):
    rng = np.random.default_rng(0)
    images = rng.random((n, size, size, channels)).astype(np.float32)
    return tf.constant(images), tf.constant(np.arange(n) % 2)


def run(op: str, params: dict, images, labels, seed=(3, 4)):
    return Pipeline("t", (OpStep(op, params, 1.0),), num_classes=2)(images, labels, tf.constant(seed, tf.int32))


def test_every_op_has_a_row_and_a_description():
    assert set(STRONG) == set(OPS.names)
    assert len(OPS.names) >= 22
    for entry in OPS.entries():
        assert entry.item.description and entry.item.kind in ("geometric", "intensity", "medical", "batch")


@pytest.mark.parametrize("op", sorted(STRONG))
@pytest.mark.parametrize(("channels", "size"), [(1, 28), (3, 64)])
def test_shape_dtype_range_and_determinism(op, channels, size):
    images, labels = batch(channels, size)
    out, out_labels = run(op, STRONG[op], images, labels)
    again, _ = run(op, STRONG[op], images, labels)
    other, _ = run(op, STRONG[op], images, labels, seed=(5, 6))
    assert out.shape == images.shape and out.dtype == tf.float32
    assert float(tf.reduce_min(out)) >= 0.0 and float(tf.reduce_max(out)) <= 1.0
    np.testing.assert_array_equal(out.numpy(), again.numpy())
    if op not in ("hflip", "vflip"):  # flips have no randomness besides the probability
        assert not np.array_equal(out.numpy(), other.numpy())
    assert not np.allclose(out.numpy(), images.numpy())
    if OPS.get(op).mixes_labels:
        assert out_labels.shape == (6, 2)
        np.testing.assert_allclose(out_labels.numpy().sum(axis=1), 1.0, rtol=1e-5)
    else:
        assert out_labels.numpy().tolist() == labels.numpy().tolist()


@pytest.mark.parametrize("op", sorted(o for o in STRONG if OPS.get(o).identity is not None))
def test_identity_at_zero_strength(op):
    images, labels = batch(1)
    out, _ = run(op, OPS.get(op).identity, images, labels)
    np.testing.assert_allclose(out.numpy(), images.numpy(), atol=1e-5)


def test_probability_zero_changes_nothing_and_one_changes_all():
    images, labels = batch(1, n=8)
    never, _ = Pipeline("t", (OpStep("brightness", {"delta": 0.3}, 0.0),))(images, labels, tf.constant([1, 2]))
    np.testing.assert_array_equal(never.numpy(), images.numpy())
    half, _ = Pipeline("t", (OpStep("vflip", {}, 0.5),))(images, labels, tf.constant([1, 2]))
    changed = [not np.array_equal(a, b) for a, b in zip(half.numpy(), images.numpy(), strict=True)]
    assert 0 < sum(changed) < 8


def test_hflip_mirrors_exactly():
    images, labels = batch(1)
    out, _ = run("hflip", {}, images, labels)
    np.testing.assert_allclose(out.numpy(), images.numpy()[:, :, ::-1, :], atol=1e-6)


def test_fused_affine_steps_match_the_steps_one_by_one():
    images, labels = batch(1)
    steps = (OpStep("rotate", {"degrees": 10.0}, 1.0), OpStep("hflip", {}, 1.0))
    fused, _ = Pipeline("f", steps)(images, labels, tf.constant([1, 2]))
    # the same random draws applied as two warps; only interpolation differs
    seeds = tf.random.experimental.stateless_split(tf.constant([1, 2]), 4)
    rotated = OPS.get("rotate").fn(images, seeds[0], steps[0].params)
    separate = OPS.get("hflip").fn(tf.clip_by_value(rotated, 0, 1), seeds[2], {})
    np.testing.assert_allclose(fused.numpy(), separate.numpy(), atol=0.05)

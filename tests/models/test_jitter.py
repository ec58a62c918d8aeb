import numpy as np
import pytest
import tensorflow as tf

from core.models.jitter import Jitter


def batch():
    rng = np.random.default_rng(0)
    return tf.constant(rng.random((4, 28, 28, 1), dtype=np.float32)), tf.constant([0, 1, 0, 1])


def test_zero_jitter_is_the_identity():
    images, labels = batch()
    out, out_labels = Jitter(0.0, 0.0, 0.0)(images, labels, tf.constant([1, 2]))
    np.testing.assert_allclose(out.numpy(), images.numpy(), atol=1e-5)
    assert out_labels.numpy().tolist() == [0, 1, 0, 1]


def test_jitter_is_seeded_and_keeps_shape():
    images, labels = batch()
    jitter = Jitter()
    first = jitter(images, labels, tf.constant([3, 4]))[0].numpy()
    again = jitter(images, labels, tf.constant([3, 4]))[0].numpy()
    other = jitter(images, labels, tf.constant([5, 6]))[0].numpy()
    assert first.shape == (4, 28, 28, 1)
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)
    assert not np.allclose(first, images.numpy())


def test_a_pure_shift_moves_pixels_by_that_many():
    image = np.zeros((1, 9, 9, 1), dtype=np.float32)
    image[0, 4, 4, 0] = 1.0
    from core.models.jitter import affine_transforms

    transform = affine_transforms(
        tf.constant([0.0]), tf.constant([1.0]), tf.constant([2.0]), tf.constant([1.0]), 9.0, 9.0
    )
    out = tf.raw_ops.ImageProjectiveTransformV3(
        images=image,
        transforms=transform,
        output_shape=[9, 9],
        fill_value=0.0,
        interpolation="NEAREST",
        fill_mode="CONSTANT",
    ).numpy()
    assert np.argwhere(out[0, :, :, 0] == 1.0).tolist() == [[5, 6]]


def test_invalid_ranges_are_refused():
    with pytest.raises(ValueError, match="max_degrees"):
        Jitter(max_degrees=-1)
    with pytest.raises(ValueError, match="max_zoom"):
        Jitter(max_zoom=1.5)


@pytest.mark.parametrize("shape", [(5, 28, 28, 1), (3, 64, 48, 3), (2, 224, 224, 1)])
def test_warp_samples_as_tensorflows_projective_transform_does(shape):
    """The compiled sampler against ImageProjectiveTransformV3 (bilinear, edges extended): rotation, zoom, shift
    and a small perspective term, gray and RGB, square and not."""
    from core.models.jitter import warp

    rng = np.random.default_rng(sum(shape))
    images = rng.random(shape, dtype=np.float32)
    rows = np.zeros((shape[0], 8), np.float32)
    rows[:, 0] = rows[:, 4] = rng.uniform(0.8, 1.2, shape[0])
    rows[:, 1] = rng.uniform(-0.3, 0.3, shape[0])
    rows[:, 3] = -rows[:, 1]
    rows[:, 2], rows[:, 5] = rng.uniform(-10, 10, (2, shape[0]))
    rows[:, 6], rows[:, 7] = rng.uniform(-1e-3, 1e-3, (2, shape[0]))
    expected = tf.raw_ops.ImageProjectiveTransformV3(
        images=images,
        transforms=rows,
        output_shape=shape[1:3],
        fill_value=0.0,
        interpolation="BILINEAR",
        fill_mode="NEAREST",
    )
    np.testing.assert_allclose(warp(tf.constant(images), tf.constant(rows)).numpy(), expected.numpy(), atol=1e-4)

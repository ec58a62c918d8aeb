"""A source model rebuilt for a target: its weights kept, the input and head made for the target."""

import numpy as np
import pytest

from core.errors import ModelError
from core.keras_files import load_keras_file, save_keras
from core.models.architectures import build
from core.transfer.adapt import adapt
from core.transfer.strategies import STRATEGIES


@pytest.mark.parametrize("arch", ["small_cnn", "resnet"])
@pytest.mark.parametrize(("shape", "rule"), [((28, 28, 1), "native"), ((48, 48, 3), "native"), ((48, 48, 3), "resize")])
def test_the_body_keeps_the_source_weights_and_the_head_fits_the_target(arch, shape, rule):
    source = build(arch, (28, 28, 1), 2)
    adapted = adapt(source, shape, 5, rule)
    assert adapted.model.input_shape[1:] == shape and adapted.model.output_shape[1:] == (5,)
    kept = [layer for layer in adapted.model.layers if layer.weights and layer.name not in adapted.new_layers]
    assert kept and len(kept) == len([layer for layer in source.layers if layer.weights]) - 1
    for layer in kept:
        for mine, theirs in zip(layer.get_weights(), source.get_layer(layer.name).get_weights(), strict=True):
            np.testing.assert_array_equal(mine, theirs)
    out = adapted.model(np.random.default_rng(0).random((2, *shape), dtype=np.float32)).numpy()
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)


def test_an_rgb_target_reads_as_the_gray_mean_and_a_gray_target_as_three_channels(tmp_path):
    gray_source = build("small_cnn", (28, 28, 1), 2)
    to_gray = adapt(gray_source, (28, 28, 3), 2).model
    rgb = np.random.default_rng(1).random((1, 28, 28, 3), dtype=np.float32)
    features = to_gray.get_layer("adapt_channels")(rgb).numpy()
    np.testing.assert_allclose(features[..., 0], rgb.mean(axis=3), rtol=1e-5)
    from_gray = adapt(build("small_cnn", (28, 28, 3), 2), (28, 28, 1), 2).model
    assert from_gray(rgb[..., :1]).shape == (1, 2)
    assert from_gray.get_layer("adapt_channels").output_shape[-1] == 3
    save_keras(to_gray, tmp_path / "m.keras")  # plain layers: it goes through the store like any model
    np.testing.assert_allclose(load_keras_file(tmp_path / "m.keras")(rgb).numpy(), to_gray(rgb).numpy(), rtol=1e-5)


def test_a_model_without_a_dense_head_is_refused_in_words():
    from tensorflow import keras

    inputs = keras.Input((8, 8, 1))
    model = keras.Model(inputs, keras.layers.GlobalAveragePooling2D()(inputs))
    with pytest.raises(ModelError, match="Dense"):
        adapt(model, (8, 8, 1), 2)


def test_each_strategy_trains_what_it_says():
    source = build("small_cnn", (28, 28, 1), 2)
    trainable = {}
    for name in STRATEGIES.names:
        model, fitted = STRATEGIES.get(name).prepare(source, (28, 28, 1), 3, "native", "small_cnn")
        trainable[name] = [layer.name for layer in model.layers if layer.trainable_weights]
        assert model.output_shape[1:] == (3,)
        assert (fitted is model) == (name != "full_fine_tune")
    assert trainable["linear_probe"] == ["probabilities"]
    weighted = trainable["scratch"]
    assert "probabilities" in trainable["fine_tune_top"] and "conv1_1" not in trainable["fine_tune_top"]
    assert len(trainable["linear_probe"]) < len(trainable["fine_tune_top"]) < len(weighted)
    assert trainable["full_fine_tune"] == weighted


def test_a_source_reads_a_target_image_as_it_would_its_own():
    from core.transfer.adapt import reader

    source = build("small_cnn", (28, 28, 1), 2)
    rgb = np.random.default_rng(2).random((1, 56, 56, 3), dtype=np.float32)
    read = reader(source, (56, 56, 3))
    assert "conv_last" in [layer.name for layer in read.layers]  # flat: gradient methods find its convolutions
    gray = read.get_layer("adapt_channels")(read.get_layer("adapt_size")(rgb))
    np.testing.assert_allclose(read(rgb).numpy(), source(gray).numpy(), rtol=1e-5)

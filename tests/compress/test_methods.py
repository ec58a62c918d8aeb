"""Each method on a tiny model: the artefact loads and predicts, and the weights change as promised."""

import numpy as np
import pytest

from core.compress.finetune import StepContext
from core.compress.lowrank import choose_rank, factorise, factorise_model
from core.compress.quantize import to_tflite
from core.compress.recipe import Step
from core.compress.steps import STEPS
from core.data.dataset import to_float
from core.errors import MedLensError
from core.models.tflite import TFLiteRunner


def apply(kind: str, model, dataset, **params):
    return STEPS.get(kind).apply(model, dataset, Step(kind, params).params, StepContext(seed=0))


def kernels(model):
    return [layer.get_weights()[0] for layer in model.layers if type(layer).__name__ in ("Conv2D", "Dense")]


def test_prune_reaches_the_target_sparsity_and_leaves_the_original_alone(tiny_model, small_breast):
    before = [w.copy() for w in tiny_model.get_weights()]
    pruned = apply("prune", tiny_model, small_breast, sparsity=0.6, schedule="constant", epochs=1)
    big = [k for k in kernels(pruned) if k.size > 1000]
    sparsity = sum(int((k == 0).sum()) for k in big) / sum(k.size for k in big)
    assert abs(sparsity - 0.6) <= 0.01
    assert all(np.array_equal(a, b) for a, b in zip(before, tiny_model.get_weights(), strict=True))
    assert not any("prune" in type(layer).__name__.lower() for layer in pruned.layers), "wrappers not stripped"
    assert np.asarray(pruned(to_float(small_breast.images("test")[:4]))).shape == (4, 2)


def test_polynomial_schedule_keeps_only_epochs_at_the_target(tiny_model, small_breast):
    pruned = apply("prune", tiny_model, small_breast, sparsity=0.7, schedule="polynomial", epochs=4)
    big = [k for k in kernels(pruned) if k.size > 1000]
    assert abs(sum(int((k == 0).sum()) for k in big) / sum(k.size for k in big) - 0.7) <= 0.01


def test_two_of_four_pattern_keeps_half_in_every_group(tiny_model, small_breast):
    pruned = apply("prune", tiny_model, small_breast, pattern="2:4", epochs=1, smallest_layer=0)
    dense = pruned.get_layer("probabilities").get_weights()[0]  # (128, 2): groups of 4 along the inputs
    groups = (dense.T.reshape(-1, 4) != 0).sum(axis=1)
    assert groups.max() <= 2


def test_channel_pruning_drops_whole_filters_and_keeps_them_dropped(tiny_model, small_breast):
    before = [k.copy() for k in kernels(tiny_model)]
    pruned = apply("prune_channels", tiny_model, small_breast, fraction=0.5, epochs=1)
    after = kernels(pruned)
    for kernel in after[:-1]:  # every layer but the class scores
        empty = np.all(kernel.reshape(-1, kernel.shape[-1]) == 0, axis=0)
        assert empty.sum() == round(0.5 * kernel.shape[-1])
    assert np.count_nonzero(after[-1]) == after[-1].size  # one unit per class, all kept
    for original, kernel in zip(before, kernels(tiny_model), strict=True):
        np.testing.assert_array_equal(original, kernel)  # the original is untouched


def test_cluster_respects_the_cluster_count(tiny_model, small_breast):
    clustered = apply("cluster", tiny_model, small_breast, clusters=8, epochs=0, preserve_sparsity=False)
    for original, kernel in zip(kernels(tiny_model), kernels(clustered), strict=True):
        if kernel.size >= 1000:
            assert len(np.unique(kernel)) <= 8
        else:  # the first convolution and the head are left whole by default
            np.testing.assert_array_equal(original, kernel)
    everything = apply("cluster", tiny_model, small_breast, clusters=8, epochs=0, smallest_layer=0)
    assert all(len(np.unique(kernel)) <= 8 for kernel in kernels(everything))


def test_small_layers_stay_whole_when_pruning_unless_asked(tiny_model, small_breast):
    pruned = apply("prune", tiny_model, small_breast, sparsity=0.8, schedule="constant", epochs=1)
    small = [k for k in kernels(pruned) if k.size < 1000]
    assert len(small) == 2 and all((k != 0).all() for k in small)  # first convolution and the classifier head
    every = apply("prune", tiny_model, small_breast, sparsity=0.8, schedule="constant", epochs=1, smallest_layer=0)
    assert all(abs((k == 0).mean() - 0.8) <= 0.02 for k in kernels(every))


def test_sparsity_preserving_clustering_keeps_the_zeros(tiny_model, small_breast):
    pruned = apply("prune", tiny_model, small_breast, sparsity=0.5, schedule="constant", epochs=1)
    clustered = apply("cluster", pruned, small_breast, clusters=8, epochs=1, preserve_sparsity=True)
    for before, after in zip(kernels(pruned), kernels(clustered), strict=True):
        if before.size > 1000:
            assert np.all(after[before == 0] == 0)


def test_svd_rank_is_respected():
    matrix = np.random.default_rng(0).normal(size=(64, 32)).astype(np.float32)
    a, b = factorise(matrix, rank=4, energy=0.9)
    assert a.shape == (64, 4) and b.shape == (4, 32)
    assert np.linalg.matrix_rank(a @ b) == 4
    assert factorise(matrix, rank=30, energy=0.9) is None  # 30 * (64 + 32) > 64 * 32: no saving
    assert choose_rank(np.array([3.0, 2.0, 1.0]), 0, 0.9) == 2  # 9 + 4 = 13 of 14 >= 90 %


def test_lowrank_model_has_fewer_parameters_and_the_same_interface(tiny_model, small_breast):
    rebuilt, replaced = factorise_model(tiny_model, rank=8)
    assert replaced > 0 and rebuilt.count_params() < tiny_model.count_params()
    assert rebuilt.input_shape == tiny_model.input_shape and rebuilt.output_shape == tiny_model.output_shape
    ranks = [
        layer.filters for layer in rebuilt.layers if layer.name.endswith("_lowrank_a") and hasattr(layer, "filters")
    ]
    assert ranks and max(ranks) <= 8


def test_lowrank_of_the_resnet_keeps_its_branches():
    from core.models.architectures import build

    model = build("resnet", (28, 28, 1), 2)
    rebuilt, replaced = factorise_model(model, rank=4)
    assert replaced > 0
    assert np.asarray(rebuilt(np.zeros((1, 28, 28, 1), np.float32))).shape == (1, 2)


def test_lowrank_with_nothing_to_gain_is_a_clear_error(small_breast):
    from tensorflow import keras

    inputs = keras.Input((28, 28, 1))
    model = keras.Model(
        inputs, keras.layers.Dense(2, activation="softmax")(keras.layers.GlobalAveragePooling2D()(inputs))
    )
    with pytest.raises(MedLensError, match="No layer of this model gets smaller"):
        apply("lowrank", model, small_breast, rank=0, energy=0.99)


def test_exports_shrink_in_the_expected_order(tiny_model, small_breast):
    sizes = {mode: len(to_tflite(tiny_model, mode, small_breast)) for mode in ("float32", "float16", "dynamic", "int8")}
    assert sizes["float16"] < 0.6 * sizes["float32"]
    assert sizes["int8"] < sizes["float32"] / 3.5 and sizes["dynamic"] < sizes["float32"] / 3.5


def test_tflite_predictions_match_keras(tiny_model, small_breast):
    images = small_breast.images("test")[:16]
    expected = np.asarray(tiny_model(to_float(images)))
    got = TFLiteRunner(to_tflite(tiny_model, "float32")).predict(images, batch_size=5)
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_int8_io_model_takes_int8(tiny_model, small_breast):
    runner = TFLiteRunner(to_tflite(tiny_model, "int8", small_breast, int8_io=True))
    assert runner.input["dtype"] == np.int8 and runner.output["dtype"] == np.int8
    probabilities = runner.predict(small_breast.images("test")[:8])
    assert probabilities.shape == (8, 2) and np.allclose(probabilities.sum(axis=1), 1.0, atol=0.05)


@pytest.mark.slow
def test_qat_exports_int8_that_agrees_with_its_float_model(trained_model, small_breast):
    quantized = apply("qat", trained_model, small_breast, epochs=1)
    runner = TFLiteRunner(to_tflite(quantized, "int8", small_breast))
    kinds = {detail["dtype"] for detail in runner.interpreter.get_tensor_details()}
    assert np.int8 in kinds  # weights and activations quantized, not a float model
    images = small_breast.images("test")
    agreement = np.mean(runner.predict(images).argmax(axis=1) == np.asarray(quantized(to_float(images))).argmax(axis=1))
    assert agreement >= 0.95, agreement


def test_qat_refuses_an_unsupported_layer_clearly(small_breast):
    from tensorflow import keras

    inputs = keras.Input((28, 28, 1))
    x = keras.layers.LayerNormalization()(keras.layers.Conv2D(4, 3)(inputs))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(keras.layers.GlobalAveragePooling2D()(x)))
    with pytest.raises(MedLensError, match="Quantization-aware training does not support this model"):
        apply("qat", model, small_breast)


def test_int8_needs_calibration_images(tiny_model):
    with pytest.raises(MedLensError, match="calibrate"):
        to_tflite(tiny_model, "int8")


@pytest.mark.parametrize("mode", ["float32", "float16", "dynamic", "int8"])
def test_litert_and_tensorflow_interpreters_give_the_same_outputs(tiny_model, small_breast, mode):
    import tensorflow as tf

    from core.models.tflite import interpreter_class

    assert interpreter_class().__module__.startswith("ai_edge_litert")  # the pinned LiteRT is what runs
    flatbuffer = to_tflite(tiny_model, mode, small_breast)
    images = small_breast.images("test")[:8]
    litert = TFLiteRunner(flatbuffer).predict(images)
    runner = TFLiteRunner(flatbuffer)
    runner.interpreter = tf.lite.Interpreter(model_content=flatbuffer)
    runner.input, runner.output = runner.interpreter.get_input_details()[0], runner.interpreter.get_output_details()[0]
    np.testing.assert_array_equal(litert, runner.predict(images))

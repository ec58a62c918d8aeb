"""Every registered method: map shape, determinism, near-zero maps for a model that ignores its input."""

import numpy as np
import pytest

from core.errors import MedLensError
from core.explain.base import METHODS
from core.explain.service import explain

# Minimal settings per method so the suite stays fast; every registered method must have a row.
FAST = {
    "gradcam": {},
    "integrated_gradients": {"steps": 8},
    "saliency": {"samples": 4, "noise": 0.1},
    "occlusion": {"window": 7, "stride": 7},
    "rise": {"masks": 40, "cells": 4},
    "lime": {"samples": 100, "features": 5},
    "shap_partition": {"max_evals": 100, "batch_size": 50},
    "shap_gradient": {"samples": 20},
    "shap_deep": {},
}


def test_every_registered_method_has_a_fast_row():
    assert set(FAST) == set(METHODS.names)


@pytest.mark.parametrize("method", sorted(FAST))
def test_map_shape_and_determinism(method, predictor, images):
    first = explain(predictor, images, method, FAST[method], seed=3, use_cache=False)
    again = explain(predictor, images, method, FAST[method], seed=3, use_cache=False)
    assert first.maps.shape == (2, 28, 28) and first.maps.dtype == np.float32
    assert np.isfinite(first.maps).all()
    np.testing.assert_allclose(first.maps, again.maps, rtol=1e-5, atol=1e-7)
    assert first.method == method and first.seconds >= 0 and len(first.targets) == 2


@pytest.mark.parametrize("method", sorted(FAST))
def test_a_model_that_ignores_the_image_gets_near_zero_maps(method, constant_predictor, images):
    maps = explain(constant_predictor, images, method, FAST[method], use_cache=False).maps
    assert np.abs(maps).max() < 1e-4


def test_gradient_methods_refuse_a_tflite_model(keras_model, images):
    from core.compress.quantize import to_tflite
    from core.explain.predictor import Predictor

    tflite = Predictor(tflite=to_tflite(keras_model, "float32"))
    with pytest.raises(MedLensError, match="needs the Keras model"):
        explain(tflite, images, "gradcam")
    maps = explain(tflite, images, "occlusion", FAST["occlusion"], use_cache=False).maps
    keras_maps = explain(Predictor(keras_model), images, "occlusion", FAST["occlusion"], use_cache=False).maps
    np.testing.assert_allclose(maps, keras_maps, atol=1e-4)


def test_lime_returns_its_superpixels(predictor, images):
    result = explain(predictor, images, "lime", FAST["lime"], use_cache=False)
    assert result.extras["segments"].shape == (2, 28, 28)
    assert len(np.unique(result.maps[0])) <= FAST["lime"]["features"] + 1


def test_gradcam_layer_choice(predictor, images):
    chosen = explain(predictor, images, "gradcam", {"layer": "conv2_2"}, use_cache=False)
    assert chosen.maps.shape == (2, 28, 28)
    with pytest.raises(MedLensError, match="no layer 'nope'"):
        explain(predictor, images, "gradcam", {"layer": "nope"}, use_cache=False)


def test_bad_requests_are_clear(predictor, images):
    with pytest.raises(MedLensError, match="Unknown explanation method"):
        explain(predictor, images, "magic")
    with pytest.raises(MedLensError, match="no setting window"):
        explain(predictor, images, "gradcam", {"window": 3})
    with pytest.raises(MedLensError, match="expects images of shape"):
        explain(predictor, np.zeros((1, 32, 32, 1), np.uint8), "gradcam")
    with pytest.raises(MedLensError, match="Targets must be"):
        explain(predictor, images, "gradcam", targets=np.array([0, 5]))


def test_repeated_requests_come_from_the_cache(predictor, images, medlens_home):
    from core.explain import service

    first = explain(predictor, images, "occlusion", FAST["occlusion"])
    assert first is explain(predictor, images, "occlusion", FAST["occlusion"])  # memory
    service.clear_memory()
    from_disk = explain(predictor, images, "occlusion", FAST["occlusion"])
    np.testing.assert_array_equal(from_disk.maps, first.maps)
    assert list((medlens_home / "cache" / "explain").rglob("*.npz"))


def test_shap_reads_a_saturated_prediction_in_log_odds_and_adds_up(keras_model, images):
    """A model pushed to ~100 % for one class: auto explains in log-odds, states base value and output, and the
    map adds up to their difference (Shapley efficiency); asked for probabilities it stays on that scale."""
    from tensorflow import keras

    from core.explain.predictor import Predictor

    saturated = keras.models.clone_model(keras_model)
    saturated.set_weights(keras_model.get_weights())
    head = saturated.layers[-1]
    kernel = head.get_weights()[0]
    head.set_weights([kernel, np.array([-8.0, 8.0], dtype=np.float32)])
    predictor = Predictor(saturated)
    assert predictor.on_images(images)[:, 1].min() > 0.95
    settings = {**FAST["shap_partition"], "link": "auto"}
    result = explain(predictor, images[:1], "shap_partition", settings, np.array([1]), use_cache=False)
    assert int(result.extras["log_odds"][0]) == 1
    difference = result.extras["model_output"][0] - result.extras["base_value"][0]
    assert float(result.maps[0].sum()) == pytest.approx(difference, rel=1e-3, abs=1e-3)
    plain = explain(predictor, images[:1], "shap_partition", {**settings, "link": "probability"}, np.array([1]),
                    use_cache=False)  # fmt: skip
    assert int(plain.extras["log_odds"][0]) == 0
    assert abs(float(plain.maps[0].sum())) < abs(float(result.maps[0].sum()))

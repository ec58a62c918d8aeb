"""A compressed file in the model store: the measured TFLite file itself, picked, evaluated and explained like
any other model through its interpreter; what needs a Keras model says so."""

import numpy as np
import pytest

from core.compress.recipe import BUILTIN
from core.compress.run import Compressor, measured_file
from core.compress.workflow import save_to_store
from core.errors import MedLensError, ModelError
from core.explain.predictor import Predictor
from core.explain.service import explain
from core.models import store
from core.models.metrics import evaluate
from core.models.predict import predict_proba
from core.models.tflite import TFLiteModel, TFLiteRunner

META = {"dataset": "breastmnist", "size": 28, "arch": "small_cnn", "seed": 0, "epochs": 1, "train_seconds": 1.5}


@pytest.fixture
def stored_int8(trained_model, small_breast, medlens_home):
    parent = store.save(trained_model, dict(META, name="parent model"))
    result = Compressor(trained_model, small_breast).run(BUILTIN["int8"])
    return parent, result, save_to_store(result, parent)


def test_the_stored_file_is_the_measured_one_with_its_own_operating_point(stored_int8, small_breast):
    parent, result, saved = stored_int8
    assert saved.format == "tflite" and saved.parent == parent.id and saved.name == "parent model · int8"
    assert (saved.path / "model.tflite").read_bytes() == result.artifact.read_bytes()
    decision = saved.metrics["decision"]
    assert set(decision) == {"temperature", "rule", "thresholds"} and decision["thresholds"][1] is not None
    assert [m.id for m in store.list_models()] == [saved.id, parent.id]


def test_it_predicts_and_evaluates_through_its_interpreter(stored_int8, small_breast):
    _, result, saved = stored_int8
    opened = store.open_model(saved.id)
    assert isinstance(opened, TFLiteModel) and opened.input_shape == (None, 28, 28, 1)
    images = small_breast.images("test")
    np.testing.assert_array_equal(
        predict_proba(opened, images), TFLiteRunner(result.artifact.read_bytes()).predict(images)
    )
    assert evaluate(opened, small_breast).accuracy == pytest.approx(result.measurement.test_accuracy)


def test_model_agnostic_explanations_run_on_it_and_the_rest_say_why_not(stored_int8, small_breast):
    _, _, saved = stored_int8
    predictor = Predictor(store.open_model(saved.id), name=saved.name)
    assert predictor.keras is None and predictor.key.startswith("t")
    image = small_breast.images("test")[:1]
    maps = explain(predictor, image, "occlusion", {}, np.array([1]), use_cache=False).maps
    assert maps.shape == (1, 28, 28) and np.abs(maps).sum() > 0
    with pytest.raises(MedLensError, match="needs the Keras model"):
        explain(predictor, image, "gradcam", {}, np.array([1]), use_cache=False)


def test_training_and_compressing_it_again_are_refused_in_words(stored_int8, small_breast):
    _, _, saved = stored_int8
    with pytest.raises(ModelError, match="compressed TFLite model"):
        store.load(saved.id)
    with pytest.raises(ModelError, match="pick its parent"):
        Compressor(store.open_model(saved.id), small_breast)


def test_a_link_names_a_measured_file_only_by_its_hash(stored_int8, trained_model):
    from core.keras_files import model_hash

    _, result, _ = stored_int8
    key = model_hash(trained_model)
    assert measured_file(key, result.artifact.parent.name) == ("int8", result.artifact)
    for hostile in ("../../etc", "0" * 16, "", "ABCDEF0123456789", None):
        assert measured_file(key, hostile) is None
    assert measured_file("../x", result.artifact.parent.name) is None


def test_a_recipe_progress_moves_through_its_phases_and_its_int8_calibration():
    from core.compress.recipe import BUILTIN
    from core.compress.run import RecipeProgress

    seen = []
    progress = RecipeProgress(BUILTIN["int8"], lambda fraction, message: seen.append(fraction))
    for message in ("exporting to TFLite (int8)", *(f"calibrating int8 on training images: {i} of 256"
                    for i in range(0, 256, 64)), "measuring int8 on the test split"):  # fmt: skip
        progress(message)
    assert seen == sorted(seen) and len(set(seen)) == len(seen) - 1 and seen[-1] < 1.0  # moves at every report


def test_an_int8_export_reports_its_calibration(small_breast, tiny_model):
    from core.compress.quantize import to_tflite

    calls = []
    to_tflite(tiny_model, "int8", small_breast, on_calibrate=lambda d, n: calls.append((d, n)))
    assert calls and calls[0][0] == 0 and all(n == calls[0][1] for _, n in calls) and len(calls) >= 2

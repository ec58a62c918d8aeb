"""The model gates: config allow-list on real tf-keras archives, and the sandboxed safe-mode probe."""

import json
import zipfile

import pytest

from core.errors import InputError
from core.inputs.limits import Limits
from core.inputs.model_check import check_model_file, inspect_config
from core.inputs.model_gate import check_config


def save(model, path):
    from core.keras_files import save_keras

    save_keras(model, path)
    return path


def small_model(input_shape=(28, 28, 1), classes=2):
    from core.models.architectures import build

    return build("small_cnn", input_shape, classes)


def test_models_medlens_builds_pass_both_gates(tmp_path):
    from core.models.architectures import build

    resnet = save(build("resnet", (28, 28, 3), 5), tmp_path / "resnet.keras")
    inspect_config(resnet)
    check = check_model_file(save(small_model(), tmp_path / "cnn.keras"))
    assert check.input_shape == (28, 28, 1) and check.num_classes == 2
    assert check.outputs_probabilities and check.params > 1000


def test_a_real_lambda_model_is_refused_before_loading(tmp_path):
    from tensorflow import keras

    inputs = keras.Input((8, 8, 1))
    outputs = keras.layers.Dense(2)(keras.layers.Flatten()(keras.layers.Lambda(lambda t: t * 2)(inputs)))
    path = save(keras.Model(inputs, outputs), tmp_path / "lambda.keras")
    with pytest.raises(InputError, match="Lambda"):
        check_model_file(path)


def test_a_model_that_is_not_an_image_classifier_is_refused_by_the_probe(tmp_path):
    from tensorflow import keras

    inputs = keras.Input((10,))
    path = save(keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(inputs)), tmp_path / "vector.keras")
    with pytest.raises(InputError, match="input shape"):
        check_model_file(path)


@pytest.mark.parametrize(
    ("limits", "reason"),
    [(Limits(model_check_seconds=0.3), "longer than"), (Limits(model_check_memory_bytes=20 * 2**20), "memory")],
)
def test_the_probe_is_stopped_past_its_time_or_memory(tmp_path, limits, reason):
    path = save(small_model(), tmp_path / "cnn.keras")
    with pytest.raises(InputError, match=reason):
        check_model_file(path, limits)


def test_every_object_of_the_config_is_checked(tmp_path):
    path = save(small_model(), tmp_path / "cnn.keras")
    config = json.loads(zipfile.ZipFile(path).read("config.json"))
    config["config"]["layers"][1]["config"]["kernel_initializer"]["module"] = "subprocess"
    with pytest.raises(InputError, match="subprocess"):
        check_config(config, "cnn.keras")


def test_the_probe_can_be_cancelled(tmp_path):
    from core.errors import Cancelled

    path = save(small_model(), tmp_path / "cnn.keras")
    with pytest.raises(Cancelled):
        check_model_file(path, should_stop=lambda: True)

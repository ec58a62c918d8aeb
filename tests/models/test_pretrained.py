"""ImageNet weights are read from this machine only: found, loaded into the body, or refused in one sentence."""

import numpy as np
import pytest

from core.errors import MedLensError
from core.models import pretrained
from core.models.architectures import build


def test_without_the_file_the_refusal_names_it_and_nothing_is_downloaded(monkeypatch, tmp_path):
    monkeypatch.setattr(pretrained, "folders", lambda: [tmp_path])
    with pytest.raises(MedLensError, match=r"does not download.*0\.35_128_no_top\.h5"):
        build("mobilenet_v2", (128, 128, 1), 2, pretrained=True)
    with pytest.raises(MedLensError, match="no pretrained weights"):
        build("small_cnn", (128, 128, 1), 2, pretrained=True)
    assert build("mobilenet_v2", (28, 28, 1), 2).get_layer("to_min_size").output_shape[1:3] == (32, 32)


def test_a_local_weights_file_is_loaded_into_the_body(monkeypatch, tmp_path):
    from tensorflow import keras

    reference = keras.applications.MobileNetV2(
        input_shape=(96, 96, 3), alpha=pretrained.ALPHA, include_top=False, weights=None
    )
    reference.save_weights(tmp_path / pretrained.mobilenet_file(96))
    monkeypatch.setattr(pretrained, "folders", lambda: [tmp_path])
    model = build("mobilenet_v2", (96, 96, 1), 4, pretrained=True)
    np.testing.assert_array_equal(
        model.get_layer("Conv1").get_weights()[0], reference.get_layer("Conv1").get_weights()[0]
    )
    assert model.output_shape[1:] == (4,) and model.input_shape[1:] == (96, 96, 1)

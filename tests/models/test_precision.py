import numpy as np
import pytest

from core.compute.device import TrainingSpeedups, training_speedups
from core.errors import MedLensError
from tests.conftest import subset


def test_speedups_only_on_a_gpu_at_128_px_and_more(monkeypatch):
    monkeypatch.delenv("MEDLENS_SPEEDUPS", raising=False)
    assert training_speedups(224, gpus=1) == TrainingSpeedups(True, True)
    assert training_speedups(128, gpus=1).mixed_precision
    assert training_speedups(64, gpus=1) == TrainingSpeedups(False, False)
    assert training_speedups(224, gpus=0) == TrainingSpeedups(False, False)
    monkeypatch.setenv("MEDLENS_SPEEDUPS", "off")
    assert training_speedups(224, gpus=1) == TrainingSpeedups(False, False)
    monkeypatch.setenv("MEDLENS_SPEEDUPS", "on")
    assert training_speedups(28, gpus=0).words == "mixed precision and XLA"
    monkeypatch.setenv("MEDLENS_SPEEDUPS", "fast")
    with pytest.raises(MedLensError, match="MEDLENS_SPEEDUPS"):
        training_speedups(28)


def test_a_mixed_build_computes_in_float16_and_answers_in_float32():
    from tensorflow import keras

    from core.models.architectures import build
    from core.models.precision import build_mixed, float32_twin

    def fresh():
        return build("small_cnn", (28, 28, 1), 2)

    model, fitted = build_mixed(fresh)
    assert keras.mixed_precision.global_policy().name == "float32"  # the policy does not leak
    assert any(layer.compute_dtype == "float16" for layer in model.layers)
    assert all(w.dtype == "float32" for w in model.weights)
    images = np.random.default_rng(0).random((4, 28, 28, 1), dtype=np.float32)
    assert fitted(images).dtype == "float32"
    twin = float32_twin(model, fresh)
    assert all(layer.compute_dtype == "float32" for layer in twin.layers)
    np.testing.assert_allclose(twin(images).numpy(), fitted(images).numpy(), atol=5e-3)


@pytest.mark.slow
def test_training_with_the_speedups_forced_on_stores_a_plain_float32_model(breast, monkeypatch):
    """The GPU path (mixed precision + XLA) run on the CPU, so it cannot rot on hosts without a GPU."""
    from core.models.train import TrainConfig, train

    monkeypatch.setenv("MEDLENS_SPEEDUPS", "on")
    result = train(subset(breast, 64), TrainConfig(epochs=2, batch_size=32, min_epochs=0))
    assert all(layer.compute_dtype == "float32" for layer in result.model.layers)
    assert result.model.output.dtype == "float32" and result.epochs_run == 2
    probabilities = result.model.predict(subset(breast, 64).images("test")[:8] / 255.0, verbose=0)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)

import pytest

from tests.conftest import subset


@pytest.fixture(scope="module")
def small_breast(breast):
    """64 images per split of real BreastMNIST: enough for a fine-tuning step to run fast."""
    return subset(breast, 64)


@pytest.fixture(scope="module")
def tiny_model():
    """An untrained small CNN with a fixed seed: the methods are tested for what they do to weights."""
    from tensorflow import keras

    from core.models.architectures import build

    keras.utils.set_random_seed(0)
    return build("small_cnn", (28, 28, 1), 2)


@pytest.fixture(scope="module")
def trained_model(small_breast):
    """The small CNN after a few seeded epochs on real images: predictions with margins, not coin flips."""
    from core.models.train import TrainConfig, train

    return train(small_breast, TrainConfig(epochs=4, batch_size=32, seed=0)).model

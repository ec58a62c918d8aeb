import numpy as np
import pytest


@pytest.fixture(scope="module")
def keras_model():
    """A small untrained CNN with fixed weights: maps are tested for shape, determinism and logic."""
    from tensorflow import keras

    from core.models.architectures import build

    keras.utils.set_random_seed(1)
    return build("small_cnn", (28, 28, 1), 2)


@pytest.fixture(scope="module")
def predictor(keras_model):
    from core.explain.predictor import Predictor

    return Predictor(keras_model)


@pytest.fixture(scope="module")
def images(breast):
    return breast.images("test")[:2]


@pytest.fixture(scope="module")
def constant_predictor():
    """A model whose output ignores the image: every attribution should be (near) zero."""
    from tensorflow import keras

    from core.explain.predictor import Predictor

    inputs = keras.Input((28, 28, 1))
    zeroed = keras.layers.Conv2D(1, 3, padding="same", kernel_initializer="zeros", bias_initializer="zeros")(inputs)
    flat = keras.layers.Flatten()(zeroed)
    outputs = keras.layers.Dense(2, activation="softmax", bias_initializer=keras.initializers.Constant([0.3, -0.3]))(
        flat
    )
    return Predictor(keras.Model(inputs, outputs))


def known_answer_predictor():
    """'Probability of class 1' = mean brightness of the top-left 7x7 corner: the truth is known."""
    from tensorflow import keras

    from core.explain.predictor import Predictor

    inputs = keras.Input((28, 28, 1))
    corner = keras.layers.Cropping2D(((0, 21), (0, 21)))(inputs)
    mean = keras.layers.GlobalAveragePooling2D()(corner)
    outputs = keras.layers.Concatenate()([1.0 - mean, mean])
    return Predictor(keras.Model(inputs, outputs))


@pytest.fixture(scope="module")
def corner_predictor():
    return known_answer_predictor()


@pytest.fixture
def bright_image():
    """A dark image with a bright top-left corner: blurring (the deletion baseline) dims the corner."""
    rng = np.random.default_rng(0)
    image = (rng.random((1, 28, 28, 1)) * 20 + 10).astype(np.uint8)
    image[0, :7, :7] = 250
    return image

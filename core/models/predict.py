"""Batched inference on uint8 images, and the check that a model fits a dataset."""

import numpy as np

from core.data.dataset import Dataset, to_float
from core.errors import ModelError


def predict_proba(model, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Class probabilities (N, classes) for uint8 NHWC ``images``.

    Calls the model directly per batch: ``model.predict`` adds a tf.data round trip that
    costs more than the forward pass on MedMNIST-sized inputs.
    """
    return forward(model, images, batch_size, to_float)


def forward(model, inputs: np.ndarray, batch_size: int = 256, prepare=np.asarray) -> np.ndarray:
    """The model's outputs for ``prepare(batch)`` of each batch of ``inputs``: a Keras model (or a model built over
    one) through its ``SharedModel``, a stored TFLite file through its own interpreter."""
    from core.models.tflite import TFLiteModel
    from core.runtime.shared_model import shared

    if isinstance(model, TFLiteModel):
        return model.forward(inputs, batch_size, prepare)
    return shared(model).forward(inputs, batch_size, prepare)


def check_compatible(model, dataset: Dataset) -> None:
    """Raise ``ModelError`` when the model's input or output does not match the dataset."""
    expected_input = tuple(dataset.image_shape)
    actual_input = tuple(model.input_shape[1:])
    if actual_input != expected_input:
        raise ModelError(
            f"This model expects images of shape {actual_input}, but {dataset.title} has "
            f"{expected_input}; pick a model trained on this dataset and size."
        )
    outputs = int(model.output_shape[-1])
    if outputs != dataset.num_classes:
        raise ModelError(
            f"This model predicts {outputs} classes, but {dataset.title} has {dataset.num_classes}; "
            "pick a model trained on this dataset."
        )

"""What an explainer calls: a Keras model (every method) or a TFLite file (model-agnostic methods)."""

import hashlib

import numpy as np

from core.errors import MedLensError


class Predictor:
    """Batched probabilities for float32 NHWC inputs in [0, 1]; ``keras`` is None for a TFLite file."""

    def __init__(self, keras_model=None, tflite: bytes | None = None, name: str = "") -> None:
        from core.models.tflite import TFLiteModel

        if (keras_model is None) == (tflite is None):
            raise ValueError("give exactly one of keras_model and tflite")
        stored = keras_model if isinstance(keras_model, TFLiteModel) else None
        if stored is not None:  # a stored TFLite model: predicted through its own interpreter
            keras_model, tflite = None, stored.flatbuffer
        self.keras = keras_model
        self.tflite_bytes = tflite  # None for a Keras model: what a worker is sent to rebuild this predictor
        self.name = name
        if keras_model is not None:
            from core.keras_files import model_hash

            self.key = "k" + model_hash(keras_model)
            self.input_shape = tuple(keras_model.input_shape[1:])
            self.num_classes = int(keras_model.output_shape[-1])
            self._runner = None
        else:
            from core.models.tflite import TFLiteRunner

            self.key = "t" + hashlib.sha256(tflite).hexdigest()[:20]
            self._runner = stored.runner if stored is not None else TFLiteRunner(tflite)
            self.input_shape = tuple(int(d) for d in self._runner.input["shape"][1:])
            self.num_classes = int(self._runner.output["shape"][-1])

    def on_images(self, images: np.ndarray) -> np.ndarray:
        """Probabilities for uint8 images (H, W, C) or (N, H, W, C), as a person's pixels: one row per image."""
        images = np.asarray(images)
        batch = images[np.newaxis] if images.ndim == 3 else images
        return self(batch.astype(np.float32) / 255.0)

    def __call__(self, inputs: np.ndarray, batch_size: int = 256) -> np.ndarray:
        inputs = np.asarray(inputs, dtype=np.float32)
        if inputs.ndim == 3:  # shap and lime sometimes drop a grey channel
            inputs = inputs[..., np.newaxis]
        if self._runner is not None:
            return self._runner.predict_float(inputs, batch_size)
        from core.models.predict import forward

        return forward(self.keras, inputs, batch_size)

    def require_keras(self, method: str):
        if self.keras is None:
            raise MedLensError(f"{method} needs the model's gradients, so it needs the Keras model, not a TFLite file.")
        return self.keras

"""What the explanation sweeps (ranking, gallery, bench) hand each trial: the model and the images, shipped to a
Ray worker once as bytes, or the caller's own ``Predictor`` when the trials run in this process."""

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from core.compute.config import ComputeConfig
from core.compute.payload import ModelPayload
from core.explain.predictor import Predictor


@dataclass(frozen=True)
class ExplainInputs:
    model: Any  # Predictor (local) or (ModelPayload | bytes of a TFLite file, name) for a worker
    picks: np.ndarray  # uint8 images
    targets: np.ndarray | None
    background: np.ndarray | None
    seed: int

    def predictor(self) -> Predictor:
        if isinstance(self.model, Predictor):
            return self.model
        model, name = self.model
        if isinstance(model, ModelPayload):
            return Predictor(model.load(), name=name)
        return Predictor(tflite=model, name=name)

    def shipped(self) -> "ExplainInputs":
        """The same inputs with the model as bytes, for the object store."""
        predictor = self.predictor()
        model = ModelPayload.from_model(predictor.keras) if predictor.keras is not None else predictor.tflite_bytes
        return replace(self, model=(model, predictor.name))

    def for_executor(self, compute: ComputeConfig) -> "ExplainInputs":
        return self if compute.executor == "local" else self.shipped()

"""``Explanation`` and the registry every attribution method goes through."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.params import Param, validate
from core.registry import Registry


@dataclass(frozen=True)
class Explanation:
    method: str
    targets: np.ndarray  # (N,) the class each map explains
    maps: np.ndarray  # (N, H, W) float32; positive = evidence for the target class
    params: dict[str, Any]
    seconds: float
    extras: dict[str, np.ndarray] = field(default_factory=dict)  # e.g. LIME's superpixel labels


@dataclass(frozen=True)
class ExplainContext:
    seed: int = 0
    background: np.ndarray | None = None  # float32 NHWC reference images (a seeded training sample)


MethodFn = Callable[..., tuple[np.ndarray, dict[str, np.ndarray]]]
"""fn(predictor, inputs float32 NHWC, targets (N,), params, context) -> (maps (N, H, W), extras)"""


@dataclass(frozen=True)
class ExplainMethod:
    name: str
    title: str
    params: tuple[Param, ...]
    fn: MethodFn
    needs_gradients: bool
    note: str  # what it answers and how it fails, in plain words
    # Whether concurrent requests may share one computation: only where an image's map does not depend on the
    # other images of the batch (no random draws shared across it); a function of the settings where that varies.
    batchable: bool | Callable[[dict[str, Any]], bool] = False

    def validate(self, params: dict[str, Any] | None) -> dict[str, Any]:
        return validate(self.title, self.params, params, word="setting")

    def batches(self, settings: dict[str, Any]) -> bool:
        return self.batchable(settings) if callable(self.batchable) else self.batchable


METHODS: Registry[ExplainMethod] = Registry("explanation method")


register = METHODS.register

"""``Explanation`` and the registry every attribution method goes through."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.errors import MedLensError
from core.params import Param
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

    def validate(self, params: dict[str, Any] | None) -> dict[str, Any]:
        params = dict(params or {})
        known = {p.name: p for p in self.params}
        unknown = sorted(set(params) - set(known))
        if unknown:
            settings = ", ".join(known) or "none"
            raise MedLensError(f"{self.title} has no setting {', '.join(unknown)}; it has {settings}.")
        return {name: spec.check(self.title, params.get(name, spec.default)) for name, spec in known.items()}


METHODS: Registry[ExplainMethod] = Registry("explanation method")


def register(method: ExplainMethod) -> ExplainMethod:
    METHODS.add(method.name, method.title)(method)
    return method

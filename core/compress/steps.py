"""The registry of compression steps and the parameter specs the UI builds sliders from.

A step is either a *model step* (Keras model in, Keras model out: prune, cluster,
low-rank, QAT) or the *export step* that ends every recipe (TFLite conversion with a
quantization mode). Parameters are described once here; recipes are validated against
these specs and the page draws its widgets from them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.errors import MedLensError
from core.registry import Registry


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # "int", "float", "choice" or "bool"
    default: Any
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    help: str = ""

    def check(self, step: str, value: Any) -> Any:
        """The value, converted to the spec's type, or a ``MedLensError`` naming step and field."""
        where = f"step {step!r}, field {self.name!r}"
        try:
            if self.kind == "int":
                if isinstance(value, bool) or float(value) != int(value):
                    raise ValueError
                value = int(value)
            elif self.kind == "float":
                value = float(value)
            elif self.kind == "bool" and not isinstance(value, bool):
                raise ValueError
        except (TypeError, ValueError):
            raise MedLensError(f"Recipe {where}: {value!r} is not a valid {self.kind}.") from None
        if self.kind == "choice" and value not in self.choices:
            raise MedLensError(f"Recipe {where}: {value!r} is not one of {', '.join(self.choices)}.")
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            raise MedLensError(f"Recipe {where}: {value} is outside [{self.low}, {self.high}].")
        return value


@dataclass(frozen=True)
class StepKind:
    name: str
    title: str
    params: tuple[Param, ...]
    apply: Callable[..., Any]  # model steps: (model, dataset, params, context) -> model
    export: bool = False  # True for the TFLite export step that ends a recipe
    note: str = ""  # plain-words teaching text: what it does, what it costs

    def validate(self, params: dict[str, Any]) -> dict[str, Any]:
        known = {p.name: p for p in self.params}
        unknown = sorted(set(params) - set(known))
        if unknown:
            raise MedLensError(
                f"Recipe step {self.name!r} has unknown field(s) {', '.join(unknown)}; known: {', '.join(known)}."
            )
        return {name: spec.check(self.name, params.get(name, spec.default)) for name, spec in known.items()}


STEPS: Registry[StepKind] = Registry("compression step")


def register(kind: StepKind) -> StepKind:
    STEPS.add(kind.name, kind.title)(kind)
    return kind

"""The registry of compression steps and the parameter specs the UI builds sliders from.

A step is either a *model step* (Keras model in, Keras model out: prune, cluster,
low-rank, QAT) or the *export step* that ends every recipe (TFLite conversion with a
quantization mode). Parameters are described once here; recipes are validated against
these specs and the page draws its widgets from them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.params import Param, validate
from core.registry import Registry


@dataclass(frozen=True)
class StepKind:
    name: str
    title: str
    params: tuple[Param, ...]
    apply: Callable[..., Any]  # model steps: (model, dataset, params, context) -> model
    export: bool = False  # True for the TFLite export step that ends a recipe
    note: str = ""  # plain-words teaching text: what it does, what it costs
    export_modes: tuple[str, ...] = ()  # the exports this step can be followed by, preferred first; () = any

    def exports(self, all_modes: tuple[str, ...]) -> tuple[str, ...]:
        """The export modes that may follow this step, the default first."""
        return self.export_modes or all_modes

    def validate(self, params: dict[str, Any]) -> dict[str, Any]:
        return validate(f"Recipe step {self.name!r}", self.params, params)


STEPS: Registry[StepKind] = Registry("compression step")


register = STEPS.register


def model_steps() -> list[StepKind]:
    """The steps that change a model (everything but the export), in registration order."""
    return [kind for kind in STEPS.values() if not kind.export]

"""Recipes: ordered compression steps, saved as JSON, validated against the step registry.

Every fine-tune distils from the original model unless a step sets ``distill`` to 0 (``core.compress.finetune``).
The order follows tfmot's collaborative optimisation: prune, then cluster (keeping the
zeros), then quantization-aware training, then export. A recipe without an export
step is exported as float32 TFLite, so every result is measured on a TFLite file.
"""

import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

import core.compress.channels
import core.compress.cluster
import core.compress.lowrank
import core.compress.prune
import core.compress.quantize  # noqa: F401  (each module registers its steps)
from core.compress.steps import STEPS
from core.errors import MedLensError
from core.registry import Registry
from core.steplist import StepList


@dataclass(frozen=True)
class Step:
    kind: str
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in STEPS:
            raise MedLensError(f"Unknown compression step {self.kind!r}; known: {', '.join(STEPS.names)}.")
        object.__setattr__(self, "params", STEPS.get(self.kind).validate(dict(self.params)))

    def __hash__(self) -> int:
        return hash((self.kind, json.dumps(self.params, sort_keys=True)))

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "params": self.params}


@dataclass(frozen=True)
class Recipe(StepList):
    noun: ClassVar[str] = "recipe"
    step_field: ClassVar[str] = "kind"
    name: str
    steps: tuple[Step, ...]

    def __post_init__(self) -> None:
        steps = tuple(self.steps)
        if not steps or not STEPS.get(steps[-1].kind).export:
            steps = (*steps, Step("export"))
        exports = [i for i, step in enumerate(steps) if STEPS.get(step.kind).export]
        if exports != [len(steps) - 1]:
            raise MedLensError(f"Recipe {self.name!r}: 'export' must come once, as the last step.")
        qat = [i for i, step in enumerate(steps) if step.kind == "qat"]
        allowed = STEPS.get("qat").export_modes
        if qat and (qat[-1] != len(steps) - 2 or steps[-1].params["mode"] not in allowed):
            raise MedLensError(f"Recipe {self.name!r}: 'qat' must come right before an {' or '.join(allowed)} export.")
        object.__setattr__(self, "steps", steps)

    @property
    def export_mode(self) -> str:
        return self.steps[-1].params["mode"]

    @classmethod
    def step_names(cls) -> list[str]:
        return STEPS.names

    @classmethod
    def step_from(cls, raw: dict[str, Any], params: dict[str, Any]) -> Step:
        return Step(raw["kind"], params)

    @classmethod
    def presets(cls) -> "Registry[Recipe]":
        return BUILTIN


BUILTIN: Registry[Recipe] = Registry("built-in recipe")


def _recipe(name: str, *steps: tuple[str, dict[str, Any]]) -> None:
    recipe = Recipe(name, tuple(Step(kind, params) for kind, params in steps))
    BUILTIN.add(name, describe(recipe))(recipe)


DESCRIBED = ("sparsity", "pattern", "clusters", "energy", "mode", "distill")


def describe(recipe: Recipe) -> str:
    """A recipe in plain words, from its steps: "prune (sparsity 0.8) → cluster (clusters 16) → export int8"."""
    parts = []
    for step in recipe.steps:
        shown = {k: v for k, v in step.params.items() if k in DESCRIBED}
        detail = ", ".join(f"{k} {v}" for k, v in shown.items())
        parts.append(f"{step.kind} ({detail})" if detail else step.kind)
    return " → ".join(parts)


_recipe("float32")
_recipe("dynamic", ("export", {"mode": "dynamic"}))
_recipe("float16", ("export", {"mode": "float16"}))
_recipe("int8", ("export", {"mode": "int8"}))
_recipe("prune50", ("prune", {"sparsity": 0.5}))
_recipe("prune80", ("prune", {"sparsity": 0.8, "epochs": 6}))
_recipe("prune24", ("prune", {"pattern": "2:4"}))
_recipe("cluster16", ("cluster", {"clusters": 16, "preserve_sparsity": False}))
_recipe("lowrank", ("lowrank", {"energy": 0.9}))
_recipe("qat-int8", ("qat", {}), ("export", {"mode": "int8"}))
# The headline recipe keeps the diagnosis: both fine-tunes distil from the original (weight 0.7, T = 2), and
# the shared values get six epochs to settle (bench/compress.py measures it against plain fine-tuning).
_recipe(
    "prune80-cluster16-int8",
    ("prune", {"sparsity": 0.8, "epochs": 6}),
    ("cluster", {"clusters": 16, "preserve_sparsity": True, "epochs": 6}),
    ("export", {"mode": "int8"}),
)
_recipe(
    "prune80-cluster16-qat-int8",
    ("prune", {"sparsity": 0.8, "epochs": 6}),
    ("cluster", {"clusters": 16, "preserve_sparsity": True, "epochs": 6}),
    ("qat", {"preserve": "clusters"}),
    ("export", {"mode": "int8"}),
)


def resolve(name_or_path: str) -> Recipe:
    """A built-in recipe by name, or a recipe read from a JSON file."""
    return Recipe.load(name_or_path)

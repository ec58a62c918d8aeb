"""Recipes: ordered compression steps, saved as JSON, validated against the step registry.

The order follows tfmot's collaborative optimisation: prune, then cluster (keeping the
zeros), then quantization-aware training, then export. A recipe without an export
step is exported as float32 TFLite, so every result is measured on a TFLite file.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import core.compress.cluster
import core.compress.lowrank
import core.compress.prune
import core.compress.quantize  # noqa: F401  (each module registers its steps)
from core.compress.steps import STEPS
from core.errors import MedLensError
from core.storage import atomic_write


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


@dataclass(frozen=True)
class Recipe:
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
        if qat and (qat[-1] != len(steps) - 2 or steps[-1].params["mode"] not in ("int8", "dynamic")):
            raise MedLensError(f"Recipe {self.name!r}: 'qat' must come right before an int8 or dynamic export.")
        object.__setattr__(self, "steps", steps)

    @property
    def export_mode(self) -> str:
        return self.steps[-1].params["mode"]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "steps": [{"kind": s.kind, "params": s.params} for s in self.steps]}

    def key(self) -> str:
        """Identity of what the recipe does (its name aside), for caching."""
        return json.dumps(self.to_dict()["steps"], sort_keys=True)

    @classmethod
    def from_dict(cls, data: Any) -> "Recipe":
        if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
            raise MedLensError('A recipe is a JSON object with "name" and a list of "steps".')
        steps = []
        for index, raw in enumerate(data["steps"]):
            if not isinstance(raw, dict) or "kind" not in raw:
                raise MedLensError(f'Recipe step {index + 1} needs a "kind" (one of {", ".join(STEPS.names)}).')
            params = raw.get("params", {})
            if not isinstance(params, dict):
                raise MedLensError(f'Recipe step {index + 1}: "params" must be an object.')
            steps.append(Step(raw["kind"], params))
        return cls(str(data.get("name") or "custom"), tuple(steps))

    @classmethod
    def from_json(cls, text: str) -> "Recipe":
        try:
            return cls.from_dict(json.loads(text))
        except json.JSONDecodeError as error:
            raise MedLensError(f"The recipe is not valid JSON: {error}.") from error

    def save(self, path: Path) -> None:
        atomic_write(Path(path), json.dumps(self.to_dict(), indent=2))


def _recipe(name: str, *steps: tuple[str, dict[str, Any]]) -> Recipe:
    return Recipe(name, tuple(Step(kind, params) for kind, params in steps))


BUILTIN: dict[str, Recipe] = {
    r.name: r
    for r in (
        _recipe("float32"),
        _recipe("dynamic", ("export", {"mode": "dynamic"})),
        _recipe("float16", ("export", {"mode": "float16"})),
        _recipe("int8", ("export", {"mode": "int8"})),
        _recipe("prune50", ("prune", {"sparsity": 0.5})),
        _recipe("prune80", ("prune", {"sparsity": 0.8, "epochs": 6})),
        _recipe("prune24", ("prune", {"pattern": "2:4"})),
        _recipe("cluster16", ("cluster", {"clusters": 16, "preserve_sparsity": False})),
        _recipe("lowrank", ("lowrank", {"energy": 0.9})),
        _recipe("qat-int8", ("qat", {}), ("export", {"mode": "int8"})),
        _recipe(
            "prune80-cluster16-int8",
            ("prune", {"sparsity": 0.8, "epochs": 6}),
            ("cluster", {"clusters": 16, "preserve_sparsity": True}),
            ("export", {"mode": "int8"}),
        ),
        _recipe(
            "prune80-cluster16-qat-int8",
            ("prune", {"sparsity": 0.8, "epochs": 6}),
            ("cluster", {"clusters": 16, "preserve_sparsity": True}),
            ("qat", {"preserve": "clusters"}),
            ("export", {"mode": "int8"}),
        ),
    )
}


def resolve(name_or_path: str) -> Recipe:
    """A built-in recipe by name, or a recipe read from a JSON file."""
    if name_or_path in BUILTIN:
        return BUILTIN[name_or_path]
    path = Path(name_or_path)
    if path.suffix == ".json" and path.is_file():
        return Recipe.from_json(path.read_text(encoding="utf-8"))
    raise MedLensError(f"No recipe {name_or_path!r}: give a JSON file or one of {', '.join(BUILTIN)}.")

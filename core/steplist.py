"""One model for "a named list of validated steps": augmentation pipelines and compression recipes alike.

A subclass is a frozen dataclass with ``name`` and ``steps``; it says what its steps are called in JSON
(``step_field``), how one step is built from its JSON object (``step_from``) and where its named presets
live (``presets``). Loading, saving, JSON round trips, cache keys and every refusal are written once here.
"""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Self

from core.errors import MedLensError
from core.storage import atomic_write


class StepList:
    noun: ClassVar[str]  # "pipeline", "recipe": how a person calls one
    step_field: ClassVar[str]  # "op", "kind": the JSON field naming a step's registered component
    name: str
    steps: tuple

    @classmethod
    def step_names(cls) -> list[str]:
        """The registered components a step may name (for the refusal of a step without one)."""
        raise NotImplementedError

    @classmethod
    def step_from(cls, raw: dict[str, Any], params: dict[str, Any]) -> Any:
        """One validated step from its JSON object (``params`` already checked to be an object)."""
        raise NotImplementedError

    @classmethod
    def presets(cls) -> Mapping[str, Self]:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "steps": [step.to_dict() for step in self.steps]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def key(self) -> str:
        """Identity of what the steps do (the name aside), for caching."""
        return json.dumps(self.to_dict()["steps"], sort_keys=True)

    def save(self, path: Path) -> None:
        atomic_write(Path(path), self.to_json())

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
            raise MedLensError(f'A {cls.noun} is a JSON object with a "name" and a list of "steps".')
        steps = []
        for index, raw in enumerate(data["steps"]):
            what = f"{cls.noun.capitalize()} step {index + 1}"
            if not isinstance(raw, dict) or cls.step_field not in raw:
                article = "an" if cls.step_field[0] in "aeiou" else "a"
                raise MedLensError(f'{what} needs {article} "{cls.step_field}" (one of {", ".join(cls.step_names())}).')
            params = raw.get("params", {})
            if not isinstance(params, dict):
                raise MedLensError(f'{what} ({raw[cls.step_field]}): "params" must be an object.')
            steps.append(cls.step_from(raw, params))
        return cls(str(data.get("name") or "custom"), tuple(steps))  # type: ignore[call-arg]

    @classmethod
    def from_json(cls, text: str) -> Self:
        try:
            return cls.from_dict(json.loads(text))
        except json.JSONDecodeError as error:
            raise MedLensError(f"The {cls.noun} is not valid JSON: {error}.") from error

    @classmethod
    def load(cls, name_or_path: str | Path) -> Self:
        """A preset by name, or a JSON file."""
        presets = cls.presets()
        if str(name_or_path) in presets:
            return presets[str(name_or_path)]
        path = Path(name_or_path)
        if path.is_file():
            return cls.from_json(path.read_text(encoding="utf-8"))
        raise MedLensError(
            f"No {cls.noun} {str(name_or_path)!r}. No {cls.noun} file by that name either; give a JSON file or "
            f"one of: {', '.join(presets)}."
        )

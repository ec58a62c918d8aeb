"""Parameter specs: described once, validated in ``core``, drawn as widgets by the pages."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from core.errors import MedLensError


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # "int", "float", "choice", "bool" or "text"
    default: Any
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    help: str = ""
    scale: str = "linear"  # "log" for quantities that span decades (learning rates): drawn as an exponent field

    def __post_init__(self) -> None:
        if self.scale not in ("linear", "log"):
            raise ValueError(f"Param {self.name!r}: scale must be 'linear' or 'log', not {self.scale!r}")
        if self.scale == "log" and not (self.low and self.low > 0):
            raise ValueError(f"Param {self.name!r}: a log scale needs a positive lower bound")

    def check(self, owner: str, value: Any) -> Any:
        """The value, converted to the spec's type, or a ``MedLensError`` naming owner and field."""
        where = f"{owner}, field {self.name!r}"
        try:
            if self.kind == "int":
                if isinstance(value, bool) or float(value) != int(value):
                    raise ValueError
                value = int(value)
            elif self.kind == "float":
                value = float(value)
            elif self.kind == "bool" and not isinstance(value, bool):
                raise ValueError
            elif self.kind == "text":
                value = str(value)
        except (TypeError, ValueError):
            raise MedLensError(f"{where}: {value!r} is not a valid {self.kind}.") from None
        if self.kind == "choice" and value not in self.choices:
            raise MedLensError(f"{where}: {value!r} is not one of {', '.join(self.choices)}.")
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            raise MedLensError(f"{where}: {value} is outside [{self.low}, {self.high}].")
        return value


def validate(owner: str, specs: Iterable[Param], values: dict[str, Any] | None, word: str = "field") -> dict[str, Any]:
    """``values`` checked against ``specs``, defaults filled in; an unknown name or a bad value is a
    ``MedLensError`` naming ``owner`` and the field, as every registry's components report them."""
    values = dict(values or {})
    known = {spec.name: spec for spec in specs}
    unknown = sorted(set(values) - set(known))
    if unknown:
        names = ", ".join(map(str, unknown))
        raise MedLensError(
            f"{owner} has no {word} {names} (unknown {word}: {names}); its {word}s: {', '.join(known) or 'none'}."
        )
    return {name: spec.check(owner, values.get(name, spec.default)) for name, spec in known.items()}

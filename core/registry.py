"""A named store of components with plain-words descriptions.

The UI takes its choices and help texts from a registry, so adding an
architecture (or later an augmentation or explainer) touches ``core`` only.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from core.errors import MedLensError

T = TypeVar("T")


@dataclass(frozen=True)
class Entry(Generic[T]):
    name: str
    description: str
    item: T


class Registry(Generic[T]):
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Entry[T]] = {}

    def add(self, name: str, description: str) -> Callable[[T], T]:
        """Decorator registering ``item`` under ``name``; names are unique."""

        def register(item: T) -> T:
            if name in self._entries:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self._entries[name] = Entry(name, description, item)
            return item

        return register

    def register(self, item: T) -> T:
        """Register a component that carries its own ``name`` and a ``description`` (or a ``title``)."""
        description = getattr(item, "description", None) or getattr(item, "title", "")
        return self.add(item.name, description)(item)

    def get(self, name: str) -> T:
        return self.entry(name).item

    def entry(self, name: str) -> Entry[T]:
        if name not in self._entries:
            known = ", ".join(self.names)
            raise MedLensError(f"Unknown {self.kind} {name!r}; choose one of: {known}.")
        return self._entries[name]

    @property
    def names(self) -> list[str]:
        return list(self._entries)

    def entries(self) -> list[Entry[T]]:
        """Every registration with its name and description, in registration order."""
        return list(self._entries.values())

    # Read like a mapping of name -> item (``registry[name]``, ``in``, ``values()``), as the dicts it replaced.
    def __getitem__(self, name: str) -> T:
        return self.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def keys(self) -> list[str]:
        return self.names

    def values(self) -> list[T]:
        return [entry.item for entry in self._entries.values()]

    def items(self) -> list[tuple[str, T]]:
        return [(name, entry.item) for name, entry in self._entries.items()]

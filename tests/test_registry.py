import pytest

from core.errors import MedLensError
from core.registry import Registry


def test_registry_lists_gets_and_refuses_unknown_and_duplicates():
    registry: Registry[int] = Registry("thing")
    registry.add("one", "the first")(1)
    registry.add("two", "the second")(2)
    assert registry.names == ["one", "two"]
    assert registry.get("two") == 2
    assert "one" in registry and "three" not in registry
    assert [entry.description for entry in registry.entries()] == ["the first", "the second"]
    with pytest.raises(MedLensError, match="Unknown thing 'three'; choose one of: one, two"):
        registry.get("three")
    with pytest.raises(ValueError, match="registered twice"):
        registry.add("one", "again")(3)


def test_a_registry_reads_like_the_mapping_it_replaced_and_registers_components():
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Thing:
        name: str
        title: str

    registry: Registry[Thing] = Registry("thing")
    first = registry.register(Thing("a", "The A"))
    registry.register(Thing("b", "The B"))
    assert registry["a"] is first and list(registry) == ["a", "b"] and len(registry) == 2
    assert registry.values()[1].title == "The B" and dict(registry.items())["a"] is first
    assert registry.entries()[0].description == "The A"
    with pytest.raises(MedLensError, match="Unknown thing 'c'"):
        registry["c"]

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
    assert [entry.description for entry in registry] == ["the first", "the second"]
    with pytest.raises(MedLensError, match="Unknown thing 'three'; choose one of: one, two"):
        registry.get("three")
    with pytest.raises(ValueError, match="registered twice"):
        registry.add("one", "again")(3)

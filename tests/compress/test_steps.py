import pytest

from core.compress.recipe import Step
from core.compress.steps import STEPS
from core.errors import MedLensError
from core.params import Param


def test_params_are_converted_and_range_checked_naming_step_and_field():
    spec = Param("clusters", "int", 16, 2, 256)
    assert spec.check("Recipe step 'cluster'", 8.0) == 8
    with pytest.raises(MedLensError, match=r"step 'cluster', field 'clusters': 1 is outside \[2, 256\]"):
        spec.check("Recipe step 'cluster'", 1)
    with pytest.raises(MedLensError, match="'many' is not a valid int"):
        spec.check("Recipe step 'cluster'", "many")
    with pytest.raises(MedLensError, match="is not one of constant, polynomial"):
        Param("schedule", "choice", "constant", choices=("constant", "polynomial")).check("x", "cubic")
    with pytest.raises(MedLensError, match="not a valid bool"):
        Param("flag", "bool", False).check("x", "yes")


def test_every_step_has_valid_defaults_and_a_note():
    assert {"prune", "cluster", "lowrank", "qat", "export"} <= set(STEPS.names)
    for kind in STEPS.entries():
        assert kind.item.note, kind.name
        Step(kind.name)  # defaults validate


def test_unknown_fields_are_refused():
    with pytest.raises(MedLensError, match=r"unknown field.*sparsty"):
        Step("prune", {"sparsty": 0.5})

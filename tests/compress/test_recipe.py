import json

import pytest

from core.compress.recipe import BUILTIN, Recipe, Step, resolve
from core.errors import MedLensError

REQUIRED = {"dynamic", "float16", "int8", "prune50", "prune80", "cluster16", "lowrank", "prune80-cluster16-int8"}


def test_builtin_recipes_include_the_named_ones_and_round_trip_as_json(tmp_path):
    assert set(BUILTIN) >= REQUIRED
    for recipe in BUILTIN.values():
        path = tmp_path / f"{recipe.name}.json"
        recipe.save(path)
        again = resolve(str(path))
        assert again == recipe and again.key() == recipe.key()


def test_a_recipe_without_export_is_exported_as_float32():
    recipe = Recipe("p", (Step("prune", {"sparsity": 0.3}),))
    assert [s.kind for s in recipe.steps] == ["prune", "export"] and recipe.export_mode == "float32"


def test_collaborative_order_is_kept():
    names = [s.kind for s in BUILTIN["prune80-cluster16-qat-int8"].steps]
    assert names == ["prune", "cluster", "qat", "export"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "x", "steps": [{"kind": "shrink"}]}, "Unknown compression step 'shrink'"),
        ({"name": "x", "steps": [{"kind": "export"}, {"kind": "prune"}]}, "'export' must come once, as the last step"),
        (
            {"name": "x", "steps": [{"kind": "qat"}, {"kind": "export", "params": {"mode": "float16"}}]},
            "'qat' must come",
        ),
        ({"name": "x", "steps": [{"params": {}}]}, 'needs a "kind"'),
        ({"name": "x", "steps": "prune"}, "list of"),
        ({"name": "x", "steps": [{"kind": "prune", "params": {"sparsity": 1.5}}]}, "field 'sparsity'"),
    ],
)
def test_invalid_recipes_are_refused_clearly(data, message):
    with pytest.raises(MedLensError, match=message):
        Recipe.from_json(json.dumps(data))


def test_bad_json_and_unknown_names_are_clear(tmp_path):
    with pytest.raises(MedLensError, match="not valid JSON"):
        Recipe.from_json("{nope")
    with pytest.raises(MedLensError, match="No recipe 'prune99'"):
        resolve("prune99")

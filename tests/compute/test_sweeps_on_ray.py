"""Each sweep on a local 2-worker Ray cluster against the local path: same seed, same results, written to this
process's store and cache the same way."""

import json
import shutil

import pytest

from core.compute.config import ComputeConfig
from tests.conftest import subset

pytestmark = [pytest.mark.slow, pytest.mark.ray]
LOCAL = ComputeConfig()


def _figures(found) -> list[tuple]:
    """What a search decides on (latency aside: it is timed on whichever machine ran the trial)."""
    return [
        (
            c.recipe.name,
            c.measurement.bytes,
            c.measurement.test_accuracy,
            c.measurement.test_auc,
            c.measurement.agreement,
        )
        for c in found.candidates
    ]


def test_a_compression_search_finds_the_same_front_on_ray(ray_cluster, breast, tmp_path, monkeypatch):
    from tensorflow import keras

    from core.compress.run import Compressor
    from core.compress.search import SearchConfig, search
    from core.models.architectures import build

    keras.utils.set_random_seed(0)
    model, small = build("small_cnn", (28, 28, 1), 2), subset(breast, 64)
    found = {}
    for name, compute in (("local", LOCAL), ("ray", ray_cluster)):
        monkeypatch.setenv("MEDLENS_HOME", str(tmp_path / name))
        seen = []
        found[name] = search(
            Compressor(model, small),
            SearchConfig(budget=4),
            compute=compute,
            on_progress=lambda f, m, seen=seen: seen.append(f),
        )
        assert seen[-1] == 1.0
        assert all(c.artifact.is_file() and str(tmp_path / name) in str(c.artifact) for c in found[name].candidates)
    assert _figures(found["ray"]) == _figures(found["local"])
    assert [c.recipe.name for c in found["ray"].front] == [c.recipe.name for c in found["local"].front]
    assert found["ray"].verdict.split(":")[0] == found["local"].verdict.split(":")[0]
    # a repeated search on ray reads the cache its first run wrote
    again = search(Compressor(model, small), SearchConfig(budget=4), compute=ray_cluster)
    assert _figures(again) == _figures(found["ray"])


def test_a_label_efficiency_curve_gives_the_same_runs_on_ray(ray_cluster, breast, tmp_path, monkeypatch):
    from core.augment.efficiency import EfficiencyConfig, experiment_folder, run_experiment
    from core.augment.pipeline import PRESETS

    small, config = subset(breast, 64), EfficiencyConfig(fractions=(0.5, 1.0), seeds=1, epochs=1)
    rows, records = {}, {}
    for name, compute in (("local", LOCAL), ("ray", ray_cluster)):
        monkeypatch.setenv("MEDLENS_HOME", str(tmp_path / name))
        rows[name] = run_experiment(small, PRESETS["chest_xray"], config, compute=compute)
        folder = experiment_folder(small, PRESETS["chest_xray"], config)
        records[name] = {p.name: json.loads(p.read_text()) for p in folder.glob("*.json")}
    assert len(records["ray"]) == 4 and records["ray"] == records["local"]
    assert rows["ray"] == rows["local"]


def test_one_recipe_measured_on_ray_lands_in_this_process_cache(ray_cluster, breast, tmp_path, monkeypatch):
    from tensorflow import keras

    from core.compress.recipe import BUILTIN
    from core.compress.run import Compressor
    from core.compress.search import measure_one
    from core.models.architectures import build

    monkeypatch.setenv("MEDLENS_HOME", str(tmp_path))
    keras.utils.set_random_seed(0)
    compressor = Compressor(build("small_cnn", (28, 28, 1), 2), subset(breast, 64))
    result = measure_one(compressor, BUILTIN["int8"], compute=ray_cluster)
    assert result.artifact.is_file() and str(tmp_path) in str(result.artifact)
    assert compressor.cached(BUILTIN["int8"]) == result


def test_the_ranking_and_a_gallery_give_the_same_answers_on_ray(ray_cluster, breast):
    import numpy as np
    from tensorflow import keras

    from core.explain.per_image import explain_batch
    from core.explain.predictor import Predictor
    from core.explain.ranking import rank_methods
    from core.models.architectures import build

    keras.utils.set_random_seed(0)
    predictor, images = Predictor(build("small_cnn", (28, 28, 1), 2)), breast.images("test")[:3]
    methods = ["gradcam", "occlusion", "shap_deep"]
    local = rank_methods(predictor, images, methods, seed=0, compute=LOCAL)
    assert rank_methods(predictor, images, methods, seed=0, compute=ray_cluster) == local
    maps = explain_batch(predictor, images, None, "gradcam", {}, 0, compute=ray_cluster)
    np.testing.assert_allclose(maps, explain_batch(predictor, images, None, "gradcam", {}, 0), atol=1e-6)


def test_the_cli_runs_a_search_on_a_ray_cluster_it_starts(medlens_home):
    """End to end through a fresh process: `--executor ray --workers 2` starts a local cluster, runs the trials
    there and writes the same candidates into the store's cache as `--executor local`."""
    from tests.conftest import store_untrained
    from tests.helpers import last_json, run_cli

    model, found = store_untrained("breastmnist").id, {}
    for name in ("ray", "local"):  # each in its own copy of the store, so neither reads the other's cache
        shutil.copytree(medlens_home / "models", medlens_home / name / "models")
        args = ["compress", "search", "--model", model, "--budget", "2", "--executor", name, "--workers", "2"]
        found[name] = last_json(run_cli(*args, "--quiet", "--json", home=medlens_home / name))
    assert [c["recipe"] for c in found["ray"]["candidates"]] == ["int8", "float16"]
    assert (found["ray"]["executor"], found["ray"]["workers"]) == ("ray", 2)  # the result says where it ran
    assert (found["local"]["executor"], found["local"]["workers"]) == ("local", 1)
    assert all(str(medlens_home / "ray") in c["artifact"] for c in found["ray"]["candidates"])
    keys = ("recipe", "bytes", "test_accuracy", "test_auc", "agreement")
    assert [[c[k] for k in keys] for c in found["ray"]["candidates"]] == [
        [c[k] for k in keys] for c in found["local"]["candidates"]
    ]

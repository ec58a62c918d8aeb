"""Running recipes through the cache, the Pareto front and the recommendation."""

import json
from dataclasses import replace

import pytest

from core.compress import run as run_module
from core.compress.measure import Measurement
from core.compress.recipe import BUILTIN, Recipe, Step
from core.compress.run import CompressionResult, Compressor
from core.compress.search import SearchConfig, pareto_front, recommend, search
from core.errors import MedLensError


def test_a_recipe_is_measured_on_its_file_and_cached(tiny_model, small_breast, medlens_home, monkeypatch):
    compressor = Compressor(tiny_model, small_breast)
    result = compressor.run(BUILTIN["int8"])
    assert result.artifact.is_file() and result.measurement.bytes == result.artifact.stat().st_size
    assert result.size_ratio > 3.5 and result.baseline.bytes > result.measurement.bytes
    assert 0.0 <= result.measurement.agreement <= 1.0 and result.measurement.latency_ms > 0
    assert result.keras_artifact is None  # export-only: the Keras model is the original
    summary = result.summary()
    for key in ("recipe", "artifact", "bytes", "gzip_bytes", "float_tflite_bytes", "size_ratio", "test_accuracy",
                "baseline_accuracy", "accuracy_drop", "test_auc", "latency_ms", "agreement"):  # fmt: skip
        assert key in summary
    json.dumps(summary)
    assert str(medlens_home) in summary["artifact"]
    # judged as a clinician would: its own operating point and figures with CIs, and the calls that changed
    assert {"operating_point", "sensitivity_at_specificity", "ece", "temperature", "net_benefit"} <= set(summary)
    flips = summary["decision_flips"]
    assert flips["count"] == len(flips["indices"]) and 0.0 <= flips["share"] <= 1.0
    assert len(result.measurement.calls) == len(small_breast.labels("test"))
    changed = [
        i for i, (a, b) in enumerate(zip(result.measurement.calls, result.baseline.calls, strict=True)) if a != b
    ]
    assert flips["indices"] == changed

    def fail(*args, **kwargs):
        raise AssertionError("recomputed a cached recipe")

    monkeypatch.setattr(run_module, "measure", fail)
    again = Compressor(tiny_model, small_breast).run(BUILTIN["int8"])
    assert again.measurement == result.measurement and again.artifact == result.artifact
    assert [r.recipe.name for r in compressor.all_cached()] == ["int8"]
    # measured by other compression code: not served as today's result
    monkeypatch.setattr(run_module, "code_fingerprint", lambda: "0" * 16)
    assert compressor.cached(BUILTIN["int8"]) is None and compressor.all_cached() == []


def test_the_code_fingerprint_follows_the_compression_sources(tmp_path):
    (tmp_path / "steps.py").write_text("SPARSITY = 0.8\n")
    before = run_module.code_fingerprint(tmp_path)
    (tmp_path / "steps.py").write_text("SPARSITY = 0.9\n")
    run_module.code_fingerprint.cache_clear()
    assert run_module.code_fingerprint(tmp_path) != before and len(before) == 16
    assert run_module.recipe_hash(BUILTIN["int8"], 0) != run_module.recipe_hash(BUILTIN["int8"], 1)


@pytest.mark.slow
def test_model_steps_keep_a_keras_artifact(tiny_model, small_breast):
    recipe = Recipe("p", (Step("prune", {"sparsity": 0.5, "schedule": "constant", "epochs": 1}),))
    result = Compressor(tiny_model, small_breast).run(recipe)
    assert result.keras_artifact is not None and result.keras_artifact.is_file()
    assert result.measurement.nonzero_params < result.measurement.params


def test_a_model_for_another_dataset_is_refused(small_breast):
    from core.errors import ModelError
    from core.models.architectures import build

    with pytest.raises(ModelError, match="expects images"):
        Compressor(build("small_cnn", (28, 28, 3), 2), small_breast)


def fake(name: str, size: int, accuracy: float) -> CompressionResult:
    base = Measurement(1000, 900, 10, 10, 0.90, 0.95, 1.0, 1.0)
    measured = replace(base, bytes=size, gzip_bytes=size, test_accuracy=accuracy)
    return CompressionResult(BUILTIN["int8"].__class__(name, BUILTIN["int8"].steps), "h", None, None, measured, base)


def test_pareto_front_and_recommendation_on_known_points():
    points = [
        fake("a", 500, 0.90),
        fake("b", 300, 0.89),
        fake("c", 400, 0.88),
        fake("d", 80, 0.85),
        fake("e", 100, 0.895),
    ]
    assert [r.recipe.name for r in pareto_front(points)] == ["d", "e", "a"]
    chosen, verdict = recommend(points, SearchConfig(max_drop=0.01, target_ratio=5))
    assert chosen.recipe.name == "e" and "inside both limits" in verdict
    chosen, verdict = recommend(points, SearchConfig(max_drop=0.01, target_ratio=20))
    assert chosen.recipe.name == "e" and "No candidate reaches 20x" in verdict
    chosen, verdict = recommend(points[2:3], SearchConfig(max_drop=0.001))
    assert chosen is None and "No candidate stays within" in verdict


def test_search_config_is_validated():
    with pytest.raises(MedLensError, match="max_drop"):
        SearchConfig(max_drop=5)
    with pytest.raises(MedLensError, match="budget"):
        SearchConfig(budget=0)


@pytest.mark.slow
def test_search_measures_the_budget_and_reports_progress(tiny_model, small_breast):
    seen = []
    found = search(
        Compressor(tiny_model, small_breast), SearchConfig(budget=3), on_progress=lambda f, m: seen.append(f)
    )
    assert [c.recipe.name for c in found.candidates] == ["int8", "float16", "dynamic"]
    assert found.front and seen[-1] == 1.0
    assert found.recommended is not None
    json.dumps(found.summary())

"""Figures a candidate is judged on, their direction, and the search's clinical limits, on known points."""

from dataclasses import replace

import pytest

from core.compress.figures import FIGURES
from core.compress.measure import Measurement
from core.compress.recipe import BUILTIN, Recipe
from core.compress.run import CompressionResult
from core.compress.search import SearchConfig, pareto_front, recommend
from core.errors import MedLensError


def _clinical(sens95: float, ece: float) -> dict:
    return {
        "sensitivity_at_specificity": {"0.9": {"value": 0.99}, "0.95": {"value": sens95}},
        "ece": {"value": ece, "ci_low": 0.0, "ci_high": 0.1},
    }


BASE = Measurement(1000, 900, 10, 10, 0.90, 0.95, 1.0, 1.0, clinical=_clinical(0.80, 0.02))


def fake(name: str, size: int, accuracy: float, auc: float = 0.95, sens95: float = 0.80, ece: float = 0.02):
    measured = replace(
        BASE, bytes=size, gzip_bytes=size, test_accuracy=accuracy, test_auc=auc, clinical=_clinical(sens95, ece)
    )
    return CompressionResult(Recipe(name, BUILTIN["int8"].steps), "h", None, None, measured, BASE)


def test_each_figure_reads_its_value_and_worsens_in_its_own_direction():
    r = fake("a", 100, 0.88, auc=0.93, sens95=0.70, ece=0.05)
    assert FIGURES["sens_at_95_spec"].value(r.measurement) == 0.70
    assert r.worsening("accuracy") == pytest.approx(0.02)
    assert r.worsening("auc") == pytest.approx(0.02)
    assert r.worsening("sens_at_95_spec") == pytest.approx(0.10)
    assert r.worsening("ece") == pytest.approx(0.03)  # lower is better: a rise is a worsening
    summary = r.summary()
    assert summary["auc_drop"] == pytest.approx(0.02) and summary["ece_rise"] == pytest.approx(0.03)
    assert summary["sensitivity_at_95_specificity_drop"] == pytest.approx(0.10)


def test_a_multi_class_figure_is_the_mean_over_classes_and_a_missing_one_is_none():
    clinical = {"temperature": 1.0, "one_vs_rest": {"a": _clinical(0.6, 0.01), "b": _clinical(0.8, 0.03)}}
    m = replace(BASE, clinical=clinical)
    assert FIGURES["sens_at_95_spec"].value(m) == pytest.approx(0.7)
    assert FIGURES["ece"].value(m) == pytest.approx(0.02)
    assert FIGURES["ece"].value(replace(BASE, clinical={})) is None


def test_the_front_follows_the_chosen_figure():
    points = [fake("a", 500, 0.90, ece=0.05), fake("b", 300, 0.89, ece=0.01), fake("c", 100, 0.95, ece=0.04)]
    assert [r.recipe.name for r in pareto_front(points)] == ["c"]
    assert [r.recipe.name for r in pareto_front(points, figure="ece")] == ["c", "b"]  # smaller ECE is better


def test_clinical_limits_steer_the_recommendation():
    points = [fake("small", 80, 0.90, auc=0.93), fake("mid", 200, 0.90, sens95=0.70), fake("big", 500, 0.90)]
    chosen, _ = recommend(points, SearchConfig(max_drop=0.01, target_ratio=1.5))
    assert chosen.recipe.name == "small"
    chosen, _ = recommend(points, SearchConfig(max_drop=0.01, target_ratio=1.5, max_auc_drop=0.01))
    assert chosen.recipe.name == "mid"
    config = SearchConfig(max_drop=0.01, target_ratio=1.5, max_auc_drop=0.01, max_sens_drop=0.05)
    assert recommend(points, config)[0].recipe.name == "big"
    assert config.breaches(points[1]) == ["sensitivity at 95 % specificity drop 0.100 > 0.050"]
    chosen, verdict = recommend(points, replace(config, max_ece_rise=0.0, max_sens_drop=0.0, max_auc_drop=0.0))
    assert chosen.recipe.name == "big"
    unmeasured = replace(points[2], measurement=replace(points[2].measurement, clinical={}))
    chosen, verdict = recommend([unmeasured], config)
    assert chosen is None and "test AUC drop at most 0.01," in verdict


def test_clinical_limits_are_validated():
    with pytest.raises(MedLensError, match="AUC"):
        SearchConfig(max_auc_drop=2.0)
    assert SearchConfig(max_ece_rise=0.01).limits() == {"accuracy": 0.01, "ece": 0.01}

import numpy as np
import pytest

from core.augment import efficiency
from core.augment.efficiency import EfficiencyConfig, run_experiment
from core.augment.pipeline import PRESETS
from core.errors import Cancelled, MedLensError
from core.models.curve import stratified_subset
from tests.conftest import subset


def test_stratified_subsets_keep_the_class_ratio(pneumonia):
    small = stratified_subset(pneumonia, 0.01, seed=0)
    counts = small.class_counts("train")
    assert counts.tolist() == [12, 35]  # 1 % of 1,214 and 3,494
    assert len(small.labels("test")) == 624
    assert not np.array_equal(small.images("train"), stratified_subset(pneumonia, 0.01, seed=1).images("train"))
    assert stratified_subset(pneumonia, 1.0, seed=0) is pneumonia


def test_config_is_validated():
    with pytest.raises(MedLensError, match="fractions"):
        EfficiencyConfig(fractions=(0.0,))
    with pytest.raises(MedLensError, match="seeds"):
        EfficiencyConfig(seeds=0)


@pytest.mark.slow
def test_experiment_runs_caches_and_resumes(breast, monkeypatch):
    small = subset(breast, 64)
    config = EfficiencyConfig(fractions=(0.25, 1.0), seeds=1, epochs=1)
    seen = []
    rows = run_experiment(small, PRESETS["chest_xray"], config, on_progress=lambda f, m: seen.append(f))
    assert [r["fraction"] for r in rows] == [0.25, 1.0] and seen[-1] == 1.0
    for row in rows:
        for key in ("test_accuracy_with_mean", "test_accuracy_without_mean", "test_auc_with_std", "accuracy_gain"):
            assert key in row

    def no_training(*args, **kwargs):
        raise AssertionError("a finished run was recomputed")

    monkeypatch.setattr(efficiency, "train", no_training)
    assert run_experiment(small, PRESETS["chest_xray"], config) == rows
    assert efficiency.cached_rows(small, PRESETS["chest_xray"], config) == rows
    with pytest.raises(Cancelled):
        run_experiment(small, PRESETS["chest_xray"], EfficiencyConfig((0.5,), 1, epochs=1), should_stop=lambda: True)

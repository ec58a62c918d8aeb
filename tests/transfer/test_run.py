"""Transfer runs stored like models with their parent; the curve shares the augmentation curve's machinery."""

import pytest

from core.errors import MedLensError
from core.models import store
from core.transfer import curve
from core.transfer.run import TransferConfig, transfer
from tests.conftest import store_untrained
from tests.helpers import last_json, run_cli


def test_configs_refuse_what_cannot_run():
    with pytest.raises(MedLensError, match="fraction"):
        TransferConfig(fraction=0.0)
    with pytest.raises(MedLensError, match="transfer strategy"):
        TransferConfig(strategy="magic")
    with pytest.raises(MedLensError, match="needs a source"):
        transfer(None, "breastmnist", 28, TransferConfig("linear_probe", epochs=1))


@pytest.mark.slow
def test_a_run_is_stored_with_its_parent_and_a_curve_resumes(data_dir, monkeypatch):
    source = store_untrained("pneumoniamnist")
    trained = transfer(source.id, "breastmnist", 28, TransferConfig("linear_probe", fraction=0.1, epochs=1))
    meta = store.read_meta(trained.meta.id)
    assert meta.parent == source.id and meta.dataset == "breastmnist"
    assert meta.config["transfer"]["strategy"] == "linear_probe" and meta.config["transfer"]["train_images"] < 100
    assert "decision" in meta.metrics
    config = curve.CurveConfig(source.id, "breastmnist", fractions=(0.05,), seeds=1, epochs=1)
    rows = curve.run(config)
    assert rows[0]["runs_scratch"] == 1 and "auc_gain" in rows[0]

    def no_training(*args, **kwargs):
        raise AssertionError("a finished run was recomputed")

    monkeypatch.setattr(curve, "train", no_training)
    assert curve.run(config) == rows == curve.cached(config)


@pytest.mark.slow
def test_the_cli_runs_a_transfer_and_measures_a_shift(medlens_home):
    source = store_untrained("pneumoniamnist")
    run = last_json(
        run_cli(
            "transfer",
            "run",
            "--source",
            source.id,
            "--dataset",
            "breastmnist",
            "--strategy",
            "fine_tune_top",
            "--fraction",
            "0.05",
            "--epochs",
            "1",
            "--json",
            home=medlens_home,
        )
    )
    for key in ("model_id", "strategy", "fraction", "test_accuracy", "test_auc", "parent"):
        assert key in run
    assert run["strategy"] == "fine_tune_top" and run["parent"] == source.id
    shift = last_json(
        run_cli("transfer", "shift", "--source", source.id, "--dataset", "breastmnist", "--json", home=medlens_home)
    )
    for key in ("mmd", "mmd_p", "frechet", "c2st_auc", "c2st_ci", "halves"):
        assert key in shift
    bad = run_cli("transfer", "run", "--dataset", "breastmnist", "--strategy", "linear_probe", home=medlens_home)
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and "needs a source" in bad.stderr

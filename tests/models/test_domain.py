"""The out-of-domain guard: a reference of the training images on the model's own features."""

import numpy as np
import pytest

from core.inputs.images import model_input
from core.inputs.samples import SAMPLES
from core.models import domain, store
from core.models.train import TrainConfig
from core.models.workflow import train_dataset_and_store
from tests.conftest import subset
from tests.helpers import last_json, run_cli


@pytest.fixture(scope="module")
def trained(pneumonia, tmp_path_factory):
    """A briefly trained PneumoniaMNIST model, stored in a home of its own for this module."""
    import os

    home = tmp_path_factory.mktemp("domain_home")
    old = os.environ.get("MEDLENS_HOME")
    os.environ["MEDLENS_HOME"] = str(home)
    try:
        model = train_dataset_and_store(
            subset(pneumonia, 2000), 28, TrainConfig(epochs=4, min_epochs=4), catalogue_name="pneumoniamnist"
        )
    finally:
        if old is not None:
            os.environ["MEDLENS_HOME"] = old
    return home, model


@pytest.mark.slow
def test_other_modalities_are_flagged_and_few_of_its_own_test_images(trained, pneumonia, monkeypatch):
    home, model = trained
    monkeypatch.setenv("MEDLENS_HOME", str(home))
    embedder, reference = domain.guard_for(model.meta.id)
    flagged = np.mean([not v.in_domain for v in domain.judge(embedder, reference, pneumonia.images("test"))])
    assert flagged <= 0.05
    for name in SAMPLES.names:
        verdict = domain.verdict(model.meta.id, model_input(SAMPLES.get(name)(), (28, 28, 1)))
        assert not verdict.in_domain, name
        assert verdict.score > verdict.threshold
    assert "does not look like one" in domain.warning(verdict, "PneumoniaMNIST")


@pytest.mark.slow
def test_the_reference_is_kept_beside_the_model_and_refitted_when_damaged(trained, monkeypatch):
    home, model = trained
    monkeypatch.setenv("MEDLENS_HOME", str(home))
    path = store.read_meta(model.meta.id).path / domain.FILE
    domain.guard_for(model.meta.id)
    assert path.is_file()
    monkeypatch.setattr(domain, "fit", lambda *a, **k: (_ for _ in ()).throw(AssertionError("refitted")))
    first = domain.guard_for(model.meta.id)[1]
    path.write_bytes(b"not an npz")
    monkeypatch.undo()
    monkeypatch.setenv("MEDLENS_HOME", str(home))
    again = domain.guard_for(model.meta.id)[1]
    assert again.threshold == pytest.approx(first.threshold)


@pytest.mark.slow
def test_predict_json_carries_the_verdict(trained, tmp_path):
    home, model = trained
    image = tmp_path / "retina.jpg"
    image.write_bytes(SAMPLES.get("retina.jpg")())
    result = last_json(run_cli("predict", "--model", model.meta.id, "--image", str(image), "--json", home=home))
    assert result["in_domain"] is False and result["domain_score"] > result["domain_threshold"]
    text = run_cli("predict", "--model", model.meta.id, "--image", str(image), home=home)
    assert "does not look like one" in text.stderr

"""The out-of-domain guard: three signals (model features, the picture's own statistics, colour) with margin."""

import os
from pathlib import Path

import numpy as np
import pytest

from core.inputs.images import fit_to, read_image, render
from core.inputs.samples import SAMPLES
from core.models import demo, domain, store
from core.models.train import TrainConfig
from core.models.workflow import train_dataset_and_store
from tests.conftest import subset
from tests.helpers import last_json, run_cli

REAL = Path(os.environ.get("MEDLENS_DATA_DIR", "")) / "real"
XRAYS = REAL / "chest_xray_kermany_512"
DERMOSCOPY = REAL / "ham10000_560"
MARGIN = 2.0  # a foreign image scores at least twice what 99.5 % of validation images stay under


def _upload(data: bytes, squaring: str = "crop"):
    """(model input, picture as uploaded) for a 28 px chest X-ray model, as predict makes them."""
    rendered = render(read_image(data))
    return fit_to(rendered, (28, 28, 1), squaring), rendered


def _judge(guard, uploads):
    return domain.judge(guard[0], guard[1], np.stack([u[0] for u in uploads]), [u[1] for u in uploads])


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("domain_home")


@pytest.fixture(scope="module")
def models(pneumonia, home):
    """A PneumoniaMNIST model after one epoch on 2000 images, and the shipped demo model (the default
    training), both in one home for this module."""
    old = {k: os.environ.get(k) for k in ("MEDLENS_HOME", "MEDLENS_DEMO_MODELS")}
    os.environ["MEDLENS_HOME"], os.environ["MEDLENS_DEMO_MODELS"] = str(home), "on"
    try:
        demo.copy_into_store()
        brief = train_dataset_and_store(
            subset(pneumonia, 2000), 28, TrainConfig(epochs=1, min_epochs=1), catalogue_name="pneumoniamnist"
        )
    finally:
        for key, value in old.items():
            os.environ.pop(key) if value is None else os.environ.__setitem__(key, value)
    return {"one epoch": brief.meta.id, "demo": demo.demo_id("pneumoniamnist")}


@pytest.fixture(scope="module")
def foreign():
    """Other modalities than a chest X-ray, as a user would upload them: CT, a brain MR slice, a retina photograph
    and dermoscopy photographs (every 40th of the real HAM10000 pack)."""
    uploads = {name: _upload(SAMPLES.get(name)()) for name in SAMPLES.names}
    for path in sorted(DERMOSCOPY.rglob("*.jpg"))[::40]:
        uploads[f"dermoscopy {path.stem[-4:]}"] = _upload(path.read_bytes())
    return uploads


@pytest.mark.slow
@pytest.mark.parametrize("which", ["one epoch", "demo"])
def test_other_modalities_are_flagged_with_margin_and_few_real_chest_x_rays(
    which, models, foreign, pneumonia, home, monkeypatch
):
    monkeypatch.setenv("MEDLENS_HOME", str(home))
    guard = domain.guard_for(models[which])
    own = domain.judge(*guard, pneumonia.images("test"))
    assert np.mean([not v.in_domain for v in own]) <= 0.05
    xrays = [_upload(p.read_bytes()) for p in sorted(XRAYS.rglob("*.jpg"))]
    assert len(xrays) == 300
    assert np.mean([not v.in_domain for v in _judge(guard, xrays)]) <= 0.05
    verdicts = dict(zip(foreign, _judge(guard, list(foreign.values())), strict=True))
    assert len(verdicts) >= 15
    for name, verdict in verdicts.items():
        assert not verdict.in_domain and verdict.score >= MARGIN * verdict.threshold, (name, verdict)


@pytest.mark.slow
def test_letterboxed_real_x_rays_are_what_the_guard_would_flag(models, home, monkeypatch):
    """Planted check: the same real X-rays squared by letterbox (bars PneumoniaMNIST never had) are mostly
    foreign to the picture-statistics signal, which is what the centre-crop rule cures."""
    monkeypatch.setenv("MEDLENS_HOME", str(home))
    guard = domain.guard_for(models["one epoch"])
    padded = [_upload(p.read_bytes(), "pad") for p in sorted(XRAYS.rglob("*.jpg"))[::3]]
    assert np.mean([not v.in_domain for v in _judge(guard, padded)]) >= 0.5


def test_colour_is_foreign_to_a_grey_model_and_grey_stays_familiar():
    grey = np.full((40, 60, 3), 120, dtype=np.uint8)
    colour = grey.copy()
    colour[..., 0] = 200
    assert domain.colourfulness(grey) == 0.0 and domain.colourfulness(grey[..., :1]) == 0.0
    assert domain.colourfulness(colour) == pytest.approx(80 / 255)
    rng = np.random.default_rng(0)
    features, statistics = rng.normal(size=(2, 3)), rng.normal(size=(2, 4))
    part = domain.Gaussian(np.zeros((1, 3)), np.eye(3), 1e6), domain.Gaussian(np.zeros((1, 4)), np.eye(4), 1e6)
    reference = domain.DomainReference(*part, grey=True, reference_images=1000)
    verdicts = reference.judge(features, statistics, np.array([0.0, 0.3]))
    assert verdicts[0].in_domain and not verdicts[1].in_domain and verdicts[1].signal == "colour"
    assert replace_grey(reference).judge(features, statistics, np.array([0.0, 0.3]))[1].signal != "colour"


def replace_grey(reference):
    from dataclasses import replace

    return replace(reference, grey=False)


def test_a_thin_reference_is_said_so():
    part = domain.Gaussian(np.zeros((1, 2)), np.eye(2), 1.0)
    thin = domain.DomainReference(part, part, grey=True, reference_images=84)
    assert "only 84 training images" in domain.thin_note(thin)
    assert domain.thin_note(domain.DomainReference(part, part, True, 4000)) == ""
    verdict = domain.Verdict(False, 3.0, 1.0, "inputs")
    assert "only 84" in domain.warning(verdict, "X", thin) and "brightness" in domain.warning(verdict, "X", thin)


@pytest.mark.slow
def test_the_reference_is_kept_beside_the_model_and_refitted_when_damaged(models, home, monkeypatch):
    monkeypatch.setenv("MEDLENS_HOME", str(home))
    model_id = models["one epoch"]
    path = store.read_meta(model_id).path / domain.FILE
    domain.guard_for(model_id)
    assert path.is_file()
    monkeypatch.setattr(domain, "fit", lambda *a, **k: (_ for _ in ()).throw(AssertionError("refitted")))
    first = domain.guard_for(model_id)[1]
    path.write_bytes(b"not an npz")
    monkeypatch.undo()
    monkeypatch.setenv("MEDLENS_HOME", str(home))
    again = domain.guard_for(model_id)[1]
    assert again.features.threshold == pytest.approx(first.features.threshold)
    assert again.inputs.threshold == pytest.approx(first.inputs.threshold)


def test_the_shipped_demo_references_are_of_this_guard():
    for name in demo.DATASETS:
        assert domain.DomainReference.from_file(demo.DEMO_DIR / demo.demo_id(name) / domain.FILE) is not None, name


@pytest.mark.slow
def test_predict_json_carries_the_verdict_and_the_squaring_rule(models, home, tmp_path):
    image = tmp_path / "retina.jpg"
    image.write_bytes(SAMPLES.get("retina.jpg")())
    result = last_json(run_cli("predict", "--model", models["one epoch"], "--image", str(image), "--json", home=home))
    assert result["in_domain"] is False and result["domain_score"] >= MARGIN * result["domain_threshold"]
    assert result["squaring"] == "crop" and result["domain_signal"] in domain.SIGNALS
    text = run_cli("predict", "--model", models["one epoch"], "--image", str(image), home=home)
    assert "does not look like one" in text.stderr

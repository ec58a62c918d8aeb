"""Every page driven headless with streamlit.testing AppTest.

AppTest runs a switched-to page on its own, without app.py, so page tests set the
session context (dataset, model) in ``session_state`` as the sidebar would.
"""

import json
import urllib.error

import pytest

from tests.conftest import store_untrained
from tests.helpers import open_app, open_page, texts


def test_home_explains_and_offers_the_session_pickers():
    at = open_app()
    assert not at.exception
    assert texts(at.title) == "MedLens"
    assert "not a medical device" in texts(at.markdown)
    assert [s.label for s in at.sidebar.selectbox] == ["Dataset", "Image size", "Model"]
    assert "PneumoniaMNIST" in texts(at.info)


def test_sidebar_dataset_choice_becomes_the_session_context():
    at = open_app()
    at.sidebar.selectbox(key="w_dataset").set_value("breastmnist").run()
    assert not at.exception
    assert at.session_state["dataset"] == "breastmnist"
    assert "BreastMNIST" in texts(at.info)


def test_data_page_shows_splits_balance_samples_and_histogram():
    at = open_page("data")
    assert not at.exception
    assert texts(at.title) == "PneumoniaMNIST"
    assert [m.value for m in at.metric] == ["4,708", "524", "624"]
    assert len(at.get("plotly_chart")) == 2
    assert len(at.image) == 2  # one row of samples per class
    assert "test split's class mix differs" in texts(at.info)
    assert "CC BY 4.0" in texts(at.markdown) and "Kermany" in texts(at.markdown)
    assert "MD5 mismatch" in texts(at.sidebar.caption)  # once, in the sidebar, on every page
    at.slider(key="data_per_class").set_value(3).run()
    at.number_input(key="data_seed").set_value(5).run()
    assert not at.exception


def test_data_page_handles_rgb_multiclass():
    at = open_page("data", dataset="retinamnist")
    assert not at.exception
    assert texts(at.title) == "RetinaMNIST" and len(at.image) == 5


def test_data_page_explains_a_missing_dataset(monkeypatch, tmp_path):
    monkeypatch.setenv("MEDLENS_DATA_DIR", str(tmp_path))

    def offline(*args, **kwargs):
        raise urllib.error.URLError("offline")

    monkeypatch.setattr("urllib.request.urlopen", offline)
    at = open_page("data", dataset="dermamnist")
    assert not at.exception
    assert "dermamnist.npz is not available offline" in texts(at.error)


@pytest.mark.slow
def test_train_page_trains_in_the_background_and_shows_the_report_card():
    at = open_page("train", dataset="breastmnist")
    assert not at.exception
    assert texts(at.title) == "Train on BreastMNIST"
    assert "No model for this dataset yet" in texts(at.info)
    at.slider(key="train_epochs").set_value(2).run()
    at.button(key="train_start").click().run()
    job = at.session_state["train_job"]
    assert at.button(key="train_start").disabled or job.done
    job.wait(300)
    assert job.status == "done", job.error
    at.run()
    at.run()
    assert not at.exception
    model_id = job.result.meta.id
    assert at.session_state["model_id"] == model_id
    assert "Trained **" in texts(at.success)
    assert f"Report card: {model_id}" in texts(at.subheader)
    assert len(at.get("plotly_chart")) == 7  # confusion, ROC, calibration, curves; ROC point, 2x2, decision curve
    assert [m.label for m in at.metric][:3] == ["accuracy", "AUC", "calibration error"]
    labels = [b.label for b in at.get("download_button")]
    assert "Model card (Markdown)" in labels and "Model card (HTML)" in labels

    at.selectbox(key="store_pick").set_value(model_id).run()
    at.text_input(key="store_new_name").input("breast baseline").run()
    at.button(key="store_rename").click().run()
    assert "Report card: breast baseline" in texts(at.subheader)
    at.checkbox(key="store_confirm_delete").check().run()
    at.button(key="store_delete").click().run()
    assert not at.exception
    assert "No models yet." in texts(at.caption)


@pytest.mark.slow
def test_train_page_can_cancel():
    at = open_page("train", dataset="breastmnist")
    at.slider(key="train_epochs").set_value(60).run()
    at.button(key="train_start").click().run()
    job = at.session_state["train_job"]
    job.cancel()
    job.wait(300)
    at.run()
    assert not at.exception
    assert job.status == "cancelled"
    assert "cancelled" in texts(at.warning)


def test_train_page_reports_a_damaged_model(medlens_home):
    folder = medlens_home / "models" / "damaged-model"
    folder.mkdir(parents=True)
    meta = {
        "id": "damaged-model", "name": "damaged", "dataset": "breastmnist", "size": 28, "arch": "small_cnn",
        "seed": 0, "epochs": 1, "params": 1, "file_bytes": 4, "train_seconds": 0.0, "created": "2026-01-01",
    }  # fmt: skip
    (folder / "meta.json").write_text(json.dumps(meta))
    (folder / "model.keras").write_bytes(b"junk")
    at = open_page("train", dataset="breastmnist", model_id="damaged-model")
    assert not at.exception
    assert "not a valid .keras file" in texts(at.error)


def test_data_page_downloads_a_missing_file_with_progress(monkeypatch, tmp_path, data_dir, medlens_home):
    import shutil

    from core.data import loader

    monkeypatch.setenv("MEDLENS_DATA_DIR", str(tmp_path))
    reports = []

    def fake_download(url, destination, md5, progress=None):
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(data_dir / "breastmnist.npz", destination)
        for done in (100, 200):
            progress(done, 200)
            reports.append(done)
        return destination

    monkeypatch.setattr(loader, "download", fake_download)
    at = open_page("data", dataset="breastmnist")
    assert not at.exception
    assert texts(at.title) == "BreastMNIST"
    assert reports == [100, 200]
    assert (medlens_home / "datasets" / "breastmnist.npz").is_file()


def test_store_can_make_another_datasets_model_current():
    meta = store_untrained("retinamnist", shape=(28, 28, 3), classes=5)
    at = open_page("train", dataset="breastmnist")
    assert "No model for this dataset yet" in texts(at.info)
    at.selectbox(key="store_pick").set_value(meta.id).run()
    at.button(key="store_use").click().run()
    assert not at.exception
    assert at.session_state["dataset"] == "retinamnist" and at.session_state["model_id"] == meta.id
    assert texts(at.title) == "Train on RetinaMNIST"
    assert f"Report card: {meta.id}" in texts(at.subheader)


def test_the_threshold_slider_moves_the_operating_point():
    model = store_untrained("breastmnist", seed=2)
    at = open_page("train", dataset="breastmnist", model_id=model.id)
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert {"sensitivity", "specificity", "PPV", "NPV"} <= set(labels)
    at.slider(key="train_threshold").set_value(0.0).run()
    after = {m.label: m.value for m in at.metric}
    assert after["sensitivity"] == "1.000" and after["specificity"] == "0.000"  # everyone called positive
    at.slider(key="train_threshold").set_value(1.0).run()
    none_called = {m.label: m.value for m in at.metric}
    assert none_called["sensitivity"] == "0.000" and none_called["specificity"] == "1.000"
    assert "Operating point" in texts(at.subheader)

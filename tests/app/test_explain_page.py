"""The Explain page with AppTest, on a stored BreastMNIST model (untrained: fast, maps still real)."""

import pytest

from tests.conftest import store_untrained
from tests.helpers import finish_job, open_page, texts


@pytest.fixture
def stored_model():
    return store_untrained("breastmnist")


def test_without_a_model_the_page_says_what_to_do():
    at = open_page("explain", dataset="breastmnist")
    assert not at.exception and "train one first" in texts(at.info)


@pytest.mark.slow
def test_overlay_grid_faithfulness_and_method_switch(stored_model):
    at = open_page("explain", dataset="breastmnist", model_id=stored_model.id)
    assert not at.exception
    assert texts(at.title) == "Explain"
    assert "Model says" in texts(at.markdown)
    titles = [s.value for s in at.subheader]
    assert titles[:3] == [
        "Methods side by side",
        "How faithful is each map?",
        "Two models, one image: decisions and explanation drift",
    ]
    assert len(at.get("plotly_chart")) >= 3  # overlay, grid, faithfulness curves
    at.selectbox(key="exp_method").set_value("occlusion").run()
    assert not at.exception
    at.selectbox(key="exp_mode").set_value("least confident first").run()
    at.slider(key="exp_opacity").set_value(0.3).run()
    at.selectbox(key="exp_target").set_value(1).run()
    assert not at.exception
    at.button(key="exp_sanity").click().run()
    assert not at.exception
    assert "Near 0 (or below" in texts(at.caption)


@pytest.mark.slow
def test_two_model_view_and_gallery(stored_model):
    other = store_untrained("breastmnist", seed=5)
    at = open_page("explain", dataset="breastmnist", model_id=stored_model.id)
    at.selectbox(key="exp_other").set_value(f"store:{other.id}").run()
    assert not at.exception
    assert [m.label for m in at.metric] == ["rank correlation", "top-10% overlap (IoU)"]
    at.slider(key="exp_gallery_count").set_value(4).run()
    at.selectbox(key="exp_gallery_kind").set_value("least confident").run()
    at.button(key="exp_gallery_run").click().run()
    job = at.session_state["explain_gallery_job"]
    job.wait(120)
    at.run()
    assert not at.exception
    assert job.status == "done" and job.result.shape == (4, 28, 28)
    assert sum(1 for image in at.image if "test #" in str(image.proto)) >= 1 or len(at.image) >= 4


@pytest.mark.slow
def test_rank_methods_over_a_sample(stored_model):
    at = open_page("explain", dataset="breastmnist", model_id=stored_model.id)
    at.multiselect(key="exp_grid_methods").set_value(["gradcam", "occlusion"]).run()
    at.button(key="exp_rank_run").click().run()
    job = finish_job(at, "explain_rank_job")
    assert not at.exception
    assert [row["method"] for row in job.result] and {row["rank"] for row in job.result} == {1, 2}


def test_a_binary_model_shows_its_calibrated_call_at_the_operating_point():
    from core.models import store
    from core.models.architectures import build

    decision = {"temperature": 1.5, "rule": "youden", "thresholds": [None, 0.5]}
    meta = {"dataset": "breastmnist", "size": 28, "arch": "small_cnn", "seed": 0, "epochs": 0, "train_seconds": 0.0}
    model = store.save(build("small_cnn", (28, 28, 1), 2), {**meta, "metrics": {"decision": decision}})
    at = open_page("explain", dataset="breastmnist", model_id=model.id)
    assert not at.exception
    shown = texts(at.markdown)
    assert "Calibrated probability of normal, benign" in shown and "at the operating point (threshold 50.0%" in shown


@pytest.mark.slow
def test_a_flipped_case_link_opens_the_image_with_the_compressed_file_beside(stored_model):
    from core.compress.recipe import BUILTIN
    from core.compress.run import Compressor
    from core.data import load
    from core.models import store
    from tests.helpers import open_app

    result = Compressor(store.load(stored_model.id), load("breastmnist", 28)).run(BUILTIN["int8"])
    at = open_app()
    at.session_state["dataset"], at.session_state["size"] = "breastmnist", 28
    at.query_params.update({"model": stored_model.id, "image": "test-5", "compare": result.artifact.parent.name})
    at.switch_page("pages/explain.py").run()
    assert not at.exception, at.exception
    assert "Opened from the Compress page: test image #5" in texts(at.info)
    assert "test #5" in texts(at.markdown)
    assert at.selectbox(key="exp_other").value == f"tflite:{result.artifact}"
    assert texts(at.markdown).count("threshold") >= 2  # each model's call at its own operating point
    assert "gradcam" not in at.selectbox(key="exp_two_m").options  # a method both can run
    assert len(at.get("plotly_chart")) >= 4
    at.button(key="exp_unlink").click().run()
    assert not at.exception and "Opened from the Compress page" not in texts(at.info)


def test_a_hostile_link_is_ignored(stored_model):
    from tests.helpers import open_app

    at = open_app()
    at.session_state["dataset"], at.session_state["size"] = "breastmnist", 28
    at.query_params.update({"model": "../../etc", "image": "test-99999999", "compare": "../x"})
    at.switch_page("pages/explain.py").run()
    assert not at.exception
    assert "Opened from the Compress page" not in texts(at.info)


@pytest.mark.slow
def test_a_transferred_model_is_explained_beside_its_source(data_dir):
    from core.transfer.run import TransferConfig, transfer

    source = store_untrained("pneumoniamnist")
    trained = transfer(source.id, "breastmnist", 28, TransferConfig("linear_probe", fraction=0.05, epochs=1))
    at = open_page("explain", dataset="breastmnist", model_id=trained.meta.id)
    assert any("(the source of this transfer)" in o for o in at.selectbox(key="exp_other").options)
    at.selectbox(key="exp_other").set_value(f"parent:{source.id}").run()
    assert not at.exception, at.exception
    assert "The source this model was transferred from" in texts(at.caption)
    assert "pneumonia" in texts(at.markdown).lower()  # the source answers about its own classes
    assert not at.warning, texts(at.warning)
    assert [m.label for m in at.metric] == ["rank correlation", "top-10% overlap (IoU)"]


@pytest.mark.slow
def test_the_explained_class_follows_each_prediction_unless_pinned_and_the_slider_reads_image_numbers(stored_model):
    import re

    def predicted(at) -> int:
        name = re.search(r"Model says \*\*(.+?)\*\*", texts(at.markdown)).group(1)
        return ["malignant", "normal, benign"].index(name)

    at = open_page("explain", dataset="breastmnist", model_id=stored_model.id)
    options = at.select_slider(key="exp_image").options
    assert options[0].startswith("#")
    assert at.selectbox(key="exp_target").value == predicted(at)
    at.selectbox(key="exp_target").set_value(1 - predicted(at)).run()
    chosen = at.selectbox(key="exp_target").value
    assert chosen != predicted(at)  # the user's choice holds on this image
    at.select_slider(key="exp_image").set_value(int(options[1][1:])).run()
    assert at.selectbox(key="exp_target").value == predicted(at)  # a new image: its own prediction
    at.selectbox(key="exp_target").set_value(1 - predicted(at)).run()
    at.checkbox(key="exp_pin").check().run()
    at.select_slider(key="exp_image").set_value(int(options[2][1:])).run()
    assert at.selectbox(key="exp_target").value != predicted(at)  # pinned: kept on the next image


def test_a_dataset_image_of_an_import_is_explained_over_the_image_as_stored(medlens_home):
    import numpy as np

    from core.data import imported
    from core.inputs.dataset_import import import_dataset
    from tests.inputs import files

    rng = np.random.default_rng(0)
    members = {
        f"{label}/{i}.png": files.image_bytes("PNG", rng.integers(0, 255, (48, 48), np.uint8))
        for label in ("a", "b")
        for i in range(6)
    }
    dataset, report = import_dataset(files.zip_bytes(members), "big", size=None)
    imported.save(dataset, report.source_kind, report.seed)
    model = store_untrained("big", (28, 28, 1))
    at = open_page("explain", dataset="big", size=28, model_id=model.id)
    assert not at.exception and "Model says" in texts(at.markdown)
    specs = " ".join(chart.proto.spec for chart in at.get("plotly_chart"))
    assert "drawn over the image at 48 px" in specs  # the 28 px map over the 48 px picture as stored

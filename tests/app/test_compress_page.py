"""The Compress page, driven with AppTest on a stored (untrained, fast) BreastMNIST model."""

import pytest

from core.models import store
from tests.conftest import store_untrained
from tests.helpers import finish_job, open_page, texts


@pytest.fixture
def stored_model():
    return store_untrained("breastmnist")


def test_without_a_model_the_page_says_what_to_do():
    at = open_page("compress", dataset="breastmnist")
    assert not at.exception
    assert "train one first" in texts(at.info)


@pytest.mark.slow
def test_run_a_recipe_then_inspect_download_and_compare(stored_model):
    at = open_page("compress", dataset="breastmnist", model_id=stored_model.id)
    assert not at.exception
    assert texts(at.title) == "Compress"
    assert "Nothing measured for this model yet" in texts(at.info)
    assert [s.label for s in at.slider][:2] == [
        "Most accuracy it may lose (points)",
        "Size it must reach (times smaller)",
    ]
    at.selectbox(key="cmp_builtin").set_value("int8").run()
    at.button(key="cmp_builtin_run").click().run()
    finish_job(at, "compress_job", reruns=2)
    assert not at.exception
    assert "Measured int8." in texts(at.success)
    assert "Measured candidates" in texts(at.subheader)
    assert at.selectbox(key="compress_pick").value == "int8"
    labels = [m.label for m in at.metric]
    assert labels == ["file size", "gzip size", "accuracy", "AUC", "latency"]
    assert "x smaller" in str(at.metric[0].delta)
    for figure in at.selectbox(key="cmp_figure").options:  # the chart can put every figure on its y-axis
        at.selectbox(key="cmp_figure").set_value(figure).run()
        assert not at.exception
    at.button(key="cmp_save").click().run()
    assert "Saved as" in texts(at.success)
    saved = next(m for m in store.list_models() if m.parent == stored_model.id)
    assert saved.format == "tflite" and saved.metrics["decision"]["thresholds"][1] is not None
    explained = open_page("explain", dataset="breastmnist", model_id=saved.id)
    assert not explained.exception
    assert "gradcam" not in explained.selectbox(key="exp_method").options  # a TFLite file has no gradients
    assert "Model says" in texts(explained.markdown)
    judged = open_page("train", dataset="breastmnist", model_id=saved.id)  # its report card, through LiteRT
    assert not judged.exception, judged.exception
    refused = open_page("compress", dataset="breastmnist", model_id=saved.id)
    assert not refused.exception and "pick its parent" in texts(refused.error)


@pytest.mark.slow
def test_find_for_me_runs_a_small_search(stored_model):
    at = open_page("compress", dataset="breastmnist", model_id=stored_model.id)
    assert not at.exception, at.exception
    at.slider(key="cmp_budget").set_value(2).run()
    at.slider(key="cmp_target").set_value(2.0).run()
    at.button(key="cmp_search").click().run()
    finish_job(at, "compress_job", reruns=2)
    assert not at.exception
    assert "smaller" in texts(at.success)
    assert {"int8", "float16"} <= set(at.selectbox(key="compress_pick").options)

"""The Transfer page, driven with AppTest on a stored (untrained, fast) PneumoniaMNIST model and real images."""

import pytest

from core.models import store
from tests.conftest import store_untrained
from tests.helpers import finish_job, open_page, texts


def test_without_a_model_the_page_says_what_to_do():
    at = open_page("transfer")
    assert not at.exception
    assert "train one first" in texts(at.info)


@pytest.mark.slow
def test_measure_the_shift_run_a_transfer_and_use_the_new_model():
    source = store_untrained("pneumoniamnist")
    at = open_page("transfer", model_id=source.id)
    assert not at.exception and texts(at.title) == "Transfer"
    at.selectbox(key="tr_target").set_value("breastmnist").run()
    at.button(key="tr_shift_run").click().run()
    assert not at.exception
    assert not at.error, texts(at.error)
    assert "two-sample AUC" in str(at.dataframe[0].value)
    at.radio(key="tr_strategy").set_value("linear_probe").run()
    assert "final layer" in texts(at.caption)
    at.select_slider(key="tr_fraction").set_value(0.1)
    at.slider(key="tr_epochs").set_value(1)
    at.button(key="tr_run").click().run()
    job = finish_job(at, "tr_run_job")
    assert store.read_meta(job.result["model_id"]).parent == source.id
    assert "test AUC" in [m.label for m in at.metric]
    at.button(key="tr_use").click().run()
    assert at.session_state["model_id"] == job.result["model_id"]
    assert "transferred" not in texts(at.error)

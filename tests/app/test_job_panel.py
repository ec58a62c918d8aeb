"""The one job panel: a finished job's results reach the page even when the first full rerun it asks for is lost."""

import weakref

from streamlit.testing.v1 import AppTest

from core import jobs
from pages.widgets import DRAWN_KEY, needs_full_run


def _panel_script():
    import streamlit as st

    from pages.widgets import job_panel

    done = job_panel("demo_job", on_done=lambda job: st.write(f"result {job.result}"))
    if done is not None:
        st.markdown(f"### Results of {done.result}")


def test_the_panel_asks_for_a_full_run_until_one_has_drawn_the_ended_job():
    job = jobs.submit(lambda job: 7).wait(10)
    drawn: dict = {}
    assert needs_full_run(drawn, "demo_job", job)  # ended, never drawn by a full run: ask (again)
    drawn["demo_job"] = weakref.ref(job)
    assert not needs_full_run(drawn, "demo_job", job)
    assert needs_full_run(drawn, "demo_job", jobs.submit(lambda job: 8).wait(10))  # a newer job of the same key


def test_a_full_run_draws_the_ended_job_and_records_it():
    app = AppTest.from_function(_panel_script, default_timeout=30)
    job = jobs.submit(lambda job: 7).wait(10)
    app.session_state["demo_job"] = job
    app.run()
    assert not app.exception
    assert app.session_state[DRAWN_KEY]["demo_job"]() is job
    assert any("Results of 7" in m.value for m in app.markdown)

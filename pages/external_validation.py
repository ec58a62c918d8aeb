"""The Your data page's external validation: a stored model's report card on the user's own labelled folder.
A helper module, not a page."""

import streamlit as st

from pages.common import model_id_or_prompt, plain
from pages.widgets import fresh_upload, job_is_running, job_panel

JOB_KEY = "byod_ext_job"


def _run(job, model_id: str, source: bytes):
    from core.models.external import validate

    def progress(done: int, total: int) -> None:
        job.report(done / total, f"read {done} of {total} images")

    return validate(model_id, source, progress=progress, should_stop=job.should_stop)


def validation_tab() -> None:
    from core.jobs import submit

    st.markdown(
        "How does the model do on **your** patients? Upload a .zip of class folders named after the model's "
        "classes; every image is read at the model's operating point (chosen on its own validation images) and "
        "counted in or out of its domain. Nothing is stored."
    )
    model_id = model_id_or_prompt()
    if model_id is None:
        return
    upload = st.file_uploader("A .zip of class folders", type=["zip"], key="byod_ext_upload")
    if fresh_upload(upload, "byod_ext_upload_id"):
        st.session_state["byod_ext_source"] = upload.getvalue()
    source = st.session_state.get("byod_ext_source")
    busy = source is None or job_is_running(JOB_KEY)
    if st.button("Validate on my folder", type="primary", key="byod_ext_run", disabled=busy):
        st.session_state[JOB_KEY] = submit(_run, model_id, source, name="external validation")
    job = job_panel(JOB_KEY, "Validating: ")
    if job is not None:
        result_view(job.result)


def result_view(result) -> None:
    from core.viz import train_figures

    figures = result.as_dict()
    columns = st.columns(4)
    columns[0].metric("images", figures["images"])
    columns[1].metric("accuracy", f"{figures['accuracy']:.3f}")
    columns[2].metric("AUC", f"{figures['auc']:.3f}")
    columns[3].metric("out of domain", "no check" if result.in_domain is None else figures["out_of_domain"])
    if figures["out_of_domain"]:
        st.warning(
            f"{figures['out_of_domain']} of {figures['images']} images do not look like the model's training "
            "images: its figures say little about them.",
            icon=":material/warning:",
        )
    intervals = figures.get("intervals")
    if intervals:
        point = figures["operating_point"]
        st.markdown(
            f"At the operating point (threshold {point['threshold']:.3f} on the calibrated probability of "
            f"**{plain(figures['positive_class'])}**, chosen on validation), with 95 % confidence intervals:"
        )
        st.dataframe(
            [
                {"figure": name, "value": i["value"], "95 % CI low": i["ci_low"], "95 % CI high": i["ci_high"]}
                for name, i in intervals.items()
            ],
            hide_index=True,
        )
    if result.refused:
        st.caption(f"{result.refused} files were not read (not images or not inside a class folder).")
    left, right = st.columns(2)
    left.plotly_chart(train_figures.confusion_matrix(result.evaluation), key="byod_ext_confusion")
    right.plotly_chart(train_figures.roc_curves(result.evaluation), key="byod_ext_roc")

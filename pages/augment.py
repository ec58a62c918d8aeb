"""Augment: build a pipeline, watch what it does to real images, measure what it buys with few labels."""

import streamlit as st

from pages.common import current_dataset_name, dataset_or_stop, plain, route_through_app, show_error
from pages.estimates import curve_estimate
from pages.keys import PIPELINE_KEY
from pages.teaching import plain_words
from pages.widgets import job_is_running, job_panel, param_widgets

STEPS_KEY, JOB_KEY = "aug_steps", "aug_efficiency_job"


def _new_uid() -> int:
    """Widget keys per step must survive reruns (this file runs afresh each time): count in the session."""
    st.session_state["aug_next_uid"] = st.session_state.get("aug_next_uid", 0) + 1
    return st.session_state["aug_next_uid"]


def _set_steps(pipeline) -> None:
    st.session_state[STEPS_KEY] = [
        {"uid": _new_uid(), "op": s.op, "params": dict(s.params), "probability": s.probability} for s in pipeline.steps
    ]


def builder_ui():
    """Preset, add/remove/reorder, per-op sliders; returns the validated Pipeline (or None with an error shown)."""
    from core.augment.base import KINDS, OPS
    from core.augment.pipeline import PRESETS, OpStep, Pipeline
    from core.errors import MedLensError

    if STEPS_KEY not in st.session_state:
        _set_steps(PRESETS["chest_xray"])
    left, right = st.columns([3, 1])
    preset = left.selectbox(
        "Start from a preset",
        PRESETS.names,
        index=PRESETS.names.index("chest_xray"),
        key="aug_preset",
        help="\n\n".join(f"**{e.name}**: {e.description}" for e in PRESETS.entries()),
    )
    if right.button("Load preset", key="aug_load_preset"):
        _set_steps(PRESETS[preset])
    ordered = sorted(OPS.names, key=lambda n: (KINDS.index(OPS.get(n).kind), n))
    left, right = st.columns([3, 1])
    new_op = left.selectbox(
        "Add an operation", ordered, format_func=lambda n: f"{OPS.get(n).kind} · {OPS.get(n).title}", key="aug_new_op"
    )
    if right.button("Add", key="aug_add"):
        st.session_state[STEPS_KEY].append({"uid": _new_uid(), "op": new_op, "params": {}, "probability": 0.5})
    steps = st.session_state[STEPS_KEY]
    for index, step in enumerate(list(steps)):
        _step_ui(steps, index, step)
    try:
        pipeline = Pipeline("my pipeline", tuple(OpStep(s["op"], s["params"], s["probability"]) for s in steps))
    except MedLensError as error:
        show_error(error)
        return None
    st.session_state[PIPELINE_KEY] = pipeline
    return pipeline


def _step_ui(steps: list, index: int, step: dict) -> None:
    """One step's settings, probability and Up / Down / Remove, in its own expander."""
    from core.augment.base import OPS

    spec = OPS.get(step["op"])
    with st.expander(f"{index + 1}. {spec.title}", expanded=False):
        st.caption(spec.description)
        if spec.caution:
            st.warning(spec.caution, icon=":material/medical_information:")
        prefix = f"aug_{step['uid']}"
        step["params"] = param_widgets(spec.params, prefix, step["params"])
        step["probability"] = st.slider("probability", 0.0, 1.0, float(step["probability"]), 0.05, key=f"{prefix}_prob")
        a, b, c = st.columns(3)
        if a.button("Up", key=f"{prefix}_up", disabled=index == 0):
            steps[index - 1], steps[index] = steps[index], steps[index - 1]
            st.rerun()
        if b.button("Down", key=f"{prefix}_down", disabled=index == len(steps) - 1):
            steps[index + 1], steps[index] = steps[index], steps[index + 1]
            st.rerun()
        if c.button("Remove", key=f"{prefix}_remove"):
            steps.pop(index)
            st.rerun()


def import_export_ui(pipeline) -> None:
    from core.augment.pipeline import Pipeline
    from core.errors import MedLensError

    left, right = st.columns(2)
    left.download_button("Export JSON", pipeline.to_json(), file_name="pipeline.json", key="aug_export")
    upload = right.file_uploader("Import JSON", type=["json"], key="aug_import")
    if upload is not None and st.session_state.get("aug_imported") != upload.file_id:
        try:
            _set_steps(Pipeline.from_json(upload.getvalue().decode("utf-8", errors="replace")))
            st.session_state["aug_imported"] = upload.file_id
            st.rerun()
        except MedLensError as error:
            show_error(error)
    with st.expander("Python snippet"):
        st.code(pipeline.snippet(), language="python")


def preview_ui(pipeline, dataset) -> None:
    from core.augment.preview import grid, preview
    from core.data.display import preview_indices
    from core.viz.augment_figures import intensity_before_after

    st.subheader("Preview")
    a, b, c, d = st.columns(4)
    per_class = a.slider("Images per class", 1, 4, 2, key="aug_per_class")
    draws = b.slider("Draws per image", 1, 8, 4, key="aug_draws")
    seed = c.number_input("Seed", 0, 100_000, 0, key="aug_seed")
    names = ["all operations", *[f"{i + 1}. {s.op}" for i, s in enumerate(pipeline.steps)]]
    isolate = d.selectbox("Isolate", names, key="aug_isolate")
    shown = pipeline if isolate == names[0] else pipeline.only(names.index(isolate) - 1)
    picked = st.text_input("Or pick training images by index", key="aug_picked", placeholder="e.g. 0, 17, 42")
    picks, note = preview_indices(dataset.labels("train"), per_class, int(seed), dataset.num_classes, picked)
    if note:
        st.warning(note)
    images, labels = dataset.images("train")[picks], dataset.labels("train")[picks]
    result = preview(shown, images, labels, dataset.num_classes, draws, int(seed))
    scale = max(1, 84 // dataset.image_shape[0])
    st.image(grid(result, scale=scale), caption=f"Left: the original; right: {draws} augmented draws ({shown.name}).")
    st.plotly_chart(intensity_before_after(result.originals, result.draws), key="aug_hist")


def _efficiency(job, dataset, pipeline, config):
    from core.augment.efficiency import run_experiment
    from core.compute.config import from_env

    compute = from_env()
    return run_experiment(
        dataset, pipeline, config, compute=compute, on_progress=job.report, should_stop=job.should_stop
    )


CLASS_FRACTIONS = (0.1, 1.0)


def efficiency_ui(pipeline, dataset) -> None:
    from core import jobs
    from core.augment.efficiency import DEFAULT_FRACTIONS, EfficiencyConfig, cached_rows
    from core.viz.augment_figures import efficiency_chart

    st.subheader("What does it buy? Accuracy with few labels")
    a, b, c = st.columns(3)
    if st.button("Full settings (5 shares of labels, 3 seeds)", key="aug_eff_full"):
        st.session_state["aug_fractions"], st.session_state["aug_eff_seeds"] = list(DEFAULT_FRACTIONS), 3
    fractions = a.multiselect(
        "Labels used", DEFAULT_FRACTIONS, default=list(CLASS_FRACTIONS), format_func=lambda f: f"{f:.0%}",
        key="aug_fractions", help="Starts small for a shared server: two shares, one seed.",
    )  # fmt: skip
    seeds = b.slider("Seeds", 1, 5, 1, key="aug_eff_seeds")
    epochs = c.slider("Most epochs per run", 2, 30, 30, key="aug_eff_epochs")
    if not fractions:
        st.info("Pick at least one share of labels.")
        return
    config = EfficiencyConfig(tuple(sorted(fractions)), seeds, epochs=epochs)
    st.caption(curve_estimate(dataset, config.plan().runs(), epochs, current_dataset_name()))
    if st.button("Run the experiment", key="aug_eff_run", disabled=job_is_running(JOB_KEY), type="primary"):
        st.session_state[JOB_KEY] = jobs.submit(_efficiency, dataset, pipeline, config, name="efficiency")
        st.rerun()
    job_panel(JOB_KEY, cancelled="Cancelled; every run finished so far is kept.")
    rows = cached_rows(dataset, pipeline, config)
    if rows:
        st.plotly_chart(efficiency_chart(rows), key="aug_eff_chart")
        st.dataframe(rows, hide_index=True, key="aug_eff_table")
    else:
        st.caption("No finished runs for this pipeline yet. Each run is kept, so nothing is computed twice.")


def main() -> None:
    st.title("Augment")
    plain_words("augment", "Augmentation, in plain words")
    dataset = dataset_or_stop()
    st.caption(f"{plain(dataset.title)} · build a pipeline; it is applied only while training.")
    pipeline = builder_ui()
    if pipeline is None:
        return
    import_export_ui(pipeline)
    preview_ui(pipeline, dataset)
    efficiency_ui(pipeline, dataset)


route_through_app()
main()

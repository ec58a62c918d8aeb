"""Compress: one method at a time, or a search under accuracy and size limits, measured on the TFLite file."""

import streamlit as st

from pages.common import (
    current_dataset_name,
    current_size,
    load_model,
    model_id_or_prompt,
    plain,
    route_through_app,
    show_error,
)
from pages.estimates import search_estimate
from pages.teaching import plain_words, term
from pages.widgets import job_is_running, job_panel, param_widgets

JOB_KEY = "compress_job"
COMPRESSOR_KEY = "compress_compressor"
PICK_KEY = "compress_pick"
FLIPS_SHOWN = 60


def single_run_ui():
    """Method tabs with their own settings; returns a Recipe when the user presses Run, else None."""
    from core.compress.quantize import EXPORT_MODES
    from core.compress.recipe import BUILTIN, Recipe, Step
    from core.compress.steps import STEPS, model_steps

    kinds = model_steps()
    tabs = st.tabs([kind.title for kind in kinds] + ["Built-in recipe"])
    for tab, kind in zip(tabs, kinds, strict=False):
        with tab:
            st.markdown(kind.note)
            params = param_widgets(kind.params, f"cmp_{kind.name}")
            mode = st.selectbox("Then export as", kind.exports(EXPORT_MODES), key=f"cmp_{kind.name}_mode")
            if st.button("Run", key=f"cmp_{kind.name}_run", icon=":material/play_arrow:"):
                return Recipe(f"{kind.name}-{mode}", (Step(kind.name, params), Step("export", {"mode": mode})))
    with tabs[-1]:
        st.markdown(STEPS.get("export").note)
        choice = st.selectbox("Recipe", BUILTIN.names, index=BUILTIN.names.index("int8"), key="cmp_builtin")
        st.caption(BUILTIN.entry(choice).description)
        st.json(BUILTIN[choice].to_dict(), expanded=False)
        if st.button("Run", key="cmp_builtin_run", icon=":material/play_arrow:"):
            return BUILTIN[choice]
    return None


def search_ui():
    """The two constraint sliders and the search settings; returns a SearchConfig on Find, else None."""
    from core.compress.search import GRID, SearchConfig

    left, right = st.columns(2)
    drop = left.slider("Most accuracy it may lose (points)", 0.0, 5.0, 1.0, 0.25, key="cmp_max_drop")
    ratio = right.slider("Size it must reach (times smaller)", 1.0, 30.0, 10.0, 0.5, key="cmp_target")
    left, right = st.columns(2)
    metric = left.radio(
        "Size measured as", ["gzip", "bytes"], horizontal=True, key="cmp_metric",
        help="gzip: what a download costs (zeros and shared values compress); bytes: the raw file.",
    )  # fmt: skip
    budget = right.slider(
        "Candidates to measure", 1, len(GRID), 4, key="cmp_budget",
        help=f"Starts at 4 for a shared server; up to {len(GRID)} measure the whole grid.",
    )  # fmt: skip
    search_estimate(GRID[:budget], current_dataset_name(), current_size())
    limits = clinical_limits_ui()
    if st.button("Find for me", type="primary", key="cmp_search", icon=":material/search:"):
        return SearchConfig(drop / 100.0, ratio, metric, budget, *limits)
    return None


def clinical_limits_ui() -> tuple:
    """Optional limits on AUC drop, sensitivity-at-95 %-specificity drop and ECE rise (empty = no limit)."""
    with st.expander("Clinical limits (each candidate read at its own calibration and operating point)"):
        a, b, c = st.columns(3)
        auc = a.number_input("Most AUC it may lose", 0.0, 0.5, None, 0.005, key="cmp_max_auc", placeholder="no limit")
        sens = b.number_input(
            "Most sensitivity at 95 % specificity it may lose (points)", 0.0, 50.0, None, 0.5,
            key="cmp_max_sens", placeholder="no limit",
        )  # fmt: skip
        ece = c.number_input("Most ECE it may add", 0.0, 0.5, None, 0.005, key="cmp_max_ece", placeholder="no limit")
    return auc, None if sens is None else sens / 100.0, ece


LIMIT_KEYS = {"accuracy": "cmp_max_drop", "auc": "cmp_max_auc", "sens_at_95_spec": "cmp_max_sens", "ece": "cmp_max_ece"}


def _limit_on(figure: str) -> float | None:
    """The limit the search form sets on ``figure``, as a fraction (None when not set)."""
    from core.compress.figures import FIGURES

    if figure not in LIMIT_KEYS:
        return None  # agreement has no limit
    default = 1.0 if figure == "accuracy" else None  # the accuracy slider's default before it is drawn
    value = st.session_state.get(LIMIT_KEYS[figure], default)
    return None if value is None else value / 100.0 if FIGURES[figure].in_points else value


def _compressor(model_id: str, created: str):
    """This session's Compressor. It keeps the models it derives, so it is held per session, never shared
    through ``st.cache_resource`` where another session's run could change it."""
    from core.compress.run import Compressor
    from core.data import load
    from core.models.store import read_meta

    held = st.session_state.get(COMPRESSOR_KEY)
    if held is None or held[0] != (model_id, created):
        meta = read_meta(model_id)
        with st.spinner("Preparing the model for compression…"):
            held = ((model_id, created), Compressor(load_model(model_id, created), load(meta.dataset, meta.size)))
        st.session_state[COMPRESSOR_KEY] = held
    return held[1]


def _run_recipe(job, compressor, recipe):
    from core.compress.search import measure_one
    from core.compute.config import from_env

    return measure_one(compressor, recipe, compute=from_env(), on_progress=job.report, should_stop=job.should_stop)


def _run_search(job, compressor, config):
    from core.compress.search import search
    from core.compute.config import from_env

    return search(compressor, config, compute=from_env(), on_progress=job.report, should_stop=job.should_stop)


def compress_panel() -> None:
    """The compression job: a search's verdict and skipped candidates, or the one recipe measured."""
    from core.compress.search import SearchResult

    def done(job) -> None:
        if isinstance(job.result, SearchResult):
            st.success(plain(job.result.verdict))
            for line in job.result.skipped:
                st.caption(f"Skipped {plain(line)}")
        else:
            st.success(f"Measured {plain(job.result.recipe.name)}.")

    job_panel(
        JOB_KEY,
        on_done=done,
        cancelled="Cancelled; every candidate measured so far is kept in the cache.",
    )


def candidate_view(results, meta) -> None:
    """The chart, the table, the chosen point next to the original, downloads and save-to-store."""
    from core.compress.figures import FIGURES
    from core.compress.search import candidate_rows
    from core.viz.compress_figures import pareto_chart

    metric = st.session_state.get("cmp_metric", "gzip")
    names = [r.recipe.name for r in results]
    if st.session_state.get(PICK_KEY) not in names:
        st.session_state[PICK_KEY] = names[0]
    figure = st.selectbox("Chart against", FIGURES.names, format_func=lambda n: FIGURES[n].title, key="cmp_figure")
    target = st.session_state.get("cmp_target", 10.0)
    chart = pareto_chart(results, metric, _limit_on(figure), target, st.session_state[PICK_KEY], figure)
    event = st.plotly_chart(chart, key="cmp_chart", on_select="rerun", selection_mode="points")
    points = (event or {}).get("selection", {}).get("points", []) if isinstance(event, dict) else []
    picked = [p.get("text") for p in points if p.get("text") in names]
    if picked and picked[0] != st.session_state[PICK_KEY]:
        st.session_state[PICK_KEY] = picked[0]
        st.rerun()
    st.dataframe(candidate_rows(results, metric), hide_index=True, key="cmp_table")
    choice = st.selectbox("Inspect candidate", names, key=PICK_KEY)
    chosen = results[names.index(choice)]
    candidate_figures(chosen, meta.id)
    candidate_actions(chosen, meta)


def change(value: float, template: str) -> tuple[str, str]:
    """A metric's delta and its colour: a change that rounds to zero reads as "no change", in grey."""
    shown = template.format(value)
    if float(shown.split()[0]) == 0:
        return "no change", "off"
    return shown, "normal"


def candidate_figures(chosen, model_id: str) -> None:
    """One candidate next to the original float32 file: size, accuracy, AUC, latency, agreement."""
    m, b = chosen.measurement, chosen.baseline
    columns = st.columns(5)
    columns[0].metric("file size", f"{m.bytes / 1024:.0f} KB", f"{chosen.size_ratio:.1f}x smaller", delta_color="off")
    columns[1].metric(
        "gzip size", f"{m.gzip_bytes / 1024:.0f} KB", f"{chosen.gzip_ratio:.1f}x smaller", delta_color="off"
    )
    columns[2].metric("accuracy", f"{m.test_accuracy:.4f}", *change(-chosen.accuracy_drop * 100, "{:+.2f} points"))
    columns[3].metric("AUC", f"{m.test_auc:.4f}", *change(m.test_auc - b.test_auc, "{:+.4f}"))
    columns[4].metric(
        "latency", f"{m.latency_ms:.3f} ms", f"{m.latency_ms - b.latency_ms:+.3f} ms", delta_color="inverse"
    )
    st.caption(
        f"Original float32 TFLite: {b.bytes:,} bytes, accuracy {b.test_accuracy:.4f}, latency {b.latency_ms:.3f} ms. "
        f"Predictions agree with the original on {m.agreement:.1%} of test images ({term('agreement')})."
    )
    flips = chosen.decision_flips()
    if flips["count"] is not None:
        st.caption(
            f"At each model's own operating point (chosen on validation), {flips['count']} of {len(m.calls)} test "
            f"patients get a different call from the compressed model ({flips['share']:.1%})."
        )
        flipped_cases(chosen, flips["indices"], model_id)


def flipped_cases(chosen, indices: list[int], model_id: str) -> None:
    """The test images whose call changed, each a link that opens it on Explain with both models side by side."""
    if not indices:
        return
    with st.expander(f"The {len(indices)} test images whose call changed"):
        shown = indices[:FLIPS_SHOWN]
        columns = st.columns(6)
        for position, index in enumerate(shown):
            columns[position % 6].page_link(
                "pages/explain.py",
                label=f"test #{index}",
                icon=":material/compare:",
                query_params={"model": model_id, "image": f"test-{index}", "compare": chosen.artifact.parent.name},
            )
        if len(indices) > len(shown):
            st.caption(f"The first {len(shown)} are listed; `compress --json` gives every index.")


def candidate_actions(chosen, meta) -> None:
    """Downloads of the candidate's files, and saving it to the model store."""
    name = chosen.recipe.name
    left, middle, right = st.columns(3)
    left.download_button(
        "Download .tflite", chosen.artifact.read_bytes(), file_name=f"{meta.id}-{name}.tflite", key="cmp_dl_tflite"
    )
    if chosen.keras_artifact is not None:
        keras_bytes = chosen.keras_artifact.read_bytes()
        middle.download_button("Download .keras", keras_bytes, file_name=f"{meta.id}-{name}.keras", key="cmp_dl_keras")
    if right.button("Save to the model store", key="cmp_save", help="The measured TFLite file, to pick and explain"):
        from core.compress.workflow import save_to_store
        from core.errors import MedLensError

        try:
            saved = save_to_store(chosen, meta)
        except MedLensError as error:
            show_error(error)
            return
        st.success(f"Saved as {plain(saved.name)}: pick it in the sidebar to evaluate or explain it.")


def main() -> None:
    from core import jobs
    from core.errors import MedLensError
    from core.models.store import read_meta

    st.title("Compress")
    plain_words("compress", "What compression does, in plain words")
    model_id = model_id_or_prompt()
    if model_id is None:
        return
    meta = read_meta(model_id)
    st.caption(f"{plain(meta.name)} · {plain(meta.dataset)} {meta.size}x{meta.size} · {meta.params:,} parameters")
    try:
        compressor = _compressor(model_id, meta.created)
    except MedLensError as error:
        show_error(error)
        return
    running = job_is_running(JOB_KEY)
    st.subheader("Find for me")
    config = search_ui()
    st.subheader("One method at a time")
    recipe = single_run_ui()
    if (config or recipe) and not running:
        task, arg = (_run_search, config) if config else (_run_recipe, recipe)
        st.session_state[JOB_KEY] = jobs.submit(task, compressor, arg, name="compress")
        st.rerun()
    compress_panel()
    results = compressor.all_cached()
    if results:
        st.subheader("Measured candidates")
        candidate_view(results, meta)
    else:
        st.info("Nothing measured for this model yet: run a method or press **Find for me**.")


route_through_app()
main()

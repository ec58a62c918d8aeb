"""Transfer: carry the sidebar's model to another dataset — how far apart the domains are, one run with a chosen
strategy, and the label-efficiency curve against training from scratch."""

import streamlit as st

from pages.common import model_id_or_prompt, plain, route_through_app, select_model, show_error
from pages.teaching import plain_words
from pages.widgets import job_is_running, job_panel

RUN_KEY, CURVE_KEY, SHIFT_KEY = "tr_run_job", "tr_curve_job", "tr_shift"
FRACTIONS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0)


def target_ui(meta):
    """The target dataset and size; None when the page cannot go on."""
    from core.data.loader import choices, sizes, title

    names = [n for n in choices() if n != meta.dataset] + [meta.dataset]
    left, right = st.columns([3, 1])
    name = left.selectbox("Target dataset", names, format_func=title, key="tr_target")
    size = right.selectbox("Size (pixels)", sizes(name), key="tr_size")
    return name, size


def _shift(source_id: str, target: str, size: int, seed: int = 0):
    from core.data import load
    from core.models import store
    from core.transfer import shift

    meta = store.read_meta(source_id)
    source = shift.sample(load(meta.dataset, meta.size), "train", shift.PER_DOMAIN, seed)
    return shift.measure(
        store.load(source_id), source, shift.sample(load(target, size), "train", shift.PER_DOMAIN, seed)
    )


def shift_ui(meta, target: str, size: int) -> None:
    from core.errors import MedLensError
    from core.viz.transfer_figures import shift_map, shift_rows, shift_verdict

    st.subheader("1 · How far apart are the two domains?")
    st.caption("Measured on what the source model sees (its last layer before the answer), before any training.")
    key = (meta.id, target, size)
    if st.button("Measure the shift", key="tr_shift_run"):
        try:
            with st.spinner("Embedding 400 images of each domain and testing them (a few seconds)…"):
                st.session_state[SHIFT_KEY] = (key, _shift(meta.id, target, size))
        except MedLensError as error:
            show_error(error)
    stored = st.session_state.get(SHIFT_KEY)
    if stored is None or stored[0] != key:
        return
    report = stored[1]
    st.markdown(shift_verdict(report.pair, report.halves))
    st.dataframe(shift_rows(report.pair, report.halves), hide_index=True, key="tr_shift_table")
    figure = shift_map(report.source_map, report.target_map, f"source ({meta.dataset})", f"target ({target})")
    st.plotly_chart(figure, key="tr_shift_map")


def _run(job, source_id, target, size, config):
    from core.transfer.run import summary, transfer

    def progress(p):
        job.report(p.fraction, f"epoch {p.epoch}/{p.epochs}")

    return summary(transfer(source_id, target, size, config, on_progress=progress, should_stop=job.should_stop))


def run_ui(meta, target: str, size: int) -> None:
    from core import jobs
    from core.transfer.run import TransferConfig
    from core.transfer.strategies import STRATEGIES

    st.subheader("2 · Transfer with a strategy")
    strategy = st.radio(
        "Strategy", STRATEGIES.names, format_func=lambda n: STRATEGIES.get(n).title, horizontal=True, key="tr_strategy"
    )
    st.caption(STRATEGIES.get(strategy).note)
    left, right = st.columns(2)
    fraction = left.select_slider("Labels used", FRACTIONS, 1.0, format_func=lambda f: f"{f:.0%}", key="tr_fraction")
    epochs = right.slider(
        "Most epochs", 1, 30, 15, key="tr_epochs", help="Training stops early when validation stalls."
    )
    config = TransferConfig(strategy, fraction, epochs=epochs)
    if st.button("Run the transfer", key="tr_run", type="primary", disabled=job_is_running(RUN_KEY)):
        st.session_state[RUN_KEY] = jobs.submit(_run, meta.id, target, size, config, name="transfer")
        st.rerun()
    job_panel(RUN_KEY, "Transfer: ", on_done=lambda job: _result(job.result), cancelled="Cancelled; nothing was saved.")


def _result(result: dict) -> None:
    a, b, c = st.columns(3)
    a.metric("test accuracy", f"{result['test_accuracy']:.3f}")
    b.metric("test AUC", f"{result['test_auc']:.3f}")
    c.metric("training images", f"{result['train_images']:,}")
    st.caption(f"Stored as {plain(result['model_id'])}, with the source model named as its parent.")
    if st.button("Use the new model (Train report, Explain)", key="tr_use"):
        select_model(result["model_id"], result["dataset"], result["size"])
        st.rerun()


def _curve(job, config):
    from core.compute.config import from_env
    from core.transfer.curve import run

    return run(config, compute=from_env(), on_progress=job.report, should_stop=job.should_stop)


def curve_ui(meta, target: str, size: int) -> None:
    from core import jobs
    from core.data import load
    from core.transfer.curve import CurveConfig, cached
    from core.transfer.strategies import STRATEGIES
    from core.viz.curve_figures import curve_chart
    from pages.estimates import curve_estimate

    st.subheader("3 · How many labels does the transfer save?")
    a, b, c = st.columns(3)
    strategy = a.selectbox(
        "Strategy against scratch",
        [n for n in STRATEGIES.names if STRATEGIES.get(n).uses_source],
        format_func=lambda n: STRATEGIES.get(n).title,
        key="tr_curve_strategy",
    )
    if st.button("Full settings (6 shares of labels, 3 seeds)", key="tr_curve_full"):
        st.session_state["tr_curve_fractions"], st.session_state["tr_curve_seeds"] = list(FRACTIONS), 3
    seeds = b.slider("Seeds", 1, 5, 1, key="tr_curve_seeds", help="Repeats with other subsets and initial weights.")
    epochs = c.slider("Most epochs per run", 1, 30, 15, key="tr_curve_epochs")
    fractions = st.multiselect(
        "Labels used", FRACTIONS, default=[0.1, 1.0], format_func=lambda f: f"{f:.0%}", key="tr_curve_fractions"
    )
    if not fractions:
        st.info("Pick at least one share of labels.")
        return
    config = CurveConfig(meta.id, target, size, strategy, tuple(sorted(fractions)), seeds, epochs)
    st.caption(
        f"{curve_estimate(load(target, size), config.plan().runs(), epochs, target)} Each finished training is "
        "kept, so nothing is computed twice."
    )
    if st.button("Run the curve", key="tr_curve_run", disabled=job_is_running(CURVE_KEY)):
        st.session_state[CURVE_KEY] = jobs.submit(_curve, config, name="transfer curve")
        st.rerun()
    job_panel(CURVE_KEY, cancelled="Cancelled; every run finished so far is kept.")
    rows = cached(config)
    if rows:
        title = STRATEGIES.get(strategy).title.lower()
        st.plotly_chart(curve_chart(rows, {"scratch": "from scratch", strategy: title}), key="tr_curve_chart")
        st.dataframe(rows, hide_index=True, key="tr_curve_table")


def main() -> None:
    from core.models.store import read_meta

    st.title("Transfer")
    plain_words("transfer", "Transfer, in plain words")
    model_id = model_id_or_prompt()
    if model_id is None:
        return
    meta = read_meta(model_id)
    if meta.format != "keras":
        st.info("A compressed TFLite file cannot be trained further: pick its Keras parent in the sidebar.")
        return
    st.caption(f"Source: {plain(meta.name)} (trained on {plain(meta.dataset)}, {meta.size}x{meta.size}).")
    target, size = target_ui(meta)
    shift_ui(meta, target, size)
    run_ui(meta, target, size)
    curve_ui(meta, target, size)


route_through_app()
main()

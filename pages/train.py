"""Train: fit a model in the background with live curves, read its report card, manage the store."""

import streamlit as st

from pages.common import (
    current_dataset_name,
    current_model_id,
    current_size,
    dataset_or_stop,
    model_decision,
    model_or_none,
    plain,
    route_through_app,
    select_model,
    show_error,
)
from pages.keys import PIPELINE_KEY
from pages.teaching import plain_words
from pages.widgets import job_is_running, job_panel

JOB_KEY = "train_job"


def train_config_ui():
    """The training settings, returned as a ``TrainConfig``."""
    from core.models.architectures import ARCHITECTURES
    from core.models.train import TrainConfig

    left, middle, right = st.columns(3)
    arch = left.selectbox(
        "Architecture",
        ARCHITECTURES.names,
        key="train_arch",
        help="\n\n".join(f"**{e.name}**: {e.description}" for e in ARCHITECTURES.entries()),
    )
    epochs = middle.slider(
        "Most epochs", 1, 60, 30, key="train_epochs", help="Training stops early when validation loss stops improving."
    )
    seed = right.number_input(
        "Seed", 0, 1_000_000, 0, key="train_seed", help="Same seed, same data and settings: same model."
    )
    with st.expander("When to stop, and class balance"):
        patience = st.slider(
            "Patience (epochs)",
            1,
            30,
            TrainConfig.patience,
            key="train_patience",
            help="Stop after this many epochs without a better validation loss, and keep the best epoch. "
            "Small datasets learn in bursts: give them more.",
        )
        balanced = st.checkbox(
            "Balance the classes",
            TrainConfig.class_weights,
            key="train_balanced",
            help="Weigh each class by how rare it is, so the model does not ignore the smaller one: it finds more "
            "of the rare class, at the price of more false alarms and often a lower plain accuracy.",
        )
    return TrainConfig(arch=arch, epochs=int(epochs), seed=int(seed), patience=int(patience), class_weights=balanced)


def _run_training(job, name: str, size: int, config, augment=None):
    from core.models.workflow import train_and_store

    def progress(p) -> None:
        job.report(p.fraction, f"epoch {p.epoch}/{p.epochs}, batch {p.batch}/{p.batches}", detail=p)

    return train_and_store(name, size, config, on_progress=progress, should_stop=job.should_stop, augment=augment)


def training_panel() -> None:
    """The training job: live curves while it runs, then the new model selected and summarised."""

    def live(job) -> None:
        from core.viz.train_figures import training_curves

        if job.detail is not None and job.detail.history:
            st.plotly_chart(training_curves(job.detail.history), key="live_curves")

    def done(job) -> None:
        s = job.result.summary()
        st.success(
            f"Trained **{s['model_id']}** in {s['train_seconds']:.0f} s: test accuracy "
            f"{s['test_accuracy']:.3f}, test AUC {s['test_auc']:.3f} (best epoch {s['best_epoch']} of {s['epochs']})."
        )

    job_panel(
        JOB_KEY,
        "Training… ",
        on_done=done,
        on_first_done=lambda job: select_model(job.result.meta.id),
        live=live,
        cancelled="Training was cancelled; nothing was saved.",
    )


def report_card(model_id: str) -> None:
    from core.models import store
    from core.viz import train_figures

    meta = store.read_meta(model_id)
    st.subheader(f"Report card: {plain(meta.name)}")
    evaluation = _evaluation(model_id, meta.created, st.session_state.get("train_eval_split", "test"))
    if evaluation is None:
        return
    columns = st.columns(4)
    columns[0].metric("accuracy", f"{evaluation.accuracy:.3f}")
    columns[1].metric("AUC", f"{evaluation.auc:.3f}")
    columns[2].metric("calibration error", f"{evaluation.ece:.3f}")
    columns[3].metric("parameters", f"{meta.params:,}")
    st.selectbox("Split", ["test", "val", "train"], key="train_eval_split")
    st.dataframe(
        [
            {"class": r.name, "precision": r.precision, "recall": r.recall, "f1": r.f1, "support": r.support}
            for r in evaluation.per_class
        ],
        hide_index=True,
    )
    left, right = st.columns(2)
    left.plotly_chart(train_figures.confusion_matrix(evaluation), key="confusion")
    right.plotly_chart(train_figures.roc_curves(evaluation), key="roc")
    left, right = st.columns(2)
    left.plotly_chart(train_figures.calibration_plot(evaluation), key="calibration")
    if meta.metrics.get("history"):
        right.plotly_chart(train_figures.training_curves(meta.metrics["history"]), key="history")
    if len(evaluation.class_names) == 2:
        operating_point_panel(meta, evaluation)
    model_card_downloads(model_id)


def model_card_downloads(model_id: str) -> None:
    """The model card (data, figures, calibration, intended use, limitations, lineage) to take away."""
    from core.report import card

    left, right = st.columns(2)
    left.download_button("Model card (Markdown)", card.markdown(model_id), "model-card.md", key="train_card_md")
    right.download_button(
        "Model card (HTML)", card.html(model_id), "model-card.html", "text/html", key="train_card_html"
    )


def operating_point_panel(meta, evaluation) -> None:
    """A threshold slider that moves the operating point along the ROC curve; the figures follow live."""
    from core.models import clinical
    from core.viz import clinical_figures

    decision = model_decision(meta.id, meta.created)
    negative, positive = evaluation.class_names
    calibrated = clinical.apply_temperature(evaluation.probabilities, decision["temperature"])
    scores, truth = clinical.one_vs_rest(calibrated, evaluation.labels, 1)
    st.subheader(f"Operating point: when does the model call {plain(positive)}?")
    stored = float(decision["thresholds"][1] if decision["thresholds"][1] is not None else 0.5)
    threshold = st.slider(
        f"Decision threshold on the calibrated {positive} probability",
        0.0, 1.0, round(stored, 3), 0.005, format="%.3f", key="train_threshold",
        help=f"Chosen on validation by Youden's J: {stored:.3f}. Lower finds more cases and raises more false alarms.",
    )  # fmt: skip
    point = clinical.operating_point(scores, truth, threshold, "chosen here")
    columns = st.columns(4)
    for column, (label, value) in zip(
        columns,
        [
            ("sensitivity", point.sensitivity),
            ("specificity", point.specificity),
            ("PPV", point.ppv),
            ("NPV", point.npv),
        ],
        strict=True,
    ):
        column.metric(label, f"{value:.3f}")
    left, right = st.columns(2)
    left.plotly_chart(clinical_figures.roc_with_point(scores, truth, point, positive), key="train_roc_point")
    counts = clinical.confusion_at(scores, truth, threshold)
    right.plotly_chart(clinical_figures.confusion_at(counts, negative, positive), key="train_confusion_point")
    st.plotly_chart(clinical_figures.decision_curve(clinical.net_benefit(scores, truth)), key="train_decision_curve")
    st.caption(
        f"Probabilities calibrated on validation (temperature {decision['temperature']:.2f}). Sensitivity: the share "
        f"of {positive} cases the model calls; specificity: the share of {negative} cases it leaves alone."
    )


@st.cache_data(max_entries=16, show_spinner="Evaluating…")
def _evaluation_cached(model_id: str, created: str, split: str):
    from core.data import load
    from core.models.metrics import evaluate
    from core.models.store import read_meta
    from pages.common import load_model

    meta = read_meta(model_id)
    return evaluate(load_model(model_id, created), load(meta.dataset, meta.size), split)


def _evaluation(model_id: str, created: str, split: str):
    from core.errors import MedLensError

    if model_or_none(model_id) is None:
        return None
    try:
        return _evaluation_cached(model_id, created, split)
    except MedLensError as error:
        show_error(error)
        return None


def model_store_ui() -> None:
    from core.errors import MedLensError
    from core.models import store

    st.subheader("Model store")
    models = store.list_models()
    if not models:
        st.caption("No models yet.")
        return
    st.dataframe(
        [
            {
                "name": m.name,
                "dataset": m.dataset,
                "size": m.size,
                "architecture": m.arch,
                "test accuracy": m.metrics.get("test_accuracy"),
                "test AUC": m.metrics.get("test_auc"),
                "parameters": m.params,
                "MB": round(m.file_bytes / 1e6, 2),
                "created": m.created,
                "id": m.id,
            }
            for m in models
        ],
        hide_index=True,
    )
    names = {m.id: f"{m.name} ({m.dataset})" for m in models}
    chosen = st.selectbox("Manage model", list(names), format_func=names.get, key="store_pick")
    left, middle, right = st.columns([3, 1, 1])
    new_name = left.text_input("New name", key="store_new_name", placeholder="e.g. pneumonia baseline")
    picked = next(m for m in models if m.id == chosen)
    if st.button("Use this model", key="store_use", help="Make it the session's model (and switch to its dataset)."):
        select_model(picked.id, picked.dataset, picked.size)
        st.rerun()
    try:
        if middle.button("Rename", key="store_rename", disabled=not new_name.strip()):
            store.rename(chosen, new_name)
            st.rerun()
        confirm = right.checkbox("Confirm delete", key="store_confirm_delete")
        if right.button("Delete", key="store_delete", disabled=not confirm, type="primary"):
            store.delete(chosen)
            st.rerun()
    except MedLensError as error:
        show_error(error)


def main() -> None:
    from core import jobs

    dataset = dataset_or_stop()
    st.title(f"Train on {plain(dataset.title)}")
    plain_words("metrics", "What the report card's figures mean, in plain words")
    config = train_config_ui()
    pipeline = st.session_state.get(PIPELINE_KEY)
    use_pipeline = pipeline is not None and st.checkbox(
        "Augment with the pipeline built on the Augment page",
        key="train_use_pipeline",
        help="Otherwise training uses a light default jitter (small rotations, shifts and zooms).",
    )
    running = job_is_running(JOB_KEY)
    if st.button("Train", type="primary", key="train_start", disabled=running, icon=":material/play_arrow:"):
        st.session_state[JOB_KEY] = jobs.submit(
            _run_training,
            current_dataset_name(),
            current_size(),
            config,
            pipeline if use_pipeline else None,
            name="train",
        )
        st.rerun()
    training_panel()
    model_id = current_model_id()
    if model_id is None:
        st.info("No model for this dataset yet: press **Train** to make one.")
    else:
        report_card(model_id)
    model_store_ui()


route_through_app()
main()

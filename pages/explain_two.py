"""The Explain page's two-model panel: this model and another (a stored model or a compressed file measured on
the Compress page) on one image — each one's call at its own operating point, and where each one looked."""

import numpy as np
import streamlit as st

from pages.common import model_decision, plain
from pages.teaching import term

PENDING_KEY = "exp_compare_pending"  # a compressed file a link asked to compare with, until the panel shows it


def two_model_panel(meta, predictor, shown, keras_loader, tflite_loader) -> None:
    """``shown``: the page's (image, method, settings, target, background, seed)."""
    from core.errors import MedLensError

    st.subheader("Two models, one image: decisions and explanation drift")
    options = _options(meta)
    if not options:
        st.caption("No other model for this dataset yet: compress this one (Compress page) or train another.")
        return
    _preselect_linked(meta, options)
    choice = st.selectbox("Compare with", list(options), format_func=options.get, key="exp_other")
    kind, _, ident = choice.partition(":")
    try:
        other = _loaders(keras_loader, tflite_loader)[kind](ident, meta)
    except MedLensError as error:
        st.warning(plain(error))
        return
    if kind == "parent":
        st.caption(
            "The source this model was transferred from, reading the same image (resized and bridged to its own "
            "input): its answer is about its own classes."
        )
    _calls_side_by_side(meta, predictor, other, _other_decision(kind, ident, meta), shown[0], options[choice])
    _maps_side_by_side(predictor, other, shown, options[choice])


def _loaders(keras_loader, tflite_loader) -> dict:
    return {
        "store": lambda ident, meta: keras_loader(ident, _meta(ident).created),
        "tflite": lambda ident, meta: tflite_loader(ident),
        "parent": lambda ident, meta: _parent_reader(ident, _meta(ident).created, tuple(meta_shape(meta))),
    }


def meta_shape(meta) -> tuple[int, int, int]:
    from core.data import load

    return load(meta.dataset, meta.size).image_shape


@st.cache_resource(max_entries=4, show_spinner=False)
def _parent_reader(parent_id: str, created: str, shape: tuple[int, int, int]):
    """A transferred model's source, reading images of the transferred model's shape."""
    from core.explain.predictor import Predictor
    from core.models import store
    from core.transfer.adapt import reader

    return Predictor(reader(store.load(parent_id), shape), name=parent_id)


def _meta(model_id: str):
    from core.models.store import read_meta

    return read_meta(model_id)


def _options(meta) -> dict[str, str]:
    from core.models import store

    options = {
        f"store:{m.id}": m.name for m in store.list_models(meta.dataset) if m.size == meta.size and m.id != meta.id
    }
    if meta.parent and f"store:{meta.parent}" not in options and _parent_is_keras(meta.parent):
        options[f"parent:{meta.parent}"] = f"{_meta(meta.parent).name} (the source of this transfer)"
    return options | {f"tflite:{path}": label for path, label in _compressed_files(meta).items()}


def _parent_is_keras(parent_id: str) -> bool:
    from core.errors import MedLensError

    try:
        return _meta(parent_id).format == "keras"
    except MedLensError:
        return False  # the parent was deleted


def _compressed_files(meta) -> dict[str, str]:
    """TFLite files measured on the Compress page for this model: path -> label."""
    from core.compress.run import measured_artifacts

    if meta.format != "keras":
        return {}  # a compressed file is not compressed again
    artifacts = measured_artifacts(_model_key(meta))
    return {str(path): f"{meta.name} · {name} (TFLite)" for name, path in artifacts.items()}


def _model_key(meta) -> str:
    from core.keras_files import model_hash
    from pages.common import load_model

    return model_hash(load_model(meta.id, meta.created))


def _preselect_linked(meta, options: dict) -> None:
    """A link from the Compress page's flipped cases picks its compressed file here, once."""
    from core.compress.run import measured_file

    pending = st.session_state.pop(PENDING_KEY, None)
    found = measured_file(_model_key(meta), pending) if pending and meta.format == "keras" else None
    if found is not None and f"tflite:{found[1]}" in options:
        st.session_state["exp_other"] = f"tflite:{found[1]}"


@st.cache_data(max_entries=16, show_spinner="Fitting the compressed file's operating point on validation…")
def _file_decision(path: str, dataset_name: str, size: int) -> dict:
    from pathlib import Path

    from core.compress.workflow import file_decision
    from core.data import load

    return file_decision(Path(path).read_bytes(), load(dataset_name, size))


def _other_decision(kind: str, ident: str, meta) -> dict | None:
    if kind in ("store", "parent"):
        return model_decision(ident, _meta(ident).created)
    return _file_decision(ident, meta.dataset, meta.size)


def _calls_side_by_side(meta, predictor, other, other_decision, image, other_label) -> None:
    """Each model's calibrated probability and call at its own operating point (binary models)."""
    from core.data import load
    from core.models.clinical import decide

    ours = list(load(meta.dataset, meta.size).class_names)
    theirs = ours if other.num_classes == len(ours) and not _is_parent(other, meta) else _parent_names(meta)
    for column, model, decision, label, names in zip(
        st.columns(2),
        (predictor, other),
        (model_decision(meta.id, meta.created), other_decision),
        (meta.name, other_label),
        (ours, theirs),
        strict=True,
    ):
        from core.explain.service import predict

        probabilities = predict(model, image)[0]
        call = decide(probabilities, decision, names)
        if call is None:
            answer = names[int(probabilities.argmax())]
            column.markdown(f"**{plain(label)}** says **{plain(answer)}** ({probabilities.max():.1%})")
            continue
        verdict = plain(call.positive_class) if call.positive else f"not {plain(call.positive_class)}"
        column.markdown(
            f"**{plain(label)}**: calibrated probability of {plain(call.positive_class)} {call.probability:.1%}, "
            f"threshold {call.threshold:.1%} → **{verdict}**"
        )


def _is_parent(other, meta) -> bool:
    return bool(meta.parent) and other.name == meta.parent


def _parent_names(meta) -> list[str]:
    from core.data import load

    parent = _meta(meta.parent)
    return list(load(parent.dataset, parent.size).class_names)


def _maps_side_by_side(predictor, other, shown, other_label) -> None:
    """Both models' maps with one method both can run: the page's, or a model-agnostic one for a TFLite file."""
    from core.errors import MedLensError
    from core.explain.base import METHODS
    from core.explain.compare import drift
    from core.explain.service import explain
    from core.viz.explain_figures import overlay_figure

    image, method, settings, target, background, seed = shown
    both_keras = predictor.keras is not None and other.keras is not None
    usable = [n for n in METHODS.names if both_keras or not METHODS.get(n).needs_gradients]
    if method not in usable:
        st.caption(f"{METHODS.get(method).title} needs gradients, which a TFLite file has not: pick a method for both.")
        method = st.selectbox("Method for both", usable, format_func=lambda n: METHODS.get(n).title, key="exp_two_m")
        settings = METHODS.get(method).validate({})
    own = target if other.num_classes == predictor.num_classes else int(other.on_images(image)[0].argmax())
    try:
        ours, theirs = (
            explain(model, image[np.newaxis], method, settings, np.array([goal]), seed, background)
            for model, goal in ((predictor, target), (other, own))
        )
    except MedLensError as error:
        st.warning(plain(error))
        return
    figures = drift(ours.maps, theirs.maps)
    left, right = st.columns(2)
    left.plotly_chart(overlay_figure(image, ours.maps[0], 0.6, "this model"), key="exp_two_a")
    right.plotly_chart(overlay_figure(image, theirs.maps[0], 0.6, other_label), key="exp_two_b")
    a, b = st.columns(2)
    a.metric(
        "rank correlation",
        f"{figures['rank_correlation']:.3f}",
        help=f"1: the two maps rank pixels alike. See {term('rank correlation')}.",
    )
    b.metric(
        "top-10% overlap (IoU)",
        f"{figures['top_k_iou']:.3f}",
        help=f"1: both point at the same regions. See {term('IoU')}.",
    )

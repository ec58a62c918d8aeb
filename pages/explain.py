"""Explain: where did the model look? Several methods, compared, and scored for faithfulness."""

import numpy as np
import streamlit as st

from pages.case_report import case_report_panel
from pages.common import (
    dataset_or_stop,
    model_id_or_prompt,
    plain,
    route_through_app,
    session_scope,
    show_error,
    stored_predictor,
)
from pages.domain_guard import domain_note
from pages.explain_link import LINK_KEY, linked_image, take_link
from pages.teaching import plain_words, presenting
from pages.widgets import param_widgets

DISPLAY_KEY = "exp_display"  # (caption, the uploaded image squared at up to DISPLAY_SIDE px): the overlay's backdrop
DISPLAY_SIDE = 512


@st.cache_resource(max_entries=8, show_spinner=False)
def _tflite_predictor(path: str):
    from pathlib import Path

    from core.explain.predictor import Predictor

    return Predictor(tflite=Path(path).read_bytes(), name=Path(path).parent.name)


@st.cache_data(max_entries=8, show_spinner="Predicting the split…")
def _split_probabilities(model_id: str, created: str, split: str, _dataset) -> np.ndarray:
    from core.compute.pool import waiting_notice
    from core.explain.service import predict

    with waiting_notice(lambda place: None):  # a cached function may not draw: its wait is not shown
        return predict(stored_predictor(model_id, created), _dataset.images(split))


def image_picker_ui(dataset, probabilities_of):
    """Returns (uint8 image HWC, caption, true label or None)."""
    from core.errors import MedLensError

    linked = linked_image(dataset)
    if linked is not None:  # a test image named by a link
        remember_backdrop(dataset, "test", st.session_state[LINK_KEY], linked[1])
        return linked
    source = st.radio("Image", ["from the dataset", "your image"], horizontal=True, key="exp_source")
    if source == "your image":
        from core.inputs.images import fit_to, render
        from pages.image_input import decoded_or_error, image_source_ui, window_ui

        chosen = image_source_ui("exp")
        if chosen is None:
            st.info("Pick an example or upload a file, or pick an image from the dataset.")
            st.stop()
        decoded = decoded_or_error(chosen[0], "exp")
        if decoded is None:
            st.stop()
        frame, window = window_ui(decoded, "exp")
        try:
            rendered = render(decoded, frame, window)
            st.session_state[DISPLAY_KEY] = (chosen[1], display_square(rendered, dataset.squaring))
            return fit_to(rendered, dataset.image_shape, dataset.squaring), chosen[1], None
        except MedLensError as error:
            show_error(error)
            st.stop()
    return _dataset_image_ui(dataset, probabilities_of)


def display_square(rendered, squaring: str):
    """The upload as the user sees it, squared by the dataset's rule, at up to ``DISPLAY_SIDE`` px."""
    from core.data.square import resize_square, square

    squared = square(rendered, squaring)
    return resize_square(squared, min(squared.shape[0], DISPLAY_SIDE), squared.shape[2])


def _dataset_image_ui(dataset, probabilities_of):
    from core.explain.selection import ORDERS, candidates

    left, middle, right = st.columns(3)
    split = left.selectbox("Split", ["test", "val", "train"], key="exp_split")
    wanted = middle.selectbox("True class", ["any", *dataset.class_names], key="exp_class")
    order = right.selectbox("Show", list(ORDERS), key="exp_mode")
    labels = dataset.labels(split)
    true_class = None if wanted == "any" else dataset.class_names.index(wanted)
    chosen = candidates(labels, probabilities_of(split), true_class, order)
    if len(chosen) == 0:
        st.info("No image matches these filters.")
        st.stop()
    index = int(chosen[0])
    if len(chosen) > 1:  # the slider reads the image's own number (#N in the split), in the chosen order
        index = st.select_slider("Image", [int(i) for i in chosen], format_func=lambda i: f"#{i}", key="exp_image")
    caption = f"{split} #{index}"
    remember_backdrop(dataset, split, index, caption)
    return dataset.images(split)[index], caption, dataset.class_names[int(labels[index])]


def remember_backdrop(dataset, split: str, index: int, caption: str) -> None:
    """A dataset image's overlay backdrop: the image as an import stores it when larger than the training size;
    cleared otherwise, so another dataset's image of the same caption is never drawn."""
    from core.data.loader import stored_image

    st.session_state.pop(DISPLAY_KEY, None)
    stored = stored_image(dataset.name, split, index)
    if stored is not None and stored.shape[0] > dataset.image_shape[0]:
        st.session_state[DISPLAY_KEY] = (caption, stored)


def main() -> None:
    from core.explain.service import scoped
    from core.models.store import read_meta

    st.title("Explain")
    plain_words("explain", "What each method answers, and how it fails, in plain words")
    take_link()
    model_id = model_id_or_prompt()
    if model_id is None:
        return
    dataset = dataset_or_stop()
    meta = read_meta(model_id)
    predictor = stored_predictor(model_id, meta.created)
    probabilities_of = lambda split: _split_probabilities(model_id, meta.created, split, dataset)  # noqa: E731
    image, caption, truth = image_picker_ui(dataset, probabilities_of)
    uploaded = st.session_state.get("exp_source") == "your image" and LINK_KEY not in st.session_state
    with scoped(session_scope() if uploaded else None):
        _explain_image(model_id, meta, dataset, predictor, probabilities_of, image, caption, truth)


def _explain_image(model_id, meta, dataset, predictor, probabilities_of, image, caption, truth) -> None:
    from core.compute.pool import background_work
    from core.data.square import rule_name
    from core.explain.service import training_background
    from pages.explain_panels import compare_panel, faithfulness_panel, gallery_panel
    from pages.explain_two import two_model_panel

    left, right = st.columns([1, 2])
    predicted = _prediction_view(left, predictor, dataset, image, caption, truth, meta)
    with right:
        method, target, opacity, settings, seed = _method_ui(predictor, dataset, predicted, caption)
    background = training_background(dataset, seed=seed)
    _overlay_view(model_id, predictor, dataset, image, caption, method, target, opacity, settings, seed, background)
    with background_work():  # the panels below never hold up another session's prediction or overlay
        chosen = compare_panel(predictor, image, target, background, seed, method)
        faithfulness_panel(predictor, image, target, chosen, background, seed, dataset.images("test"))
        shown = (image, method, settings, target, background, seed)
        two_model_panel(meta, predictor, shown, stored_predictor, _tflite_predictor)
        facts = {"image": caption, "dataset": dataset.title, "made square by": rule_name(dataset.squaring)}
        case_report_panel(meta.id, image, facts, "exp_case")
        gallery_panel(predictor, dataset, method, settings, seed, probabilities_of)


def _prediction_view(column, predictor, dataset, image, caption, truth, meta) -> int:
    """The model's answer, its class probabilities and, for a binary model, the call at its operating point;
    returns the predicted class."""
    from core.data.square import rule_line
    from core.models.clinical import decide
    from core.viz.explain_figures import probability_bars

    with column, st.spinner("Reading the image…"):  # a visible sign while the page reruns on a new image
        from core.explain.service import predict

        probabilities = predict(predictor, image)[0]
    predicted = int(probabilities.argmax())
    column.markdown(f"**{caption}** · true class: **{plain(truth or 'unknown')}**")
    column.markdown(f"Model says **{plain(dataset.class_names[predicted])}** ({probabilities[predicted]:.1%})")
    display = st.session_state.get(DISPLAY_KEY)
    source = display[1] if display is not None and display[0] == caption else None
    domain_note(column, meta.id, meta.created, image, dataset.title, source)
    column.caption(rule_line(dataset.squaring))
    column.plotly_chart(probability_bars(dataset.class_names, probabilities), key="exp_probabilities")
    call = decide(probabilities, meta.metrics.get("decision"), list(dataset.class_names))
    if call is not None:
        verdict = plain(call.positive_class) if call.positive else f"not {plain(call.positive_class)}"
        column.markdown(
            f"Calibrated probability of {plain(call.positive_class)}: **{call.probability:.1%}**; at the operating "
            f"point (threshold {call.threshold:.1%}, chosen on validation) the call is **{verdict}**."
        )
    return predicted


def _method_ui(predictor, dataset, predicted: int, caption: str):
    """Method, class to explain (the prediction for each new image, unless pinned), opacity, the method's settings
    and the seed."""
    from core.explain.base import METHODS

    usable = [n for n in METHODS.names if predictor.keras is not None or not METHODS.get(n).needs_gradients]
    method = st.selectbox("Method", usable, format_func=lambda n: METHODS.get(n).title, key="exp_method")
    spec = METHODS.get(method)
    classes = list(range(dataset.num_classes))
    pinned = st.session_state.get("exp_pin", False)
    if not pinned and st.session_state.get("exp_target_image") != caption:  # a new image: follow its prediction
        st.session_state["exp_target"] = predicted
    st.session_state["exp_target_image"] = caption
    left, right = st.columns([3, 1])
    target = left.selectbox(
        "Explain the class", classes, format_func=lambda c: dataset.class_names[c], key="exp_target"
    )
    right.checkbox(
        "Pin", key="exp_pin", help="Keep explaining this class on the next images instead of each one's prediction."
    )
    opacity = st.slider("Heatmap opacity", 0.0, 1.0, 0.6, 0.05, key="exp_opacity")
    st.toggle(
        "Same scale for every method (−1 … 1)",
        value=True,
        key="exp_relative",
        help="Each map divided by its largest value, so methods with different units (Grad-CAM ±1, LIME ±0.01, "
        "SHAP in millionths of a probability) share one symmetric colour scale. Off: each method's own values.",
    )
    with st.expander("Method settings"):
        if method == "gradcam" and predictor.keras is not None:
            from core.explain.gradients import conv_layer_names

            layers = ["auto", *conv_layer_names(predictor.keras)]
            settings = {"layer": st.selectbox("layer", layers, key="exp_gradcam_layer", help=spec.params[0].help)}
        else:
            settings = param_widgets(spec.params, f"exp_{method}")
        seed = int(st.number_input("Seed", 0, 10_000, 0, key="exp_seed"))
    return method, target, opacity, settings, seed


def _overlay_view(model_id, predictor, dataset, image, caption, method, target, opacity, settings, seed, background):
    """The chosen method's map over the image, with downloads."""
    import io

    from core.errors import MedLensError
    from core.explain.base import METHODS
    from core.explain.service import explain
    from core.viz import explain_figures

    spec = METHODS.get(method)
    try:
        with st.spinner(f"{spec.title}…"):
            result = explain(predictor, image[np.newaxis], method, settings, np.array([target]), seed, background)
    except MedLensError as error:
        show_error(error)
        st.stop()
    attribution, segments = result.maps[0], result.extras.get("segments")
    title = f"{spec.title} for '{dataset.class_names[target]}' ({result.seconds * 1000:.0f} ms)"
    backdrop, shown_map = image, attribution
    display = st.session_state.get(DISPLAY_KEY)
    if display is not None and display[0] == caption and display[1].shape[0] > image.shape[0] and segments is None:
        backdrop, shown_map = display[1], explain_figures.upsampled(attribution, display[1].shape[0])
        title += f" · drawn over the image at {backdrop.shape[0]} px"
    figure = explain_figures.overlay_figure(
        backdrop,
        shown_map,
        opacity,
        title,
        None if segments is None else segments[0],
        presenting(),
        st.session_state.get("exp_relative", True),
    )
    plain_image, overlay = st.columns([2, 3])
    shown = image[..., 0] if image.shape[2] == 1 else image
    plain_image.image(shown, caption="The image alone, at display size", width="stretch")
    overlay.plotly_chart(figure, key="exp_overlay")
    if "base_value" in result.extras:
        st.caption(shap_reading(result.extras, dataset.class_names[target]))
    left, right = st.columns(2)
    png = explain_figures.overlay_png(image, attribution, opacity)
    left.download_button("Overlay (PNG)", png, file_name=f"{model_id}-{method}.png", key="exp_dl_png")
    buffer = io.BytesIO()
    np.save(buffer, result.maps)
    right.download_button("Maps (.npy)", buffer.getvalue(), file_name=f"{model_id}-{method}.npy", key="exp_dl_npy")
    st.markdown(spec.note)


def shap_reading(extras: dict, class_name: str) -> str:
    """What a SHAP map adds up to, on which scale."""
    base, output = float(extras["base_value"][0]), float(extras["model_output"][0])
    scale = "log-odds" if int(extras["log_odds"][0]) else "probability"
    why = (
        " (the prediction is saturated, so the log-odds scale shows what each region adds)"
        if scale == "log-odds"
        else ""
    )
    return (
        f"On the {scale} scale{why}: with every region hidden the model gives '{plain(class_name)}' {base:.2f} (the "
        f"base value); on this image {output:.2f}. Red and blue add up to the difference, {output - base:+.2f}."
    )


route_through_app()
main()

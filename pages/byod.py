"""Your data: predict and explain your own image, import a labelled dataset, bring a trained model.

Every file goes through ``core.inputs`` (content-sniffed, size-capped, DICOM de-identified);
nothing reaches MEDLENS_HOME until you press a Save button.
"""

from dataclasses import replace

import numpy as np
import streamlit as st

from core.errors import MedLensError
from pages.case_report import case_report_panel
from pages.common import (
    current_dataset_name,
    current_size,
    dataset_or_stop,
    model_id_or_prompt,
    plain,
    route_through_app,
    select_model,
    session_scope,
    session_space,
    show_error,
    stored_predictor,
)
from pages.domain_guard import domain_note
from pages.external_validation import validation_tab
from pages.image_input import decoded_or_error, fingerprint, image_source_ui, summary_rows, window_ui
from pages.teaching import plain_words
from pages.widgets import fresh_upload, job_is_running, job_panel


def image_tab() -> None:
    from core.inputs.images import fit_to, render

    chosen = image_source_ui("byod")
    if chosen is None:
        st.info("Pick an example or upload a file to see what the model says about it.")
        return
    data, label = chosen
    decoded = decoded_or_error(data, "byod")
    if decoded is None:
        return
    left, right = st.columns([1, 1])
    with left:
        frame, window = window_ui(decoded, "byod")
        try:
            pixels = render(decoded, frame, window)
        except MedLensError as error:
            show_error(error)
            return
        st.image(pixels if pixels.shape[2] == 3 else pixels[..., 0], width=320)
        st.caption(f"{label} · {decoded.format.upper()} · window W {window.width:g} / L {window.center:g}")
        st.caption(f"Image id {fingerprint(data)} (a hash of the file; the file stays in this session only)")
        with st.expander("Technical details (no patient fields are ever read out)"):
            st.dataframe(summary_rows(decoded), hide_index=True)
    with right:
        predict_panel(
            fit_to_model=lambda shape, rule: fit_to(pixels, shape, rule), image_id=fingerprint(data), source=pixels
        )


def predict_panel(fit_to_model, image_id: str, source=None) -> None:
    from core.data.square import rule_line, rule_name
    from core.explain.base import METHODS
    from core.explain.service import explain
    from core.models.store import read_meta
    from core.viz import explain_figures

    model_id = model_id_or_prompt()
    if model_id is None:
        return
    dataset = dataset_or_stop()
    try:
        predictor = stored_predictor(model_id, read_meta(model_id).created)
    except MedLensError as error:
        show_error(error)
        return
    image = fit_to_model(dataset.image_shape, dataset.squaring)
    with st.spinner("Reading the image…"):
        from core.explain.service import predict

        probabilities = predict(predictor, image)[0]
    best = int(probabilities.argmax())
    st.markdown(f"The model says **{plain(dataset.class_names[best])}** ({probabilities[best]:.1%}).")
    domain_note(st, model_id, read_meta(model_id).created, image, dataset.title, source)
    st.plotly_chart(explain_figures.probability_bars(dataset.class_names, probabilities), key="byod_probabilities")
    st.caption(
        f"What the model sees: {dataset.image_shape[0]}x{dataset.image_shape[1]}, "
        f"{'gray' if dataset.channels == 1 else 'RGB'}. {rule_line(dataset.squaring)}"
    )
    method = st.selectbox("Explain with", METHODS.names, format_func=lambda n: METHODS.get(n).title, key="byod_method")
    try:
        with st.spinner("Explaining…"):
            result = explain(predictor, image[np.newaxis], method, scope=session_scope())
    except MedLensError as error:
        show_error(error)
        return
    st.plotly_chart(
        explain_figures.overlay_figure(
            image, result.maps[0], 0.6, f"{METHODS.get(method).title} for '{dataset.class_names[best]}'"
        ),
        key="byod_overlay",
    )
    st.caption(f"Explanation of image {image_id} by model {model_id}.")
    case_report_panel(
        model_id, image, {"image": f"your image {image_id}", "made square by": rule_name(dataset.squaring)}, "byod_case"
    )


def _run_import(job, source, name: str, size: int | None, seed: int, channels, squaring: str):
    """``source``: the bytes of a zip/npz, or (relative path, bytes) pairs of an uploaded folder; ``size`` None
    keeps each image's own size up to 512 px."""
    from core.inputs.dataset_import import import_dataset, import_uploaded_folder

    def progress(done: int, total: int) -> None:
        job.report(done / total, f"read {done} of {total} files")

    reader = import_uploaded_folder if isinstance(source, list) else import_dataset
    return reader(
        source,
        name,
        size=size,
        seed=seed,
        channels=channels,
        squaring=squaring,
        progress=progress,
        should_stop=job.should_stop,
    )


def dataset_tab() -> None:
    from core.jobs import submit

    st.markdown(
        "A **zip of class folders** (`<class>/<images>`, or `train|val|test/<class>/<images>` to keep your "
        "splits) or a **MedMNIST-layout .npz**. Images may be PNG, JPEG, TIFF or DICOM."
    )
    _dataset_source_ui()
    source = st.session_state.get("byod_ds_source")
    if source is None:
        return
    data, label = source
    name, size, squaring, channels, seed = _import_settings_ui()
    if st.button(f"Check {label}", type="primary", key="byod_ds_check", disabled=job_is_running("byod_ds_job")):
        st.session_state["byod_ds_job"] = submit(_run_import, data, name, size, seed, channels, squaring)
    job = job_panel("byod_ds_job", "Reading: ")
    if job is not None:
        _import_report_view(*job.result, name)


def _import_settings_ui():
    """Name, stored size (or native up to 512 px), squaring rule, channels and split seed."""
    from core.data.square import IMPORT_SQUARING, SQUARING

    left, middle, square, right, last = st.columns(5)
    name = left.text_input("Name", value="my-dataset", key="byod_ds_name", max_chars=40)
    size = middle.selectbox(
        "Store at",
        [28, 64, 128, 224, "native (up to 512)"],
        key="byod_ds_size",
        help="Native keeps each image's detail up to 512 px; you can then train at any smaller size.",
    )
    squaring = square.selectbox(
        "Make square by",
        IMPORT_SQUARING,
        key="byod_ds_squaring",
        help="\n\n".join(f"**{e.name}**: {e.description}" for e in SQUARING.entries() if e.name in IMPORT_SQUARING),
    )
    channel_choice = right.selectbox("Channels", ["auto", "gray", "RGB"], key="byod_ds_channels")
    seed = last.number_input("Split seed", 0, 10_000, 0, key="byod_ds_seed")
    channels = {"auto": None, "gray": 1, "RGB": 3}[channel_choice]
    return name, (size if isinstance(size, int) else None), squaring, channels, int(seed)


def _dataset_source_ui() -> None:
    """The example zip, a zip/npz upload or a folder upload; the chosen bytes go to the session."""
    from core.inputs.dataset_import import check_folder_upload
    from core.inputs.samples import class_folder_zip

    if st.button("Example: a class-folder zip of 120 real images from the current dataset", key="byod_ds_sample"):
        st.session_state["byod_ds_source"] = (class_folder_zip(dataset_or_stop(), per_class=60), "example zip")
    left, right = st.columns(2)
    upload = left.file_uploader("Upload a .zip or .npz", type=["zip", "npz"], key="byod_ds_upload")
    if fresh_upload(upload, "byod_ds_upload_id"):
        st.session_state["byod_ds_source"] = (upload.getvalue(), "your upload")
    folder = right.file_uploader(
        "Or upload a folder of class folders",
        accept_multiple_files="directory",
        key="byod_ds_folder",
        help="Your browser sends every file in the folder and its subfolders.",
    )
    if fresh_upload(folder, "byod_ds_folder_id"):
        try:  # the caps from the sizes the browser declared, before a single file is read
            check_folder_upload(len(folder), sum(f.size for f in folder))
            st.session_state["byod_ds_source"] = ([(f.name, f.getvalue()) for f in folder], "your folder")
        except MedLensError as error:
            show_error(error)


def _import_report_view(dataset, report, name: str) -> None:
    """What the import found, the files it skipped, and Save (replacing only when asked)."""
    from core.data import imported

    try:
        dataset = replace(dataset, name=imported.check_name(name), title=name)
    except MedLensError as error:
        show_error(error)
        return
    for line in report.lines():
        st.markdown(f"- {plain(line)}")
    balance = {s: dict(zip(report.class_names, counts, strict=True)) for s, counts in report.counts.items()}
    st.bar_chart(balance, stack=True, horizontal=True)
    if report.refused:
        with st.expander(f"{len(report.refused)} files skipped, with reasons"):
            st.dataframe([{"file": p, "reason": r} for p, r in report.refused], hide_index=True)
    overwrite = imported.exists(dataset.name) and st.checkbox(
        f"Replace the existing dataset {plain(dataset.name)}", key="byod_ds_replace"
    )
    if st.button(f"Save as dataset {plain(dataset.name)}", key="byod_ds_save"):
        try:
            meta = imported.save(dataset, report.source_kind, report.seed, replace=bool(overwrite))
        except MedLensError as error:
            show_error(error)
            return
        select_model(None, meta.name, meta.size)
        st.success(f"Saved. {plain(meta.name)} is now the session's dataset; every page and session can pick it.")


def _run_model_check(job, path):
    from core.inputs.model_check import check_model_file

    job.report(0.1, "checking the config against the allow-list, then loading it in a sandbox…")
    return check_model_file(path, should_stop=job.should_stop)


def model_tab() -> None:
    from core.jobs import submit
    from core.models.importing import check_fits, import_model

    st.markdown(
        "A **.keras** file only. Its config is checked before anything loads: plain Keras layers only, "
        "no `Lambda`, no custom code. Then it is loaded in safe mode in a separate process with time and "
        "memory limits. `.h5`, SavedModel folders and pickles are refused, because they can run code."
    )
    upload = st.file_uploader("Upload a model", key="byod_model_upload", help="A .keras file, up to 50 MB.")
    if fresh_upload(upload, "byod_model_upload_id"):
        path = session_space().write(upload.getvalue(), ".keras")
        st.session_state["byod_model_file"] = (path, upload.name)
        st.session_state["byod_model_job"] = submit(_run_model_check, path)
    job = job_panel("byod_model_job", "Checking: ")
    if job is None:
        return
    check, (path, file_name) = job.result, st.session_state["byod_model_file"]
    st.success(
        f"Safe to load: input {check.input_shape[0]}x{check.input_shape[1]}x{check.input_shape[2]}, "
        f"{check.num_classes} classes, {check.params:,} parameters, {check.layers} layers."
    )
    if not check.outputs_probabilities:
        st.warning("Its outputs do not sum to 1 (logits?): class percentages shown for it will not be probabilities.")
    dataset = dataset_or_stop()
    try:
        check_fits(check, dataset)
    except MedLensError as error:
        st.error(f"{plain(error)} Pick a matching dataset and size in the sidebar.")
        return
    name = st.text_input("Name in the store", value=file_name.rsplit(".", 1)[0][:120], key="byod_model_name")
    if st.button(f"Add to the store for {plain(dataset.title)}", type="primary", key="byod_model_save"):
        try:
            with st.spinner("Evaluating on the test split and storing…"):
                meta = import_model(path, current_dataset_name(), current_size(), name, check=check)
        except MedLensError as error:
            show_error(error)
            return
        select_model(meta.id)
        st.success(f"Stored as {meta.id}: test accuracy {meta.metrics['test_accuracy']:.3f}. It is now selected.")


def main() -> None:
    st.title("Your data")
    plain_words("byod", "How MedLens treats your files, in plain words")
    image, datasets, models, validation = st.tabs(
        ["Predict an image", "Import a dataset", "Bring a model", "Validate on your folder"]
    )
    with image:
        image_tab()
    with datasets:
        dataset_tab()
    with models:
        model_tab()
    with validation:
        validation_tab()


route_through_app()
main()

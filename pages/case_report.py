"""The case-report panel (Explain, Your data): notes, then a one-page PDF and HTML to take away."""

import hashlib

import streamlit as st

from pages.common import show_error


@st.cache_data(max_entries=8, show_spinner=False)
def _documents(model_id: str, image_bytes: bytes, shape: tuple, facts: tuple, notes: str, compare: str | None):
    """Both renderings of one report (built once per image, notes and comparison)."""
    import numpy as np

    from core.data import load
    from core.explain.service import training_background
    from core.models.store import read_meta
    from core.report import case, html, pdf

    meta = read_meta(model_id)
    dataset = load(meta.dataset, meta.size)
    image = np.frombuffer(image_bytes, dtype=np.uint8).reshape(shape)
    report = case.build(
        model_id,
        image,
        list(dataset.class_names),
        dataset.title,
        dict(facts),
        notes=notes,
        compare_id=compare,
        background=training_background(dataset),
    )
    return pdf.render(report), html.render(report)


def case_report_panel(model_id: str, image, facts: dict, key: str, compare: str | None = None) -> None:
    """Notes and two downloads; the report is prepared on request (it runs two explanations, a few seconds)."""
    from core.errors import MedLensError

    with st.expander("Case report to take away (PDF, HTML)"):
        st.caption(
            "One page: the image, the answer and the call, the out-of-domain check, two explanations with their "
            "faithfulness, the model's facts and your notes. Never a patient field or a file name."
        )
        notes = st.text_area("Your notes (printed as plain text)", key=f"{key}_notes", max_chars=4000)
        signature = hashlib.sha256(model_id.encode() + image.tobytes() + notes.encode() + str(compare).encode())
        if st.button("Prepare the report", key=f"{key}_prepare"):
            try:
                with st.spinner("Explaining the image twice and laying out the page…"):
                    st.session_state[f"{key}_docs"] = (
                        signature.hexdigest(),
                        _documents(model_id, image.tobytes(), image.shape, tuple(facts.items()), notes, compare),
                    )
            except MedLensError as error:
                show_error(error)
        prepared = st.session_state.get(f"{key}_docs")
        if prepared is None or prepared[0] != signature.hexdigest():
            return  # none yet, or made for another image, model or notes
        documents = prepared[1]
        left, right = st.columns(2)
        left.download_button("Download PDF", documents[0], "medlens-case.pdf", "application/pdf", key=f"{key}_pdf")
        right.download_button("Download HTML", documents[1], "medlens-case.html", "text/html", key=f"{key}_html")

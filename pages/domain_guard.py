"""The out-of-domain verdict shown beside every answer (Explain, Your data)."""

import streamlit as st

from pages.common import plain


@st.cache_resource(max_entries=4, show_spinner="Fitting the model's domain reference (once per model)…")
def _domain_guard(model_id: str, created: str):
    from core.models.domain import guard_for

    return guard_for(model_id)


def domain_note(column, model_id: str, created: str, image, dataset_title: str, source=None) -> None:
    """Beside every answer: a clear warning when the image does not look like the model's training images, else
    a one-line caption with the score; ``source`` is the picture as uploaded (its colour is one of the checks)."""
    from core.models.domain import in_domain_line, judge, thin_note, warning

    guard = _domain_guard(model_id, created)
    if guard is None:
        column.caption("No domain check for this file (its Keras parent is not in the store).")
        return
    verdict = judge(guard[0], guard[1], image[None], None if source is None else [source])[0]
    if verdict.in_domain:
        column.caption(" ".join(part for part in (in_domain_line(verdict), thin_note(guard[1])) if part))
    else:
        column.warning(warning(verdict, plain(dataset_title), guard[1]), icon=":material/warning:")

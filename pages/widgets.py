"""Widgets every page uses the same way: parameter controls drawn from specs, the one background-job panel,
and the first-run check of an upload. They return values; the compute stays in ``core``."""

import weakref
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import streamlit as st

from pages.common import plain, show_error

REFRESH_SECONDS = 2.0
"""How often a running job's panel redraws: often enough to see it move, rarely enough that the page costs the
job little CPU (with a browser on the same 2-core machine, redrawing every second slowed training measurably)."""


def fresh_upload(upload, key: str) -> bool:
    """True on the first run that sees ``upload`` (a file, or a folder's list of files), False on later
    reruns with the same upload: a page acts on a new file once, not on every widget change."""
    if not upload:
        return False
    identity = tuple(f.file_id for f in upload) if isinstance(upload, list) else upload.file_id
    if st.session_state.get(key) == identity:
        return False
    st.session_state[key] = identity
    return True


def with_glossary(help_text: str | None, label: str) -> str | None:
    """A parameter's help with a link to the glossary when its name is a glossary word (sparsity, seed, …)."""
    from core.lesson import GLOSSARY
    from pages.teaching import term

    word = next((w for w in GLOSSARY if w.lower() == label.lower()), None)
    if word is None:
        return help_text
    return f"{help_text or ''} See {term(word)} in the glossary.".strip()


def param_widgets(params, prefix: str, initial: dict | None = None) -> dict:
    """Widgets drawn from ``Param`` specs (a registry's own ranges and help); returns their values.

    ``initial`` overrides the specs' defaults for widgets drawn for the first time.
    """
    values = {}
    for spec in params:
        p = replace(spec, default=(initial or {}).get(spec.name, spec.default))
        key = f"{prefix}_{p.name}"
        label = p.name.replace("_", " ")
        p = replace(p, help=with_glossary(p.help, label))
        if p.kind == "choice":
            values[p.name] = st.selectbox(label, p.choices, index=p.choices.index(p.default), key=key, help=p.help)
        elif p.kind == "bool":
            values[p.name] = st.checkbox(label, value=p.default, key=key, help=p.help)
        elif p.kind == "text":
            values[p.name] = st.text_input(label, value=p.default, key=key, help=p.help)
        elif p.kind == "int":
            values[p.name] = st.slider(label, int(p.low), int(p.high), int(p.default), key=key, help=p.help)
        elif p.scale == "log":
            values[p.name] = st.number_input(label, p.low, p.high, p.default, format="%.0e", key=key, help=p.help)
        else:
            values[p.name] = st.slider(label, float(p.low), float(p.high), float(p.default), key=key, help=p.help)
    return values


def job_panel(
    key: str,
    label: str = "",
    *,
    on_done: Callable[[Any], None] | None = None,
    on_first_done: Callable[[Any], None] | None = None,
    live: Callable[[Any], None] | None = None,
    cancelled: str = "Cancelled.",
) -> Any:
    """The one widget for the background job a page keeps in ``st.session_state[key]``.

    While it runs: a progress bar with its message, ``live(job)`` (e.g. a growing chart) and Cancel,
    refreshed every ``REFRESH_SECONDS`` in a fragment, so the page never freezes. When it ends: once,
    ``on_first_done(job)`` for a success and a full rerun so the rest of the page sees the result; then
    ``on_done(job)`` for a success, a note for a cancel, one plain sentence for a failure.
    Returns the job when it succeeded (for results drawn in the page body), else None.
    """
    from core.jobs import JobStatus

    job = st.session_state.get(key)
    if job is None:
        return None
    drawn = st.session_state.setdefault(DRAWN_KEY, {})
    if job.done:
        drawn[key] = weakref.ref(job)  # this full run draws its results (weak: a replaced job is not kept alive)

    @st.fragment(run_every=None if job.done else REFRESH_SECONDS)
    def panel() -> None:
        if not job.done:
            st.progress(job.progress, text=f"{label}{plain(job.message) or 'starting…'}")
            if live is not None:
                live(job)
            if st.button("Cancel", key=f"{key}_cancel", icon=":material/stop:"):
                job.cancel()
            return
        first = job.consume()
        if first and job.status is JobStatus.DONE and on_first_done is not None:
            on_first_done(job)
        if first or needs_full_run(drawn, key, job):
            st.rerun(scope="app")
        if job.status is JobStatus.CANCELLED:
            st.warning(cancelled)
        elif job.status is JobStatus.FAILED:
            show_error(job.error)
        elif on_done is not None:
            on_done(job)

    panel()
    return job if job.status is JobStatus.DONE else None


DRAWN_KEY = "_jobs_drawn_ended"


def needs_full_run(drawn: dict, key: str, job) -> bool:
    """True while no full run of the page has drawn this ended job. The panel's first sight of the end asks for
    one; should that request be dropped (a browser busy with other reruns, as a class on one server can make it),
    the panel keeps asking on its refresh instead of leaving the page on a finished bar without its results."""
    seen = drawn.get(key)
    return seen is None or seen() is not job


def job_is_running(key: str) -> bool:
    """Whether the page's job under ``key`` is still going (start buttons are disabled meanwhile)."""
    job = st.session_state.get(key)
    return job is not None and not job.done
